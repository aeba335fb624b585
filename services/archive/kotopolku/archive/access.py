"""Who may do what in the archive (defence in depth behind the gateway). Deny by default:

* archivists (arkistonhoitaja) and officers (municipal, employment) of a municipality read the
  retention rules, the clients due for archiving, the archive jobs, legal holds and packages'
  metadata of that municipality, and start and retry archive jobs;
* only archivists set and lift legal holds, retrieve packages (download, verified listing) and
  dispose of packages.

Everything is scoped to the caller's municipality; another municipality's record answers as if
it did not exist. Roles that never see the archive are refused outright.
"""

from __future__ import annotations

from typing import Final

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role

STAFF: Final = frozenset({Role.ARCHIVIST, Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})


def _municipality(caller: Caller) -> str:
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def staff(caller: Caller) -> str:
    """The municipality whose archive the caller may use."""
    if caller.is_internal_service or not caller.has_any(*STAFF):
        raise PermissionDenied("Only archivists and officers use the archive")
    return _municipality(caller)


def archivist(caller: Caller) -> str:
    """The municipality whose holds, packages and disposal the archivist handles."""
    if caller.is_internal_service or not caller.has_any(Role.ARCHIVIST):
        raise PermissionDenied("Only an archivist may do this")
    return _municipality(caller)
