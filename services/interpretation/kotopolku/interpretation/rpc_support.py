"""What the RPC handlers of the interpretation service share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import grpc
from google.protobuf.message import Message

from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.client_directory import ClientDirectory
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller
from kotopolku.interpretation.appointments_directory import AppointmentDirectory
from kotopolku.interpretation.synthesizer import Espeak

Context = grpc.aio.ServicerContext[Any, Any]


def idempotency_key(key: str) -> str:
    return validate_key(key) if key else ""


def fingerprint(request: Message) -> str:
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    return request_hash(copy)


def booking_entry(row: Any, action: str, fields: tuple[str, ...]) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"interpreter-bookings/{row.id}",
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
        appointments: AppointmentDirectory,
        clients: ClientDirectory,
        speech: Espeak,
        clock: Clock,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._appointments = appointments
        self._clients = clients
        self._speech = speech
        self._clock = clock

    def _now(self) -> datetime:
        return self._clock()

    async def _audit_refusal(
        self, caller: Caller, action: str, resource: str, row: Any | None
    ) -> None:
        entry = AuditEntry(
            action=action,
            resource=resource,
            subject_client_id=row.client_id if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])
