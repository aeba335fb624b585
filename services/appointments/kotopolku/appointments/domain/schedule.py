"""When an appointment is: kinds, durations, moving, overlap and calendar periods.

Times are aware UTC datetimes (see :mod:`kotopolku.common.localtime` for how people's inputs
become moments). A duration is real elapsed time, so an appointment from 02:00 to 05:00 Helsinki
time on the night the clocks fall back lasts four hours.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Final

from kotopolku.appointments.domain.errors import AppointmentDomainError


class AppointmentKind(enum.StrEnum):
    """Tapaaminen, tapahtuma, tehtävä; values are the protobuf enum suffixes."""

    APPOINTMENT = "APPOINTMENT"
    EVENT = "EVENT"
    TASK = "TASK"

    @property
    def blocks_time(self) -> bool:
        """Whether it occupies the assignees' time (a task is done whenever it fits)."""
        return self is not AppointmentKind.TASK


class AppointmentStatus(enum.StrEnum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


MAX_DURATION: Final = {
    AppointmentKind.APPOINTMENT: timedelta(hours=24),
    AppointmentKind.EVENT: timedelta(days=14),
    AppointmentKind.TASK: timedelta(days=366),
}
MAX_PERIOD: Final = timedelta(days=400)


def validate_times(kind: AppointmentKind, start: datetime, end: datetime) -> None:
    """An appointment or event ends after it starts; a task's due time (end) is not before its
    start. Each kind has a longest duration."""
    if kind is AppointmentKind.TASK:
        if end < start:
            raise AppointmentDomainError("end", "must not be before the start")
    elif end <= start:
        raise AppointmentDomainError("end", "must be after the start")
    limit = MAX_DURATION[kind]
    if end - start > limit:
        raise AppointmentDomainError("end", f"is too far from the start (at most {_text(limit)})")


def _text(limit: timedelta) -> str:
    return f"{limit.days} days" if limit.days else f"{limit.seconds // 3600} hours"


def moved(
    start: datetime, end: datetime, new_start: datetime | None, new_end: datetime | None
) -> tuple[datetime, datetime]:
    """The times after a change: a new start alone moves the appointment (same duration)."""
    if new_start is not None and new_end is None:
        return new_start, new_start + (end - start)
    return (new_start or start), (new_end or end)


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Half-open intervals: one ending at 10:00 does not overlap one starting at 10:00."""
    return start < other_end and other_start < end


def validate_period(start: datetime, end: datetime, *, field: str = "period") -> None:
    if end <= start:
        raise AppointmentDomainError(f"{field}.to", "must be after from")
    if end - start > MAX_PERIOD:
        raise AppointmentDomainError(
            f"{field}.to", f"is more than {MAX_PERIOD.days} days after from"
        )


def in_period(start: datetime, end: datetime, period_start: datetime, period_end: datetime) -> bool:
    """Whether an item belongs to a calendar period: it overlaps it, or it is a point in time
    (a task due then) within it."""
    if start == end:
        return period_start <= start < period_end
    return overlaps(start, end, period_start, period_end)
