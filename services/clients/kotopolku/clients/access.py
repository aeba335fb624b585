"""Who may do what with client records (defence in depth behind the gateway's own checks).

Deny by default. Staff see only clients of their own municipality; a client user sees only the
record matched to their strongly authenticated identity code; a referring authority may only
create referrals. Crossing a tenant boundary answers as if the record did not exist.
"""

from __future__ import annotations

from typing import Any

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import SERVICE_ISSUER_PREFIX, Caller, Role

STAFF_READERS = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER})
STAFF_WRITERS = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})
# Services that may read, on their own behalf (role internal-service), what it takes to reach a
# client and nothing more: the messaging service fetches contact details and languages when it
# sends a message, so that callers never hand them over and stale copies are never kept.
CONTACT_READERS = frozenset({f"{SERVICE_ISSUER_PREFIX}messaging"})


def staff_municipality(caller: Caller, *, write: bool) -> str:
    """The municipality a staff caller works for; refuses everyone else."""
    allowed = STAFF_WRITERS if write else STAFF_READERS
    if not caller.has_any(*allowed):
        raise PermissionDenied("This role may not " + ("change" if write else "read") + " clients")
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def require_reader(caller: Caller) -> None:
    """Roles that never read client records are refused outright rather than told 'not found'."""
    if not caller.has_any(*STAFF_READERS, Role.CLIENT):
        raise PermissionDenied("This role may not read client records")


def is_own_record(caller: Caller, row: Any) -> bool:
    return (
        caller.has_any(Role.CLIENT)
        and bool(caller.henkilotunnus)
        and row.henkilotunnus == caller.henkilotunnus
    )


def may_read(caller: Caller, row: Any) -> bool:
    if caller.has_any(*STAFF_READERS) and caller.municipality == row.municipality_code:
        return True
    return is_own_record(caller, row)


def is_contact_reader(caller: Caller) -> bool:
    """A service that may read clients' contact details (only those) across municipalities."""
    return caller.is_internal_service and caller.subject in CONTACT_READERS


def require_client_user(caller: Caller) -> str:
    if not caller.has_any(Role.CLIENT) or not caller.henkilotunnus:
        raise PermissionDenied("Only a strongly identified client user has an own record")
    return caller.henkilotunnus


def require_referrer(caller: Caller) -> str:
    if not caller.has_any(Role.REFERRER):
        raise PermissionDenied("Only a referring authority may create referrals")
    return caller.organisation or caller.subject
