"""Who may do what in the contracts service (defence in depth behind the gateway's checks).

Deny by default. Everything belongs to one municipality and is seen only by its staff:

* contracts and their attachments: municipal officers and managers read and write them;
* cost entries and compensation claims (personal data: every cost names a client, and the
  client's eligibility is recorded on the claim): municipal officers and managers.

Employment officers, providers, welfare-area workers, clients, referrers and auditors are refused
outright: the answer does not depend on any record, so it leaks nothing. A record of another
municipality answers as if it did not exist.
"""

from __future__ import annotations

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role

STAFF = frozenset({Role.MUNICIPAL_OFFICER, Role.MANAGER})


def municipality_staff(caller: Caller) -> str:
    """The municipality whose contracts, costs and claims the caller handles."""
    if not caller.has_any(*STAFF):
        raise PermissionDenied(
            "Only municipal officers and managers handle contracts, costs and claims"
        )
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality
