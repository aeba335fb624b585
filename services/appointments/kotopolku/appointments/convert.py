"""Rows of the appointments service's tables as API messages and as domain values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from kotopolku.appointments.domain import (
    AppointmentKind,
    AppointmentStatus,
    Assignee,
    AssigneeKind,
    HistoryAction,
    ReminderState,
)
from kotopolku.appointments.domain.calendar_file import CalendarEntry
from kotopolku.appointments.enums import to_proto
from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.appointments.validation import AppointmentValues
from kotopolku.common.clock import as_utc, to_timestamp
from kotopolku.common.localtime import local_iso

# Field names reported to the audit log when a whole record is read.
STAFF_FIELDS: Final = tuple(pb.Appointment.DESCRIPTOR.fields_by_name)
# What assignees from outside the municipality's staff and the client see.
STAFF_ONLY_FIELDS: Final = ("description", "references", "reminders", "created_by")
PARTICIPANT_FIELDS: Final = tuple(f for f in STAFF_FIELDS if f not in STAFF_ONLY_FIELDS)


def assignee(row: Any) -> Assignee:
    return Assignee(AssigneeKind(row.kind), row.subject, row.display_name, row.organisation)


def values(row: Any, people: Sequence[Any]) -> AppointmentValues:
    return AppointmentValues(
        kind=AppointmentKind(row.kind),
        title=row.title,
        description=row.description,
        location=row.location,
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
        assignees=tuple(assignee(p) for p in people),
        references=dict(row.refs or {}),
        team=row.team,
        reminder_leads=tuple(row.reminder_leads or ()),
        reminder_language=row.reminder_language,
        organiser=row.organiser,
    )


def appointment_message(
    row: Any, people: Sequence[Any], reminders: Sequence[Any], *, staff: bool
) -> pb.Appointment:
    message = pb.Appointment(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        client_id=row.client_id,
        kind=to_proto(AppointmentKind(row.kind)),
        title=row.title,
        location=row.location,
        starts_at=to_timestamp(row.starts_at),
        ends_at=to_timestamp(row.ends_at),
        starts_at_local=local_iso(row.starts_at),
        ends_at_local=local_iso(row.ends_at),
        assignees=[
            pb.Assignee(
                kind=to_proto(AssigneeKind(p.kind)),
                subject=p.subject,
                display_name=p.display_name,
                organisation=p.organisation,
            )
            for p in people
        ],
        team=row.team,
        reminder_lead_minutes=list(row.reminder_leads or ()),
        reminder_language=row.reminder_language,
        organiser=row.organiser,
        status=to_proto(AppointmentStatus(row.status)),
        cancellation_reason=row.cancellation_reason or "",
        cancelled_at=to_timestamp(row.cancelled_at),
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )
    if staff:
        message.description = row.description
        message.created_by = row.created_by
        message.references.CopyFrom(pb.AppointmentReferences(**(row.refs or {})))
        message.reminders.extend(
            pb.Reminder(
                lead_minutes=r.lead_minutes,
                send_at=to_timestamp(r.send_at),
                state=to_proto(ReminderState(r.state)),
                language=r.language,
            )
            for r in reminders
        )
    return message


def history_message(row: Any) -> pb.HistoryEntry:
    return pb.HistoryEntry(
        version=row.version,
        at=to_timestamp(row.at),
        actor_subject=row.actor_subject,
        action=to_proto(HistoryAction(row.action)),
        changes=[pb.FieldChange(**change) for change in row.changes or []],
        reason=row.reason,
        overridden_conflicts=list(row.overridden_conflicts or []),
    )


def calendar_entry(row: Any, *, staff: bool) -> CalendarEntry:
    return CalendarEntry(
        id=row.id,
        version=row.version,
        kind=AppointmentKind(row.kind),
        status=AppointmentStatus(row.status),
        title=row.title,
        description=row.description if staff else "",
        location=row.location,
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )
