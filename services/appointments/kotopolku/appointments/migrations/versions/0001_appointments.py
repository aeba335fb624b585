"""Appointments, assignees, history, reminders and their outbox, calendar feeds and locks, audit
outbox, idempotency keys.

Revision ID: appointments_0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "appointments_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("location", sa.String(300), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime, nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("refs", sa.JSON, nullable=False),
        sa.Column("reminder_leads", sa.JSON, nullable=False),
        sa.Column("reminder_language", sa.String(3), nullable=False),
        sa.Column("organiser", sa.String(200), nullable=False),
        sa.Column("cancellation_reason", sa.String(1000)),
        sa.Column("cancelled_at", UtcDateTime),
        sa.Column("deleted_at", UtcDateTime),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_appointments_municipality_start",
        "appointments",
        ["municipality_code", "starts_at", "id"],
    )
    op.create_index(
        "ix_appointments_team_start",
        "appointments",
        ["municipality_code", "team", "starts_at", "id"],
    )
    op.create_index(
        "ix_appointments_client_start", "appointments", ["client_id", "starts_at", "id"]
    )
    op.create_table(
        "appointment_assignees",
        sa.Column(
            "appointment_id", sa.String(36), sa.ForeignKey("appointments.id"), primary_key=True
        ),
        sa.Column("person_key", sa.String(80), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_appointment_assignees_person",
        "appointment_assignees",
        ["person_key", "appointment_id"],
    )
    op.create_table(
        "appointment_history",
        sa.Column(
            "appointment_id", sa.String(36), sa.ForeignKey("appointments.id"), primary_key=True
        ),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor_subject", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("overridden_conflicts", sa.JSON, nullable=False),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "appointment_id", sa.String(36), sa.ForeignKey("appointments.id"), nullable=False
        ),
        sa.Column("lead_minutes", sa.Integer, nullable=False),
        sa.Column("send_at", UtcDateTime, nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("variables", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("notification_id", sa.String(64)),
        sa.Column("last_error", sa.String(60)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_reminders_appointment", "reminders", ["appointment_id", "state"])
    op.create_table(
        "reminder_outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("reminder_id", sa.String(36), sa.ForeignKey("reminders.id"), nullable=False),
        sa.Column("operation", sa.String(10), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("last_error", sa.String(60)),
    )
    op.create_index("ix_reminder_outbox_appointment", "reminder_outbox", ["appointment_id", "seq"])
    op.create_table(
        "calendar_feeds",
        sa.Column("person_key", sa.String(80), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("owner_subject", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_read_at", UtcDateTime),
    )
    op.create_table(
        "calendar_locks",
        sa.Column("person_key", sa.String(80), primary_key=True),
        sa.Column("touched_at", UtcDateTime, nullable=False),
    )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for table in (
        "calendar_locks",
        "calendar_feeds",
        "reminder_outbox",
        "reminders",
        "appointment_history",
        "appointment_assignees",
        "appointments",
    ):
        op.drop_table(table)
