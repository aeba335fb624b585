"""Who may do what with appointments."""

from __future__ import annotations

import pytest

from kotopolku.appointments import access
from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role


def _caller(*roles: str, municipality: str | None = "091", **extra: str) -> Caller:
    return Caller("s", frozenset(roles), "p", municipality=municipality, **extra)


def test_officers_write_and_read_their_municipality() -> None:
    for role in (Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER):
        assert access.writer(_caller(role)) == "091"
        seen = access.viewer(_caller(role))
        assert seen.staff
        assert seen.writer
        assert seen.is_staff_of("091")
        assert not seen.is_staff_of("837")


def test_managers_read_only() -> None:
    with pytest.raises(PermissionDenied):
        access.writer(_caller(Role.MANAGER))
    assert access.staff(_caller(Role.MANAGER)) == "091"
    assert not access.viewer(_caller(Role.MANAGER)).writer


def test_staff_without_a_municipality_are_refused() -> None:
    for check in (access.writer, access.staff, access.viewer):
        with pytest.raises(PermissionDenied):
            check(_caller(Role.MUNICIPAL_OFFICER, municipality=None))


@pytest.mark.parametrize(
    "role", [Role.WELFARE_AREA_WORKER, Role.SERVICE_PROVIDER, Role.INTERPRETER]
)
def test_participants_see_only_their_own_part(role: str) -> None:
    seen = access.viewer(_caller(role))
    assert not seen.staff
    assert not seen.client_user
    assert not seen.is_staff_of("091")
    for check in (access.writer, access.staff):
        with pytest.raises(PermissionDenied):
            check(_caller(role))


def test_client_users() -> None:
    seen = access.viewer(_caller(Role.CLIENT, municipality=None, henkilotunnus="x"))
    assert seen.client_user
    assert not seen.staff


@pytest.mark.parametrize(
    "role", [Role.REFERRER, Role.AUDITOR, Role.ARCHIVIST, Role.ADMIN, access.CALENDAR_FEED_ROLE]
)
def test_roles_without_a_calendar(role: str) -> None:
    with pytest.raises(PermissionDenied):
        access.viewer(_caller(role))


def test_only_the_feed_route_reads_feeds() -> None:
    access.feed_reader(_caller(access.CALENDAR_FEED_ROLE))
    for roles in ([Role.MUNICIPAL_OFFICER], [access.CALENDAR_FEED_ROLE, Role.MUNICIPAL_OFFICER]):
        with pytest.raises(PermissionDenied):
            access.feed_reader(_caller(*roles))
