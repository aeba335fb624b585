"""The AuditService RPCs: authorise, validate, run one unit of work, answer.

Authorisation (deny by default; the rules live in :mod:`kotopolku.audit.access`):

* ``AppendEvents``: internal services only; anyone else gets PERMISSION_DENIED.
* ``QueryEvents``: an ``auditor`` may query any subject, actor and time range, and sees only the
  entries whose municipality_code is the auditor's own municipality. A ``client`` is served only
  when the request sets ``subject_client_id`` and that record is proven to be the user's own:
  either the gateway-signed assertion carries ``client_id`` equal to it (the gateway resolved the
  record with clients.GetOwnClient), or the log already holds a successful ``client.read-own``
  entry on that client performed by the same ``caller.subject`` (the clients service records it
  when it matched this strongly authenticated user to that record). A ``client_id`` claim naming
  another record is refused. The archive service (internal service) reads the whole trail of one
  client for its archival package. Everyone else, other internal services included, gets
  PERMISSION_DENIED.
  Every query is itself logged (action ``audit.query``, subject = the queried client id, actor =
  the caller) in the same transaction as the read: no log entry, no answer. Denied queries are
  logged too, with outcome ``denied``.
* ``VerifyChain``: ``auditor`` or ``admin``.
"""

from __future__ import annotations

from dataclasses import replace

import grpc

from kotopolku.audit import access, events, queries
from kotopolku.audit.repository import AuditRepository
from kotopolku.audit.v1 import audit_pb2, audit_pb2_grpc
from kotopolku.common.audit import Outcome
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, current_caller

Context = grpc.aio.ServicerContext[object, object]


class AuditServicer(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, database: Database, repository: AuditRepository, clock: Clock) -> None:
        self._db = database
        self._repository = repository
        self._clock = clock

    async def AppendEvents(
        self, request: audit_pb2.AppendEventsRequest, context: Context
    ) -> audit_pb2.AppendEventsResponse:
        access.require_appender(current_caller())
        received = events.events_from_request(request.events)
        async with self._db.transaction() as connection:
            result = await self._repository.append(connection, received)
        return audit_pb2.AppendEventsResponse(
            appended=result.appended, duplicates=result.duplicates
        )

    async def QueryEvents(
        self, request: audit_pb2.QueryEventsRequest, context: Context
    ) -> audit_pb2.QueryEventsResponse:
        caller = current_caller()
        trail = queries.trail_request(request)
        try:
            async with self._db.transaction() as connection:
                grant = await access.grant_query(
                    caller, trail.criteria.subject_client_id, self._repository, connection
                )
                criteria = trail.criteria
                if grant.municipality_restriction is not None:
                    criteria = replace(criteria, municipality_code=grant.municipality_restriction)
                found = await self._repository.trail(connection, criteria, trail.page_size + 1)
                record = queries.query_event(
                    caller,
                    trail.criteria,
                    municipality_code=grant.municipality_code,
                    welfare_area_code=grant.welfare_area_code,
                    outcome=Outcome.SUCCESS,
                    now=as_utc(self._clock()),
                )
                await self._repository.append(connection, [record])
        except PermissionDenied:
            await self._record_denied(caller, trail)
            raise
        shown, token = queries.page(found, trail.page_size)
        return audit_pb2.QueryEventsResponse(
            events=events.to_recorded(shown), next_page_token=token
        )

    async def _record_denied(self, caller: Caller, trail: queries.TrailRequest) -> None:
        record = queries.query_event(
            caller,
            trail.criteria,
            municipality_code=caller.municipality or "",
            welfare_area_code=caller.welfare_area or "",
            outcome=Outcome.DENIED,
            now=as_utc(self._clock()),
        )
        async with self._db.transaction() as connection:
            await self._repository.append(connection, [record])

    async def VerifyChain(
        self, request: audit_pb2.VerifyChainRequest, context: Context
    ) -> audit_pb2.VerifyChainResponse:
        access.require_verifier(current_caller())
        result = await self._repository.verify()
        return audit_pb2.VerifyChainResponse(
            intact=result.intact,
            entries_checked=result.entries_checked,
            first_bad_position=result.first_bad_position,
            problem=result.problem,
        )
