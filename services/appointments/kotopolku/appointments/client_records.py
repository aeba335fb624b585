"""The appointments service's part of the client-records contract (archiving, docs/archiving.md):
the client's appointments with their assignees, history and reminders, and the client's calendar
feed, go into the archival package and are then removed (with reminders not yet handed to the
messaging service and the client's calendar lock)."""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement

from kotopolku.appointments.tables import (
    appointments,
    assignees,
    calendar_feeds,
    calendar_locks,
    history,
    reminder_outbox,
    reminders,
)
from kotopolku.common.client_records import (
    ClientRecordsConfig,
    RecordSource,
    owned_by_client,
    rows_of,
)

_appointment = owned_by_client(appointments)
PARENT = ("appointments.appointment", "appointment_id")


def _feed(client_id: str, municipality: str) -> ColumnElement[bool]:
    # Client ids are unique across municipalities; the archive has checked the client's.
    return calendar_feeds.c.person_key == f"client:{client_id}"


def _lock(client_id: str, municipality: str) -> ColumnElement[bool]:
    return calendar_locks.c.person_key == f"client:{client_id}"


CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("appointments.appointment", appointments, _appointment),
        RecordSource(
            "appointments.assignee",
            assignees,
            rows_of(assignees, "appointment_id", appointments, _appointment),
            id_columns=("appointment_id", "person_key"),
            created_column=None,
            updated_column=None,
            parent=PARENT,
        ),
        RecordSource(
            "appointments.history",
            history,
            rows_of(history, "appointment_id", appointments, _appointment),
            id_columns=("appointment_id", "version"),
            created_column="at",
            updated_column=None,
            parent=PARENT,
        ),
        RecordSource(
            "appointments.reminder",
            reminders,
            rows_of(reminders, "appointment_id", appointments, _appointment),
            parent=PARENT,
        ),
        RecordSource(
            "appointments.reminder-delivery",
            reminder_outbox,
            rows_of(reminder_outbox, "appointment_id", appointments, _appointment),
            id_columns=("seq",),
            updated_column=None,
            exported=False,
        ),
        RecordSource(
            "appointments.calendar-feed",
            calendar_feeds,
            _feed,
            id_columns=("person_key",),
            updated_column="last_read_at",
            # The hash of the feed's secret is of no use to anyone reading the archive.
            omit=frozenset({"token_hash"}),
        ),
        RecordSource(
            "appointments.calendar-lock",
            calendar_locks,
            _lock,
            id_columns=("person_key",),
            created_column=None,
            updated_column=None,
            exported=False,
        ),
    )
)
