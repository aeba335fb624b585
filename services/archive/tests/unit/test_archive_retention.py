"""Retention dates from the TOS and the triggers, with fixed days instead of a clock."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.archive.domain.retention import (
    TriggerDates,
    add_years,
    is_due,
    latest_by_type,
    package_retention,
    retention_end,
    trigger_day,
)
from kotopolku.archive.domain.tos import Preservation, Publicity, RetentionRule, Trigger

DATES = TriggerDates(
    active_use_ended_on=date(2026, 11, 30),
    archived_on=date(2026, 12, 3),
    last_plan_end=date(2026, 10, 31),
)


def rule(
    record_type: str = "plans.plan",
    years: int | None = 10,
    trigger: Trigger | None = Trigger.LAST_PLAN_END,
) -> RetentionRule:
    return RetentionRule(
        record_type=record_type,
        title="t",
        task_class="",
        preservation=Preservation.DISPOSE if years else Preservation.PERMANENT,
        retention_years=years,
        trigger=trigger if years else None,
        publicity=Publicity.SECRET,
        secrecy_basis="JulkL 24.1 § 25 k.",
        personal_data=True,
    )


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2026, 11, 30), 12, date(2038, 11, 30)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2026, 12, 31), 10, date(2036, 12, 31)),
    ],
)
def test_years_are_calendar_years(day: date, years: int, expected: date) -> None:
    assert add_years(day, years) == expected


def test_each_trigger_has_its_day() -> None:
    assert trigger_day(Trigger.ACTIVE_USE_END, DATES, None) == date(2026, 11, 30)
    assert trigger_day(Trigger.LAST_PLAN_END, DATES, None) == date(2026, 10, 31)
    assert trigger_day(Trigger.ARCHIVED, DATES, None) == date(2026, 12, 3)
    assert trigger_day(Trigger.END_OF_RECORD_YEAR, DATES, date(2025, 3, 1)) == date(2025, 12, 31)
    assert trigger_day(Trigger.END_OF_RECORD_YEAR, DATES, None) == date(2026, 12, 31)
    without_plan = TriggerDates(date(2026, 11, 30), date(2026, 12, 3))
    assert trigger_day(Trigger.LAST_PLAN_END, without_plan, None) == date(2026, 11, 30)


def test_retention_ends_after_the_years_or_never() -> None:
    assert retention_end(rule(), DATES, None) == date(2036, 10, 31)
    assert retention_end(rule(years=None), DATES, None) is None


def test_a_package_lasts_as_long_as_its_longest_record_type() -> None:
    rules = {
        "plans.plan": rule(),
        "contracts.cost-entry": rule("contracts.cost-entry", 10, Trigger.END_OF_RECORD_YEAR),
        "messaging.message": rule("messaging.message", 6, Trigger.ACTIVE_USE_END),
    }
    counts = {"plans.plan": 1, "contracts.cost-entry": 2, "messaging.message": 3}
    latest = {"contracts.cost-entry": date(2026, 5, 1)}
    retention = package_retention(counts, rules, DATES, latest)
    assert retention.preservation is Preservation.DISPOSE
    assert retention.disposal_due_on == date(2036, 12, 31)
    assert [t.record_type for t in retention.types] == sorted(counts)
    # A type without records does not count.
    only_messages = package_retention({"messaging.message": 1, "plans.plan": 0}, rules, DATES, {})
    assert only_messages.disposal_due_on == date(2032, 11, 30)


def test_one_permanent_record_type_preserves_the_package() -> None:
    rules = {"plans.plan": rule(years=None), "messaging.message": rule("messaging.message", 6)}
    retention = package_retention({"plans.plan": 1, "messaging.message": 1}, rules, DATES, {})
    assert retention.preservation is Preservation.PERMANENT
    assert retention.disposal_due_on is None


def test_disposal_is_due_the_day_after_retention_ends() -> None:
    end = date(2036, 10, 31)
    assert not is_due(Preservation.DISPOSE, end, end)
    assert is_due(Preservation.DISPOSE, end, date(2036, 11, 1))
    assert not is_due(Preservation.PERMANENT, None, date(2100, 1, 1))


def test_the_latest_record_of_each_type() -> None:
    latest = latest_by_type(
        [("a.b", date(2025, 1, 1)), ("a.b", date(2026, 1, 1)), ("a.b", None), ("c.d", None)]
    )
    assert latest == {"a.b": date(2026, 1, 1)}


def test_days_are_finnish_calendar_days() -> None:
    from datetime import UTC, datetime

    from kotopolku.archive.domain.retention import helsinki_day

    assert helsinki_day(datetime(2026, 12, 31, 22, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert helsinki_day(datetime(2026, 6, 30, 20, 59, tzinfo=UTC)) == date(2026, 6, 30)
