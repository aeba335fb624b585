"""Contracts, attachments, cost entries, claims with their lines and events, audit outbox,
idempotency keys.

Revision ID: contracts_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "contracts_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("parties", sa.JSON, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("renewal_type", sa.String(20), nullable=False),
        sa.Column("renewal_period_months", sa.Integer, nullable=False),
        sa.Column("notice_period_days", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("amount_basis", sa.String(20), nullable=False),
        sa.Column("responsible_officer", sa.String(200), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("notice_given_on", sa.Date),
        sa.Column("termination_date", sa.Date),
        # The next day someone must act (expiry, or the last day of notice before a renewal), kept
        # current on every write and rolled forward for renewals when the expiring list is read.
        sa.Column("next_deadline", sa.Date),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_contracts_list", "contracts", ["municipality_code", "created_at", "id"])
    op.create_index(
        "ix_contracts_deadline", "contracts", ["municipality_code", "next_deadline", "id"]
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("owner_kind", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_attachments_owner", "attachments", ["owner_kind", "owner_id", "uploaded_at"]
    )
    op.create_table(
        "cost_entries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("account_code", sa.String(10), nullable=False),
        sa.Column("compensation_type", sa.String(40), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("activity_date", sa.Date, nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("invoice_reference", sa.String(100), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("claim_id", sa.String(36)),
        sa.Column("void_reason", sa.String(1000), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_cost_entries_list", "cost_entries", ["municipality_code", "created_at", "id"]
    )
    op.create_index(
        "ix_cost_entries_claimable",
        "cost_entries",
        ["municipality_code", "compensation_type", "status", "activity_date"],
    )
    op.create_index("ix_cost_entries_client", "cost_entries", ["client_id"])
    op.create_index("ix_cost_entries_claim", "cost_entries", ["claim_id"])
    op.create_table(
        "claims",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("compensation_type", sa.String(40), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("claimed_cents", sa.BigInteger, nullable=False),
        sa.Column("approved_cents", sa.BigInteger),
        sa.Column("paid_cents", sa.BigInteger),
        sa.Column("submission_reference", sa.String(100), nullable=False),
        sa.Column("decision_reference", sa.String(100), nullable=False),
        sa.Column("submitted_on", sa.Date),
        sa.Column("additions_requested_on", sa.Date),
        sa.Column("additions_due_date", sa.Date),
        sa.Column("decided_on", sa.Date),
        # The JSON document as submitted, frozen in object storage.
        sa.Column("submitted_document_key", sa.String(300), nullable=False),
        sa.Column("submitted_document_sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_claims_list", "claims", ["municipality_code", "created_at", "id"])
    op.create_table(
        "claim_lines",
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), primary_key=True),
        sa.Column("line_number", sa.Integer, primary_key=True),
        sa.Column("cost_entry_id", sa.String(36), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("account_code", sa.String(10), nullable=False),
        sa.Column("activity_date", sa.Date, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("invoice_reference", sa.String(100), nullable=False),
        sa.Column("eligibility", sa.JSON, nullable=False),
        sa.Column("approved_cents", sa.BigInteger),
        sa.Column("decision_note", sa.String(1000), nullable=False),
    )
    op.create_index("ix_claim_lines_cost_entry", "claim_lines", ["cost_entry_id"])
    op.create_table(
        "claim_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("note", sa.String(4000), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_claim_events_claim", "claim_events", ["claim_id", "seq"])
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for table in (
        "claim_events",
        "claim_lines",
        "claims",
        "cost_entries",
        "attachments",
        "contracts",
    ):
        op.drop_table(table)
