"""``ClientRecordsService`` for any service that declares its client records
(:mod:`kotopolku.common.client_records`); registered by the host, never by the service itself.

Only the archive service, calling as itself, is served: every other caller, users and other
internal services alike, is refused before anything is read. Every call is audited with the
client as subject in the same transaction as the read or the change.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import grpc
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.audit import AuditEntry, AuditRecorder
from kotopolku.common.client_records import ClientRecordsConfig, ClientRecordsStore, Export
from kotopolku.common.clock import Clock, to_timestamp
from kotopolku.common.db import Database
from kotopolku.common.errors import FieldViolation, InvalidArgument, PermissionDenied
from kotopolku.common.identity import SERVICE_ISSUER_PREFIX, Caller, current_caller
from kotopolku.records.v1 import records_pb2, records_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]
ARCHIVE_SERVICE: Final = f"{SERVICE_ISSUER_PREFIX}archive"
_MUNICIPALITY = re.compile(r"[0-9]{3}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_DIGEST = re.compile(r"[0-9a-f]{64}")


def require_archive(caller: Caller) -> None:
    if not (caller.is_internal_service and caller.subject == ARCHIVE_SERVICE):
        raise PermissionDenied("Only the archive service reads or minimises a client's records")


def _validate(request: Any, *, package: bool = False) -> None:
    violations = []
    if not _IDENTIFIER.fullmatch(request.client_id):
        violations.append(FieldViolation("client_id", "must be a record id"))
    if not _MUNICIPALITY.fullmatch(request.municipality_code):
        violations.append(FieldViolation("municipality_code", "must be a three-digit kuntanumero"))
    if package:
        if not _IDENTIFIER.fullmatch(request.package_id):
            violations.append(FieldViolation("package_id", "must be a package id"))
        if not _DIGEST.fullmatch(request.expected_digest):
            violations.append(
                FieldViolation("expected_digest", "must be the export's SHA-256 in hex")
            )
    if violations:
        raise InvalidArgument("The request is not valid", violations=violations)


class ClientRecordsServicer(records_pb2_grpc.ClientRecordsServiceServicer):
    def __init__(
        self,
        service: str,
        database: Database,
        audit: AuditRecorder,
        clock: Clock,
        config: ClientRecordsConfig,
    ) -> None:
        self._service = service
        self._db = database
        self._audit = audit
        self._clock = clock
        self._store = ClientRecordsStore(config)

    async def _record(
        self,
        connection: AsyncConnection,
        caller: Caller,
        request: Any,
        action: str,
        types: list[str],
    ) -> None:
        entry = AuditEntry(
            action=action,
            resource=f"client-records/{request.client_id}",
            subject_client_id=request.client_id,
            municipality=request.municipality_code,
            fields=tuple(types),
        )
        await self._audit.record(connection, caller, [entry])

    async def DescribeClientRecords(
        self, request: records_pb2.DescribeClientRecordsRequest, context: Context
    ) -> records_pb2.DescribeClientRecordsResponse:
        caller = current_caller()
        require_archive(caller)
        _validate(request)
        async with self._db.transaction() as connection:
            counts = await self._store.describe(
                connection, request.client_id, request.municipality_code
            )
            blockers = await self._store.blockers(
                connection, request.client_id, request.municipality_code, self._clock().date()
            )
            found = [t for t, n in counts if n]
            await self._record(connection, caller, request, "client-records.describe", found)
        return records_pb2.DescribeClientRecordsResponse(
            service=self._service,
            blockers=blockers,
            counts=[records_pb2.RecordTypeCount(record_type=t, count=n) for t, n in counts],
        )

    async def ExportClientRecords(
        self, request: records_pb2.ExportClientRecordsRequest, context: Context
    ) -> records_pb2.ExportClientRecordsResponse:
        caller = current_caller()
        require_archive(caller)
        _validate(request)
        async with self._db.transaction() as connection:
            export = await self._store.export(
                connection, request.client_id, request.municipality_code
            )
            types = sorted({r.record_type for r in export.records})
            await self._record(connection, caller, request, "client-records.export", types)
        return self._exported(export)

    def _exported(self, export: Export) -> records_pb2.ExportClientRecordsResponse:
        return records_pb2.ExportClientRecordsResponse(
            service=self._service,
            digest=export.digest,
            exported_at=to_timestamp(self._clock()),
            records=[
                records_pb2.ClientRecord(
                    record_type=r.record_type,
                    record_id=r.record_id,
                    media_type=r.media_type,
                    content=r.content,
                    sha256=r.sha256,
                    created_at=to_timestamp(r.created_at),
                    updated_at=to_timestamp(r.updated_at),
                    related=list(r.related),
                )
                for r in export.records
            ],
        )

    async def MinimiseClientRecords(
        self, request: records_pb2.MinimiseClientRecordsRequest, context: Context
    ) -> records_pb2.MinimiseClientRecordsResponse:
        caller = current_caller()
        require_archive(caller)
        _validate(request, package=True)
        async with self._db.transaction() as connection:
            outcome = await self._store.recorded(connection, request.client_id, request.package_id)
        if outcome is None:
            async with snapshot_transaction(self._db) as connection:
                outcome = await self._store.minimise(
                    connection,
                    client_id=request.client_id,
                    municipality=request.municipality_code,
                    package_id=request.package_id,
                    expected_digest=request.expected_digest,
                    actor=caller.subject,
                    now=self._clock(),
                )
                types = [r.record_type for r in outcome.results if r.count]
                await self._record(connection, caller, request, "client-records.minimise", types)
        return records_pb2.MinimiseClientRecordsResponse(
            service=self._service,
            repeated_request=outcome.repeated,
            minimised_at=to_timestamp(outcome.minimised_at),
            results=[
                records_pb2.MinimisedRecordType(
                    record_type=r.record_type, action=r.action, count=r.count, note=r.note
                )
                for r in outcome.results
            ],
        )


@asynccontextmanager
async def snapshot_transaction(database: Database) -> AsyncIterator[AsyncConnection]:
    """One transaction that sees one snapshot throughout (REPEATABLE READ on PostgreSQL): rows
    others write after it began are neither checked nor removed, and a row others change in the
    meantime fails it. SQLite has a single writer; the minimisation takes its lock first."""
    async with database.engine.connect() as connection:
        if not database.is_sqlite:
            await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            yield connection
