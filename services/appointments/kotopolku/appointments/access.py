"""Who may do what with appointments (defence in depth behind the gateway's checks).

Deny by default.

* Officers (municipal and employment) of the client's municipality create, change, cancel and
  delete appointments; managers of the municipality read them. Staff read their municipality's
  appointments, client lists, person and team calendars, and histories.
* Every assignee reads the appointments they are assigned to, whatever their organisation (a
  welfare-area worker, a provider's staff, an interpreter, staff of another municipality), and
  has an own calendar and feed of them. They see the participant view: no description,
  references or reminders.
* A client user sees the appointments of their own client record in which they take part.
* Referrers, auditors, archivists and administrators have no calendar.
* The gateway's feed route calls as ``calendar-feed``, which may only read a feed by its token.

A record the caller may not see answers as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role

STAFF_WRITERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})
STAFF_READERS: Final = frozenset({*STAFF_WRITERS, Role.MANAGER})
PARTICIPANT_ROLES: Final = frozenset(
    {Role.WELFARE_AREA_WORKER, Role.SERVICE_PROVIDER, Role.INTERPRETER}
)
# Minted only by the gateway's feed route; no Keycloak token can carry it.
CALENDAR_FEED_ROLE: Final = "calendar-feed"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: staff of a municipality, or a person who sees only their own part."""

    subject: str
    municipality: str | None
    staff: bool
    writer: bool
    client_user: bool

    def is_staff_of(self, municipality: str) -> bool:
        return self.staff and self.municipality == municipality


def viewer(caller: Caller) -> Viewer:
    if caller.has_any(*STAFF_READERS):
        if not caller.municipality:
            raise PermissionDenied("The caller has no municipality")
        return Viewer(
            caller.subject,
            caller.municipality,
            staff=True,
            writer=caller.has_any(*STAFF_WRITERS),
            client_user=False,
        )
    if caller.has_any(*PARTICIPANT_ROLES):
        return Viewer(caller.subject, caller.municipality, False, False, False)
    if caller.has_any(Role.CLIENT):
        return Viewer(caller.subject, None, False, False, client_user=True)
    raise PermissionDenied("This role has no calendar")


def writer(caller: Caller) -> str:
    """The municipality in which the caller may book and change appointments."""
    if not caller.has_any(*STAFF_WRITERS):
        raise PermissionDenied("Only officers book and change appointments")
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def staff(caller: Caller) -> str:
    """The municipality whose calendars the caller may read."""
    if not caller.has_any(*STAFF_READERS):
        raise PermissionDenied("Only the municipality's staff read these calendars")
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def feed_reader(caller: Caller) -> None:
    if caller.roles != {CALENDAR_FEED_ROLE}:
        raise PermissionDenied("Only the calendar feed route reads feeds by token")
