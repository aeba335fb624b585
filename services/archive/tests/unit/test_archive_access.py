"""Who may use the archive: deny by default, everything in the caller's municipality."""

from __future__ import annotations

import pytest

from kotopolku.archive import access
from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role, service_caller


def caller(role: str, municipality: str | None = "091") -> Caller:
    return Caller(
        subject="s", roles=frozenset({role}), purpose="archiving", municipality=municipality
    )


@pytest.mark.parametrize("role", [Role.ARCHIVIST, Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER])
def test_staff_use_the_archive_of_their_municipality(role: str) -> None:
    assert access.staff(caller(role)) == "091"


@pytest.mark.parametrize(
    "role",
    [Role.MANAGER, Role.AUDITOR, Role.CLIENT, Role.REFERRER, Role.ADMIN, Role.SERVICE_PROVIDER],
)
def test_other_roles_are_refused(role: str) -> None:
    with pytest.raises(PermissionDenied):
        access.staff(caller(role))
    with pytest.raises(PermissionDenied):
        access.archivist(caller(role))


def test_only_archivists_hold_retrieve_and_dispose() -> None:
    assert access.archivist(caller(Role.ARCHIVIST)) == "091"
    with pytest.raises(PermissionDenied):
        access.archivist(caller(Role.MUNICIPAL_OFFICER))


def test_a_caller_without_municipality_or_a_service_is_refused() -> None:
    with pytest.raises(PermissionDenied):
        access.staff(caller(Role.ARCHIVIST, None))
    with pytest.raises(PermissionDenied):
        access.staff(service_caller("plans"))
