"""Enrolment rules: the state machine, opening, capacity, start dates and report dates."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from kotopolku.programme.domain import (
    AttendanceMark,
    EnrolmentRefused,
    EnrolmentStatus,
    InterruptionReason,
    InvalidTransition,
    ProgrammeDomainError,
    check_free_place,
    check_open_for_enrolment,
    choose_start_date,
    transition_enrolment,
    validate_attendance_day,
    validate_completion_date,
    validate_interruption_date,
    validate_interruption_details,
)
from kotopolku.programme.domain.enrolment import MAX_DETAILS_LENGTH
from kotopolku.programme.v1 import programme_pb2

TODAY = date(2026, 3, 2)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "wrapper", "prefix"),
    [
        (EnrolmentStatus, programme_pb2.EnrolmentStatus, "ENROLMENT_STATUS_"),
        (InterruptionReason, programme_pb2.InterruptionReason, "INTERRUPTION_REASON_"),
        (AttendanceMark, programme_pb2.AttendanceMark, "ATTENDANCE_MARK_"),
    ],
)
def test_enums_are_the_proto_enums(kind: type, wrapper: object, prefix: str) -> None:
    names = [v.name for v in wrapper.DESCRIPTOR.values if v.number]  # type: ignore[attr-defined]
    assert [prefix + m.value for m in kind] == names


ALLOWED = {
    (EnrolmentStatus.ENROLLED, EnrolmentStatus.INTERRUPTED),
    (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED),
}


@pytest.mark.parametrize(
    ("current", "target"), list(itertools.product(EnrolmentStatus, EnrolmentStatus))
)
def test_every_transition(current: EnrolmentStatus, target: EnrolmentStatus) -> None:
    if (current, target) in ALLOWED:
        assert transition_enrolment(current, target) is target
    else:
        with pytest.raises(InvalidTransition) as info:
            transition_enrolment(current, target)
        assert info.value.field == "status"
        assert current.lower() in info.value.message


def test_only_enrolled_is_not_final() -> None:
    assert [s for s in EnrolmentStatus if not s.is_final] == [EnrolmentStatus.ENROLLED]


def test_enrolment_is_refused_after_the_validity_period() -> None:
    check_open_for_enrolment(None, TODAY)
    check_open_for_enrolment(TODAY, TODAY)
    with pytest.raises(EnrolmentRefused, match="ended") as info:
        check_open_for_enrolment(TODAY - DAY, TODAY)
    assert info.value.field == "programme_service_id"


@pytest.mark.parametrize(
    ("capacity", "active", "ok"), [(1, 0, True), (3, 2, True), (3, 3, False), (3, 5, False)]
)
def test_free_place(capacity: int, active: int, ok: bool) -> None:
    if ok:
        check_free_place(capacity, active)
    else:
        with pytest.raises(EnrolmentRefused, match="no free places"):
            check_free_place(capacity, active)


class TestStartDate:
    INTAKES = (date(2026, 1, 12), date(2026, 4, 6))

    def test_an_intake_is_required_and_must_be_one_of_them(self) -> None:
        for intake in self.INTAKES:
            assert choose_start_date(intake, self.INTAKES, date(2026, 1, 1), None, TODAY) == intake
        with pytest.raises(ProgrammeDomainError, match="required") as info:
            choose_start_date(None, self.INTAKES, date(2026, 1, 1), None, TODAY)
        assert info.value.field == "start_date"
        with pytest.raises(ProgrammeDomainError, match="not one of"):
            choose_start_date(date(2026, 4, 7), self.INTAKES, date(2026, 1, 1), None, TODAY)

    @pytest.mark.parametrize(
        ("requested", "valid_from", "valid_until", "expected"),
        [
            (None, date(2026, 1, 1), None, TODAY),
            (None, date(2026, 5, 1), None, date(2026, 5, 1)),
            (date(2026, 2, 1), date(2026, 1, 1), None, date(2026, 2, 1)),
            (date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1)),
            (date(2025, 12, 31), date(2026, 1, 1), None, None),
            (date(2026, 7, 1), date(2026, 1, 1), date(2026, 6, 30), None),
            (None, date(2026, 1, 1), date(2026, 3, 1), None),
        ],
    )
    def test_without_intakes_within_the_validity_period(
        self,
        requested: date | None,
        valid_from: date,
        valid_until: date | None,
        expected: date | None,
    ) -> None:
        if expected is not None:
            assert choose_start_date(requested, (), valid_from, valid_until, TODAY) == expected
        else:
            with pytest.raises(ProgrammeDomainError, match="validity period"):
                choose_start_date(requested, (), valid_from, valid_until, TODAY)


START = date(2026, 2, 2)


@pytest.mark.parametrize(
    ("day", "end", "problem"),
    [
        (START, None, None),
        (TODAY, None, None),
        (TODAY + DAY, None, "future"),
        (START - DAY, None, "before the participant's start"),
        (date(2026, 2, 20), date(2026, 2, 20), None),
        (date(2026, 2, 21), date(2026, 2, 20), "after the enrolment ended"),
    ],
)
def test_attendance_day(day: date, end: date | None, problem: str | None) -> None:
    if problem is None:
        validate_attendance_day(day, START, end, TODAY)
    else:
        with pytest.raises(ProgrammeDomainError, match=problem) as info:
            validate_attendance_day(day, START, end, TODAY)
        assert info.value.field == "date"


@pytest.mark.parametrize(
    ("day", "enrolled_on", "last", "problem"),
    [
        (TODAY, TODAY, None, None),
        (TODAY + DAY, TODAY, None, "future"),
        # Cancelled before the start: dated on the day of enrolment.
        (date(2026, 1, 20), date(2026, 1, 20), None, None),
        (date(2026, 1, 19), date(2026, 1, 20), None, "before the enrolment began"),
        # Enrolled late into an intake that had started: the start is earlier.
        (START, date(2026, 2, 10), None, None),
        (START - DAY, date(2026, 2, 10), None, "before the enrolment began"),
        (date(2026, 2, 10), TODAY, date(2026, 2, 10), None),
        (date(2026, 2, 9), TODAY, date(2026, 2, 10), "attendance is marked after"),
    ],
)
def test_interruption_date(
    day: date, enrolled_on: date, last: date | None, problem: str | None
) -> None:
    if problem is None:
        validate_interruption_date(day, START, enrolled_on, last, TODAY)
    else:
        with pytest.raises(ProgrammeDomainError, match=problem) as info:
            validate_interruption_date(day, START, enrolled_on, last, TODAY, field="date")
        assert info.value.field == "date"


@pytest.mark.parametrize(
    ("day", "last", "problem"),
    [
        (TODAY, None, None),
        (START, None, None),
        (START - DAY, None, "before the participant's start"),
        (TODAY + DAY, None, "future"),
        (date(2026, 2, 27), date(2026, 2, 27), None),
        (date(2026, 2, 26), date(2026, 2, 27), "attendance is marked after"),
    ],
)
def test_completion_date(day: date, last: date | None, problem: str | None) -> None:
    if problem is None:
        validate_completion_date(day, START, last, TODAY)
    else:
        with pytest.raises(ProgrammeDomainError, match=problem) as info:
            validate_completion_date(day, START, last, TODAY)
        assert info.value.field == "completion_date"


@pytest.mark.parametrize("reason", list(InterruptionReason))
def test_interruption_details(reason: InterruptionReason) -> None:
    assert validate_interruption_details(reason, "  Muutti   pois ") == "Muutti pois"
    if reason is InterruptionReason.OTHER:
        with pytest.raises(ProgrammeDomainError, match="required when the reason is OTHER"):
            validate_interruption_details(reason, " ")
    else:
        assert validate_interruption_details(reason, "") == ""
    with pytest.raises(ProgrammeDomainError, match="at most"):
        validate_interruption_details(reason, "x" * (MAX_DETAILS_LENGTH + 1))
    with pytest.raises(ProgrammeDomainError, match="control"):
        validate_interruption_details(reason, "a\x07b")


def test_reason_labels() -> None:
    assert InterruptionReason.OTHER_STUDIES.label == "other studies"
    assert InterruptionReason.EMPLOYMENT.label == "employment"
