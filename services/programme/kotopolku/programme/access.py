"""Who may do what in the programme service (defence in depth behind the gateway's checks).

Deny by default. Everything belongs to one municipality and is seen only by callers of that
municipality:

* catalogue (providers, services) writes: municipal officers and managers;
* catalogue reads and enrolment reads: staff (municipal and employment officers, managers), and
  a service provider for its own provider record, its own services and their enrolments;
* enrolments are made by officers (municipal or employment);
* attendance, interruption and completion are reported by the service's provider, or by an
  officer (a municipality may run a service itself).

A record of another municipality, or of another provider, answers as if it did not exist.
Roles that never see any of this (client, referrer, welfare-area worker, auditor) are refused
outright: the answer does not depend on any record, so it leaks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role

STAFF_READERS = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER})
CATALOGUE_WRITERS = frozenset({Role.MUNICIPAL_OFFICER, Role.MANAGER})
OFFICERS = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})


@dataclass(frozen=True, slots=True)
class Viewer:
    """A caller who may read the programme: staff (provider None) or one provider."""

    municipality: str
    provider: str | None
    officer: bool

    @property
    def is_provider(self) -> bool:
        return self.provider is not None

    def may_see_provider(self, row: Any) -> bool:
        return row.municipality_code == self.municipality and self.provider in (None, row.id)

    def may_see_service(self, row: Any) -> bool:
        return row.municipality_code == self.municipality and self.provider in (
            None,
            row.provider_id,
        )

    def may_report(self, service: Any) -> bool:
        """Attendance, interruption and completion: the service's provider, or an officer."""
        return self.may_see_service(service) and (self.officer or self.is_provider)


def _municipality(caller: Caller) -> str:
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def viewer(caller: Caller) -> Viewer:
    """Staff of a municipality, or a provider organisation's user; refuses everyone else."""
    if caller.has_any(*STAFF_READERS):
        return Viewer(_municipality(caller), None, caller.has_any(*OFFICERS))
    if caller.has_any(Role.SERVICE_PROVIDER):
        if not caller.organisation:
            raise PermissionDenied("The provider caller has no organisation")
        return Viewer(_municipality(caller), caller.organisation, officer=False)
    raise PermissionDenied("This role may not use the integration programme")


def catalogue_writer(caller: Caller) -> str:
    """The municipality whose catalogue the caller may change."""
    if not caller.has_any(*CATALOGUE_WRITERS):
        raise PermissionDenied("Only municipal officers and managers change the programme")
    return _municipality(caller)


def enrolment_creator(caller: Caller) -> str:
    """The municipality in which the caller may enrol clients."""
    if not caller.has_any(*OFFICERS):
        raise PermissionDenied("Only officers enrol clients in programme services")
    return _municipality(caller)


def reporter(caller: Caller) -> Viewer:
    """A caller who may report on enrolments; a manager only reads."""
    seen = viewer(caller)
    if not (seen.officer or seen.is_provider):
        raise PermissionDenied("This role may not report on enrolments")
    return seen
