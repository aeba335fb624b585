"""The appointments service's tables (it is their only owner)."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

metadata = sa.MetaData()

appointments = sa.Table(
    "appointments",
    metadata,
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
    # The reminders' language chosen by staff; empty: the client's preferred language.
    sa.Column("reminder_language", sa.String(3), nullable=False),
    sa.Column("organiser", sa.String(200), nullable=False),
    sa.Column("cancellation_reason", sa.String(1000)),
    sa.Column("cancelled_at", UtcDateTime),
    # Deleted appointments leave every calendar; the row stays for the history.
    sa.Column("deleted_at", UtcDateTime),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_appointments_municipality_start", "municipality_code", "starts_at", "id"),
    sa.Index("ix_appointments_team_start", "municipality_code", "team", "starts_at", "id"),
    sa.Index("ix_appointments_client_start", "client_id", "starts_at", "id"),
)

# One row per person taking part; person_key is the subject, or client:<client id>.
assignees = sa.Table(
    "appointment_assignees",
    metadata,
    sa.Column("appointment_id", sa.String(36), sa.ForeignKey("appointments.id"), primary_key=True),
    sa.Column("person_key", sa.String(80), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("organisation", sa.String(64), nullable=False),
    sa.Index("ix_appointment_assignees_person", "person_key", "appointment_id"),
)

history = sa.Table(
    "appointment_history",
    metadata,
    sa.Column("appointment_id", sa.String(36), sa.ForeignKey("appointments.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor_subject", sa.String(64), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    # [{"field": ..., "before": ..., "after": ...}]
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("reason", sa.String(1000), nullable=False),
    sa.Column("overridden_conflicts", sa.JSON, nullable=False),
)

reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("appointment_id", sa.String(36), sa.ForeignKey("appointments.id"), nullable=False),
    sa.Column("lead_minutes", sa.Integer, nullable=False),
    sa.Column("send_at", UtcDateTime, nullable=False),
    sa.Column("language", sa.String(3), nullable=False),
    sa.Column("variables", sa.JSON, nullable=False),
    # Sent to the messaging service, which sends each key once.
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("notification_id", sa.String(64)),
    # A gRPC status name, never a message text.
    sa.Column("last_error", sa.String(60)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_reminders_appointment", "appointment_id", "state"),
)

# Work for the messaging service, written in the transaction that changes the appointment and
# delivered in order per appointment by kotopolku.appointments.reminder_relay.ReminderRelay.
reminder_outbox = sa.Table(
    "reminder_outbox",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("appointment_id", sa.String(36), nullable=False),
    sa.Column("reminder_id", sa.String(36), sa.ForeignKey("reminders.id"), nullable=False),
    # "send" or "cancel"
    sa.Column("operation", sa.String(10), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.String(60)),
    sa.Index("ix_reminder_outbox_appointment", "appointment_id", "seq"),
)

# A person's calendar feed: only a hash of the secret token is kept.
calendar_feeds = sa.Table(
    "calendar_feeds",
    metadata,
    sa.Column("person_key", sa.String(80), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("owner_subject", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_read_at", UtcDateTime),
)

# Rows locked by every booking transaction for the people it books, so that two concurrent
# bookings of one person are checked for conflicts one after the other.
calendar_locks = sa.Table(
    "calendar_locks",
    metadata,
    sa.Column("person_key", sa.String(80), primary_key=True),
    sa.Column("touched_at", UtcDateTime, nullable=False),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
