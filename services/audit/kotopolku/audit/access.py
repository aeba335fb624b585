"""Who may do what with the audit log. Deny by default: every rule below grants, nothing else does.

* AppendEvents: internal services only (the outbox relays of the other services).
* VerifyChain: ``auditor`` or ``admin``.
* QueryEvents:
  - ``auditor``: any subject, actor and time range, but only entries whose municipality_code
    equals the auditor's own municipality (an auditor without one is denied);
  - ``client``: only the trail of their own client record. The request must name
    ``subject_client_id``, and one of two proofs must tie that record to this user:
    (a) the gateway resolved the user's own record (clients.GetOwnClient, matched by
    henkilötunnus) and signed it into the assertion as ``caller.client_id``, equal to the
    requested id; or (b) the log itself holds a successful ``client.read-own`` entry on that
    client by the same ``caller.subject`` (the clients service records it when it matched this
    strongly authenticated user to the record). Proof (b) keeps the audit service's own check
    meaningful without the claim; (a) covers a first visit whose ``client.read-own`` is still
    in the clients outbox. A ``client_id`` claim naming another record denies outright;
  - the archive service (internal service ``kotopolku-service:archive``): the whole trail of one
    client (``subject_client_id`` required), which it packages with the client's records when
    their active use has ended. The log itself is never minimised;
  - everyone else, other internal services included, is denied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.audit.repository import AuditRepository
from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import SERVICE_ISSUER_PREFIX, Caller, Role

CLIENT_LINK_ACTION: Final = "client.read-own"
ARCHIVE_SERVICE: Final = f"{SERVICE_ISSUER_PREFIX}archive"


@dataclass(frozen=True, slots=True)
class QueryGrant:
    # Entries are limited to this municipality; None = no limit beyond the request's filters.
    municipality_restriction: str | None
    # Tenant written on the audit entry of the query itself.
    municipality_code: str
    welfare_area_code: str


def require_appender(caller: Caller) -> None:
    if not caller.is_internal_service:
        raise PermissionDenied("Only internal services may append audit events")


def require_verifier(caller: Caller) -> None:
    if caller.is_internal_service or not caller.has_any(Role.AUDITOR, Role.ADMIN):
        raise PermissionDenied("Verifying the audit chain needs the auditor or admin role")


def is_archive(caller: Caller) -> bool:
    return caller.is_internal_service and caller.subject == ARCHIVE_SERVICE


def require_query_role(caller: Caller) -> None:
    """The check that needs no data: is the caller someone who may read trails at all?"""
    if is_archive(caller):
        return
    if caller.is_internal_service or not caller.has_any(Role.AUDITOR, Role.CLIENT):
        raise PermissionDenied("Reading audit trails needs the auditor or client role")


async def grant_query(
    caller: Caller,
    subject_client_id: str,
    repository: AuditRepository,
    connection: AsyncConnection,
) -> QueryGrant:
    require_query_role(caller)
    if is_archive(caller):
        if not subject_client_id:
            raise PermissionDenied("The archive reads the trail of one client at a time")
        municipality = await repository.subject_municipality(connection, subject_client_id)
        return QueryGrant(None, municipality, "")
    if caller.has_any(Role.AUDITOR):
        if not caller.municipality:
            raise PermissionDenied("An auditor must belong to a municipality")
        return QueryGrant(caller.municipality, caller.municipality, caller.welfare_area or "")
    if not subject_client_id:
        raise PermissionDenied("A client may read only the trail of their own client record")
    if caller.client_id and caller.client_id != subject_client_id:
        raise PermissionDenied("A client may read only the trail of their own client record")
    link = await repository.latest_link(
        connection,
        subject_client_id=subject_client_id,
        actor_subject=caller.subject,
        action=CLIENT_LINK_ACTION,
    )
    if link is not None:
        return QueryGrant(None, link.municipality_code, link.welfare_area_code)
    if caller.client_id == subject_client_id:
        # Vouched for by the gateway; the query's own entry goes to the record's municipality.
        municipality = await repository.subject_municipality(connection, subject_client_id)
        return QueryGrant(None, municipality, caller.welfare_area or "")
    raise PermissionDenied("A client may read only the trail of their own client record")
