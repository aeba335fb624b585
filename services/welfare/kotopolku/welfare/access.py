"""Who may do what in the welfare service (defence in depth behind the gateway).

Deny by default. Two sides:

* **The municipality**: municipal officers record placement proposals, reception work and
  transfers, and consult the welfare area; municipal and employment officers request cooperation,
  record disclosure bases and send multi-sector data; managers read. They see their own
  municipality's records only.
* **A welfare area**: a ``welfare-area-worker`` with a ``welfare_area`` (its staff's user tokens
  and its systems' service accounts alike) sees only what was addressed or disclosed to it; it
  answers consultations and cooperation requests and reads its feed.

A call that came through an X-Road security server must come from a subsystem on the allow-list
(``KOTOPOLKU_XROAD_CLIENTS``), and a welfare area's call from one of that area's subsystems.
A client user reads the log of their own data and may withdraw their own consent.
Anything else is refused outright; a record of another tenant answers as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role

STAFF_READERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER})
OFFICERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})


@dataclass(frozen=True, slots=True)
class Viewer:
    """The side a caller is on: a municipality's staff, or a welfare area."""

    municipality: str | None = None
    welfare_area: str | None = None

    @property
    def is_welfare_area(self) -> bool:
        return self.welfare_area is not None

    def sees(self, row: Any) -> bool:
        """A record with ``municipality_code`` and ``welfare_area``: the municipality's own,
        or addressed to the welfare area."""
        if self.welfare_area is not None:
            return bool(row.welfare_area == self.welfare_area)
        return bool(row.municipality_code == self.municipality)


def check_xroad(caller: Caller, allow_list: Mapping[str, str]) -> None:
    """A call through X-Road comes from an allowed subsystem, and a welfare area's from its own."""
    if caller.xroad is None or not caller.xroad.client:
        return
    area = allow_list.get(caller.xroad.client)
    if area is None:
        raise PermissionDenied("The X-Road client subsystem is not on the allow-list")
    if is_welfare_area(caller) and area != caller.welfare_area:
        raise PermissionDenied("The X-Road client subsystem belongs to another welfare area")


def is_welfare_area(caller: Caller) -> bool:
    return caller.has_any(Role.WELFARE_AREA_WORKER) and bool(caller.welfare_area)


def is_staff(caller: Caller) -> bool:
    return caller.has_any(*STAFF_READERS) and bool(caller.municipality)


def welfare_area_of(caller: Caller, allow_list: Mapping[str, str]) -> str:
    if not is_welfare_area(caller):
        raise PermissionDenied("Only a welfare area does this")
    check_xroad(caller, allow_list)
    assert caller.welfare_area is not None
    return caller.welfare_area


def staff_municipality(
    caller: Caller, allow_list: Mapping[str, str], *, write: bool = False
) -> str:
    allowed = OFFICERS if write else STAFF_READERS
    if not caller.has_any(*allowed):
        raise PermissionDenied("This role may not " + ("do" if write else "read") + " this")
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    check_xroad(caller, allow_list)
    return caller.municipality


def placement_officer(caller: Caller, allow_list: Mapping[str, str]) -> str:
    """Placement, reception and transfers are the municipal integration authority's work."""
    if not caller.has_any(Role.MUNICIPAL_OFFICER):
        raise PermissionDenied("Only municipal officers handle placements and receptions")
    return staff_municipality(caller, allow_list, write=True)


def viewer(caller: Caller, allow_list: Mapping[str, str]) -> Viewer:
    """Staff of a municipality or a welfare area; everyone else is refused."""
    if is_staff(caller):
        return Viewer(municipality=staff_municipality(caller, allow_list))
    if is_welfare_area(caller):
        return Viewer(welfare_area=welfare_area_of(caller, allow_list))
    raise PermissionDenied("This role has no access to welfare-area collaboration")


def client_user(caller: Caller) -> str:
    """The client record the gateway resolved for a client user (self-service)."""
    if not caller.has_any(Role.CLIENT) or not caller.client_id:
        raise PermissionDenied("Only a client user, with their own record resolved")
    return caller.client_id
