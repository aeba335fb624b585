"""Enrolments (osallistuminen) of clients in programme services, and what providers report.

State machine: ENROLLED → INTERRUPTED (keskeytynyt) or COMPLETED (suoritettu); both are final.
Only ENROLLED enrolments hold a place of the service's capacity.

Dates, with ``today`` injected (the municipality's calendar day):

* an enrolment is refused once the service's validity period has ended;
* the start date is one of the service's intakes when it has them, otherwise a day within the
  validity period, by default today or the first valid day, whichever is later;
* attendance is marked for a day on or after the start, not in the future, and not after the
  interruption or completion date;
* an interruption is dated not in the future, not before the enrolment began (its start or the
  day it was made, whichever is earlier), and not before a day already marked in attendance;
* a completion is dated not in the future, not before the start, and not before a day already
  marked in attendance.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from typing import Final

from kotopolku.programme.domain.catalogue import has_ended
from kotopolku.programme.domain.errors import (
    EnrolmentRefused,
    InvalidTransition,
    ProgrammeDomainError,
)

MAX_DETAILS_LENGTH: Final = 1000


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "ENROLLED"
    INTERRUPTED = "INTERRUPTED"
    COMPLETED = "COMPLETED"

    @property
    def is_final(self) -> bool:
        return self is not EnrolmentStatus.ENROLLED


class AttendanceMark(enum.StrEnum):
    PRESENT = "PRESENT"
    ABSENT = "ABSENT"


class InterruptionReason(enum.StrEnum):
    """Why participation ended early; values are the protobuf enum suffixes."""

    EMPLOYMENT = "EMPLOYMENT"
    OTHER_STUDIES = "OTHER_STUDIES"
    MOVED_AWAY = "MOVED_AWAY"
    FAMILY_LEAVE = "FAMILY_LEAVE"
    HEALTH = "HEALTH"
    ABSENCES = "ABSENCES"
    OTHER = "OTHER"

    @property
    def label(self) -> str:
        return self.value.lower().replace("_", " ")


_TRANSITIONS: Final = {
    EnrolmentStatus.ENROLLED: frozenset({EnrolmentStatus.INTERRUPTED, EnrolmentStatus.COMPLETED}),
    EnrolmentStatus.INTERRUPTED: frozenset[EnrolmentStatus](),
    EnrolmentStatus.COMPLETED: frozenset[EnrolmentStatus](),
}


def transition_enrolment(current: EnrolmentStatus, target: EnrolmentStatus) -> EnrolmentStatus:
    if target not in _TRANSITIONS[current]:
        raise InvalidTransition(
            "status", f"an enrolment that is {current.lower()} cannot become {target.lower()}"
        )
    return target


def check_open_for_enrolment(valid_until: date | None, today: date) -> None:
    if has_ended(valid_until, today):
        raise EnrolmentRefused("programme_service_id", "the service's validity period has ended")


def check_free_place(capacity: int, active: int) -> None:
    if active >= capacity:
        raise EnrolmentRefused("programme_service_id", "the service has no free places")


def choose_start_date(
    requested: date | None,
    intakes: Sequence[date],
    valid_from: date,
    valid_until: date | None,
    today: date,
    *,
    field: str = "start_date",
) -> date:
    if intakes:
        if requested is None:
            raise ProgrammeDomainError(
                field, "is required: choose one of the service's intake dates"
            )
        if requested not in intakes:
            raise ProgrammeDomainError(field, "is not one of the service's intake dates")
        return requested
    start = requested if requested is not None else max(today, valid_from)
    if start < valid_from or (valid_until is not None and start > valid_until):
        raise ProgrammeDomainError(field, "is outside the service's validity period")
    return start


def _not_in_future(day: date, today: date, field: str) -> None:
    if day > today:
        raise ProgrammeDomainError(field, "must not be in the future")


def validate_attendance_day(
    day: date, start: date, end: date | None, today: date, *, field: str = "date"
) -> None:
    _not_in_future(day, today, field)
    if day < start:
        raise ProgrammeDomainError(field, "is before the participant's start date")
    if end is not None and day > end:
        raise ProgrammeDomainError(field, "is after the enrolment ended")


def validate_interruption_date(
    day: date,
    start: date,
    enrolled_on: date,
    last_attendance: date | None,
    today: date,
    *,
    field: str = "date",
) -> None:
    _not_in_future(day, today, field)
    if day < min(start, enrolled_on):
        raise ProgrammeDomainError(field, "is before the enrolment began")
    if last_attendance is not None and day < last_attendance:
        raise ProgrammeDomainError(field, "attendance is marked after this date")


def validate_interruption_details(
    reason: InterruptionReason, details: str, *, field: str = "details"
) -> str:
    text = " ".join(details.split())
    if reason is InterruptionReason.OTHER and not text:
        raise ProgrammeDomainError(field, "is required when the reason is OTHER")
    if len(text) > MAX_DETAILS_LENGTH:
        raise ProgrammeDomainError(field, f"must be at most {MAX_DETAILS_LENGTH} characters")
    if not text.isprintable():
        raise ProgrammeDomainError(field, "must not contain control characters")
    return text


def validate_completion_date(
    day: date,
    start: date,
    last_attendance: date | None,
    today: date,
    *,
    field: str = "completion_date",
) -> None:
    _not_in_future(day, today, field)
    if day < start:
        raise ProgrammeDomainError(field, "is before the participant's start date")
    if last_attendance is not None and day < last_attendance:
        raise ProgrammeDomainError(field, "attendance is marked after this date")
