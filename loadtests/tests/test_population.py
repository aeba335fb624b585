"""The generated people are valid for the clients service and plausible as households; the
generator's identifiers are what the services would make."""

from __future__ import annotations

import random
import uuid
from datetime import date

import pytest

from kotopolku.clients.domain import validate_email, validate_phone
from kotopolku.clients.domain.henkilotunnus import parse_henkilotunnus
from kotopolku.clients.domain.languages import validate_language_code
from kotopolku.clients.domain.model import ClientSegment, ResidencePermitType
from loadtests import datagen, histories, population

TODAY = date(2026, 11, 30)


def test_shares_add_up() -> None:
    assert sum(g.share for g in population.GROUPS) == pytest.approx(1.0)
    assert sum(m.share for m in population.MUNICIPALITIES) == pytest.approx(1.0)
    assert sum(population.HOUSEHOLD_WEIGHTS) == pytest.approx(1.0)


def test_the_locust_names_are_the_most_common_ones() -> None:
    for group, origin in zip(population.GROUPS, population.ORIGINS, strict=True):
        assert group.origin is origin
        assert group.first_names[: len(origin.first_names)] == origin.first_names
        assert len(set(group.first_names)) == len(group.first_names)
        assert len(group.last_names) >= 25
        for arrival in group.arrivals:
            ClientSegment(arrival.segment)
            ResidencePermitType(arrival.permit)


def test_households_are_valid_and_plausible() -> None:
    sampler = population.PopulationSampler(random.Random(3), TODAY)
    for _ in range(2000):
        household = sampler.household()
        heads = [m for m in household.members if m.role == "head"]
        assert len(heads) == 1
        assert household.arrived_on <= TODAY
        for member in household.members:
            assert member.first_names.strip() == member.first_names
            assert "  " not in member.first_names
            assert member.date_of_birth <= TODAY
            for code in member.languages:
                assert validate_language_code(code) == code
            if member.email:
                validate_email(member.email)
            if member.phone:
                assert validate_phone(member.phone).startswith("+358")
            if member.role == "child":
                assert (TODAY - member.date_of_birth).days < 18 * 365
                assert member.last_name == heads[0].last_name
            else:
                assert (TODAY - member.date_of_birth).days >= 17 * 365


def test_identity_codes_are_valid_temporary_and_unique() -> None:
    codes = datagen.IdentityCodes(random.Random(1))
    seen = set()
    for day in range(1, 29):
        for _ in range(30):
            code = codes.allocate(date(1990, 2, day))
            assert code is not None
            parsed = parse_henkilotunnus(code, today=TODAY)
            assert parsed.birth_date == date(1990, 2, day)
            assert parsed.is_temporary
            seen.add(code)
    assert len(seen) == 28 * 30
    born = date(2001, 5, 5)
    allocated = [codes.allocate(born) for _ in range(120)]
    assert None in allocated, "a day has at most 100 temporary codes"
    assert len({c for c in allocated if c}) == len([c for c in allocated if c])


def test_system_identifiers_are_unique_and_shaped_as_the_service_makes_them() -> None:
    made = {datagen.system_identifier(i, 1) for i in range(50_000)}
    assert len(made) == 50_000
    for value in list(made)[:100]:
        assert value.startswith("KP")
        assert len(value) == 12
        assert set(value[2:]) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_uuids_are_random_version_4() -> None:
    rng = random.Random(9)
    for _ in range(1000):
        value = histories.new_uuid(rng)
        parsed = uuid.UUID(value)
        assert str(parsed) == value
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
