"""Which authority an officer acts for, and moving a plan between the authorities.

A municipal officer acts for the municipal integration authority, an employment officer for the
employment authority; a person may hold both roles in a small municipality. The client's plan
can move between the two authorities in both directions; the one that receives it reviews it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from kotopolku.plans.domain.errors import InvalidPlanContent, PlanStateError
from kotopolku.plans.domain.model import PlanStatus, ResponsibleAuthority

MUNICIPAL_OFFICER_ROLE: Final = "municipal-officer"
EMPLOYMENT_OFFICER_ROLE: Final = "employment-officer"
_AUTHORITY_BY_ROLE: Final = {
    MUNICIPAL_OFFICER_ROLE: ResponsibleAuthority.MUNICIPALITY,
    EMPLOYMENT_OFFICER_ROLE: ResponsibleAuthority.EMPLOYMENT_AUTHORITY,
}


def authorities_of(roles: Iterable[str]) -> frozenset[ResponsibleAuthority]:
    """The authorities a caller with ``roles`` acts for."""
    return frozenset(_AUTHORITY_BY_ROLE[role] for role in roles if role in _AUTHORITY_BY_ROLE)


def choose_authority(
    requested: ResponsibleAuthority | None,
    acting_for: frozenset[ResponsibleAuthority],
    *,
    field: str = "responsible_authority",
) -> ResponsibleAuthority:
    """The authority a new plan is made for: the one asked for, or the caller's only one."""
    if requested is None:
        if len(acting_for) != 1:
            raise InvalidPlanContent(field, "is required when the caller acts for both authorities")
        return next(iter(acting_for))
    if requested not in acting_for:
        raise InvalidPlanContent(field, "the caller does not act for this authority")
    return requested


def check_transfer(
    status: PlanStatus, current: ResponsibleAuthority, target: ResponsibleAuthority
) -> None:
    """A plan that has not ended moves to the other authority."""
    if status is PlanStatus.ENDED:
        raise PlanStateError("status", "an ended plan is not transferred")
    if current is target:
        raise PlanStateError("target_authority", f"the plan is already with {target.value}")
