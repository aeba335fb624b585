"""Who may do what with plans (defence in depth behind the gateway's own checks).

Deny by default. Officers (municipal and employment) and managers read the plans of their own
municipality; officers change only the plans their own authority is responsible for. A client
user reads the plans they are part of and approves their own plan. A welfare-area worker reads
the multi-sector plans their welfare area takes part in, and nothing else. The programme
service, as an internal service, reads what an enrolment needs and reports outcomes. Every other
role — among them service providers — is refused outright. Crossing a tenant boundary answers as
if the plan did not exist.
"""

from __future__ import annotations

from typing import Any, Final

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import SERVICE_ISSUER_PREFIX, Caller, Role
from kotopolku.plans.domain.authority import authorities_of
from kotopolku.plans.domain.model import PlanKind, ResponsibleAuthority

STAFF_READERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER})
STAFF_WRITERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})
PROGRAMME_SERVICE: Final = f"{SERVICE_ISSUER_PREFIX}programme"


def is_staff_reader(caller: Caller) -> bool:
    return caller.has_any(*STAFF_READERS) and bool(caller.municipality)


def is_client_user(caller: Caller) -> bool:
    return caller.has_any(Role.CLIENT)


def is_welfare_area_worker(caller: Caller) -> bool:
    return caller.has_any(Role.WELFARE_AREA_WORKER) and bool(caller.welfare_area)


def welfare_area_may_read(caller: Caller, row: Any) -> bool:
    """A multi-sector plan is shared with the welfare area taking part in it (§3.4.3)."""
    return (
        is_welfare_area_worker(caller)
        and row.kind == PlanKind.MULTI_SECTOR
        and row.welfare_area == caller.welfare_area
    )


def welfare_area_of(caller: Caller) -> str:
    if not is_welfare_area_worker(caller):
        raise PermissionDenied("Only a welfare-area worker lists the welfare area's plans")
    assert caller.welfare_area is not None
    return caller.welfare_area


def require_reader(caller: Caller) -> None:
    """Roles that never see plans are refused outright rather than told 'not found'."""
    if not (is_staff_reader(caller) or is_client_user(caller) or is_welfare_area_worker(caller)):
        raise PermissionDenied("This role may not read integration plans")


def require_staff_or_client(caller: Caller) -> None:
    """Lists by client are for the municipality's staff and the client themselves."""
    if not (is_staff_reader(caller) or is_client_user(caller)):
        raise PermissionDenied("This role may not list a client's integration plans")


def staff_municipality(caller: Caller, *, write: bool) -> str:
    """The municipality a staff caller works for; refuses everyone else."""
    allowed = STAFF_WRITERS if write else STAFF_READERS
    if not caller.has_any(*allowed):
        raise PermissionDenied(
            "This role may not " + ("change" if write else "read") + " integration plans"
        )
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def acting_for(caller: Caller) -> frozenset[ResponsibleAuthority]:
    return authorities_of(caller.roles)


def require_responsible(caller: Caller, row: Any) -> None:
    """Only an officer of the authority responsible for the plan changes it."""
    if ResponsibleAuthority(row.responsible_authority) not in acting_for(caller):
        raise PermissionDenied(
            "The plan is the responsibility of the other authority "
            f"({row.responsible_authority}); it may be transferred first"
        )


def staff_may_read(caller: Caller, row: Any) -> bool:
    return is_staff_reader(caller) and caller.municipality == row.municipality_code


def require_client_reporter(caller: Caller) -> None:
    """Outcomes of agreed services come from the programme service only."""
    if not (caller.is_internal_service and caller.subject == PROGRAMME_SERVICE):
        raise PermissionDenied("Only the programme service reports outcomes of agreed services")


def require_enrolment_reader(caller: Caller) -> str | None:
    """The programme service and officers; returns the officer's municipality (None: the
    programme service). Any other service's key is refused: it would read plans of every
    municipality."""
    if caller.is_internal_service:
        if caller.subject != PROGRAMME_SERVICE:
            raise PermissionDenied("Only the programme service reads plans for enrolments")
        return None
    return staff_municipality(caller, write=True)
