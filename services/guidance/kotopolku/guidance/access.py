"""Who may do what in the guidance service (defence in depth behind the gateway's checks).

Deny by default. Visits, anonymous visits and series belong to one municipality and are seen only
by its staff: officers (municipal and employment) record them, managers also read them. Service
points are added by municipal officers and managers. Knowledge-base articles are written and
reviewed by staff of the owning municipality; a published article is public knowledge (it holds
no personal data) and is read and searched by every signed-in person, clients in self-service
included, whatever their municipality. A referring authority's service account has no business
here at all.

A record of another municipality answers as if it did not exist.
"""

from __future__ import annotations

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role

STAFF_WRITERS = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})
STAFF_READERS = STAFF_WRITERS | {Role.MANAGER}
EDITORS = STAFF_READERS
SERVICE_POINT_WRITERS = frozenset({Role.MUNICIPAL_OFFICER, Role.MANAGER})
KNOWLEDGE_READERS = frozenset(
    {
        Role.MUNICIPAL_OFFICER,
        Role.EMPLOYMENT_OFFICER,
        Role.MANAGER,
        Role.WELFARE_AREA_WORKER,
        Role.SERVICE_PROVIDER,
        Role.CLIENT,
        Role.AUDITOR,
        Role.INTERPRETER,
        Role.ARCHIVIST,
        Role.ADMIN,
    }
)


def _municipality(caller: Caller) -> str:
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def writer(caller: Caller) -> str:
    """The municipality in which the caller records visits and series."""
    if not caller.has_any(*STAFF_WRITERS):
        raise PermissionDenied("Only officers record counselling")
    return _municipality(caller)


def reader(caller: Caller) -> str:
    """The municipality whose visits and series the caller reads."""
    if not caller.has_any(*STAFF_READERS):
        raise PermissionDenied("This role may not read counselling records")
    return _municipality(caller)


def service_point_writer(caller: Caller) -> str:
    if not caller.has_any(*SERVICE_POINT_WRITERS):
        raise PermissionDenied("Only municipal officers and managers add service points")
    return _municipality(caller)


def editor(caller: Caller) -> str:
    """The municipality whose knowledge base the caller writes and reviews."""
    if not caller.has_any(*EDITORS):
        raise PermissionDenied("Only municipal staff edit the knowledge base")
    return _municipality(caller)


def editor_of(caller: Caller) -> str | None:
    """The editor's municipality, or None for a reader who sees published articles only."""
    if caller.has_any(*EDITORS) and caller.municipality:
        return caller.municipality
    if not caller.has_any(*KNOWLEDGE_READERS):
        raise PermissionDenied("This role may not read the knowledge base")
    return None


def knowledge_reader(caller: Caller) -> None:
    if not caller.has_any(*KNOWLEDGE_READERS):
        raise PermissionDenied("This role may not read the knowledge base")
