"""What the RPC handlers of the programme service share: dependencies, today's date, ids,
idempotent-create bookkeeping and audit entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import grpc
from google.protobuf.message import Message

from kotopolku.clients.domain.model import finnish_time
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import InvalidArgument
from kotopolku.common.facts import FactRecorder
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller
from kotopolku.programme.domain import ProgrammeDomainError
from kotopolku.programme.plan_directory import PlanDirectory

Context = grpc.aio.ServicerContext[Any, Any]


def invalid(error: ProgrammeDomainError) -> InvalidArgument:
    return InvalidArgument.field(error.field, error.message)


def idempotency_key(key: str) -> str:
    return validate_key(key) if key else ""


def fingerprint(request: Message) -> str:
    """The request's hash without its idempotency key."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    return request_hash(copy)


def enrolment_entry(row: Any, action: str, fields: tuple[str, ...]) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"enrolments/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=fields,
    )


class RpcBase:
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        plans: PlanDirectory,
        on_outcome: Callable[[], None] = lambda: None,
        *,
        facts: FactRecorder,
    ) -> None:
        self._db = database
        self._plans = plans
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._on_outcome = on_outcome
        self._facts = facts

    def _now(self) -> datetime:
        return self._clock()

    def _today(self) -> date:
        """The municipality's calendar day: programme dates are Finnish dates."""
        return self._clock().astimezone(finnish_time()).date()

    def _local_date(self, moment: datetime) -> date:
        return as_utc(moment).astimezone(finnish_time()).date()

    async def _audit_refusal(
        self, caller: Caller, action: str, resource: str, row: Any | None
    ) -> None:
        """Recorded in a transaction of its own: the caller's transaction is about to roll back."""
        entry = AuditEntry(
            action=action,
            resource=resource,
            subject_client_id=row.client_id if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])
