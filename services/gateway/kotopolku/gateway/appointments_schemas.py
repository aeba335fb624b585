"""JSON shapes of the appointments API (IS service 9) and their conversion to and from the
appointments service's messages.

Times in requests are ISO 8601 strings: with an offset, or without one as Europe/Helsinki local
time (a time skipped or repeated by a clock change must carry its offset). Responses give both
the Helsinki local time with its offset (``start``, ``end``) and UTC (``starts_at``,
``ends_at``). The rules are checked once, in the appointments service, and come back as field
violations named like the JSON fields.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model

MOMENT = (
    "ISO 8601 date and time, with an offset or as Europe/Helsinki local time, "
    "e.g. 2026-10-22T10:00 or 2026-10-25T03:30+02:00"
)


class AppointmentKind(StrEnum):
    appointment = "appointment"
    event = "event"
    task = "task"


class AppointmentState(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class AssigneeKind(StrEnum):
    municipal_staff = "municipal-staff"
    welfare_area_staff = "welfare-area-staff"
    provider_staff = "provider-staff"
    client = "client"
    interpreter = "interpreter"


class ReminderState(StrEnum):
    pending = "pending"
    scheduled = "scheduled"
    cancelled = "cancelled"
    failed = "failed"


class HistoryAction(StrEnum):
    created = "created"
    updated = "updated"
    cancelled = "cancelled"
    deleted = "deleted"


KINDS = enum_map("APPOINTMENT_KIND_", AppointmentKind, pb.AppointmentKind)
STATES = enum_map("APPOINTMENT_STATUS_", AppointmentState, pb.AppointmentStatus)
ASSIGNEE_KINDS = enum_map("ASSIGNEE_KIND_", AssigneeKind, pb.AssigneeKind)
REMINDER_STATES = enum_map("REMINDER_STATE_", ReminderState, pb.ReminderState)
ACTIONS = enum_map("HISTORY_ACTION_", HistoryAction, pb.HistoryAction)


class Assignee(Model):
    kind: AssigneeKind
    subject: str = Field(
        "",
        max_length=64,
        description="The person's user account (Keycloak `sub`); empty for the client",
        examples=["3f0c9a52-2a1e-4c0e-9d55-6f3b1e2d7a10"],
    )
    display_name: str = Field("", max_length=200, examples=["Outi Ohjaaja"])
    organisation: str = Field(
        "",
        max_length=64,
        description="Welfare area, provider or interpreting service; empty for municipal staff",
    )

    @classmethod
    def of(cls, m: pb.Assignee) -> Assignee:
        return cls(
            kind=from_proto(ASSIGNEE_KINDS, m.kind),
            subject=m.subject,
            display_name=m.display_name,
            organisation=m.organisation,
        )

    def message(self) -> pb.Assignee:
        return pb.Assignee(
            kind=ASSIGNEE_KINDS[self.kind],
            subject=self.subject,
            display_name=self.display_name,
            organisation=self.organisation,
        )


class References(Model):
    """Records of other services this appointment belongs to."""

    assessment_id: str = Field("", max_length=64)
    plan_id: str = Field("", max_length=64)
    guidance_visit_id: str = Field("", max_length=64)

    def message(self) -> pb.AppointmentReferences:
        return pb.AppointmentReferences(**self.model_dump())


class AppointmentCreate(Model):
    kind: AppointmentKind = AppointmentKind.appointment
    title: str = Field(max_length=200, examples=["Alkukartoitus"])
    description: str = Field("", max_length=4000, description="Staff only")
    location: str = Field("", max_length=300, examples=["Toinen linja 4, Helsinki"])
    start: str = Field(max_length=40, description=MOMENT, examples=["2026-10-22T10:00"])
    end: str = Field(
        max_length=40, description=f"{MOMENT}; a task's due time", examples=["2026-10-22T11:00"]
    )
    assignees: list[Assignee] = Field(max_length=20)
    references: References = Field(default_factory=References)  # type: ignore[arg-type]
    team: str = Field("", max_length=64, examples=["kotoutuminen-ita"])
    reminder_lead_minutes: list[int] | None = Field(
        None,
        max_length=10,
        description="Reminders to the client, minutes before the start; absent: the default",
        examples=[[1440, 60]],
    )
    reminder_language: str = Field(
        "", max_length=3, description="ISO 639-1; empty: the client's preferred language"
    )
    organiser: str = Field(
        "",
        max_length=200,
        description="Who the reminder says the appointment is with (an office, not a person)",
        examples=["Helsingin kotoutumispalvelut"],
    )

    def message(self) -> pb.AppointmentInput:
        return pb.AppointmentInput(
            kind=KINDS[self.kind],
            title=self.title,
            description=self.description,
            location=self.location,
            start=self.start,
            end=self.end,
            assignees=[a.message() for a in self.assignees],
            references=self.references.message(),
            team=self.team,
            reminder_lead_minutes=self.reminder_lead_minutes or [],
            default_reminders=self.reminder_lead_minutes is None,
            reminder_language=self.reminder_language,
            organiser=self.organiser,
        )


class AppointmentPatch(Model):
    """Only the fields present change; a new `start` alone moves the appointment."""

    kind: AppointmentKind | None = None
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    location: str | None = Field(None, max_length=300)
    start: str | None = Field(None, max_length=40, description=MOMENT)
    end: str | None = Field(None, max_length=40, description=MOMENT)
    assignees: list[Assignee] | None = Field(None, max_length=20)
    references: References | None = None
    team: str | None = Field(None, max_length=64)
    reminder_lead_minutes: list[int] | None = Field(None, max_length=10)
    reminder_language: str | None = Field(None, max_length=3)
    organiser: str | None = Field(None, max_length=200)

    def message_and_mask(self) -> tuple[pb.AppointmentInput, list[str]]:
        message = pb.AppointmentInput(
            kind=KINDS.get(self.kind, 0),
            title=self.title or "",
            description=self.description or "",
            location=self.location or "",
            start=self.start or "",
            end=self.end or "",
            assignees=[a.message() for a in self.assignees or []],
            references=(self.references or References()).message(),  # type: ignore[call-arg]
            team=self.team or "",
            reminder_lead_minutes=self.reminder_lead_minutes or [],
            reminder_language=self.reminder_language or "",
            organiser=self.organiser or "",
        )
        return message, [name for name in type(self).model_fields if name in self.model_fields_set]


class Reason(Model):
    reason: str = Field(max_length=1000, examples=["Asiakas sairastui"])


class Reminder(Model):
    lead_minutes: int
    send_at: datetime
    state: ReminderState
    language: str | None


class Appointment(Model):
    id: str
    version: int
    municipality_code: str
    client_id: str
    kind: AppointmentKind
    title: str
    description: str | None = Field(description="Staff only")
    location: str
    start: str = Field(description="Europe/Helsinki local time with its offset")
    end: str
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime
    assignees: list[Assignee]
    references: References | None = Field(description="Staff only")
    team: str
    reminder_lead_minutes: list[int]
    reminder_language: str | None
    organiser: str
    reminders: list[Reminder] = Field(description="Staff only")
    status: AppointmentState
    cancellation_reason: str | None
    cancelled_at: datetime | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.Appointment) -> Appointment:
        # The service fills created_by only in the staff view.
        staff = bool(m.created_by)
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            client_id=m.client_id,
            kind=from_proto(KINDS, m.kind),
            title=m.title,
            description=m.description if staff else None,
            location=m.location,
            start=m.starts_at_local,
            end=m.ends_at_local,
            starts_at=from_timestamp(m.starts_at),
            ends_at=from_timestamp(m.ends_at),
            assignees=[Assignee.of(a) for a in m.assignees],
            references=(
                References(**{k: getattr(m.references, k) for k in References.model_fields})
                if staff
                else None
            ),
            team=m.team,
            reminder_lead_minutes=list(m.reminder_lead_minutes),
            reminder_language=m.reminder_language or None,
            organiser=m.organiser,
            reminders=[
                Reminder(
                    lead_minutes=r.lead_minutes,
                    send_at=from_timestamp(r.send_at),
                    state=from_proto(REMINDER_STATES, r.state),
                    language=r.language or None,
                )
                for r in m.reminders
            ],
            status=from_proto(STATES, m.status),
            cancellation_reason=m.cancellation_reason or None,
            cancelled_at=from_timestamp(m.cancelled_at) if m.HasField("cancelled_at") else None,
            created_by=m.created_by or None,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class AppointmentPage(Model):
    items: list[Appointment]
    next_page_token: str | None


class FieldChange(Model):
    field: str
    before: str | None = Field(description="JSON of the old value")
    after: str | None


class HistoryEntry(Model):
    version: int
    at: datetime
    actor_subject: str
    action: HistoryAction
    changes: list[FieldChange]
    reason: str | None
    overridden_conflicts: list[str]

    @classmethod
    def of(cls, m: pb.HistoryEntry) -> HistoryEntry:
        return cls(
            version=m.version,
            at=from_timestamp(m.at),
            actor_subject=m.actor_subject,
            action=from_proto(ACTIONS, m.action),
            changes=[
                FieldChange(field=c.field, before=c.before or None, after=c.after or None)
                for c in m.changes
            ],
            reason=m.reason or None,
            overridden_conflicts=list(m.overridden_conflicts),
        )


class HistoryPage(Model):
    items: list[HistoryEntry]
    next_page_token: str | None


class CalendarFeed(Model):
    url: str | None = Field(
        None,
        description="Subscribe to this in a calendar application. Shown only once; it is a "
        "secret: anyone with it reads the calendar until the feed is revoked or renewed",
    )
    created_at: datetime
    last_read_at: datetime | None
