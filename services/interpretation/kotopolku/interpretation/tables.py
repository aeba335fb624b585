"""The interpretation service's tables (it is their only owner)."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

metadata = sa.MetaData()

bookings = sa.Table(
    "interpreter_bookings",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("appointment_id", sa.String(36), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("language", sa.String(3), nullable=False),
    sa.Column("dialect", sa.String(60), nullable=False),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("provider_organisation", sa.String(64), nullable=False),
    # NULL: open to any interpreter of the provider.
    sa.Column("interpreter_subject", sa.String(64)),
    sa.Column("interpreter_name", sa.String(200), nullable=False),
    sa.Column("location", sa.String(300), nullable=False),
    sa.Column("notes", sa.String(1000), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("cancellation_reason", sa.String(1000)),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("confirmed_at", UtcDateTime),
    sa.Column("completed_at", UtcDateTime),
    sa.Index("ix_interpreter_bookings_municipality", "municipality_code", "starts_at", "id"),
    sa.Index("ix_interpreter_bookings_provider", "provider_organisation", "starts_at", "id"),
    sa.Index("ix_interpreter_bookings_appointment", "appointment_id"),
)

records = sa.Table(
    "interpretation_records",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("reference_kind", sa.String(20), nullable=False),
    sa.Column("reference_id", sa.String(64), nullable=False),
    sa.Column("language", sa.String(3), nullable=False),
    sa.Column("dialect", sa.String(60), nullable=False),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("booking_id", sa.String(36)),
    sa.Column("provider_organisation", sa.String(64), nullable=False),
    sa.Column("interpreter_name", sa.String(200), nullable=False),
    sa.Column("used_on", sa.Date, nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Index("ix_interpretation_records_client", "municipality_code", "client_id", "recorded_at"),
    sa.Index("ix_interpretation_records_reference", "municipality_code", "reference_id"),
)

translations = sa.Table(
    "translations",
    metadata,
    sa.Column("municipality_code", sa.String(3), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("language", sa.String(3), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("text", sa.String(4000), nullable=False),
    sa.Column("source_language", sa.String(3), nullable=False),
    sa.Column("translated_by", sa.String(64), nullable=False),
    sa.Column("translated_at", UtcDateTime, nullable=False),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
