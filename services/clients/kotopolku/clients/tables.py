"""The clients service's tables (it is their only owner)."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.tables import UtcDateTime, audit_outbox_table, idempotency_table

metadata = sa.MetaData()

# Search keys are ASCII; the C collation lets a B-tree index serve prefix ranges on PostgreSQL.
SearchKey = sa.String(120).with_variant(sa.String(120, collation="C"), "postgresql")

clients = sa.Table(
    "clients",
    metadata,
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
    sa.UniqueConstraint("municipality_code", "henkilotunnus", name="uq_clients_municipality_hetu"),
    sa.Index("ix_clients_list", "municipality_code", "sort_name", "id"),
    sa.Index("ix_clients_henkilotunnus", "henkilotunnus"),
    sa.Index("ix_clients_birth", "municipality_code", "date_of_birth"),
)

client_search_keys = sa.Table(
    "client_search_keys",
    metadata,
    sa.Column("search_key", SearchKey, primary_key=True),
    sa.Column(
        "client_id",
        sa.String(36),
        sa.ForeignKey("clients.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # The client's municipality and sort name, kept in step with the client's row (written
    # together): a search reads one municipality's matches in order from the index below.
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("sort_name", SearchKey, nullable=False),
    # A client's keys: replaced on renames, and probed when a search checks a candidate.
    sa.Index("ix_client_search_keys_client_key", "client_id", "search_key"),
    sa.Index(
        "ix_client_search_keys_match", "municipality_code", "search_key", "sort_name", "client_id"
    ),
)

family_links = sa.Table(
    "family_links",
    metadata,
    sa.Column("client_id", sa.String(36), sa.ForeignKey("clients.id"), primary_key=True),
    sa.Column("related_client_id", sa.String(36), sa.ForeignKey("clients.id"), primary_key=True),
    sa.Column("relation", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("client_id", sa.String(36), sa.ForeignKey("clients.id"), nullable=False, index=True),
    sa.Column("purpose", sa.String(60), nullable=False),
    sa.Column("scope", sa.String(1000), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date),
    sa.Column("given_at", UtcDateTime, nullable=False),
    sa.Column("withdrawn_at", UtcDateTime),
)

referrals = sa.Table(
    "referrals",
    metadata,
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
    sa.Index("ix_referrals_inbox", "municipality_code", "status", "created_at", "id"),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
