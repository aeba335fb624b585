"""Conflict detection (päällekkäisyydet): a person cannot be in two appointments at once.

Only kinds that block time count, and only scheduled ones. The caller may book over a conflict on
purpose (``allow_conflicts``); the overridden appointments are then recorded in the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kotopolku.appointments.domain.schedule import AppointmentKind, AppointmentStatus, overlaps


@dataclass(frozen=True, slots=True)
class Booking:
    """A person's existing appointment, as far as conflict detection needs it."""

    appointment_id: str
    person_key: str
    kind: AppointmentKind
    status: AppointmentStatus
    starts_at: datetime
    ends_at: datetime
    municipality_code: str


@dataclass(frozen=True, slots=True)
class Conflict:
    person_key: str
    booking: Booking


def find_conflicts(
    appointment_id: str,
    kind: AppointmentKind,
    start: datetime,
    end: datetime,
    person_keys: Iterable[str],
    bookings: Iterable[Booking],
) -> list[Conflict]:
    """The bookings of these people that overlap [start, end), in a stable order."""
    if not kind.blocks_time:
        return []
    people = set(person_keys)
    found = [
        Conflict(booking.person_key, booking)
        for booking in bookings
        if booking.person_key in people
        and booking.appointment_id != appointment_id
        and booking.kind.blocks_time
        and booking.status is AppointmentStatus.SCHEDULED
        and overlaps(start, end, booking.starts_at, booking.ends_at)
    ]
    return sorted(
        found, key=lambda c: (c.booking.starts_at, c.booking.appointment_id, c.person_key)
    )
