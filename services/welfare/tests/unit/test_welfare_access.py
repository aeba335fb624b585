"""Who may do what in the welfare service, and the X-Road allow-list."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role, XRoadHeaders
from kotopolku.welfare import access
from kotopolku.welfare.settings import DEV_XROAD_CLIENTS, WelfareSettings

ALLOW = DEV_XROAD_CLIENTS
PIRHA = "KOTOPOLKU-DEV/GOV/PIRHA/kotopolku-client"


def caller(*roles: str, **kw: object) -> Caller:
    return Caller("u", frozenset(roles), "p", **kw)  # type: ignore[arg-type]


def test_sides() -> None:
    officer = caller(Role.MUNICIPAL_OFFICER, municipality="837")
    assert access.viewer(officer, ALLOW) == access.Viewer(municipality="837")
    worker = caller(Role.WELFARE_AREA_WORKER, welfare_area="pirkanmaa")
    assert access.viewer(worker, ALLOW) == access.Viewer(welfare_area="pirkanmaa")
    for nobody in (
        caller(Role.CLIENT),
        caller(Role.SERVICE_PROVIDER, municipality="837"),
        caller(Role.AUDITOR, municipality="837"),
        caller(Role.WELFARE_AREA_WORKER),
        caller(Role.MUNICIPAL_OFFICER),
    ):
        with pytest.raises(PermissionDenied):
            access.viewer(nobody, ALLOW)


def test_what_a_side_sees() -> None:
    row = SimpleNamespace(municipality_code="837", welfare_area="pirkanmaa")
    assert access.Viewer(municipality="837").sees(row)
    assert not access.Viewer(municipality="092").sees(row)
    assert access.Viewer(welfare_area="pirkanmaa").sees(row)
    assert not access.Viewer(welfare_area="vantaa-kerava").sees(row)


def test_writers() -> None:
    manager = caller(Role.MANAGER, municipality="837")
    assert access.staff_municipality(manager, ALLOW) == "837"
    with pytest.raises(PermissionDenied):
        access.staff_municipality(manager, ALLOW, write=True)
    employment = caller(Role.EMPLOYMENT_OFFICER, municipality="837")
    assert access.staff_municipality(employment, ALLOW, write=True) == "837"
    with pytest.raises(PermissionDenied):
        access.placement_officer(employment, ALLOW)
    assert access.placement_officer(caller(Role.MUNICIPAL_OFFICER, municipality="837"), ALLOW)
    with pytest.raises(PermissionDenied):
        access.welfare_area_of(manager, ALLOW)


def test_xroad_clients_must_be_on_the_allow_list_and_of_the_callers_area() -> None:
    worker = Caller(
        "w",
        frozenset({Role.WELFARE_AREA_WORKER}),
        "p",
        welfare_area="pirkanmaa",
        xroad=XRoadHeaders(client=PIRHA, message_id="m"),
    )
    assert access.welfare_area_of(worker, ALLOW) == "pirkanmaa"
    for client in ("KOTOPOLKU-DEV/GOV/VAKEHYVA/kotopolku-client", "FI/GOV/1/unknown"):
        impostor = Caller(
            "w",
            frozenset({Role.WELFARE_AREA_WORKER}),
            "p",
            welfare_area="pirkanmaa",
            xroad=XRoadHeaders(client=client),
        )
        with pytest.raises(PermissionDenied):
            access.welfare_area_of(impostor, ALLOW)
    officer = Caller(
        "o",
        frozenset({Role.MUNICIPAL_OFFICER}),
        "p",
        municipality="837",
        xroad=XRoadHeaders(client="FI/GOV/1/unknown"),
    )
    with pytest.raises(PermissionDenied):
        access.staff_municipality(officer, ALLOW)
    # No X-Road headers: a direct connection, nothing to check.
    plain = Caller("w", frozenset({Role.WELFARE_AREA_WORKER}), "p", welfare_area="pirkanmaa")
    assert access.welfare_area_of(plain, {}) == "pirkanmaa"


def test_client_user_needs_the_resolved_record() -> None:
    assert access.client_user(caller(Role.CLIENT, client_id="c-1")) == "c-1"
    with pytest.raises(PermissionDenied):
        access.client_user(caller(Role.CLIENT))
    with pytest.raises(PermissionDenied):
        access.client_user(caller(Role.MUNICIPAL_OFFICER, client_id="c-1"))


def test_settings_map_municipalities_to_welfare_areas() -> None:
    settings = WelfareSettings()
    assert settings.welfare_areas["837"] == "pirkanmaa"
    assert settings.welfare_areas["092"] == "vantaa-kerava"
    assert settings.welfare_areas["091"] == "helsinki"
    assert settings.known_welfare_areas == {"helsinki", "pirkanmaa", "vantaa-kerava"}
    with pytest.raises(ValueError, match="three-digit"):
        WelfareSettings(welfare_areas={"Tampere": "pirkanmaa"})


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOTOPOLKU_WELFARE_AREAS", '{"049": "lansi-uusimaa"}')
    monkeypatch.setenv("KOTOPOLKU_XROAD_CLIENTS", '{"FI/GOV/0000000-0/lu-sys": "lansi-uusimaa"}')
    settings = WelfareSettings()
    assert settings.welfare_areas == {"049": "lansi-uusimaa"}
    assert settings.xroad_clients == {"FI/GOV/0000000-0/lu-sys": "lansi-uusimaa"}
