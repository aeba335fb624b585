"""Reminders (muistutukset) to the client through the messaging service.

A reminder goes to the client, so there is one only when the client takes part; a task has none.
Lead times are minutes before the start, from 5 minutes to 14 days, at most five, each once. A
reminder whose moment has already passed when it is planned is not sent (a late "reminder" of a
booking the client has just made helps nobody).

Each reminder carries an idempotency key derived from what it says and when: the same reminder
planned twice has the same key, so the messaging service sends it once however often delivery is
retried; a reminder whose time, place or language changes gets a new key, and the old one is
cancelled.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from kotopolku.appointments.domain.errors import AppointmentDomainError
from kotopolku.appointments.domain.schedule import AppointmentKind
from kotopolku.common.localtime import HELSINKI

MIN_LEAD_MINUTES: Final = 5
MAX_LEAD_MINUTES: Final = 14 * 24 * 60
MAX_REMINDERS: Final = 5
TEMPLATE_KEY: Final = "appointment-reminder"


class ReminderState(enum.StrEnum):
    PENDING = "PENDING"
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"

    @property
    def is_active(self) -> bool:
        return self in (ReminderState.PENDING, ReminderState.SCHEDULED)


def validate_lead_minutes(
    leads: Sequence[int],
    kind: AppointmentKind,
    client_takes_part: bool,
    *,
    field: str = "reminder_lead_minutes",
) -> list[int]:
    if not leads:
        return []
    if kind is AppointmentKind.TASK:
        raise AppointmentDomainError(field, "must be empty: a task has no reminders")
    if not client_takes_part:
        raise AppointmentDomainError(
            field, "must be empty: reminders go to the client, who is not an assignee"
        )
    if len(leads) > MAX_REMINDERS:
        raise AppointmentDomainError(field, f"must have at most {MAX_REMINDERS} lead times")
    seen: set[int] = set()
    for index, lead in enumerate(leads):
        if not MIN_LEAD_MINUTES <= lead <= MAX_LEAD_MINUTES:
            raise AppointmentDomainError(
                f"{field}[{index}]",
                f"must be between {MIN_LEAD_MINUTES} and {MAX_LEAD_MINUTES} minutes",
            )
        if lead in seen:
            raise AppointmentDomainError(f"{field}[{index}]", "is given twice")
        seen.add(lead)
    return sorted(seen, reverse=True)


def default_leads(
    defaults: Sequence[int], kind: AppointmentKind, client_takes_part: bool
) -> list[int]:
    """The service's default lead times, where a reminder makes sense at all."""
    if kind is AppointmentKind.TASK or not client_takes_part:
        return []
    return sorted(set(defaults), reverse=True)


def reminder_variables(start: datetime, location: str, organiser: str) -> dict[str, str]:
    """The variables of the messaging service's ``appointment-reminder`` template: the Helsinki
    date and time as a Finnish reader writes them ("12.3.2026", "10.00"), the place and the
    organiser (an office or team).

    Not the title or the description: they are the staff's words and may say more than a text
    message should.
    """
    local = start.astimezone(HELSINKI)
    return {
        "date": f"{local.day}.{local.month}.{local.year}",
        "time": local.strftime("%H.%M"),
        "location": location,
        "organiser": organiser,
    }


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    lead_minutes: int
    send_at: datetime
    language: str
    variables: Mapping[str, str] = field(hash=False)
    idempotency_key: str


def reminder_key(
    appointment_id: str,
    lead_minutes: int,
    send_at: datetime,
    language: str,
    variables: Mapping[str, str],
) -> str:
    content = json.dumps(
        {"send_at": send_at.isoformat(), "language": language, "variables": dict(variables)},
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(content.encode()).hexdigest()[:20]
    return f"{TEMPLATE_KEY}:{appointment_id}:{lead_minutes}:{digest}"


def plan_reminders(
    appointment_id: str,
    leads: Iterable[int],
    start: datetime,
    location: str,
    organiser: str,
    language: str,
    now: datetime,
) -> list[PlannedReminder]:
    """The reminders to have, earliest first; those whose moment has passed are left out.
    ``language`` is staff's choice, or empty for the client's preferred language."""
    variables = reminder_variables(start, location, organiser)
    planned = []
    for lead in sorted(set(leads), reverse=True):
        send_at = start - timedelta(minutes=lead)
        if send_at <= now:
            continue
        planned.append(
            PlannedReminder(
                lead,
                send_at,
                language,
                variables,
                reminder_key(appointment_id, lead, send_at, language, variables),
            )
        )
    return planned


@dataclass(frozen=True, slots=True)
class ReminderChanges:
    cancel: list[str]
    schedule: list[PlannedReminder]


def reconcile(active_keys: Iterable[str], wanted: Iterable[PlannedReminder]) -> ReminderChanges:
    """What to cancel and what to schedule so that exactly the wanted reminders are active."""
    active = set(active_keys)
    wanted_list = list(wanted)
    wanted_keys = {r.idempotency_key for r in wanted_list}
    return ReminderChanges(
        cancel=sorted(active - wanted_keys),
        schedule=[r for r in wanted_list if r.idempotency_key not in active],
    )
