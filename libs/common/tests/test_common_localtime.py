"""Moments given with an offset or as Helsinki local time, across both clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kotopolku.common.localtime import (
    InvalidMoment,
    local_iso,
    local_to_utc,
    parse_day_or_moment,
    parse_moment,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T10:00", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        ("2026-07-02T10:00", datetime(2026, 7, 2, 7, 0, tzinfo=UTC)),
        ("2026-03-02T10:00:30", datetime(2026, 3, 2, 8, 0, 30, tzinfo=UTC)),
        ("2026-03-02 10:00", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        ("2026-03-02T10:00Z", datetime(2026, 3, 2, 10, 0, tzinfo=UTC)),
        ("2026-03-02T10:00+05:30", datetime(2026, 3, 2, 4, 30, tzinfo=UTC)),
        ("2026-03-02T10:00:00.123456+02:00", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        # The last minute before the spring change, and the first after it.
        ("2026-03-29T02:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
        ("2026-03-29T04:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # Around the autumn change: 02:59 is once, 04:00 is once.
        ("2026-10-25T02:59", datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),
        ("2026-10-25T04:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
        # The repeated hour with its offset: first (+03:00) and second (+02:00) time.
        ("2026-10-25T03:30+03:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("2026-10-25T03:30+02:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        # The skipped hour exists with an offset.
        ("2026-03-29T03:30+02:00", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    ],
)
def test_moments(text: str, expected: datetime) -> None:
    assert parse_moment(text, field="start") == expected


@pytest.mark.parametrize("text", ["2026-03-29T03:00", "2026-03-29T03:30", "2026-03-29T03:59"])
def test_the_skipped_spring_hour_does_not_exist(text: str) -> None:
    with pytest.raises(InvalidMoment, match="does not exist") as info:
        parse_moment(text, field="start")
    assert info.value.field == "start"


@pytest.mark.parametrize("text", ["2026-10-25T03:00", "2026-10-25T03:30", "2026-10-25T03:59"])
def test_the_repeated_autumn_hour_needs_an_offset(text: str) -> None:
    with pytest.raises(InvalidMoment, match=r"occurs twice.*\+03:00 for the first, \+02:00"):
        parse_moment(text, field="end")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is required"),
        ("   ", "is required"),
        ("tomorrow", "must be a date and time"),
        ("2026-02-30T10:00", "must be a date and time"),
        ("2026-03-02", "must include a time"),
        ("1999-12-31T10:00", "between the years"),
        ("2101-01-01T10:00Z", "between the years"),
        ("2026-03-02T10:00" + "0" * 40, "is not a date and time"),
    ],
)
def test_bad_moments(text: str, message: str) -> None:
    with pytest.raises(InvalidMoment, match=message):
        parse_moment(text, field="start")


def test_days_are_local_midnights() -> None:
    assert parse_day_or_moment("2026-10-25", field="from") == datetime(
        2026, 10, 24, 21, 0, tzinfo=UTC
    )
    assert parse_day_or_moment("2026-10-26", field="from") == datetime(
        2026, 10, 25, 22, 0, tzinfo=UTC
    )
    assert parse_day_or_moment("2026-10-26T08:00Z", field="from") == datetime(
        2026, 10, 26, 8, 0, tzinfo=UTC
    )
    with pytest.raises(InvalidMoment, match="must be a day"):
        parse_day_or_moment("2026-13-01", field="from")


def test_local_iso_carries_the_offset_of_the_moment() -> None:
    assert local_iso(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "2026-10-25T03:30:00+03:00"
    assert local_iso(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "2026-10-25T03:30:00+02:00"
    assert local_iso(datetime(2026, 1, 1, 10, 0)) == "2026-01-01T12:00:00+02:00"
    assert local_to_utc(datetime(2026, 1, 1, 12, 0), field="x") == datetime(
        2026, 1, 1, 10, 0, tzinfo=UTC
    )
