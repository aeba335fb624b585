"""What the RPC handlers of the messaging service share: dependencies, ids, idempotent-create
bookkeeping and the mapping of domain errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.audit import AuditRecorder
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import DomainError, InvalidArgument, NotFound
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.messaging.contacts import ClientContact, ContactDirectory
from kotopolku.messaging.domain.delivery import Channel
from kotopolku.messaging.domain.errors import MessagingDomainError

Context = grpc.aio.ServicerContext[Any, Any]


def invalid(error: MessagingDomainError) -> InvalidArgument:
    return InvalidArgument.field(error.field, error.message)


def idempotency_key(key: str) -> str:
    return validate_key(key) if key else ""


def fingerprint(request: Message, *, without: str = "idempotency_key") -> str:
    """The request's hash without its idempotency key."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField(without)  # type: ignore[arg-type]
    return request_hash(copy)


class RpcBase:
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        directory: ContactDirectory,
        configured_channels: Sequence[Channel],
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._directory = directory
        self._configured = tuple(configured_channels)
        self._on_queued = on_queued

    def _now(self) -> datetime:
        return self._clock()

    async def _client_in(self, client_id: str, municipality: str | None) -> ClientContact:
        """The client if it belongs to the municipality (None: any); otherwise NOT_FOUND."""
        contact = await self._directory.contact(client_id)
        if contact is None or (
            municipality is not None and contact.municipality_code != municipality
        ):
            raise NotFound("No such client")
        return contact

    async def _replay(
        self,
        connection: AsyncConnection,
        scope: str,
        key: str,
        operation: str,
        digest: str,
    ) -> str | None:
        if not key:
            return None
        return await self._idempotency.find(connection, scope, key, operation, digest)


def time_position(token: str) -> dict[str, Any] | None:
    """The keyset position of a (timestamp, id) ordered page token."""
    position = pagination.decode_token(token)
    if position is None:
        return None
    try:
        return {"at": datetime.fromisoformat(str(position["t"])), "id": str(position["i"])}
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


def time_token(rows: Sequence[Any], size: int, column: str) -> str:
    if len(rows) <= size:
        return ""
    last = rows[size - 1]
    return pagination.encode_token({"t": as_utc(getattr(last, column)).isoformat(), "i": last.id})


class ConcurrentChange(DomainError):
    status = grpc.StatusCode.ABORTED
    type = "conflict"
    title = "Changed concurrently; try again"
