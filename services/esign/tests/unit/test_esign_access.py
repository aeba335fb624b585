"""Who reads and who signs a signing request (deny by default, one municipality)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role
from kotopolku.esign import access
from kotopolku.esign.domain.model import SignerParty
from kotopolku.esign.repository import RequestRecord

ROW = SimpleNamespace(
    municipality_code="091", client_id="c-1", responsible_authority="MUNICIPALITY"
)
RECORD = RequestRecord(
    ROW,
    [
        SimpleNamespace(party="OFFICER", welfare_area=""),
        SimpleNamespace(party="CLIENT", welfare_area=""),
        SimpleNamespace(party="WELFARE_AREA", welfare_area="pirkanmaa"),
    ],
)


def caller(role: str, municipality: str | None = "091", welfare_area: str | None = None) -> Caller:
    return Caller("u", frozenset({role}), "p", municipality, welfare_area)


@pytest.mark.parametrize(
    ("who", "own", "readable"),
    [
        (caller(Role.MUNICIPAL_OFFICER), None, True),
        (caller(Role.MANAGER), None, True),
        (caller(Role.ARCHIVIST), None, True),
        (caller(Role.MUNICIPAL_OFFICER, "837"), None, False),
        (caller(Role.CLIENT, None), "c-1", True),
        (caller(Role.CLIENT, None), "c-2", False),
        (caller(Role.CLIENT, None), None, False),
        (caller(Role.WELFARE_AREA_WORKER, None, "pirkanmaa"), None, True),
        (caller(Role.WELFARE_AREA_WORKER, None, "vantaa-kerava"), None, False),
        (caller(Role.AUDITOR), None, False),
    ],
)
def test_who_reads(who: Caller, own: str | None, readable: bool) -> None:
    assert access.may_read(who, RECORD, own) is readable


def test_who_signs_as_which_party() -> None:
    assert access.signing_party(caller(Role.MUNICIPAL_OFFICER), RECORD, None) is (
        SignerParty.OFFICER
    )
    assert access.signing_party(caller(Role.CLIENT, None), RECORD, "c-1") is SignerParty.CLIENT
    welfare = caller(Role.WELFARE_AREA_WORKER, None, "pirkanmaa")
    assert access.signing_party(welfare, RECORD, None) is SignerParty.WELFARE_AREA
    for reader in (caller(Role.EMPLOYMENT_OFFICER), caller(Role.MANAGER)):
        with pytest.raises(PermissionDenied):
            access.signing_party(reader, RECORD, None)


def test_roles_that_never_take_part_are_refused_outright() -> None:
    with pytest.raises(PermissionDenied):
        access.require_reader(caller(Role.REFERRER))
    with pytest.raises(PermissionDenied):
        access.require_officer(caller(Role.MANAGER))
    with pytest.raises(PermissionDenied):
        access.require_officer(caller(Role.MUNICIPAL_OFFICER, None))
    assert access.require_officer(caller(Role.EMPLOYMENT_OFFICER)) == "091"
    access.require_verifier(caller(Role.AUDITOR))
    with pytest.raises(PermissionDenied):
        access.require_verifier(caller(Role.SERVICE_PROVIDER))
