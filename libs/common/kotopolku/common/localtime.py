"""Moments given by people: with an offset, or as local time in Europe/Helsinki.

Finnish staff and clients think in Helsinki wall-clock time. An input with an offset
("2026-10-25T03:30:00+03:00", "…Z") is an exact moment. An input without one is read as Helsinki
local time, and the two days a year when that is not one moment are refused rather than guessed:

* on the last Sunday of March clocks jump from 03:00 to 04:00, so 03:00–03:59 does not exist;
* on the last Sunday of October clocks fall back from 04:00 to 03:00, so 03:00–03:59 occurs twice
  (first at +03:00, then at +02:00).

Everything returned is an aware UTC datetime, the form every service stores.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

HELSINKI: Final = ZoneInfo("Europe/Helsinki")
EARLIEST_YEAR: Final = 2000
LATEST_YEAR: Final = 2100


def finnish_date(moment: datetime) -> date:
    """The Finnish calendar day at ``moment`` (an aware datetime, e.g. from the clock): the
    services' "today" and every date rule count in Finnish days."""
    if moment.tzinfo is None:
        raise ValueError("finnish_date() needs a timezone-aware datetime")
    return moment.astimezone(HELSINKI).date()


class InvalidMoment(ValueError):
    """A moment that cannot be read; ``field`` names the input it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _check_year(year: int, field: str) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise InvalidMoment(field, f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")


def local_to_utc(local: datetime, *, field: str, zone: tzinfo = HELSINKI) -> datetime:
    """A naive wall-clock time in ``zone`` as a UTC moment; refuses skipped and repeated times."""
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) != local:
        raise InvalidMoment(
            field,
            f"{local:%Y-%m-%d %H:%M} does not exist in Europe/Helsinki (the clocks move forward "
            "that night); give the time with an offset",
        )
    if first != second:
        earlier, later = (first, second) if first < second else (second, first)
        raise InvalidMoment(
            field,
            f"{local:%Y-%m-%d %H:%M} occurs twice in Europe/Helsinki (the clocks move back that "
            f"night); give the offset: {_offset(earlier, zone)} for the first, "
            f"{_offset(later, zone)} for the second",
        )
    return first


def _offset(moment: datetime, zone: tzinfo) -> str:
    text = moment.astimezone(zone).strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def parse_moment(text: str, *, field: str, zone: tzinfo = HELSINKI) -> datetime:
    """An ISO 8601 date and time, with an offset or in ``zone``'s local time, as UTC."""
    value = text.strip()
    if not value:
        raise InvalidMoment(field, "is required")
    if len(value) > 40:
        raise InvalidMoment(field, "is not a date and time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidMoment(
            field, "must be a date and time like 2026-03-02T10:00 or 2026-03-02T10:00+02:00"
        ) from None
    if "T" not in value.upper() and " " not in value:
        raise InvalidMoment(field, "must include a time of day, e.g. 2026-03-02T10:00")
    _check_year(parsed.year, field)
    parsed = parsed.replace(microsecond=0)
    if parsed.tzinfo is None:
        return local_to_utc(parsed, field=field, zone=zone)
    return parsed.astimezone(UTC)


def parse_day_or_moment(text: str, *, field: str, zone: tzinfo = HELSINKI) -> datetime:
    """A calendar day ("2026-10-26": its local midnight) or a moment, as UTC."""
    value = text.strip()
    if len(value) == len("YYYY-MM-DD"):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidMoment(field, "must be a day YYYY-MM-DD or a date and time") from None
        _check_year(day.year, field)
        # Midnight exists every day in Helsinki: the clocks change at 03:00 and 04:00.
        return local_to_utc(datetime.combine(day, time()), field=field, zone=zone)
    return parse_moment(value, field=field, zone=zone)


def local_iso(moment: datetime, zone: tzinfo = HELSINKI) -> str:
    """The moment as local time with its offset, e.g. "2026-10-25T03:30:00+02:00"."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(zone).isoformat()
