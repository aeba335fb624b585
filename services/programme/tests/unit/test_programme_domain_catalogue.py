"""Catalogue rules: types, names, validity, intakes, capacity, place, languages."""

from __future__ import annotations

import enum
from datetime import date

import pytest

from kotopolku.programme.domain import (
    MAX_CAPACITY,
    ProgrammeDomainError,
    ServiceType,
    free_places,
    has_ended,
    intake_problems,
    is_valid_on,
    normalise_intakes,
    validate_capacity,
    validate_language_count,
    validate_place,
    validate_service_name,
    validate_validity,
)
from kotopolku.programme.domain.catalogue import MAX_INTAKES, MAX_LANGUAGES
from kotopolku.programme.v1 import programme_pb2

D = date


def test_service_types_are_the_proto_types() -> None:
    names = [v.name for v in programme_pb2.ServiceType.DESCRIPTOR.values if v.number]
    assert [f"SERVICE_TYPE_{t.value}" for t in ServiceType] == names
    assert all(isinstance(t, enum.StrEnum) and t.value == t.name for t in ServiceType)


@pytest.mark.parametrize("kind", list(ServiceType))
def test_only_municipality_defined_services_need_a_name(kind: ServiceType) -> None:
    validate_service_name(kind, "Kerho")
    if kind is ServiceType.MUNICIPALITY_DEFINED:
        assert kind.requires_name
        with pytest.raises(ProgrammeDomainError) as info:
            validate_service_name(kind, "")
        assert info.value.field == "name"
    else:
        assert not kind.requires_name
        validate_service_name(kind, "")


def test_validity_period() -> None:
    validate_validity(D(2026, 1, 1), None)
    validate_validity(D(2026, 1, 1), D(2026, 1, 1))
    with pytest.raises(ProgrammeDomainError) as info:
        validate_validity(D(2026, 1, 2), D(2026, 1, 1))
    assert info.value.field == "valid_until"


def test_intakes_outside_the_period_are_named_by_index() -> None:
    intakes = [D(2025, 12, 31), D(2026, 1, 1), D(2026, 6, 1), D(2026, 12, 31), D(2027, 1, 1)]
    problems = intake_problems(intakes, D(2026, 1, 1), D(2026, 12, 31))
    assert [(p.field, p.message) for p in problems] == [
        ("intake_dates[0]", "is before valid_from"),
        ("intake_dates[4]", "is after valid_until"),
    ]
    assert intake_problems(intakes, D(2026, 1, 1), None)[0].field == "intake_dates[0]"
    assert len(intake_problems(intakes, D(2026, 1, 1), None)) == 1
    assert intake_problems(intakes, None, None) == []
    assert intake_problems([], D(2026, 1, 1), D(2026, 1, 1)) == []


def test_too_many_intakes() -> None:
    days = [D(2026, 1, 1)] * (MAX_INTAKES + 1)
    assert [p.field for p in intake_problems(days, None, None)] == ["intake_dates"]
    assert intake_problems(days[:MAX_INTAKES], None, None) == []


def test_intakes_are_sorted_and_unique() -> None:
    assert normalise_intakes([D(2026, 8, 1), D(2026, 3, 1), D(2026, 8, 1)]) == [
        D(2026, 3, 1),
        D(2026, 8, 1),
    ]
    assert normalise_intakes([]) == []


@pytest.mark.parametrize("capacity", [1, 2, MAX_CAPACITY])
def test_capacity_within_bounds(capacity: int) -> None:
    assert validate_capacity(capacity) == capacity


@pytest.mark.parametrize("capacity", [0, -1, MAX_CAPACITY + 1])
def test_capacity_out_of_bounds(capacity: int) -> None:
    with pytest.raises(ProgrammeDomainError) as info:
        validate_capacity(capacity)
    assert info.value.field == "capacity"


def test_capacity_never_below_the_current_enrolments() -> None:
    assert validate_capacity(5, 5) == 5
    with pytest.raises(ProgrammeDomainError, match="6 participants"):
        validate_capacity(5, 6, field="service.capacity")


@pytest.mark.parametrize(
    ("location", "remote", "ok"),
    [
        ("Opistotie 1", False, True),
        ("", True, True),
        ("Opistotie 1", True, True),
        ("", False, False),
    ],
)
def test_a_service_is_given_somewhere(location: str, remote: bool, ok: bool) -> None:
    if ok:
        validate_place(location, remote)
    else:
        with pytest.raises(ProgrammeDomainError) as info:
            validate_place(location, remote)
        assert info.value.field == "location"


def test_language_count() -> None:
    validate_language_count(1)
    validate_language_count(MAX_LANGUAGES)
    for count in (0, MAX_LANGUAGES + 1):
        with pytest.raises(ProgrammeDomainError):
            validate_language_count(count)


@pytest.mark.parametrize(
    ("capacity", "active", "free"), [(3, 0, 3), (3, 2, 1), (3, 3, 0), (3, 4, 0)]
)
def test_free_places(capacity: int, active: int, free: int) -> None:
    assert free_places(capacity, active) == free


@pytest.mark.parametrize(
    ("day", "until", "valid", "ended"),
    [
        (D(2025, 12, 31), D(2026, 6, 30), False, False),
        (D(2026, 1, 1), D(2026, 6, 30), True, False),
        (D(2026, 6, 30), D(2026, 6, 30), True, False),
        (D(2026, 7, 1), D(2026, 6, 30), False, True),
        (D(2099, 1, 1), None, True, False),
    ],
)
def test_validity_on_a_day(day: date, until: date | None, valid: bool, ended: bool) -> None:
    assert is_valid_on(D(2026, 1, 1), until, day) is valid
    assert has_ended(until, day) is ended
