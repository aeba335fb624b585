"""Who may work on outreach (defence in depth behind the gateway's own checks).

Deny by default. Outreach is the municipal integration authority's duty: its municipal officers
import lists and work on the targets, its managers read them (coverage is management
information). Everyone else — employment officers, welfare areas, providers, clients, referring
authorities, auditors (who read the audit log instead) — is refused outright; the answer does not
depend on any record, so it leaks nothing. A target of another municipality answers as if it did
not exist.
"""

from __future__ import annotations

from typing import Any

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role

READERS = frozenset({Role.MUNICIPAL_OFFICER, Role.MANAGER})
WRITERS = frozenset({Role.MUNICIPAL_OFFICER})


def outreach_municipality(caller: Caller, *, write: bool) -> str:
    """The municipality whose outreach the caller may read (or change); refuses everyone else."""
    if not caller.has_any(*(WRITERS if write else READERS)):
        raise PermissionDenied(
            "Only municipal officers work on outreach"
            if write
            else "Only municipal officers and managers read outreach"
        )
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def may_see(municipality: str, row: Any) -> bool:
    return bool(row.municipality_code == municipality)
