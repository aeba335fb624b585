"""Clients, search keys, family links, consents, referrals, audit outbox, idempotency keys.

Revision ID: clients_0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "clients_0001"
down_revision = None
branch_labels = None
depends_on = None

SearchKey = sa.String(120).with_variant(sa.String(120, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("first_names", sa.String(200), nullable=False),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("sort_name", SearchKey, nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("henkilotunnus", sa.String(11)),
        sa.Column("system_identifier", sa.String(16), nullable=False, unique=True),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("contact", sa.JSON, nullable=False),
        sa.Column("segment", sa.String(20)),
        sa.Column("residence_permit_type", sa.String(40)),
        sa.Column("first_permit_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint(
            "municipality_code", "henkilotunnus", name="uq_clients_municipality_hetu"
        ),
    )
    op.create_index("ix_clients_list", "clients", ["municipality_code", "sort_name", "id"])
    op.create_index("ix_clients_henkilotunnus", "clients", ["henkilotunnus"])
    op.create_index("ix_clients_birth", "clients", ["municipality_code", "date_of_birth"])
    op.create_table(
        "client_search_keys",
        sa.Column("search_key", SearchKey, primary_key=True),
        sa.Column(
            "client_id",
            sa.String(36),
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_client_search_keys_client", "client_search_keys", ["client_id"])
    op.create_table(
        "family_links",
        sa.Column("client_id", sa.String(36), sa.ForeignKey("clients.id"), primary_key=True),
        sa.Column(
            "related_client_id", sa.String(36), sa.ForeignKey("clients.id"), primary_key=True
        ),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("client_id", sa.String(36), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("purpose", sa.String(60), nullable=False),
        sa.Column("scope", sa.String(1000), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("given_at", UtcDateTime, nullable=False),
        sa.Column("withdrawn_at", UtcDateTime),
    )
    op.create_index("ix_consents_client_id", "consents", ["client_id"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("referrer_organisation", sa.String(100), nullable=False),
        sa.Column("referrer_subject", sa.String(100), nullable=False),
        sa.Column("first_names", sa.String(200), nullable=False),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("henkilotunnus", sa.String(11)),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("contact", sa.JSON, nullable=False),
        sa.Column("reason", sa.String(4000), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decision_reason", sa.String(4000)),
        sa.Column("client_id", sa.String(36), sa.ForeignKey("clients.id")),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime),
    )
    op.create_index(
        "ix_referrals_inbox", "referrals", ["municipality_code", "status", "created_at", "id"]
    )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for table in ("referrals", "consents", "family_links", "client_search_keys", "clients"):
        op.drop_table(table)
