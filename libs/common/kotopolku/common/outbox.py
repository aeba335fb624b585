"""Delivers audit events from a service's outbox to the audit service.

At-least-once: rows are deleted only after the audit service acknowledged them, and the audit
service ignores event ids it already has, so nothing is lost or doubled when it is down for a
while. While it is down the relay backs off exponentially and rows wait in order. Several replicas
may run the relay: PostgreSQL's ``SKIP LOCKED`` hands each batch to one of them.
"""

from __future__ import annotations

import asyncio
import logging
import time

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


def backoff_seconds(failures: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, 0.25 * 2 ** max(0, failures - 1)))


class OutboxRelay:
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
        self._service = service
        self._db = database
        self._outbox = outbox
        self._audit = audit
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._timeout = timeout_seconds
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
                FAILURES.labels(self._service).inc()
                log.warning(
                    "audit delivery failed; backing off",
                    extra={"error": type(error).__name__, "failures": self.consecutive_failures},
                )
                await self._refresh_backlog()
                await self._sleep(stop, backoff_seconds(self.consecutive_failures), wakeable=False)
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
        """Delivers the oldest batch; returns how many events went. Raises on failure."""
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
                BACKLOG.labels(self._service).set(0)
                OLDEST_AGE.labels(self._service).set(0)
                return 0
            events = [audit_pb2.AuditEvent.FromString(row.payload) for row in rows]
            try:
                await self._audit.AppendEvents(
                    audit_pb2.AppendEventsRequest(events=events), timeout=self._timeout
                )
            except grpc.aio.AioRpcError as error:
                raise DeliveryFailed(error.code().name) from error
            await connection.execute(
                sa.delete(table).where(table.c.seq.in_([row.seq for row in rows]))
            )
            delivered_at = self._clock()
            for row in rows:
                LAG.labels(self._service).observe(
                    max(0.0, (delivered_at - as_utc(row.created_at)).total_seconds())
                )
            DELIVERED.labels(self._service).inc(len(rows))
        if len(rows) >= self._batch_size or time.monotonic() - self._backlog_checked_at > (
            _BACKLOG_REFRESH_SECONDS
        ):
            await self._refresh_backlog()
        return len(rows)

    async def _refresh_backlog(self) -> None:
        try:
            waiting = await backlog.measure(self._db, self._outbox, self._clock())
            BACKLOG.labels(self._service).set(waiting.waiting)
            OLDEST_AGE.labels(self._service).set(waiting.oldest_age_seconds)
            self._backlog_checked_at = time.monotonic()
        except Exception:
            log.warning("could not count the audit outbox")

    async def backlog(self) -> int:
        async with self._db.engine.connect() as connection:
            count = await connection.scalar(sa.select(sa.func.count()).select_from(self._outbox))
        return int(count or 0)
