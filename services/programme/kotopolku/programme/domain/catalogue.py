"""The catalogue of the municipality's integration programme (kotoutumisohjelma): its services.

A programme service has a type, a provider, languages, a place (an address, remote, or both), a
capacity, optional intake dates (the days new participants start) and a validity period. Rules:

* a MUNICIPALITY_DEFINED service must have a name; the others may have one;
* the validity period ends on or after it starts (an open end is allowed);
* every intake date lies within the validity period; they are kept sorted and unique;
* capacity is 1..``MAX_CAPACITY`` and never below the current (active) enrolments;
* a service is given somewhere: a location, remote, or both.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Final

from kotopolku.programme.domain.errors import ProgrammeDomainError

MAX_CAPACITY: Final = 10_000
MAX_INTAKES: Final = 100
MAX_LANGUAGES: Final = 20


class ServiceType(enum.StrEnum):
    """Kinds of programme services; values are the protobuf enum suffixes.

    * ``CIVIC_ORIENTATION`` — monikielinen yhteiskuntaorientaatio.
    * ``INTEGRATION_TRAINING`` — kotoutumiskoulutus, ends with kielitaidon päättötestaus.
    * ``LANGUAGE_TRAINING`` — kieliopinnot.
    * ``LITERACY_TRAINING`` — luku- ja kirjoitustaidon koulutus.
    * ``BASIC_EDUCATION_FOR_ADULTS`` — aikuisten perusopetus.
    * ``GUIDANCE`` — ohjaus ja neuvonta.
    * ``MUNICIPALITY_DEFINED`` — a service the municipality defines (it must be named).
    """

    CIVIC_ORIENTATION = "CIVIC_ORIENTATION"
    INTEGRATION_TRAINING = "INTEGRATION_TRAINING"
    LANGUAGE_TRAINING = "LANGUAGE_TRAINING"
    LITERACY_TRAINING = "LITERACY_TRAINING"
    BASIC_EDUCATION_FOR_ADULTS = "BASIC_EDUCATION_FOR_ADULTS"
    GUIDANCE = "GUIDANCE"
    MUNICIPALITY_DEFINED = "MUNICIPALITY_DEFINED"

    @property
    def requires_name(self) -> bool:
        return self is ServiceType.MUNICIPALITY_DEFINED


def validate_service_name(service_type: ServiceType, name: str, *, field: str = "name") -> None:
    if service_type.requires_name and not name:
        raise ProgrammeDomainError(field, "is required for a municipality-defined service")


def validate_validity(
    valid_from: date, valid_until: date | None, *, field: str = "valid_until"
) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise ProgrammeDomainError(field, "must not be before valid_from")


def intake_problems(
    intakes: Sequence[date],
    valid_from: date | None,
    valid_until: date | None,
    *,
    field: str = "intake_dates",
) -> list[ProgrammeDomainError]:
    """Every intake outside the validity period, by its index; and too many intakes."""
    problems = []
    if len(intakes) > MAX_INTAKES:
        problems.append(ProgrammeDomainError(field, f"at most {MAX_INTAKES} intake dates"))
    for index, day in enumerate(intakes):
        if valid_from is not None and day < valid_from:
            problems.append(ProgrammeDomainError(f"{field}[{index}]", "is before valid_from"))
        elif valid_until is not None and day > valid_until:
            problems.append(ProgrammeDomainError(f"{field}[{index}]", "is after valid_until"))
    return problems


def normalise_intakes(intakes: Iterable[date]) -> list[date]:
    return sorted(set(intakes))


def validate_capacity(capacity: int, active: int = 0, *, field: str = "capacity") -> int:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ProgrammeDomainError(field, f"must be between 1 and {MAX_CAPACITY}")
    if capacity < active:
        raise ProgrammeDomainError(
            field, f"must not be below the {active} participants currently enrolled"
        )
    return capacity


def validate_place(location: str, remote: bool, *, field: str = "location") -> None:
    if not location and not remote:
        raise ProgrammeDomainError(field, "is required unless the service is remote")


def validate_language_count(count: int, *, field: str = "languages") -> None:
    if count == 0:
        raise ProgrammeDomainError(field, "give at least one language")
    if count > MAX_LANGUAGES:
        raise ProgrammeDomainError(field, f"at most {MAX_LANGUAGES} languages")


def free_places(capacity: int, active: int) -> int:
    return max(0, capacity - active)


def is_valid_on(valid_from: date, valid_until: date | None, day: date) -> bool:
    return valid_from <= day and (valid_until is None or day <= valid_until)


def has_ended(valid_until: date | None, today: date) -> bool:
    return valid_until is not None and valid_until < today
