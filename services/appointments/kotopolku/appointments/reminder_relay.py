"""Delivers reminder work (schedule, cancel) to the messaging service.

The transaction that books, moves, cancels or deletes an appointment also writes rows to
``reminder_outbox``; this relay sends them and deletes each one only after the messaging service
answered: at-least-once. A repeated send carries the reminder's idempotency key, so the messaging
service schedules it once (and answers with the same notification); a repeated cancel changes
nothing.

Rows of one appointment are delivered in order (a row waits while an earlier row of its appointment
waits for a retry): a reminder's send always reaches the messaging service before its cancel, so the
cancel knows the notification to withdraw, even if the send's answer was lost in a crash (the send
is simply made again). A transient failure is retried with exponential backoff (capped) and keeps
its place without blocking other appointments; a refusal (e.g. no template in the language) marks
the reminder FAILED, visible on the appointment, and is not retried.

The mechanism (ordering, backoff, no transaction open during a call) is the shared
:class:`~kotopolku.common.relay.Relay`; this module says what a row means.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.appointments.domain import ReminderState
from kotopolku.appointments.tables import appointments, reminder_outbox, reminders
from kotopolku.common.clock import Clock, as_utc, utcnow
from kotopolku.common.db import Database
from kotopolku.common.relay import ERROR_LENGTH, Relay, RetryLater, Settle

log = logging.getLogger(__name__)

REFUSED = Counter("kotopolku_reminders_refused_total", "Reminders the messaging service refused")


class ReminderDeliveryFailed(RetryLater):
    """Try again later; ``reason`` is a gRPC status name, safe to store and log."""


class ReminderRefused(Exception):
    """The messaging service will never accept this; ``reason`` as above."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ReminderRequest:
    idempotency_key: str
    client_id: str
    municipality_code: str
    language: str
    variables: Mapping[str, str]
    send_at: datetime


class ReminderSink(Protocol):
    """Where reminders go: the messaging service."""

    async def schedule(self, request: ReminderRequest) -> str:
        """Returns the notification id; raises ReminderDeliveryFailed or ReminderRefused."""

    async def cancel(self, notification_id: str) -> None:
        """Returns once withdrawn (or already gone); raises ReminderDeliveryFailed."""


class ReminderRelay(Relay):
    def __init__(
        self,
        database: Database,
        sink: ReminderSink,
        *,
        batch_size: int = 50,
        poll_seconds: float = 5.0,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(
            "appointment-reminders",
            database,
            reminder_outbox,
            key="appointment_id",
            batch_size=batch_size,
            poll_seconds=poll_seconds,
            clock=clock,
        )
        self._sink = sink

    def select(self) -> sa.Select[Any]:
        table = reminder_outbox
        return (
            sa.select(
                table.c.seq,
                table.c.appointment_id,
                table.c.operation,
                table.c.attempts,
                reminders.c.id.label("reminder_id"),
                reminders.c.idempotency_key,
                reminders.c.language,
                reminders.c.variables,
                reminders.c.send_at,
                reminders.c.notification_id,
                appointments.c.client_id,
                appointments.c.municipality_code,
            )
            .join(reminders, reminders.c.id == table.c.reminder_id)
            .join(appointments, appointments.c.id == table.c.appointment_id)
        )

    async def handle(self, row: Any) -> Settle | None:
        if row.operation == "send":
            return await self._send(row)
        if row.notification_id:
            await self._sink.cancel(row.notification_id)
        return None

    async def _send(self, row: Any) -> Settle:
        request = ReminderRequest(
            idempotency_key=row.idempotency_key,
            client_id=row.client_id,
            municipality_code=row.municipality_code,
            language=row.language,
            variables=dict(row.variables or {}),
            send_at=as_utc(row.send_at),
        )
        try:
            notification_id = await self._sink.schedule(request)
        except ReminderRefused as error:
            REFUSED.inc()
            log.warning("messaging refused a reminder", extra={"reason": error.reason})
            return self._settle(
                row.reminder_id,
                state=ReminderState.FAILED,
                last_error=error.reason[:ERROR_LENGTH],
            )
        # A reminder cancelled meanwhile keeps CANCELLED: its cancel row comes next.
        return self._settle(
            row.reminder_id, state=ReminderState.SCHEDULED, notification_id=notification_id
        )

    def _settle(self, reminder_id: str, *, state: ReminderState, **values: Any) -> Settle:
        """Records the answer, and moves only a still PENDING reminder to ``state``."""

        async def settle(connection: AsyncConnection) -> None:
            now = self._clock()
            await connection.execute(
                sa.update(reminders)
                .where(reminders.c.id == reminder_id)
                .values(**values, updated_at=now)
            )
            await connection.execute(
                sa.update(reminders)
                .where(reminders.c.id == reminder_id, reminders.c.state == ReminderState.PENDING)
                .values(state=state.value, updated_at=now)
            )

        return settle
