"""Who may do what: every role against every rule, deny by default."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role
from kotopolku.programme import access


def caller(
    *roles: str, municipality: str | None = "091", organisation: str | None = None
) -> Caller:
    return Caller(
        subject="s",
        roles=frozenset(roles),
        purpose="p",
        municipality=municipality,
        organisation=organisation,
    )


ALL_ROLES = [
    Role.MUNICIPAL_OFFICER,
    Role.EMPLOYMENT_OFFICER,
    Role.MANAGER,
    Role.SERVICE_PROVIDER,
    Role.WELFARE_AREA_WORKER,
    Role.CLIENT,
    Role.REFERRER,
    Role.AUDITOR,
    Role.ADMIN,
    "internal-service",
]
READERS = {Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER, Role.SERVICE_PROVIDER}
CATALOGUE_WRITERS = {Role.MUNICIPAL_OFFICER, Role.MANAGER}
ENROLLERS = {Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER}
REPORTERS = {Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.SERVICE_PROVIDER}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_against_each_rule(role: str) -> None:
    who = caller(role, organisation="opisto")
    for rule, allowed in (
        (access.viewer, READERS),
        (access.catalogue_writer, CATALOGUE_WRITERS),
        (access.enrolment_creator, ENROLLERS),
        (access.reporter, REPORTERS),
    ):
        if role in allowed:
            rule(who)
        else:
            with pytest.raises(PermissionDenied):
                rule(who)


@pytest.mark.parametrize("role", sorted(READERS))
def test_a_caller_without_municipality_is_refused(role: str) -> None:
    with pytest.raises(PermissionDenied, match="municipality"):
        access.viewer(caller(role, municipality=None, organisation="opisto"))


def test_a_provider_needs_an_organisation() -> None:
    with pytest.raises(PermissionDenied, match="organisation"):
        access.viewer(caller(Role.SERVICE_PROVIDER))


def test_staff_roles_win_over_the_provider_role() -> None:
    seen = access.viewer(caller(Role.MANAGER, Role.SERVICE_PROVIDER, organisation="opisto"))
    assert (seen.provider, seen.officer) == (None, False)


def _service(municipality: str = "091", provider: str = "opisto") -> SimpleNamespace:
    return SimpleNamespace(municipality_code=municipality, provider_id=provider)


def _provider(municipality: str = "091", provider_id: str = "opisto") -> SimpleNamespace:
    return SimpleNamespace(municipality_code=municipality, id=provider_id)


def test_staff_see_their_municipality_only() -> None:
    for role in (Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER):
        seen = access.viewer(caller(role))
        assert not seen.is_provider
        assert seen.may_see_service(_service())
        assert seen.may_see_service(_service(provider="muu"))
        assert not seen.may_see_service(_service("837"))
        assert seen.may_see_provider(_provider(provider_id="muu"))
        assert not seen.may_see_provider(_provider("837"))
        assert seen.may_report(_service()) is (role != Role.MANAGER)
        assert not seen.may_report(_service("837"))


def test_a_provider_sees_its_own_services_and_record_only() -> None:
    seen = access.viewer(caller(Role.SERVICE_PROVIDER, organisation="opisto"))
    assert seen.is_provider
    assert seen.may_see_service(_service())
    assert seen.may_report(_service())
    for other in (_service(provider="muu"), _service("837")):
        assert not seen.may_see_service(other)
        assert not seen.may_report(other)
    assert seen.may_see_provider(_provider())
    assert not seen.may_see_provider(_provider(provider_id="muu"))
    assert not seen.may_see_provider(_provider("837"))
