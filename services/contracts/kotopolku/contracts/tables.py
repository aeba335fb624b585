"""Tables of the contracts service (SQLAlchemy Core), created by migrations/versions."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

metadata = sa.MetaData()

contracts = sa.Table(
    "contracts",
    metadata,
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
    sa.Index("ix_contracts_list", "municipality_code", "created_at", "id"),
    sa.Index("ix_contracts_deadline", "municipality_code", "next_deadline", "id"),
)

attachments = sa.Table(
    "attachments",
    metadata,
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
    sa.Index("ix_attachments_owner", "owner_kind", "owner_id", "uploaded_at"),
)

cost_entries = sa.Table(
    "cost_entries",
    metadata,
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
    sa.Index("ix_cost_entries_list", "municipality_code", "created_at", "id"),
    sa.Index(
        "ix_cost_entries_claimable",
        "municipality_code",
        "compensation_type",
        "status",
        "activity_date",
    ),
    sa.Index("ix_cost_entries_client", "client_id"),
    sa.Index("ix_cost_entries_claim", "claim_id"),
)

claims = sa.Table(
    "claims",
    metadata,
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
    sa.Index("ix_claims_list", "municipality_code", "created_at", "id"),
)

claim_lines = sa.Table(
    "claim_lines",
    metadata,
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
    sa.Index("ix_claim_lines_cost_entry", "cost_entry_id"),
)

claim_events = sa.Table(
    "claim_events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("note", sa.String(4000), nullable=False),
    sa.Column("reference", sa.String(100), nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Index("ix_claim_events_claim", "claim_id", "seq"),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
