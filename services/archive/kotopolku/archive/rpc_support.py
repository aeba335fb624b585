"""What the archive's RPC handlers share: dependencies, validation of common fields, page
tokens and audit entries."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, Final

import grpc
from google.protobuf.message import Message

from kotopolku.archive import repository
from kotopolku.archive.disposal import Disposer
from kotopolku.archive.domain.retention import helsinki_day
from kotopolku.archive.domain.tos import Tos
from kotopolku.archive.engine import ArchiveEngine
from kotopolku.archive.sources import RecordServices, StepFailure
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import DependencyUnavailable, InvalidArgument, NotFound
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller
from kotopolku.common.objectstore import ObjectStore

Context = grpc.aio.ServicerContext[Any, Any]
_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def record_id(value: str, field: str) -> str:
    if not _ID.fullmatch(value):
        raise InvalidArgument.field(field, "must be a record id")
    return value


def text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument.field(field, "is required")
    if len(value) > limit or not value.isprintable():
        raise InvalidArgument.field(field, f"must be printable text of at most {limit} characters")
    return value


def iso_date(value: str, field: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument.field(field, "must be a date (YYYY-MM-DD)") from None


def idempotency_key(key: str) -> str:
    return validate_key(key) if key else ""


def fingerprint(request: Message) -> str:
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    return request_hash(copy)


def decode_position(token: str) -> tuple[datetime, str] | None:
    position = pagination.decode_token(token)
    if position is None:
        return None
    try:
        return datetime.fromisoformat(str(position["t"])), str(position["id"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


def next_token(rows: list[Any], size: int, column: str) -> tuple[list[Any], str]:
    if len(rows) <= size:
        return rows, ""
    shown = rows[:size]
    last = shown[-1]
    return shown, pagination.encode_token(
        {"t": as_utc(getattr(last, column)).isoformat(), "id": last.id}
    )


def entry(action: str, resource: str, client_id: str, municipality: str) -> AuditEntry:
    return AuditEntry(
        action=action, resource=resource, subject_client_id=client_id, municipality=municipality
    )


def new_id() -> str:
    return str(uuid.uuid4())


class RpcBase:
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        tos: Tos,
        sources: RecordServices,
        store: ObjectStore,
        engine: ArchiveEngine,
        disposer: Disposer,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._tos = tos
        self._sources = sources
        self._store = store
        self._engine = engine
        self._disposer = disposer

    def _today(self) -> date:
        return helsinki_day(self._clock())

    async def _client_known(self, caller: Caller, client_id: str, municipality: str) -> None:
        """The client exists in the municipality (asked of the clients service as the archive),
        or the archive already holds something of theirs; NOT_FOUND otherwise."""
        async with self._db.transaction() as connection:
            if await repository.latest_jobs(connection, municipality, [client_id]):
                return
        if "clients" not in self._sources.names:
            return
        try:
            inventory = await self._sources.describe("clients", client_id, municipality)
        except StepFailure as failure:
            if failure.retryable:
                raise DependencyUnavailable(
                    "The clients service did not answer; try again"
                ) from None
            raise NotFound("No such client") from None
        if not inventory.counts.get("clients.client"):
            await self._audit_refused(caller, client_id)
            raise NotFound("No such client")

    async def _audit_refused(self, caller: Caller, client_id: str) -> None:
        async with self._db.transaction() as connection:
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="archive.client-lookup",
                        resource=f"clients/{client_id}",
                        outcome="not-found",
                    )
                ],
            )
