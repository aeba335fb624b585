"""What the RPC handlers of the guidance service share: dependencies, today's date, idempotent
creates, audit entries and audited refusals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.domain.model import finnish_time
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.errors import InvalidArgument
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import INTERNAL_SERVICE_ROLE, Caller
from kotopolku.guidance.client_directory import ClientDirectory
from kotopolku.guidance.search.index import ArticleIndex

Context = grpc.aio.ServicerContext[Any, Any]
# Who ends a series when its plan period is over.
SYSTEM = Caller(
    subject="kotopolku-service:guidance",
    roles=frozenset({INTERNAL_SERVICE_ROLE}),
    purpose="system-operation",
)


def idempotency_key(key: str) -> str:
    return validate_key(key) if key else ""


def fingerprint(request: Message) -> str:
    """The request's hash without its idempotency key."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    return request_hash(copy)


def client_entry(
    kind: str, row: Any, action: str, fields: tuple[str, ...], outcome: str = Outcome.SUCCESS
) -> AuditEntry:
    """An access to a client's visit or series."""
    return AuditEntry(
        action=action,
        resource=f"{kind}/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=fields,
        outcome=outcome,
    )


def subjectless_entry(kind: str, row: Any, action: str, fields: tuple[str, ...]) -> AuditEntry:
    """An anonymous visit, a service point or an article: nobody's personal data."""
    return AuditEntry(
        action=action,
        resource=f"{kind}/{row.id}",
        municipality=row.municipality_code,
        fields=fields,
    )


def day_token(rows: list[Any], size: int, day: str) -> str:
    if len(rows) <= size:
        return ""
    last = rows[size - 1]
    return pagination.encode_token({"d": getattr(last, day).isoformat(), "i": last.id})


def day_position(token: str) -> tuple[date, str] | None:
    position = pagination.decode_token(token)
    if position is None:
        return None
    try:
        return date.fromisoformat(str(position["d"])), str(position["i"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


class RpcBase:
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        clients: ClientDirectory,
        index: ArticleIndex,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._clients = clients
        self._index = index

    def _now(self) -> datetime:
        return self._clock()

    def _today(self) -> date:
        """The municipality's calendar day: visits and series are dated in Finnish time."""
        return self._clock().astimezone(finnish_time()).date()

    async def _audit_refusal(
        self, caller: Caller, action: str, resource: str, row: Any | None
    ) -> None:
        """Recorded in a transaction of its own: the caller's transaction is about to roll back."""
        entry = AuditEntry(
            action=action,
            resource=resource,
            subject_client_id=getattr(row, "client_id", "") if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])

    async def _replay(
        self,
        connection: AsyncConnection,
        caller: Caller,
        key: str,
        operation: str,
        digest: str,
    ) -> str | None:
        """The id an identical earlier create made with this key, or None."""
        if not key:
            return None
        return await self._idempotency.find(connection, caller.subject, key, operation, digest)

    async def _remember(
        self,
        connection: AsyncConnection,
        caller: Caller,
        key: str,
        operation: str,
        digest: str,
        resource_id: str,
    ) -> None:
        if key:
            await self._idempotency.remember(
                connection, caller.subject, key, operation, digest, resource_id
            )
