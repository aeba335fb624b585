"""Interpreter bookings (tulkkitilaukset).

State machine: REQUESTED → CONFIRMED (an interpreter is named) → COMPLETED; REQUESTED or
CONFIRMED → CANCELLED. COMPLETED and CANCELLED are final. A booking is completed only once its
time has begun.

An interpreter (role ``interpreter``) works for an interpreting service (the organisation of
their user account) and sees the bookings of that service that are still open to anyone of it
(no interpreter named) and the ones naming them; nothing else.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Final

from kotopolku.interpretation.domain.errors import InterpretationDomainError, InvalidTransition

MIN_DURATION_MINUTES: Final = 15
MAX_DURATION_MINUTES: Final = 8 * 60
MAX_DIALECT_LENGTH: Final = 60


class InterpretationMode(enum.StrEnum):
    ON_SITE = "ON_SITE"
    PHONE = "PHONE"
    VIDEO = "VIDEO"


class BookingStatus(enum.StrEnum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"

    @property
    def is_final(self) -> bool:
        return self in (BookingStatus.COMPLETED, BookingStatus.CANCELLED)


_TRANSITIONS: Final = {
    BookingStatus.REQUESTED: frozenset({BookingStatus.CONFIRMED, BookingStatus.CANCELLED}),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.COMPLETED, BookingStatus.CANCELLED}),
    BookingStatus.COMPLETED: frozenset[BookingStatus](),
    BookingStatus.CANCELLED: frozenset[BookingStatus](),
}


def transition(current: BookingStatus, target: BookingStatus) -> BookingStatus:
    if target not in _TRANSITIONS[current]:
        raise InvalidTransition(
            "status", f"a booking that is {current.lower()} cannot become {target.lower()}"
        )
    return target


def check_completion_time(starts_at: datetime, now: datetime) -> None:
    if now < starts_at:
        raise InvalidTransition("status", "a booking cannot be completed before it begins")


def validate_duration(minutes: int, *, field: str = "duration_minutes") -> int:
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise InterpretationDomainError(
            field,
            f"must be between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES} minutes",
        )
    return minutes


def validate_dialect(text: str, *, field: str = "dialect") -> str:
    """A free description of the variety, e.g. "Iraqi" or "Kurmanji"."""
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_DIALECT_LENGTH or not cleaned.isprintable():
        raise InterpretationDomainError(
            field, f"must be printable and at most {MAX_DIALECT_LENGTH} characters"
        )
    return cleaned


def visible_to_interpreter(
    provider_organisation: str,
    interpreter_subject: str | None,
    organisation: str | None,
    subject: str,
) -> bool:
    """Whether an interpreter of ``organisation`` sees a booking."""
    if not organisation or provider_organisation != organisation:
        return False
    return not interpreter_subject or interpreter_subject == subject
