"""Report periods: whole calendar months, grouped by month, quarter, year or in total.

Reports count by Finnish calendar days; a period is ``start``–``end`` inclusive, both ``YYYY-MM``,
at most :data:`MAX_MONTHS` long.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from kotopolku.reporting.domain.errors import ReportingDomainError

MAX_MONTHS: Final = 120
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Grouping(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    TOTAL = "total"


def parse_month(text: str, field: str) -> date:
    """The first day of the month ``YYYY-MM``."""
    match = _MONTH.match(text)
    if match is None:
        raise ReportingDomainError(field, "must be a month YYYY-MM")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ReportingDomainError(field, "is not a month between 2000-01 and 2100-12")
    return date(year, month, 1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Period:
    first_day: date
    last_day: date
    grouping: Grouping

    @property
    def start(self) -> str:
        return month_of(self.first_day)

    @property
    def end(self) -> str:
        return month_of(self.last_day)

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def bucket(self, day: date) -> str | None:
        """The group a day counts in, or None outside the period."""
        if not self.contains(day):
            return None
        if self.grouping is Grouping.MONTH:
            return month_of(day)
        if self.grouping is Grouping.QUARTER:
            return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
        if self.grouping is Grouping.YEAR:
            return f"{day.year:04d}"
        return f"{self.start}..{self.end}"

    def bucket_of_month(self, month: str) -> str | None:
        return self.bucket(parse_month(month, "period"))

    def buckets(self) -> list[tuple[str, date]]:
        """Every group in order, with its last day."""
        found: dict[str, date] = {}
        first = self.first_day
        while first <= self.last_day:
            key = self.bucket(first)
            assert key is not None
            found[key] = _month_end(first)
            first = _month_end(first) + timedelta(days=1)
        return list(found.items())


def period(start: str, end: str, grouping: str = "", *, today: date) -> Period:
    """A period from the request; an empty start or end means the current month."""
    first = parse_month(start, "period_start") if start else today.replace(day=1)
    last_first = parse_month(end, "period_end") if end else today.replace(day=1)
    if last_first < first:
        raise ReportingDomainError("period_end", "is before period_start")
    months = (last_first.year - first.year) * 12 + last_first.month - first.month + 1
    if months > MAX_MONTHS:
        raise ReportingDomainError("period_end", f"the period is longer than {MAX_MONTHS} months")
    try:
        chosen = Grouping(grouping or Grouping.MONTH)
    except ValueError:
        raise ReportingDomainError("group_by", "must be month, quarter, year or total") from None
    return Period(first, _month_end(last_first), chosen)
