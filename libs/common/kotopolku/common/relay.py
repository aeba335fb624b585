"""Handing work to another service through a service's own outbox table, at least once.

The transaction that makes a change also writes a row for the other service into an outbox
table of the service's own; a :class:`Relay` sends the rows and deletes each one only after the
other service accepted it (or refused it for good). A crash between the call and the delete sends
the row again, so receivers must be idempotent. A row that fails is retried with capped
exponential backoff and keeps its place; it never blocks rows of other keys. With a ``key``
column, the rows of one key are delivered in order: a row waits while an earlier row of its key
waits for a retry, and a round that fails a row leaves the later rows of its key for later. No
database transaction is held open during a call.

The table needs the columns ``seq`` (autoincrement primary key), ``attempts``,
``next_attempt_at``, ``last_error`` (a gRPC status name or exception type, never a message text)
and ``created_at`` (for the status API's backlog age). A subclass says how one row is delivered
(:meth:`Relay.handle`), and may join other tables into the query (:meth:`Relay.select`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.db import Database

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS: Final = 600.0
ERROR_LENGTH: Final = 60

BACKLOG = Gauge("kotopolku_relay_backlog", "Rows waiting in a service's outbox", ["outbox"])
DELIVERED = Counter(
    "kotopolku_relay_delivered_total", "Outbox rows the receiving service settled", ["outbox"]
)
FAILURES = Counter(
    "kotopolku_relay_failures_total", "Failed outbox deliveries (retried later)", ["outbox"]
)

# Work done in the transaction that deletes a settled row (e.g. recording the receiver's answer).
Settle = Callable[[AsyncConnection], Awaitable[None]]


class RetryLater(Exception):
    """The receiver could not take the row now; ``reason`` is safe to store and log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1 s, 2 s, 4 s, … up to 10 minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts - 1)))


class Relay:
    def __init__(
        self,
        name: str,
        database: Database,
        table: sa.Table,
        *,
        key: str | None = None,
        batch_size: int = 50,
        poll_seconds: float = 5.0,
        clock: Clock = utcnow,
    ) -> None:
        self.name = name
        self.table = table
        self._db = database
        self._key = key
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._wake = asyncio.Event()

    # --- what a subclass says ---------------------------------------------------------------

    async def handle(self, row: Any) -> Settle | None:
        """Delivers one row; raises :class:`RetryLater` to try again later. Returning (with
        optional work for the deleting transaction) settles the row: it is deleted."""
        raise NotImplementedError

    def select(self) -> sa.Select[Any]:
        """The rows' query before the relay's own conditions; override to join other tables."""
        return sa.select(self.table)

    # --- the mechanism ----------------------------------------------------------------------

    def wake(self) -> None:
        """Called after a row was committed: deliver now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Delivers until ``stop`` is set; meant to run as a background job of the service."""
        while not stop.is_set():
            try:
                await self.deliver_once()
            except Exception as error:
                # The database itself failed; the rows stay and the next round retries.
                log.warning(
                    "outbox delivery round failed",
                    extra={"outbox": self.name, "error": type(error).__name__},
                )
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
        table = self.table
        conditions: list[sa.ColumnElement[bool]] = [table.c.next_attempt_at <= now]
        if self._key is not None:
            earlier = table.alias("earlier")
            conditions.append(
                ~sa.exists().where(
                    earlier.c[self._key] == table.c[self._key],
                    earlier.c.seq < table.c.seq,
                    earlier.c.next_attempt_at > now,
                )
            )
        query = self.select().where(*conditions).order_by(table.c.seq).limit(self._batch_size)
        async with self._db.engine.connect() as connection:
            return list((await connection.execute(query)).all())

    async def deliver_once(self) -> int:
        """One round over the due rows; returns how many were settled."""
        rows = await self._due(self._clock())
        settled = 0
        # A key whose row failed in this round keeps its later rows for the retry, in order.
        held: set[Any] = set()
        for row in rows:
            key = getattr(row, self._key) if self._key is not None else None
            if key is not None and key in held:
                continue
            try:
                work = await self.handle(row)
            except Exception as error:
                held.add(key)
                reason = error.reason if isinstance(error, RetryLater) else type(error).__name__
                await self._postpone(row, reason)
                continue
            async with self._db.transaction() as connection:
                if work is not None:
                    await work(connection)
                await connection.execute(sa.delete(self.table).where(self.table.c.seq == row.seq))
            settled += 1
            DELIVERED.labels(self.name).inc()
        if rows:
            BACKLOG.labels(self.name).set(await self.backlog())
        return settled

    async def _postpone(self, row: Any, reason: str) -> None:
        attempts = int(row.attempts) + 1
        FAILURES.labels(self.name).inc()
        log.warning(
            "outbox row not delivered; will retry",
            extra={"outbox": self.name, "reason": reason, "attempts": attempts},
        )
        async with self._db.transaction() as connection:
            await connection.execute(
                sa.update(self.table)
                .where(self.table.c.seq == row.seq)
                .values(
                    attempts=attempts,
                    next_attempt_at=self._clock() + retry_delay(attempts),
                    last_error=reason[:ERROR_LENGTH],
                )
            )

    async def backlog(self) -> int:
        async with self._db.engine.connect() as connection:
            count = await connection.scalar(sa.select(sa.func.count()).select_from(self.table))
        return int(count or 0)
