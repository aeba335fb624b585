"""Which authority an officer acts for; moving a plan between the authorities."""

from __future__ import annotations

import pytest

from kotopolku.common.identity import Role
from kotopolku.plans.domain.authority import (
    authorities_of,
    check_transfer,
    choose_authority,
)
from kotopolku.plans.domain.errors import InvalidPlanContent, PlanStateError
from kotopolku.plans.domain.model import PlanStatus, ResponsibleAuthority

MUN = ResponsibleAuthority.MUNICIPALITY
EMP = ResponsibleAuthority.EMPLOYMENT_AUTHORITY


@pytest.mark.parametrize(
    ("roles", "authorities"),
    [
        ({Role.MUNICIPAL_OFFICER}, {MUN}),
        ({Role.EMPLOYMENT_OFFICER}, {EMP}),
        ({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER}, {MUN, EMP}),
        ({Role.MANAGER}, set()),
        ({Role.CLIENT, Role.SERVICE_PROVIDER, "internal-service"}, set()),
        (set(), set()),
    ],
)
def test_roles_act_for_their_authority(
    roles: set[str], authorities: set[ResponsibleAuthority]
) -> None:
    assert authorities_of(roles) == authorities


def test_a_new_plan_is_made_for_the_callers_authority() -> None:
    assert choose_authority(None, frozenset({MUN})) is MUN
    assert choose_authority(None, frozenset({EMP})) is EMP
    assert choose_authority(EMP, frozenset({MUN, EMP})) is EMP
    assert choose_authority(MUN, frozenset({MUN})) is MUN
    with pytest.raises(InvalidPlanContent, match="both authorities") as info:
        choose_authority(None, frozenset({MUN, EMP}))
    assert info.value.field == "responsible_authority"
    with pytest.raises(InvalidPlanContent, match="does not act"):
        choose_authority(EMP, frozenset({MUN}))
    with pytest.raises(InvalidPlanContent):
        choose_authority(None, frozenset())


@pytest.mark.parametrize("status", list(PlanStatus), ids=str)
@pytest.mark.parametrize(("current", "target"), [(MUN, EMP), (EMP, MUN), (MUN, MUN), (EMP, EMP)])
def test_transfers_go_both_ways_until_the_plan_ends(
    status: PlanStatus, current: ResponsibleAuthority, target: ResponsibleAuthority
) -> None:
    if status is PlanStatus.ENDED:
        with pytest.raises(PlanStateError, match="ended"):
            check_transfer(status, current, target)
    elif current is target:
        with pytest.raises(PlanStateError, match="already") as info:
            check_transfer(status, current, target)
        assert info.value.field == "target_authority"
    else:
        check_transfer(status, current, target)
