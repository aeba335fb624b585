"""Delivers enrolment outcomes (enrolled, completed, interrupted) to the plans service.

The transaction that makes or ends an enrolment also writes a row to ``plan_outcome_outbox``;
this relay sends the rows to the plans service's ``RecordServiceOutcome`` and deletes each one
only after the plans service accepted it: at-least-once. The plans service is idempotent by
(plan_service_id, status), so a repeat, e.g. after a crash between the call and the delete, or
from a second replica reading the same row, changes nothing.

Rows of one planned service are delivered in order: only the oldest row of each planned service
is ever due. A failed row is retried with exponential backoff (capped) and keeps its place; it
never blocks the rows of other planned services. The last failure's gRPC status name is kept in
``last_error`` for operators, with the attempt count; nothing is ever dropped.

The relay holds no database transaction open during a call, so SQLite writers are not blocked.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Final, Protocol

import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from sqlalchemy.engine import Row

from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.db import Database
from kotopolku.programme.domain import OutcomeStatus, PlanOutcome
from kotopolku.programme.tables import plan_outcome_outbox

log = logging.getLogger(__name__)

BACKLOG = Gauge(
    "kotopolku_plan_outcome_backlog", "Enrolment outcomes waiting for the plans service"
)
DELIVERED = Counter("kotopolku_plan_outcome_delivered_total", "Outcomes the plans service accepted")
FAILURES = Counter("kotopolku_plan_outcome_failures_total", "Failed outcome delivery attempts")

MAX_BACKOFF_SECONDS: Final = 600.0


class OutcomeDeliveryFailed(Exception):
    """The plans service did not accept an outcome; ``reason`` is safe to store and log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutcomeSink(Protocol):
    """Where outcomes go: the plans service, or a fake in tests."""

    async def record(self, outcome: PlanOutcome) -> None:
        """Returns once the outcome is accepted; raises :class:`OutcomeDeliveryFailed`."""


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1 s, 2 s, 4 s, … up to 10 minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts - 1)))


def _outcome(row: Row[object]) -> PlanOutcome:
    mapping = row._mapping
    return PlanOutcome(
        plan_id=str(mapping["plan_id"]),
        plan_service_id=str(mapping["plan_service_id"]),
        status=OutcomeStatus(mapping["status"]),
        outcome_date=mapping["outcome_date"],  # type: ignore[arg-type]
        summary=str(mapping["summary"]),
    )


class OutcomeRelay:
    def __init__(
        self,
        database: Database,
        sink: OutcomeSink,
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
        """Called after an outcome was committed: deliver now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Delivers until ``stop`` is set. Meant to run as a background task of the service."""
        while not stop.is_set():
            try:
                await self.deliver_once()
            except Exception as error:
                # The database itself failed; the rows stay and the next round retries.
                log.warning("outcome delivery round failed", extra={"error": type(error).__name__})
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

    async def _due(self, now: datetime) -> list[Row[object]]:
        table = plan_outcome_outbox
        earlier = table.alias("earlier")
        head_of_its_planned_service = ~sa.exists().where(
            earlier.c.plan_service_id == table.c.plan_service_id, earlier.c.seq < table.c.seq
        )
        query = (
            sa.select(table)
            .where(table.c.next_attempt_at <= now, head_of_its_planned_service)
            .order_by(table.c.seq)
            .limit(self._batch_size)
        )
        async with self._db.engine.connect() as connection:
            return list((await connection.execute(query)).all())

    async def deliver_once(self) -> int:
        """One round over the due rows; returns how many were delivered."""
        rows = await self._due(self._clock())
        delivered = 0
        for row in rows:
            seq = row._mapping["seq"]
            try:
                await self._sink.record(_outcome(row))
            except Exception as error:
                reason = error.reason if isinstance(error, OutcomeDeliveryFailed) else "ERROR"
                await self._postpone(seq, int(row._mapping["attempts"]) + 1, reason)
                continue
            async with self._db.transaction() as connection:
                await connection.execute(
                    sa.delete(plan_outcome_outbox).where(plan_outcome_outbox.c.seq == seq)
                )
            delivered += 1
            DELIVERED.inc()
        if rows:
            await self._refresh_backlog()
        return delivered

    async def _postpone(self, seq: int, attempts: int, reason: str) -> None:
        FAILURES.inc()
        log.warning(
            "plan outcome not delivered; will retry",
            extra={"reason": reason, "attempts": attempts},
        )
        async with self._db.transaction() as connection:
            await connection.execute(
                sa.update(plan_outcome_outbox)
                .where(plan_outcome_outbox.c.seq == seq)
                .values(
                    attempts=attempts,
                    next_attempt_at=self._clock() + retry_delay(attempts),
                    last_error=reason[:60],
                )
            )

    async def backlog(self) -> int:
        async with self._db.engine.connect() as connection:
            count = await connection.scalar(
                sa.select(sa.func.count()).select_from(plan_outcome_outbox)
            )
        return int(count or 0)

    async def _refresh_backlog(self) -> None:
        BACKLOG.set(await self.backlog())
