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

No database transaction is held open during a call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

import sqlalchemy as sa
from prometheus_client import Counter, Gauge

from kotopolku.appointments.domain import ReminderState
from kotopolku.appointments.tables import appointments, reminder_outbox, reminders
from kotopolku.common.clock import Clock, as_utc, utcnow
from kotopolku.common.db import Database

log = logging.getLogger(__name__)

BACKLOG = Gauge("kotopolku_reminder_outbox_backlog", "Reminder work waiting for messaging")
DELIVERED = Counter("kotopolku_reminder_outbox_delivered_total", "Reminder work delivered")
FAILURES = Counter("kotopolku_reminder_outbox_failures_total", "Failed reminder deliveries")
REFUSED = Counter("kotopolku_reminders_refused_total", "Reminders the messaging service refused")

MAX_BACKOFF_SECONDS: Final = 600.0


class ReminderDeliveryFailed(Exception):
    """Try again later; ``reason`` is a gRPC status name, safe to store and log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1 s, 2 s, 4 s, … up to 10 minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts - 1)))


class ReminderRelay:
    def __init__(
        self,
        database: Database,
        sink: ReminderSink,
        *,
        batch_size: int = 50,
        poll_seconds: float = 5.0,
        clock: Clock = utcnow,
    ) -> None:
        self._db = database
        self._sink = sink
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after reminder work was committed: deliver now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.deliver_once()
            except Exception as error:
                log.warning("reminder delivery round failed", extra={"error": type(error).__name__})
            await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(
                waiters, timeout=self._poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()

    async def _due(self, now: datetime) -> list[Any]:
        table = reminder_outbox
        earlier = table.alias("earlier")
        nothing_earlier_waits = ~sa.exists().where(
            earlier.c.appointment_id == table.c.appointment_id,
            earlier.c.seq < table.c.seq,
            earlier.c.next_attempt_at > now,
        )
        query = (
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
            .where(table.c.next_attempt_at <= now, nothing_earlier_waits)
            .order_by(table.c.seq)
            .limit(self._batch_size)
        )
        async with self._db.engine.connect() as connection:
            return list((await connection.execute(query)).all())

    async def deliver_once(self) -> int:
        """One round over the due rows; returns how many were delivered (or settled)."""
        rows = await self._due(self._clock())
        done = 0
        # An appointment whose row failed keeps its later rows for the retry, in order.
        held: set[str] = set()
        for row in rows:
            if row.appointment_id in held:
                continue
            try:
                if row.operation == "send":
                    await self._send(row)
                else:
                    await self._cancel(row)
            except ReminderDeliveryFailed as error:
                held.add(row.appointment_id)
                await self._postpone(row, error.reason)
                continue
            except Exception as error:
                held.add(row.appointment_id)
                await self._postpone(row, type(error).__name__)
                continue
            done += 1
            DELIVERED.inc()
        if rows:
            BACKLOG.set(await self.backlog())
        return done

    async def _send(self, row: Any) -> None:
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
            await self._settle(
                row,
                state=ReminderState.FAILED,
                only_if=ReminderState.PENDING,
                last_error=error.reason[:60],
            )
            return
        # A reminder cancelled meanwhile keeps CANCELLED: its cancel row comes next.
        await self._settle(
            row,
            state=ReminderState.SCHEDULED,
            only_if=ReminderState.PENDING,
            notification_id=notification_id,
        )

    async def _cancel(self, row: Any) -> None:
        if row.notification_id:
            await self._sink.cancel(row.notification_id)
        await self._settle(row)

    async def _settle(
        self,
        row: Any,
        *,
        state: ReminderState | None = None,
        only_if: ReminderState | None = None,
        **values: Any,
    ) -> None:
        async with self._db.transaction() as connection:
            if values:
                await connection.execute(
                    sa.update(reminders)
                    .where(reminders.c.id == row.reminder_id)
                    .values(**values, updated_at=self._clock())
                )
            if state is not None:
                await connection.execute(
                    sa.update(reminders)
                    .where(reminders.c.id == row.reminder_id, reminders.c.state == only_if)
                    .values(state=state.value, updated_at=self._clock())
                )
            await connection.execute(
                sa.delete(reminder_outbox).where(reminder_outbox.c.seq == row.seq)
            )

    async def _postpone(self, row: Any, reason: str) -> None:
        FAILURES.inc()
        attempts = int(row.attempts) + 1
        log.warning(
            "reminder work not delivered; will retry",
            extra={"reason": reason, "attempts": attempts},
        )
        async with self._db.transaction() as connection:
            await connection.execute(
                sa.update(reminder_outbox)
                .where(reminder_outbox.c.seq == row.seq)
                .values(
                    attempts=attempts,
                    next_attempt_at=self._clock() + retry_delay(attempts),
                    last_error=reason[:60],
                )
            )

    async def backlog(self) -> int:
        async with self._db.engine.connect() as connection:
            count = await connection.scalar(sa.select(sa.func.count()).select_from(reminder_outbox))
        return int(count or 0)
