"""The clients service's tables (it is their only owner)."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.facts import reporting_outbox_table
from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

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
client_minimisations = client_minimisations_table(metadata)

# --- outreach (tavoittaminen): target-group lists and the people on them -----------------------

outreach_imports = sa.Table(
    "outreach_imports",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("media_type", sa.String(40), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("persons", sa.Integer, nullable=False),
    sa.Column("targets_created", sa.Integer, nullable=False),
    sa.Column("groups_added", sa.Integer, nullable=False),
    sa.Column("matched_clients", sa.Integer, nullable=False),
    sa.Column("unchanged", sa.Integer, nullable=False),
    sa.Column("imported_by", sa.String(200), nullable=False),
    sa.Column("imported_at", UtcDateTime, nullable=False),
    sa.Index("ix_outreach_imports_list", "municipality_code", "imported_at", "id"),
)

outreach_targets = sa.Table(
    "outreach_targets",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    # "hetu:<identity code>" or "<source>:<id in the source's register>" (domain/outreach.py).
    sa.Column("person_key", sa.String(64), nullable=False),
    sa.Column("henkilotunnus", sa.String(11)),
    sa.Column("source_person_id", sa.String(40), nullable=False),
    sa.Column("first_names", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("date_of_birth", sa.Date, nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("contact", sa.JSON, nullable=False),
    sa.Column("first_permit_date", sa.Date, nullable=False),
    sa.Column("window_ends_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempt_count", sa.Integer, nullable=False),
    sa.Column("last_attempt_on", sa.Date),
    sa.Column("assignee_subject", sa.String(200)),
    sa.Column("assignee_name", sa.String(200)),
    sa.Column("client_id", sa.String(36), sa.ForeignKey("clients.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("municipality_code", "person_key", name="uq_outreach_targets_person"),
    # Every list is ordered by window end: the municipality's, one status's, one officer's.
    sa.Index("ix_outreach_targets_window", "municipality_code", "window_ends_on", "id"),
    sa.Index("ix_outreach_targets_status", "municipality_code", "status", "window_ends_on", "id"),
    sa.Index(
        "ix_outreach_targets_assignee",
        "municipality_code",
        "assignee_subject",
        "window_ends_on",
        "id",
    ),
)

outreach_target_groups = sa.Table(
    "outreach_target_groups",
    metadata,
    sa.Column(
        "target_id",
        sa.String(36),
        sa.ForeignKey("outreach_targets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("target_group", sa.String(40), primary_key=True),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("first_permit_date", sa.Date, nullable=False),
    sa.Column(
        "first_import_id", sa.String(36), sa.ForeignKey("outreach_imports.id"), nullable=False
    ),
    sa.Column("listed_at", UtcDateTime, nullable=False),
)

outreach_target_events = sa.Table(
    "outreach_target_events",
    metadata,
    sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "target_id",
        sa.String(36),
        sa.ForeignKey("outreach_targets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("actor_subject", sa.String(200), nullable=False),
    sa.Column("status_after", sa.String(20), nullable=False),
    sa.Column("import_id", sa.String(36)),
    sa.Column("target_group", sa.String(40)),
    sa.Column("outcome", sa.String(20)),
    sa.Column("channel", sa.String(20)),
    sa.Column("contacted_on", sa.Date),
    sa.Column("note", sa.String(2000)),
    sa.Column("assignee_subject", sa.String(200)),
    sa.Column("assignee_name", sa.String(200)),
    sa.Column("client_id", sa.String(36)),
    sa.Index("ix_outreach_target_events_target", "target_id", "sequence"),
)

# Pseudonymous facts for the reporting service (outreach coverage), written with the change.
reporting_outbox = reporting_outbox_table(metadata)
