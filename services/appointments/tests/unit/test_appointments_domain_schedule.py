"""Kinds, durations, moving, overlap, periods, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kotopolku.appointments.domain import (
    AppointmentDomainError,
    AppointmentKind,
    AppointmentStatus,
    Booking,
    find_conflicts,
    in_period,
    moved,
    overlaps,
    validate_period,
    validate_times,
)

T0 = datetime(2026, 10, 22, 7, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_appointments_and_events_end_after_they_start() -> None:
    for kind in (AppointmentKind.APPOINTMENT, AppointmentKind.EVENT):
        validate_times(kind, T0, T0 + H)
        for end in (T0, T0 - H):
            with pytest.raises(AppointmentDomainError, match="after the start") as info:
                validate_times(kind, T0, end)
            assert info.value.field == "end"


def test_a_task_may_be_a_moment_but_not_end_before_it_starts() -> None:
    validate_times(AppointmentKind.TASK, T0, T0)
    with pytest.raises(AppointmentDomainError, match="before the start"):
        validate_times(AppointmentKind.TASK, T0, T0 - H)


@pytest.mark.parametrize(
    ("kind", "longest"),
    [
        (AppointmentKind.APPOINTMENT, timedelta(hours=24)),
        (AppointmentKind.EVENT, timedelta(days=14)),
        (AppointmentKind.TASK, timedelta(days=366)),
    ],
)
def test_each_kind_has_a_longest_duration(kind: AppointmentKind, longest: timedelta) -> None:
    validate_times(kind, T0, T0 + longest)
    with pytest.raises(AppointmentDomainError, match="too far"):
        validate_times(kind, T0, T0 + longest + timedelta(minutes=1))


def test_only_tasks_leave_time_free() -> None:
    assert AppointmentKind.APPOINTMENT.blocks_time
    assert AppointmentKind.EVENT.blocks_time
    assert not AppointmentKind.TASK.blocks_time


def test_a_new_start_alone_moves_and_keeps_the_duration() -> None:
    assert moved(T0, T0 + H, T0 + 5 * H, None) == (T0 + 5 * H, T0 + 6 * H)
    assert moved(T0, T0 + H, None, T0 + 2 * H) == (T0, T0 + 2 * H)
    assert moved(T0, T0 + H, T0 + 3 * H, T0 + 7 * H) == (T0 + 3 * H, T0 + 7 * H)
    assert moved(T0, T0 + H, None, None) == (T0, T0 + H)


def test_a_move_over_the_autumn_change_keeps_real_elapsed_time() -> None:
    # 02:00 (+03:00) to 03:00 (+03:00) moved to 02:00 on the night the clocks fall back.
    start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    new_start, new_end = moved(T0, T0 + 3 * H, start, None)
    assert new_end - new_start == 3 * H


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ((T0 - H, T0), False),
        ((T0 + H, T0 + 2 * H), False),
        ((T0 - H, T0 + timedelta(minutes=1)), True),
        ((T0 + timedelta(minutes=59), T0 + 2 * H), True),
        ((T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)), True),
        ((T0 - H, T0 + 2 * H), True),
    ],
)
def test_overlap_is_half_open(other: tuple[datetime, datetime], expected: bool) -> None:
    assert overlaps(T0, T0 + H, *other) is expected
    assert overlaps(*other, T0, T0 + H) is expected


def test_periods() -> None:
    validate_period(T0, T0 + timedelta(days=400))
    with pytest.raises(AppointmentDomainError, match="after from") as info:
        validate_period(T0, T0)
    assert info.value.field == "period.to"
    with pytest.raises(AppointmentDomainError, match="400 days"):
        validate_period(T0, T0 + timedelta(days=401))


def test_what_belongs_to_a_period() -> None:
    assert in_period(T0, T0 + H, T0 - H, T0 + timedelta(minutes=1))
    assert not in_period(T0, T0 + H, T0 + H, T0 + 2 * H)
    # A task due at a moment: the start of the period is in, the end is out.
    assert in_period(T0, T0, T0, T0 + H)
    assert not in_period(T0 + H, T0 + H, T0, T0 + H)


def _booking(
    appointment_id: str,
    start: datetime,
    end: datetime,
    person: str = "p1",
    kind: AppointmentKind = AppointmentKind.APPOINTMENT,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
) -> Booking:
    return Booking(appointment_id, person, kind, status, start, end, "091")


def test_conflicts_are_overlapping_scheduled_time_blocking_bookings_of_the_same_people() -> None:
    bookings = [
        _booking("a", T0, T0 + H),
        _booking("b", T0 + H, T0 + 2 * H),
        _booking("c", T0, T0 + H, person="p2"),
        _booking("d", T0, T0 + H, kind=AppointmentKind.TASK),
        _booking("e", T0, T0 + H, status=AppointmentStatus.CANCELLED),
        _booking("self", T0, T0 + H),
        _booking("f", T0 - H, T0 + timedelta(minutes=30), person="p3"),
    ]
    found = find_conflicts("self", AppointmentKind.APPOINTMENT, T0, T0 + H, ["p1", "p3"], bookings)
    assert [(c.booking.appointment_id, c.person_key) for c in found] == [("f", "p3"), ("a", "p1")]
    assert find_conflicts("self", AppointmentKind.TASK, T0, T0 + H, ["p1"], bookings) == []
    assert (
        find_conflicts("x", AppointmentKind.EVENT, T0 + 2 * H, T0 + 3 * H, ["p1"], bookings) == []
    )
