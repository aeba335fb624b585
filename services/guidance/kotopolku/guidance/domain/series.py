"""Initial-phase guidance (alkuvaiheen ohjaus, reference §3.4.6) for placed persons: a series of
meetings and tasks, frequent at first, that ends when guidance is no longer needed (a recorded
decision with its reason) or, at the latest, when the integration plan's period ends."""

from __future__ import annotations

import calendar
import enum
from datetime import date, timedelta

from kotopolku.guidance.domain.errors import GuidanceDomainError, InvalidTransition

# The first plan lasts at most a year and may be extended by two years in total (§3.4.3).
MAX_SERIES_YEARS = 3
MAX_TASKS = 100
MAX_DESCRIPTION_LENGTH = 500
MAX_REASON_LENGTH = 2000
# The proposed schedule: weekly for the first four weeks, every two weeks until the twelfth week,
# monthly from the fourth month on.
_FIRST_MONTHS_OFFSETS = (7, 14, 21, 28, 42, 56, 70, 84)


class SeriesStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    ENDED_NOT_NEEDED = "ENDED_NOT_NEEDED"
    ENDED_PLAN_PERIOD = "ENDED_PLAN_PERIOD"


class TaskStatus(enum.StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validate_period(started_on: date, plan_ends_on: date, today: date) -> tuple[date, date]:
    if plan_ends_on < started_on:
        raise GuidanceDomainError("plan_ends_on", "must not be before started_on")
    if plan_ends_on < today:
        raise GuidanceDomainError("plan_ends_on", "has passed: the plan period is over")
    if plan_ends_on > add_months(started_on, 12 * MAX_SERIES_YEARS):
        raise GuidanceDomainError(
            "plan_ends_on", f"must be within {MAX_SERIES_YEARS} years of started_on"
        )
    if started_on > today + timedelta(days=90):
        raise GuidanceDomainError("started_on", "must be within 90 days from today")
    return started_on, plan_ends_on


def has_expired(status: SeriesStatus, plan_ends_on: date, today: date) -> bool:
    """An active series whose plan period is over ends by itself."""
    return status is SeriesStatus.ACTIVE and today > plan_ends_on


def require_active(status: SeriesStatus) -> None:
    if status is not SeriesStatus.ACTIVE:
        raise InvalidTransition("status", "the series has ended")


def proposed_schedule(started_on: date, plan_ends_on: date) -> list[date]:
    """Check-in dates after the start: frequent at first, then monthly, up to the plan's end."""
    days = [started_on + timedelta(days=offset) for offset in _FIRST_MONTHS_OFFSETS]
    months = 4
    while len(days) < MAX_TASKS and (day := add_months(started_on, months)) <= plan_ends_on:
        days.append(day)
        months += 1
    return [day for day in days if day <= plan_ends_on]


def validate_task_due(
    due_on: date, started_on: date, plan_ends_on: date, *, field: str = "due_on"
) -> date:
    if not started_on <= due_on <= plan_ends_on:
        raise GuidanceDomainError(field, "must fall within the series (started_on..plan_ends_on)")
    return due_on


def validate_task_count(existing: int) -> None:
    if existing >= MAX_TASKS:
        raise GuidanceDomainError("tasks", f"a series holds at most {MAX_TASKS} tasks")


def complete_task(
    status: TaskStatus, done_on: date, started_on: date, today: date, *, cancel: bool
) -> TaskStatus:
    """The task's status after it is done (or cancelled) on ``done_on``."""
    if status is not TaskStatus.OPEN:
        raise InvalidTransition("task_id", "the task is already done or cancelled")
    if not started_on <= done_on <= today:
        raise GuidanceDomainError("done_on", "must be between the series start and today")
    return TaskStatus.CANCELLED if cancel else TaskStatus.DONE


def validate_end(ended_on: date, started_on: date, today: date) -> date:
    """The day guidance was found no longer needed."""
    if not started_on <= ended_on <= today:
        raise GuidanceDomainError("ended_on", "must be between the series start and today")
    return ended_on
