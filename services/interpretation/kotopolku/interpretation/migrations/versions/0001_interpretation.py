"""Interpreter bookings, interpretation records, translations, audit outbox, idempotency keys.

Revision ID: interpretation_0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "interpretation_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interpreter_bookings",
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
    )
    op.create_table(
        "interpretation_records",
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
    )
    op.create_table(
        "translations",
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
    op.create_index(
        "ix_interpreter_bookings_municipality",
        "interpreter_bookings",
        ["municipality_code", "starts_at", "id"],
    )
    op.create_index(
        "ix_interpreter_bookings_provider",
        "interpreter_bookings",
        ["provider_organisation", "starts_at", "id"],
    )
    op.create_index(
        "ix_interpreter_bookings_appointment", "interpreter_bookings", ["appointment_id"]
    )
    op.create_index(
        "ix_interpretation_records_client",
        "interpretation_records",
        ["municipality_code", "client_id", "recorded_at"],
    )
    op.create_index(
        "ix_interpretation_records_reference",
        "interpretation_records",
        ["municipality_code", "reference_id"],
    )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    op.drop_table("translations")
    op.drop_table("interpretation_records")
    op.drop_table("interpreter_bookings")
