"""Who may do what in the interpretation service (defence in depth behind the gateway).

Deny by default.

* Officers (municipal and employment) of a municipality book interpreters, cancel, confirm on
  the interpreting service's behalf, complete bookings and record that interpretation was used;
  managers read. Everything is scoped to the caller's municipality.
* An interpreter (role ``interpreter``) sees the bookings of their own interpreting service (the
  organisation of their account) that name no interpreter or name them, and confirms, completes
  or declines those; they never see the client's id or another service's bookings.
* Translations are kept by officers, managers and interpreters of the municipality.
* Speech is for staff, interpreters and clients.

A record the caller may not see answers as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role

OFFICERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})
STAFF: Final = frozenset({*OFFICERS, Role.MANAGER})
SPEAKERS: Final = frozenset({*STAFF, Role.INTERPRETER, Role.CLIENT, Role.WELFARE_AREA_WORKER})


def _municipality(caller: Caller) -> str:
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


@dataclass(frozen=True, slots=True)
class BookingViewer:
    """Staff of a municipality, or an interpreter of an interpreting service."""

    subject: str
    municipality: str | None
    organisation: str | None
    officer: bool

    @property
    def is_interpreter(self) -> bool:
        return self.organisation is not None


def booking_viewer(caller: Caller) -> BookingViewer:
    if caller.has_any(*STAFF):
        return BookingViewer(
            caller.subject, _municipality(caller), None, officer=caller.has_any(*OFFICERS)
        )
    if caller.has_any(Role.INTERPRETER):
        if not caller.organisation:
            raise PermissionDenied("The interpreter has no organisation")
        return BookingViewer(caller.subject, None, caller.organisation, officer=False)
    raise PermissionDenied("This role has no interpreter bookings")


def officer(caller: Caller) -> str:
    if not caller.has_any(*OFFICERS):
        raise PermissionDenied("Only officers book interpreters and record interpretation")
    return _municipality(caller)


def staff(caller: Caller) -> str:
    if not caller.has_any(*STAFF):
        raise PermissionDenied("Only the municipality's staff read interpretation records")
    return _municipality(caller)


def translator(caller: Caller) -> str:
    if not caller.has_any(*OFFICERS, Role.MANAGER, Role.INTERPRETER):
        raise PermissionDenied("Only staff and interpreters keep translations")
    return _municipality(caller)


def speaker(caller: Caller) -> None:
    if not caller.has_any(*SPEAKERS):
        raise PermissionDenied("This role may not use read-aloud")
