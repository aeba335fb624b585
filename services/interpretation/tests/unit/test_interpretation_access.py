"""Who may do what in the interpretation service."""

from __future__ import annotations

import pytest

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role
from kotopolku.interpretation import access


def _caller(*roles: str, municipality: str | None = "091", **extra: str) -> Caller:
    return Caller("s", frozenset(roles), "p", municipality=municipality, **extra)


def test_officers_and_managers() -> None:
    for role in (Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER):
        assert access.officer(_caller(role)) == "091"
        seen = access.booking_viewer(_caller(role))
        assert seen.officer
        assert not seen.is_interpreter
        assert seen.municipality == "091"
    manager = access.booking_viewer(_caller(Role.MANAGER))
    assert not manager.officer
    with pytest.raises(PermissionDenied):
        access.officer(_caller(Role.MANAGER))
    assert access.staff(_caller(Role.MANAGER)) == "091"


def test_interpreters() -> None:
    seen = access.booking_viewer(_caller(Role.INTERPRETER, organisation="tulkkaus"))
    assert seen.is_interpreter
    assert seen.municipality is None
    assert seen.organisation == "tulkkaus"
    with pytest.raises(PermissionDenied):
        access.booking_viewer(_caller(Role.INTERPRETER))
    for check in (access.officer, access.staff):
        with pytest.raises(PermissionDenied):
            check(_caller(Role.INTERPRETER, organisation="tulkkaus"))
    assert access.translator(_caller(Role.INTERPRETER, organisation="tulkkaus")) == "091"


@pytest.mark.parametrize(
    "role", [Role.CLIENT, Role.REFERRER, Role.AUDITOR, Role.WELFARE_AREA_WORKER, Role.ADMIN]
)
def test_others_have_no_bookings(role: str) -> None:
    with pytest.raises(PermissionDenied):
        access.booking_viewer(_caller(role))
    with pytest.raises(PermissionDenied):
        access.translator(_caller(role))


def test_speech() -> None:
    for role in (Role.MUNICIPAL_OFFICER, Role.INTERPRETER, Role.CLIENT, Role.MANAGER):
        access.speaker(_caller(role))
    for role in (Role.REFERRER, Role.AUDITOR, Role.ARCHIVIST):
        with pytest.raises(PermissionDenied):
            access.speaker(_caller(role))


def test_no_municipality() -> None:
    with pytest.raises(PermissionDenied):
        access.officer(_caller(Role.MUNICIPAL_OFFICER, municipality=None))
