"""The audit service's tables (SQLAlchemy Core); the migrations create the same shape."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.tables import UtcDateTime

metadata = sa.MetaData()

audit_entries = sa.Table(
    "audit_entries",
    metadata,
    # 1-based, consecutive; assigned under the lock on the chain head.
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("actor_subject", sa.Text, nullable=False),
    # JSON array of role names.
    sa.Column("actor_roles", sa.Text, nullable=False),
    sa.Column("municipality_code", sa.Text, nullable=False),
    sa.Column("welfare_area_code", sa.Text, nullable=False),
    sa.Column("subject_client_id", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("resource", sa.Text, nullable=False),
    # JSON array of field names (never values).
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("trace_id", sa.Text, nullable=False),
    sa.Column("service", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("previous_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    # JSON object of named facts (X-Road headers, a disclosure's recipient); "" when none.
    sa.Column("context", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("event_id", name="uq_audit_entries_event_id"),
    sa.Index("ix_audit_entries_subject_position", "subject_client_id", "position"),
    sa.Index("ix_audit_entries_actor_position", "actor_subject", "position"),
    sa.Index("ix_audit_entries_municipality_recorded", "municipality_code", "recorded_at"),
)

# One row (id = 1): the last position and hash. Locking it serialises appends across replicas.
audit_chain_head = sa.Table(
    "audit_chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
)

HEAD_ID = 1
