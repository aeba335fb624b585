"""Rules of initial-phase guidance series: the period, the proposed schedule, tasks and ends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kotopolku.guidance.domain import (
    GuidanceDomainError,
    InvalidTransition,
    SeriesStatus,
    TaskStatus,
    add_months,
    complete_task,
    has_expired,
    proposed_schedule,
    require_active,
    validate_end,
    validate_period,
    validate_task_count,
    validate_task_due,
)

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 3, 2), 36, date(2029, 3, 2)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_the_period_ends_after_the_start_today_or_later_and_within_three_years() -> None:
    assert validate_period(TODAY, date(2027, 3, 1), TODAY) == (TODAY, date(2027, 3, 1))
    assert validate_period(date(2025, 6, 1), TODAY, TODAY) == (date(2025, 6, 1), TODAY)
    for start, end, field in [
        (TODAY, date(2026, 3, 1), "plan_ends_on"),
        (date(2026, 1, 1), date(2026, 2, 1), "plan_ends_on"),
        (TODAY, date(2029, 3, 3), "plan_ends_on"),
        (TODAY + timedelta(days=91), TODAY + timedelta(days=200), "started_on"),
    ]:
        with pytest.raises(GuidanceDomainError) as info:
            validate_period(start, end, TODAY)
        assert info.value.field == field


def test_only_an_active_series_past_its_plan_end_expires() -> None:
    end = date(2026, 4, 30)
    assert not has_expired(SeriesStatus.ACTIVE, end, end)
    assert has_expired(SeriesStatus.ACTIVE, end, end + timedelta(days=1))
    assert not has_expired(SeriesStatus.ENDED_NOT_NEEDED, end, end + timedelta(days=1))
    require_active(SeriesStatus.ACTIVE)
    for status in (SeriesStatus.ENDED_NOT_NEEDED, SeriesStatus.ENDED_PLAN_PERIOD):
        with pytest.raises(InvalidTransition):
            require_active(status)


def test_the_proposed_schedule_is_weekly_then_fortnightly_then_monthly() -> None:
    days = proposed_schedule(TODAY, date(2026, 12, 31))
    gaps = [(b - a).days for a, b in zip([TODAY, *days], days, strict=False)]
    assert gaps[:4] == [7, 7, 7, 7]
    assert gaps[4:8] == [14, 14, 14, 14]
    # From the fourth month on, monthly on the day of the start.
    assert all(28 <= gap <= 31 for gap in gaps[9:])
    assert [d.day for d in days[8:]] == [2] * len(days[8:])
    assert days[8] == date(2026, 7, 2)
    assert days[-1] == date(2026, 12, 2)
    assert proposed_schedule(TODAY, date(2026, 3, 20)) == [date(2026, 3, 9), date(2026, 3, 16)]
    assert proposed_schedule(TODAY, TODAY) == []


def test_tasks_fall_within_the_series_and_are_done_once() -> None:
    assert validate_task_due(TODAY, TODAY, date(2026, 5, 1)) == TODAY
    with pytest.raises(GuidanceDomainError) as info:
        validate_task_due(date(2026, 5, 2), TODAY, date(2026, 5, 1))
    assert info.value.field == "due_on"
    validate_task_count(99)
    with pytest.raises(GuidanceDomainError):
        validate_task_count(100)
    assert complete_task(TaskStatus.OPEN, TODAY, TODAY, TODAY, cancel=False) is TaskStatus.DONE
    assert complete_task(TaskStatus.OPEN, TODAY, TODAY, TODAY, cancel=True) is TaskStatus.CANCELLED
    for status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        with pytest.raises(InvalidTransition):
            complete_task(status, TODAY, TODAY, TODAY, cancel=False)
    with pytest.raises(GuidanceDomainError, match="between"):
        complete_task(TaskStatus.OPEN, TODAY + timedelta(days=1), TODAY, TODAY, cancel=False)


def test_an_end_is_dated_between_the_start_and_today() -> None:
    start = date(2026, 1, 5)
    assert validate_end(TODAY, start, TODAY) == TODAY
    assert validate_end(start, start, TODAY) == start
    for day in (date(2026, 1, 4), TODAY + timedelta(days=1)):
        with pytest.raises(GuidanceDomainError) as info:
            validate_end(day, start, TODAY)
        assert info.value.field == "ended_on"
