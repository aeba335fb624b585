"""The plan period: the one-year first plan and its extensions (Integration Act 681/2023).

* The first plan lasts at most one year: ``end_date`` ≤ ``start_date`` + 1 year, and it ends
  after it starts.
* For justified reasons (perusteltu syy) it may be extended, one year at a time (the new end is
  at most one year after the current end) and by at most two years in total (the new end is at
  most two years after the end approved for the first plan).

"One year after" is the same calendar day a year later; from 29 February it is 28 February.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Final

from kotopolku.plans.domain.errors import InvalidExtension, InvalidPlanPeriod

FIRST_PLAN_MAX_YEARS: Final = 1
EXTENSION_STEP_MAX_YEARS: Final = 1
EXTENSIONS_TOTAL_MAX_YEARS: Final = 2
MAX_REASON_LENGTH: Final = 2000


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def latest_first_plan_end(start: date) -> date:
    return add_years(start, FIRST_PLAN_MAX_YEARS)


def check_first_plan_period(start: date, end: date, *, field: str = "end_date") -> None:
    """The first plan's period: it ends after it starts and lasts at most one year."""
    if end <= start:
        raise InvalidPlanPeriod(field, "end_date must be after start_date")
    latest = latest_first_plan_end(start)
    if end > latest:
        raise InvalidPlanPeriod(
            field,
            f"the first plan lasts at most {FIRST_PLAN_MAX_YEARS} year: "
            f"end_date must be on or before {latest.isoformat()}",
        )


def latest_extended_end(original_end: date) -> date:
    """The latest end any extension may reach: two years after the first plan's end."""
    return add_years(original_end, EXTENSIONS_TOTAL_MAX_YEARS)


def check_extension_end(
    original_end: date, current_end: date, new_end: date, *, field: str = "new_end_date"
) -> None:
    """An extension moves the end later, by at most a year at a time and two years in total."""
    if new_end <= current_end:
        raise InvalidExtension(
            field, f"must be after the current end date {current_end.isoformat()}"
        )
    step_limit = add_years(current_end, EXTENSION_STEP_MAX_YEARS)
    total_limit = latest_extended_end(original_end)
    if new_end > total_limit:
        raise InvalidExtension(
            field,
            f"a plan may be extended by at most {EXTENSIONS_TOTAL_MAX_YEARS} years in total: "
            f"the latest possible end date is {total_limit.isoformat()}",
        )
    if new_end > step_limit:
        raise InvalidExtension(
            field,
            f"a plan is extended by at most {EXTENSION_STEP_MAX_YEARS} year at a time: "
            f"the new end date must be on or before {step_limit.isoformat()}",
        )


def validate_justification(text: str, *, field: str = "reason") -> str:
    """A stated reason (for an extension, a transfer, a review request), whitespace normalised."""
    reason = " ".join(text.split())
    if not reason:
        raise InvalidExtension(field, "a justified reason is required")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidExtension(field, f"must be at most {MAX_REASON_LENGTH} characters")
    if not reason.isprintable():
        raise InvalidExtension(field, "must not contain control characters")
    return reason
