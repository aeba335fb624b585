"""Who reads plans: the welfare area sees only the multi-sector plans it takes part in."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role
from kotopolku.plans import access
from kotopolku.plans.domain.model import PlanKind


def caller(*roles: str, welfare_area: str | None = None, municipality: str | None = None) -> Caller:
    return Caller(
        subject="s",
        roles=frozenset(roles),
        purpose="p",
        welfare_area=welfare_area,
        municipality=municipality,
    )


def row(kind: PlanKind, welfare_area: str = "") -> SimpleNamespace:
    return SimpleNamespace(kind=kind, welfare_area=welfare_area, municipality_code="091")


WORKER = caller(Role.WELFARE_AREA_WORKER, welfare_area="pirkanmaa")


@pytest.mark.parametrize(
    ("who", "plan", "allowed"),
    [
        (WORKER, row(PlanKind.MULTI_SECTOR, "pirkanmaa"), True),
        (WORKER, row(PlanKind.MULTI_SECTOR, "vantaa-kerava"), False),
        (WORKER, row(PlanKind.INDIVIDUAL, "pirkanmaa"), False),
        (WORKER, row(PlanKind.FAMILY, "pirkanmaa"), False),
        (caller(Role.WELFARE_AREA_WORKER), row(PlanKind.MULTI_SECTOR, ""), False),
        (
            caller(Role.MUNICIPAL_OFFICER, welfare_area="pirkanmaa"),
            row(PlanKind.MULTI_SECTOR, "pirkanmaa"),
            False,
        ),
    ],
)
def test_welfare_area_may_read(who: Caller, plan: SimpleNamespace, allowed: bool) -> None:
    assert access.welfare_area_may_read(who, plan) is allowed


def test_welfare_area_workers_read_but_do_not_list_by_client() -> None:
    access.require_reader(WORKER)
    assert access.welfare_area_of(WORKER) == "pirkanmaa"
    with pytest.raises(PermissionDenied):
        access.require_staff_or_client(WORKER)
    with pytest.raises(PermissionDenied):
        access.welfare_area_of(caller(Role.MUNICIPAL_OFFICER, municipality="091"))
    with pytest.raises(PermissionDenied):
        access.require_reader(caller(Role.WELFARE_AREA_WORKER))
    with pytest.raises(PermissionDenied):
        access.require_reader(caller(Role.SERVICE_PROVIDER, municipality="091"))
