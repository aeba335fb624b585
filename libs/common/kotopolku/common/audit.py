"""Recording audit events: written to the service's outbox in the caller's transaction.

No audit record, no access: the event is inserted in the same transaction as the read or write it
describes, so either both happen or neither. :class:`~kotopolku.common.outbox.OutboxRelay` then
delivers it to the audit service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.audit.v1 import audit_pb2
from kotopolku.common.clock import Clock, to_timestamp, utcnow
from kotopolku.common.identity import Caller
from kotopolku.common.telemetry import current_trace_id


class Outcome:
    SUCCESS = "success"
    DENIED = "denied"
    NOT_FOUND = "not-found"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What was done to whose data. ``fields`` are names, never values."""

    action: str
    resource: str
    subject_client_id: str = ""
    municipality: str = ""
    fields: tuple[str, ...] = ()
    outcome: str = Outcome.SUCCESS
    # Further named facts, e.g. the recipient and basis of a disclosure to another organisation
    # ("recipient", "basis"). Names and codes, never personal data.
    context: tuple[tuple[str, str], ...] = ()


class AuditRecorder:
    def __init__(
        self,
        service: str,
        outbox: sa.Table,
        clock: Clock = utcnow,
        on_recorded: Callable[[], None] = lambda: None,
    ) -> None:
        self._service = service
        self._outbox = outbox
        self._clock = clock
        self._on_recorded = on_recorded

    def event(self, caller: Caller, entry: AuditEntry) -> audit_pb2.AuditEvent:
        # The X-Road headers of the call (when it came through a security server) go with
        # every event it caused, so the partner's own log and ours can be matched.
        context = dict(caller.xroad.audit_context()) if caller.xroad is not None else {}
        context.update(entry.context)
        return audit_pb2.AuditEvent(
            event_id=str(uuid.uuid4()),
            occurred_at=to_timestamp(self._clock()),
            actor_subject=caller.subject,
            actor_roles=sorted(caller.roles),
            municipality_code=entry.municipality or caller.municipality or "",
            welfare_area_code=caller.welfare_area or "",
            subject_client_id=entry.subject_client_id,
            action=entry.action,
            resource=entry.resource,
            fields=list(entry.fields),
            purpose=caller.purpose,
            trace_id=current_trace_id(),
            service=self._service,
            outcome=entry.outcome,
            context=context,
        )

    async def record(
        self, connection: AsyncConnection, caller: Caller, entries: Iterable[AuditEntry]
    ) -> None:
        now = self._clock()
        rows = [
            {
                "event_id": event.event_id,
                "payload": event.SerializeToString(),
                "created_at": now,
            }
            for event in (self.event(caller, entry) for entry in entries)
        ]
        if rows:
            await connection.execute(sa.insert(self._outbox), rows)
            self._on_recorded()
