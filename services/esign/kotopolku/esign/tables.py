"""The e-signature service's tables (it is their only owner)."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

metadata = sa.MetaData()

# Content-addressed and immutable: a document is stored once under its SHA-256 and never
# updated (a trigger refuses updates); every read checks the hash.
documents = sa.Table(
    "documents",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("media_type", sa.String(50), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

signing_requests = sa.Table(
    "signing_requests",
    metadata,
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
    # Stored PENDING until a final step; EXPIRED is derived from the deadline when read.
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
    sa.Index("ix_signing_requests_plan", "plan_id", "created_at", "id"),
    sa.Index("ix_signing_requests_client", "client_id", "created_at", "id"),
)

signers = sa.Table(
    "signers",
    metadata,
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
    # The token's acr and auth_time of the person who signed: the strength of the approval.
    sa.Column("authentication_context", sa.String(200)),
    sa.Column("authenticated_at", UtcDateTime),
    # The document after this signature.
    sa.Column("document_sha256", sa.String(64)),
    sa.Column("declined_at", UtcDateTime),
    sa.Column("decline_reason", sa.Text),
)

# Work handed to other services: the signed approval to the plans service, invitations and
# reminders to the messaging service. Delivered at least once, from ``due_at`` on.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("request_id", sa.String(36), nullable=False),
    # Invitations and reminders concern one signer; they are dropped once it has signed.
    sa.Column("signer_position", sa.Integer),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.String(60), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_deliveries_due", "next_attempt_at", "seq"),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
