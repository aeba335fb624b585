"""E-signature: signing requests, signers, content-addressed documents, deliveries.

Revision ID: 0001_esign
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "0001_esign"
down_revision = None
branch_labels = None
depends_on = None

_IMMUTABLE = "signed documents are immutable"


def upgrade() -> None:
    create_common_tables(op)
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("media_type", sa.String(50), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "signing_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document_kind", sa.String(30), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("plan_version", sa.Integer, nullable=False),
        sa.Column("plan_kind", sa.String(20), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("responsible_authority", sa.String(30), nullable=False),
        sa.Column("signing_order", sa.String(20), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("official_language", sa.String(2), nullable=False),
        sa.Column("original_sha256", sa.String(64), nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("plan_activation", sa.String(20), nullable=False),
        sa.Column("plan_activation_error", sa.Text, nullable=False),
        sa.Column("cancel_reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("completed_at", UtcDateTime),
    )
    op.create_index("ix_signing_requests_plan", "signing_requests", ["plan_id", "created_at", "id"])
    op.create_index(
        "ix_signing_requests_client", "signing_requests", ["client_id", "created_at", "id"]
    )
    op.create_table(
        "signers",
        sa.Column(
            "request_id",
            sa.String(36),
            sa.ForeignKey("signing_requests.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("party", sa.String(20), nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200)),
        sa.Column("signed_at", UtcDateTime),
        sa.Column("authentication_context", sa.String(200)),
        sa.Column("authenticated_at", UtcDateTime),
        sa.Column("document_sha256", sa.String(64)),
        sa.Column("declined_at", UtcDateTime),
        sa.Column("decline_reason", sa.Text),
    )
    op.create_table(
        "deliveries",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("signer_position", sa.Integer),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("last_error", sa.String(60), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["next_attempt_at", "seq"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER documents_immutable BEFORE UPDATE ON documents "
            f"BEGIN SELECT RAISE(ABORT, '{_IMMUTABLE}'); END"
        )
    else:
        op.execute(
            "CREATE FUNCTION esign_documents_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_IMMUTABLE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER documents_immutable BEFORE UPDATE ON documents "
            "FOR EACH ROW EXECUTE FUNCTION esign_documents_immutable()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS documents_immutable ON documents")
        op.execute("DROP FUNCTION IF EXISTS esign_documents_immutable()")
    op.drop_table("deliveries")
    op.drop_table("signers")
    op.drop_table("signing_requests")
    op.drop_table("documents")
    drop_common_tables(op)
