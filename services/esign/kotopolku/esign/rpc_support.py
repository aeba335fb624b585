"""What the RPC handlers of the e-signature service share: dependencies, today's date, the
gate that finds a request the caller may see, and audit entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import grpc
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.errors import (
    InvalidArgument,
    InvalidState,
    NotFound,
    StaleVersion,
)
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.identity import Caller, Role
from kotopolku.common.localtime import finnish_date
from kotopolku.common.requests import resource_id
from kotopolku.esign import access, convert, repository
from kotopolku.esign.certificates import SigningCertificates
from kotopolku.esign.directory import ClientDirectory, PlanSource, ProgrammeNames
from kotopolku.esign.domain.errors import EsignDomainError, SigningStateError
from kotopolku.esign.rendering.pdf import Fonts
from kotopolku.esign.repository import RequestRecord
from kotopolku.esign.v1 import esign_pb2 as pb

Context = grpc.aio.ServicerContext[Any, Any]


def invalid(error: EsignDomainError) -> Exception:
    """A broken rule as an API error: state errors are FAILED_PRECONDITION."""
    if isinstance(error, SigningStateError):
        return InvalidState(error.message)
    return InvalidArgument.field(error.field, error.message)


def request_id_of(value: str) -> str:
    return resource_id(value, "signing_request_id", "signing request")


def entry(row: Any, action: str, fields: tuple[str, ...] = convert.REQUEST_FIELDS) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"signing-requests/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=fields,
    )


@dataclass(frozen=True, slots=True)
class Options:
    """The service's settings that shape requests and notifications."""

    signing_url_template: str
    reminder_days_before: int
    client_max_auth_age: timedelta
    client_auth_time_required: bool
    max_document_bytes: int


@dataclass(frozen=True, slots=True)
class Dependencies:
    database: Database
    audit: AuditRecorder
    idempotency: IdempotencyStore
    clock: Clock
    plans: PlanSource
    clients: ClientDirectory
    programme: ProgrammeNames
    certificates: SigningCertificates
    fonts: Fonts
    options: Options
    on_delivery: Callable[[], None]


class RpcBase:
    def __init__(self, dependencies: Dependencies) -> None:
        self._deps = dependencies
        self._db = dependencies.database
        self._audit = dependencies.audit
        self._clock = dependencies.clock

    def _now(self) -> datetime:
        return self._clock()

    def _today(self) -> date:
        return finnish_date(self._clock())

    async def _own_client_id(self, caller: Caller) -> str | None:
        """A client user's own client record; None for everyone else."""
        if caller.has_any(Role.CLIENT) and not access.is_staff(caller):
            return await self._deps.clients.own_client_id()
        return None

    async def _readable(
        self,
        connection: AsyncConnection,
        caller: Caller,
        request_id: str,
        action: str,
        own_client_id: str | None,
    ) -> RequestRecord:
        """The request if the caller may read it; NOT_FOUND (audited) otherwise."""
        access.require_reader(caller)
        record = await repository.load_request(connection, request_id_of(request_id))
        if record is None or not access.may_read(caller, record, own_client_id):
            await self._refuse(caller, request_id, action, record)
            raise NotFound("No such signing request")
        return record

    async def _refuse(
        self, caller: Caller, request_id: str, action: str, record: RequestRecord | None
    ) -> None:
        """Recorded in a transaction of its own: the caller's transaction is about to roll back."""
        row = record.row if record is not None else None
        audited = AuditEntry(
            action=action,
            resource=f"signing-requests/{request_id}",
            subject_client_id=row.client_id if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [audited])

    async def _respond(
        self,
        connection: AsyncConnection,
        caller: Caller,
        request_id: str,
        action: str,
        fields: tuple[str, ...] = convert.REQUEST_FIELDS,
    ) -> pb.SigningRequest:
        record = await repository.load_request(connection, request_id)
        assert record is not None
        await self._audit.record(connection, caller, [entry(record.row, action, fields)])
        return convert.request_message(record, self._today())


def require_version(expected: int) -> int:
    if expected <= 0:
        raise InvalidArgument.field("expected_version", "is required (the ETag of the read)")
    return expected


def check_version(row: Any, expected: int) -> None:
    if row.version != expected:
        raise StaleVersion(f"The signing request is at version {row.version}, not {expected}")


def stale() -> StaleVersion:
    return StaleVersion("The signing request was changed concurrently; read it again")
