"""Who may do what with signing requests (defence in depth behind the gateway's checks).

Deny by default, and everything within one municipality:

* an officer of the authority responsible for a plan (municipal officer for the municipality,
  employment officer for the employment authority) asks for its signatures, signs as the
  OFFICER party and cancels;
* staff of the municipality (officers, managers, archivists) read requests and documents;
* the client user reads their own requests and documents and signs as the CLIENT party;
* a welfare-area worker reads and signs a request that names their welfare area;
* anyone of these, and auditors, may have a PDF verified.

A request outside the caller's reach answers as if it did not exist.
"""

from __future__ import annotations

from typing import Any, Final

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role
from kotopolku.esign.domain.model import SignerParty
from kotopolku.esign.repository import RequestRecord

OFFICER_OF: Final = {
    "MUNICIPALITY": Role.MUNICIPAL_OFFICER,
    "EMPLOYMENT_AUTHORITY": Role.EMPLOYMENT_OFFICER,
}
OFFICERS: Final = frozenset(OFFICER_OF.values())
STAFF_READERS: Final = frozenset({*OFFICERS, Role.MANAGER, Role.ARCHIVIST})
READERS: Final = frozenset({*STAFF_READERS, Role.CLIENT, Role.WELFARE_AREA_WORKER})
VERIFIERS: Final = frozenset({*READERS, Role.AUDITOR})


def require_officer(caller: Caller) -> str:
    """The municipality of an officer who may ask for signatures."""
    if not caller.has_any(*OFFICERS):
        raise PermissionDenied("Only officers ask for signatures")
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def acts_for(caller: Caller, responsible_authority: str) -> bool:
    role = OFFICER_OF.get(responsible_authority)
    return role is not None and caller.has_any(role)


def require_reader(caller: Caller) -> None:
    if not caller.has_any(*READERS):
        raise PermissionDenied("This role may not read signing requests")


def require_verifier(caller: Caller) -> None:
    if not caller.has_any(*VERIFIERS):
        raise PermissionDenied("This role may not verify documents")


def is_staff(caller: Caller) -> bool:
    return caller.has_any(*STAFF_READERS) and bool(caller.municipality)


def _names_welfare_area(caller: Caller, record: RequestRecord) -> bool:
    return (
        caller.has_any(Role.WELFARE_AREA_WORKER)
        and bool(caller.welfare_area)
        and any(
            s.party == SignerParty.WELFARE_AREA and s.welfare_area == caller.welfare_area
            for s in record.signers
        )
    )


def may_read(caller: Caller, record: RequestRecord, own_client_id: str | None) -> bool:
    row = record.row
    if is_staff(caller) and caller.municipality == row.municipality_code:
        return True
    if caller.has_any(Role.CLIENT) and own_client_id is not None:
        return bool(own_client_id == row.client_id)
    return _names_welfare_area(caller, record)


def signing_party(caller: Caller, record: RequestRecord, own_client_id: str | None) -> SignerParty:
    """The party the caller signs as, or PermissionDenied for a reader who signs nothing."""
    row: Any = record.row
    if caller.municipality == row.municipality_code and acts_for(caller, row.responsible_authority):
        return SignerParty.OFFICER
    if _names_welfare_area(caller, record):
        return SignerParty.WELFARE_AREA
    if caller.has_any(Role.CLIENT) and own_client_id == row.client_id:
        return SignerParty.CLIENT
    raise PermissionDenied("The caller is not a party who signs this request")
