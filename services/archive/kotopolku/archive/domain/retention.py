"""When an archival package may be disposed of: per record type from its rule and trigger, and
for the package as a whole.

A package is one bag and is disposed of whole: when the retention of every record type in it has
ended (the latest day wins), and never when any of its record types is preserved permanently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from kotopolku.archive.domain.tos import Preservation, RetentionRule, Trigger
from kotopolku.common.localtime import HELSINKI


@dataclass(frozen=True, slots=True)
class TriggerDates:
    """The days the triggers refer to, known when the package is made."""

    active_use_ended_on: date
    archived_on: date
    # None when the client had no plan: the end of active use stands in.
    last_plan_end: date | None = None


@dataclass(frozen=True, slots=True)
class TypeRetention:
    record_type: str
    count: int
    rule: RetentionRule
    # None when preserved permanently.
    ends_on: date | None


@dataclass(frozen=True, slots=True)
class PackageRetention:
    types: tuple[TypeRetention, ...]
    preservation: Preservation
    # None when preserved permanently.
    disposal_due_on: date | None


def helsinki_day(moment: datetime) -> date:
    """The calendar day in Finland: retention dates are Finnish dates."""
    return moment.astimezone(HELSINKI).date()


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def trigger_day(trigger: Trigger, dates: TriggerDates, latest_record: date | None) -> date:
    if trigger is Trigger.ACTIVE_USE_END:
        return dates.active_use_ended_on
    if trigger is Trigger.LAST_PLAN_END:
        return dates.last_plan_end or dates.active_use_ended_on
    if trigger is Trigger.END_OF_RECORD_YEAR:
        year = (latest_record or dates.archived_on).year
        return date(year, 12, 31)
    return dates.archived_on


def retention_end(
    rule: RetentionRule, dates: TriggerDates, latest_record: date | None
) -> date | None:
    if rule.preservation is Preservation.PERMANENT:
        return None
    assert rule.trigger is not None
    assert rule.retention_years is not None
    return add_years(trigger_day(rule.trigger, dates, latest_record), rule.retention_years)


def package_retention(
    counts: Mapping[str, int],
    rules: Mapping[str, RetentionRule],
    dates: TriggerDates,
    latest_records: Mapping[str, date],
) -> PackageRetention:
    """Every type with records must have a rule (the caller checks :meth:`Tos.missing` first)."""
    types = tuple(
        TypeRetention(t, n, rules[t], retention_end(rules[t], dates, latest_records.get(t)))
        for t, n in sorted(counts.items())
        if n > 0
    )
    if any(t.ends_on is None for t in types):
        return PackageRetention(types, Preservation.PERMANENT, None)
    ends = [t.ends_on for t in types if t.ends_on is not None]
    return PackageRetention(types, Preservation.DISPOSE, max(ends, default=dates.archived_on))


def is_due(preservation: Preservation, disposal_due_on: date | None, today: date) -> bool:
    """Disposal is due on the day after retention has ended."""
    return (
        preservation is Preservation.DISPOSE
        and disposal_due_on is not None
        and today > disposal_due_on
    )


def latest_by_type(records: Iterable[tuple[str, date | None]]) -> dict[str, date]:
    latest: dict[str, date] = {}
    for record_type, day in records:
        if day is not None and (record_type not in latest or day > latest[record_type]):
            latest[record_type] = day
    return latest
