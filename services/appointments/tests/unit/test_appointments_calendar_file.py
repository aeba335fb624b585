"""iCalendar files, parsed back with the icalendar library, across both clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from kotopolku.appointments.domain import AppointmentKind, AppointmentStatus
from kotopolku.appointments.domain.calendar_file import CalendarEntry, Detail, calendar_file

NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def _entry(
    entry_id: str,
    start: datetime,
    end: datetime,
    kind: AppointmentKind = AppointmentKind.APPOINTMENT,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
) -> CalendarEntry:
    return CalendarEntry(
        entry_id,
        3,
        kind,
        status,
        "Alkukartoitus",
        "Muistiinpano",
        "Toinen linja 4",
        start,
        end,
        NOW - timedelta(days=1),
        NOW,
    )


def _parse(content: bytes) -> Calendar:
    assert b"\r\n" in content
    return Calendar.from_ical(content)


def test_times_survive_both_clock_changes() -> None:
    entries = [
        # 02:00 (+03:00) to 05:00 (+02:00) on the autumn night: four hours.
        _entry(
            "autumn",
            datetime(2026, 10, 24, 23, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 3, 0, tzinfo=UTC),
        ),
        # The first and the second 03:30 of that night.
        _entry(
            "first",
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            datetime(2026, 10, 25, 0, 45, tzinfo=UTC),
        ),
        _entry(
            "second",
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            datetime(2026, 10, 25, 1, 45, tzinfo=UTC),
        ),
        # Over the skipped spring hour: 02:30 (+02:00) to 04:30 (+03:00).
        _entry(
            "spring",
            datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
            datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
        ),
    ]
    content = calendar_file("Oma", entries, Detail.FULL, NOW)
    calendar = _parse(content)
    by_uid = {str(e["uid"]).split("@")[0]: e for e in calendar.events}
    for entry in entries:
        event = by_uid[entry.id]
        assert event.start.astimezone(UTC) == entry.starts_at, entry.id
        assert event.end.astimezone(UTC) == entry.ends_at, entry.id
    autumn = by_uid["autumn"]
    assert autumn.end.astimezone(UTC) - autumn.start.astimezone(UTC) == timedelta(hours=4)
    assert by_uid["spring"].start.utcoffset() == timedelta(hours=2)
    assert by_uid["spring"].end.utcoffset() == timedelta(hours=3)
    # One VTIMEZONE with the transitions of 2026 and 2027.
    (zone,) = calendar.timezones
    assert zone.tz_name == "Europe/Helsinki"
    text = zone.to_ical().decode()
    assert "20261025T040000" in text
    assert "20270328T040000" in text
    # The second 03:30 of the autumn night is written in UTC: as local time it would mean the first.
    assert b"DTSTART:20261025T013000Z" in content


def test_full_and_minimal_detail() -> None:
    entry = _entry("a", NOW + timedelta(days=2), NOW + timedelta(days=2, hours=1))
    full = next(iter(_parse(calendar_file("Oma", [entry], Detail.FULL, NOW)).events))
    assert str(full["summary"]) == "Alkukartoitus"
    assert str(full["description"]) == "Muistiinpano"
    assert str(full["location"]) == "Toinen linja 4"
    assert str(full["status"]) == "CONFIRMED"
    assert int(full["sequence"]) == 2
    minimal = next(iter(_parse(calendar_file("Oma", [entry], Detail.MINIMAL, NOW)).events))
    assert str(minimal["summary"]) == "Kotopolku: Tapaaminen / Appointment"
    assert "description" not in minimal
    assert str(minimal["location"]) == "Toinen linja 4"


def test_tasks_are_todos_and_cancelled_ones_say_so() -> None:
    calendar = _parse(
        calendar_file(
            "Oma",
            [
                _entry("t", NOW, NOW + timedelta(hours=3), kind=AppointmentKind.TASK),
                _entry("c", NOW, NOW + timedelta(hours=1), status=AppointmentStatus.CANCELLED),
            ],
            Detail.FULL,
            NOW,
        )
    )
    (todo,) = calendar.todos
    assert todo["due"].dt.astimezone(UTC) == NOW + timedelta(hours=3)
    assert str(todo["status"]) == "NEEDS-ACTION"
    (event,) = calendar.events
    assert str(event["status"]) == "CANCELLED"


def test_an_empty_calendar_is_still_a_valid_calendar() -> None:
    content = calendar_file("Oma", [], Detail.MINIMAL, NOW)
    calendar = _parse(content)
    assert str(calendar["version"]) == "2.0"
    assert list(calendar.events) == []
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in content
