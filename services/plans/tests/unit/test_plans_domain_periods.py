"""The plan period: the one-year first plan, extensions one year at a time, two years in all."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.plans.domain.errors import InvalidExtension, InvalidPlanPeriod, PlanDomainError
from kotopolku.plans.domain.periods import (
    add_months,
    add_years,
    check_extension_end,
    check_first_plan_period,
    latest_extended_end,
    latest_first_plan_end,
    validate_justification,
)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 1, 31), 0, date(2026, 1, 31)),
        (date(2026, 1, 31), -2, date(2025, 11, 30)),
        (date(2026, 5, 10), 24, date(2028, 5, 10)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_month_end(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_add_years_from_a_leap_day_lands_on_28_february() -> None:
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert add_years(date(2026, 6, 1), 2) == date(2028, 6, 1)


@pytest.mark.parametrize(
    "end",
    [date(2026, 1, 16), date(2026, 7, 15), date(2027, 1, 14), date(2027, 1, 15)],
)
def test_first_plan_of_at_most_one_year_is_accepted(end: date) -> None:
    check_first_plan_period(date(2026, 1, 15), end)


@pytest.mark.parametrize(
    ("end", "says"),
    [
        (date(2027, 1, 16), "on or before 2027-01-15"),
        (date(2028, 1, 15), "at most 1 year"),
        (date(2026, 1, 15), "after start_date"),
        (date(2025, 12, 1), "after start_date"),
    ],
)
def test_first_plan_longer_than_a_year_or_empty_is_refused(end: date, says: str) -> None:
    with pytest.raises(InvalidPlanPeriod) as info:
        check_first_plan_period(date(2026, 1, 15), end)
    assert info.value.field == "end_date"
    assert says in info.value.message


def test_first_plan_period_names_the_given_field() -> None:
    with pytest.raises(InvalidPlanPeriod) as info:
        check_first_plan_period(date(2026, 1, 15), date(2030, 1, 1), field="start_date")
    assert info.value.field == "start_date"


def test_first_plan_from_a_leap_day() -> None:
    start = date(2028, 2, 29)
    assert latest_first_plan_end(start) == date(2029, 2, 28)
    check_first_plan_period(start, date(2029, 2, 28))
    with pytest.raises(InvalidPlanPeriod):
        check_first_plan_period(start, date(2029, 3, 1))


ORIGINAL = date(2027, 1, 15)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (ORIGINAL, date(2027, 1, 16)),
        (ORIGINAL, date(2028, 1, 15)),
        (date(2028, 1, 15), date(2029, 1, 15)),
        (date(2027, 7, 1), date(2028, 7, 1)),
        (date(2028, 7, 1), date(2029, 1, 15)),
    ],
)
def test_extension_of_at_most_a_year_within_two_years_is_accepted(current: date, new: date) -> None:
    check_extension_end(ORIGINAL, current, new)


@pytest.mark.parametrize(
    ("current", "new", "says"),
    [
        (ORIGINAL, ORIGINAL, "after the current end date 2027-01-15"),
        (ORIGINAL, date(2026, 12, 31), "after the current end date"),
        (ORIGINAL, date(2028, 1, 16), "1 year at a time"),
        (date(2027, 7, 1), date(2028, 7, 2), "on or before 2028-07-01"),
        (date(2028, 7, 1), date(2029, 1, 16), "2 years in total"),
        (date(2029, 1, 15), date(2029, 6, 1), "latest possible end date is 2029-01-15"),
        (ORIGINAL, date(2030, 1, 1), "2 years in total"),
    ],
)
def test_extension_beyond_the_limits_is_refused(current: date, new: date, says: str) -> None:
    with pytest.raises(InvalidExtension) as info:
        check_extension_end(ORIGINAL, current, new)
    assert info.value.field == "new_end_date"
    assert says in info.value.message


def test_two_one_year_extensions_reach_exactly_the_limit() -> None:
    first = add_years(ORIGINAL, 1)
    check_extension_end(ORIGINAL, ORIGINAL, first)
    second = add_years(first, 1)
    check_extension_end(ORIGINAL, first, second)
    assert second == latest_extended_end(ORIGINAL) == date(2029, 1, 15)
    with pytest.raises(InvalidExtension):
        check_extension_end(ORIGINAL, second, date(2029, 1, 16))


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_extension_needs_a_stated_reason(text: str) -> None:
    with pytest.raises(InvalidExtension) as info:
        validate_justification(text)
    assert info.value.field == "reason"
    assert "required" in info.value.message


def test_reason_is_normalised_and_limited() -> None:
    assert validate_justification("  Työkokeilu\n jatkuu ") == "Työkokeilu jatkuu"
    with pytest.raises(InvalidExtension, match="at most 2000"):
        validate_justification("x" * 2001)
    assert len(validate_justification("x" * 2000)) == 2000
    with pytest.raises(InvalidExtension, match="control"):
        validate_justification("bad\x00reason")
    with pytest.raises(InvalidExtension) as info:
        validate_justification("", field="description")
    assert info.value.field == "description"


def test_errors_are_value_errors_naming_their_field() -> None:
    error = InvalidExtension("reason", "is required")
    assert isinstance(error, PlanDomainError)
    assert isinstance(error, ValueError)
    assert str(error) == "is required"
    assert repr(error) == "InvalidExtension(field='reason', message='is required')"
