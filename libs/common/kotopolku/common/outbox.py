"""Delivers a service's outbox of events in batches to one receiving RPC: audit events to the
audit service (:class:`OutboxRelay`), and reporting facts to the reporting service
(:mod:`kotopolku.common.facts`), both through :class:`BatchRelay`.

At-least-once: rows are deleted only after the receiver acknowledged them, and the receiver
ignores event ids it already has, so nothing is lost or doubled when it is down for a while.
While it is down the relay backs off exponentially and rows wait in order. Several replicas may
run the relay: PostgreSQL's ``SKIP LOCKED`` hands each batch to one of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import grpc
import sqlalchemy as sa
from prometheus_client import Counter, Gauge, Histogram

from kotopolku.audit.v1 import audit_pb2, audit_pb2_grpc
from kotopolku.common import backlog
from kotopolku.common.clock import Clock, as_utc, utcnow
from kotopolku.common.db import Database

log = logging.getLogger(__name__)

BACKLOG = Gauge("kotopolku_audit_outbox_backlog", "Audit events waiting for delivery", ["service"])
# Delivery lag while events wait: the histogram below only sees events once they are delivered,
# so an audit outage shows here first.
OLDEST_AGE = Gauge(
    "kotopolku_audit_outbox_oldest_age_seconds",
    "Age of the oldest audit event waiting for delivery (0 when none waits)",
    ["service"],
)
DELIVERED = Counter("kotopolku_audit_outbox_delivered_total", "Audit events delivered", ["service"])
FAILURES = Counter(
    "kotopolku_audit_outbox_failures_total", "Failed audit delivery attempts", ["service"]
)
LAG = Histogram(
    "kotopolku_audit_delivery_lag_seconds",
    "Time from recording an audit event to its delivery",
    ["service"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 3600),
)

MAX_BACKOFF_SECONDS = 30.0
# Lets the events of a burst of requests gather into one delivery: one call to the audit service
# per window instead of one per request, at the price of this much delivery delay.
COALESCE_SECONDS = 0.05
# The backlog gauge costs a count query; it is refreshed at most this often.
_BACKLOG_REFRESH_SECONDS = 5.0


class DeliveryFailed(Exception):
    pass


def backoff_seconds(failures: int, cap: float = MAX_BACKOFF_SECONDS) -> float:
    return float(min(cap, 0.25 * 2 ** max(0, failures - 1)))


@dataclass(frozen=True, slots=True)
class RelayMetrics:
    """The instruments of one kind of outbox (labelled by the sending service)."""

    backlog: Gauge
    delivered: Counter
    failures: Counter
    oldest_age: Gauge | None = None
    lag: Histogram | None = None


AUDIT_METRICS = RelayMetrics(BACKLOG, DELIVERED, FAILURES, OLDEST_AGE, LAG)

# Sends the payloads of one batch; returns once the receiver acknowledged them all.
Send = Callable[[Sequence[bytes]], Awaitable[None]]


class BatchRelay:
    def __init__(
        self,
        service: str,
        database: Database,
        outbox: sa.Table,
        send: Send,
        metrics: RelayMetrics,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = MAX_BACKOFF_SECONDS,
        clock: Clock = utcnow,
    ) -> None:
        self._service = service
        self._db = database
        self._outbox = outbox
        self._send = send
        self._metrics = metrics
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._clock = clock
        self._wake = asyncio.Event()
        self.consecutive_failures = 0
        self._backlog_checked_at = 0.0

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                delivered = await self.deliver_once()
                self.consecutive_failures = 0
            except Exception as error:
                self.consecutive_failures += 1
                self._metrics.failures.labels(self._service).inc()
                log.warning(
                    "outbox delivery failed; backing off",
                    extra={
                        "outbox": self._outbox.name,
                        "error": type(error).__name__,
                        "failures": self.consecutive_failures,
                    },
                )
                await self._refresh_backlog()
                delay = backoff_seconds(self.consecutive_failures, self._max_backoff)
                await self._sleep(stop, delay, wakeable=False)
                continue
            if delivered < self._batch_size:
                await self._sleep(stop, self._poll_seconds, wakeable=True)

    async def _sleep(self, stop: asyncio.Event, seconds: float, *, wakeable: bool) -> None:
        waiters = {asyncio.ensure_future(stop.wait())}
        if wakeable:
            waiters.add(asyncio.ensure_future(self._wake.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if wakeable and self._wake.is_set():
            self._wake.clear()
            await asyncio.sleep(COALESCE_SECONDS)

    async def deliver_once(self) -> int:
        """Delivers the oldest batch; returns how many rows went. Raises on failure."""
        table = self._outbox
        query = (
            sa.select(table.c.seq, table.c.payload, table.c.created_at)
            .order_by(table.c.seq)
            .limit(self._batch_size)
        )
        if not self._db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        async with self._db.transaction() as connection:
            rows = (await connection.execute(query)).all()
            if not rows:
                self._metrics.backlog.labels(self._service).set(0)
                if self._metrics.oldest_age is not None:
                    self._metrics.oldest_age.labels(self._service).set(0)
                return 0
            await self._send([bytes(row.payload) for row in rows])
            await connection.execute(
                sa.delete(table).where(table.c.seq.in_([row.seq for row in rows]))
            )
            if self._metrics.lag is not None:
                delivered_at = self._clock()
                for row in rows:
                    self._metrics.lag.labels(self._service).observe(
                        max(0.0, (delivered_at - as_utc(row.created_at)).total_seconds())
                    )
            self._metrics.delivered.labels(self._service).inc(len(rows))
        if len(rows) >= self._batch_size or time.monotonic() - self._backlog_checked_at > (
            _BACKLOG_REFRESH_SECONDS
        ):
            await self._refresh_backlog()
        return len(rows)

    async def _refresh_backlog(self) -> None:
        try:
            waiting = await backlog.measure(self._db, self._outbox, self._clock())
            self._metrics.backlog.labels(self._service).set(waiting.waiting)
            if self._metrics.oldest_age is not None:
                self._metrics.oldest_age.labels(self._service).set(waiting.oldest_age_seconds)
            self._backlog_checked_at = time.monotonic()
        except Exception:
            log.warning("could not count the outbox", extra={"outbox": self._outbox.name})

    async def backlog(self) -> int:
        async with self._db.engine.connect() as connection:
            count = await connection.scalar(sa.select(sa.func.count()).select_from(self._outbox))
        return int(count or 0)


class OutboxRelay(BatchRelay):
    """The audit outbox of a service, delivered to the audit service's AppendEvents."""

    def __init__(
        self,
        service: str,
        database: Database,
        outbox: sa.Table,
        audit: audit_pb2_grpc.AuditServiceAsyncStub,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        timeout_seconds: float = 5.0,
        clock: Clock = utcnow,
    ) -> None:
        async def append(payloads: Sequence[bytes]) -> None:
            events = [audit_pb2.AuditEvent.FromString(payload) for payload in payloads]
            try:
                await audit.AppendEvents(
                    audit_pb2.AppendEventsRequest(events=events), timeout=timeout_seconds
                )
            except grpc.aio.AioRpcError as error:
                raise DeliveryFailed(error.code().name) from error

        super().__init__(
            service,
            database,
            outbox,
            append,
            AUDIT_METRICS,
            batch_size=batch_size,
            poll_seconds=poll_seconds,
            clock=clock,
        )
