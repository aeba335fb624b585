"""What the RPC handlers of the appointments service share: dependencies, ids, idempotent-create
bookkeeping, audit entries and the conflict problem."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.appointments import convert, repository
from kotopolku.appointments.directory import ClientDirectory
from kotopolku.appointments.domain import Conflict
from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.errors import DomainError, FieldViolation
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller
from kotopolku.common.localtime import local_iso

Context = grpc.aio.ServicerContext[Any, Any]


class AppointmentConflict(DomainError):
    """An assignee already has an appointment at that time (409 at the gateway)."""

    status = grpc.StatusCode.FAILED_PRECONDITION
    type = "appointment-conflict"
    title = "An assignee already has an appointment at that time"


def conflict_error(
    conflicts: Sequence[Conflict], positions: dict[str, int], municipality: str
) -> AppointmentConflict:
    """Names each conflicting appointment the caller may see; another municipality's is only
    said to exist."""
    violations = []
    named = []
    for conflict in conflicts:
        booking = conflict.booking
        field = f"assignees[{positions[conflict.person_key]}]"
        if booking.municipality_code == municipality:
            named.append(booking.appointment_id)
            violations.append(
                FieldViolation(
                    field,
                    f"overlaps appointment {booking.appointment_id} "
                    f"({local_iso(booking.starts_at)} – {local_iso(booking.ends_at)})",
                )
            )
        else:
            violations.append(FieldViolation(field, "has another appointment at that time"))
    detail = (
        f"The time overlaps appointment {', '.join(dict.fromkeys(named))}"
        if named
        else "An assignee has another appointment at that time"
    )
    return AppointmentConflict(
        f"{detail}; choose another time, or book anyway with allow_conflicts",
        violations=violations,
    )


def idempotency_key(key: str) -> str:
    return validate_key(key) if key else ""


def fingerprint(request: Message) -> str:
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    return request_hash(copy)


def appointment_entry(row: Any, action: str, fields: tuple[str, ...]) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"appointments/{row.id}",
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
        clients: ClientDirectory,
        clock: Clock,
        default_reminder_leads: Sequence[int],
        default_organiser: str,
        on_reminders: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clients = clients
        self._clock = clock
        self._default_leads = tuple(default_reminder_leads)
        self._default_organiser = default_organiser
        self._on_reminders = on_reminders

    def _now(self) -> datetime:
        return self._clock()

    async def _message(
        self, connection: AsyncConnection, row: Any, *, staff: bool
    ) -> pb.Appointment:
        people = (await repository.assignees_of(connection, [row.id]))[row.id]
        reminders = (await repository.reminders_of(connection, [row.id]))[row.id] if staff else []
        return convert.appointment_message(row, people, reminders, staff=staff)

    async def _messages(
        self, connection: AsyncConnection, rows: Sequence[Any], staff_of: Callable[[Any], bool]
    ) -> list[pb.Appointment]:
        ids = [row.id for row in rows]
        people = await repository.assignees_of(connection, ids)
        reminders = await repository.reminders_of(connection, ids)
        return [
            convert.appointment_message(row, people[row.id], reminders[row.id], staff=staff_of(row))
            for row in rows
        ]

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
