"""Work the e-signature service hands to other services, through its transactional outbox.

The transaction that completes a request writes the signed approval for the plans service
(``RecordSignedApproval``); the transaction that makes it the client's turn writes an invitation,
and one more row holds a reminder due a few days before the deadline, for the messaging service
(``SendNotification``, template ``plan-signature-request``). :class:`DeliveryRelay` sends due rows
as the service itself (role internal-service) and deletes each one only after the other service
accepted it: at least once. Both receivers are idempotent (the plans service by signing request,
the messaging service by idempotency key), so a repeat changes nothing.

An invitation or reminder whose signer has meanwhile signed, or whose request is no longer
pending, is dropped unsent. A failure that retrying cannot fix (the plans service refuses: the
plan was changed after rendering) is recorded on the request and the row removed; other failures
are retried with capped exponential backoff and keep their row. Nothing is held in a database
transaction while a call is in flight.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Final

import grpc
import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.db import Database
from kotopolku.esign.domain import requests as rules
from kotopolku.esign.domain.model import PlanActivation, RequestStatus, finnish_date
from kotopolku.esign.tables import deliveries, signers, signing_requests
from kotopolku.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc

log = logging.getLogger(__name__)

PLAN_APPROVAL: Final = "plan-approval"
CLIENT_NOTIFICATION: Final = "client-notification"
MAX_BACKOFF_SECONDS: Final = 600.0
# Answers that a retry cannot change: the receiver understood and refused.
_PERMANENT: Final = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.ALREADY_EXISTS,
    }
)

BACKLOG = Gauge("kotopolku_esign_delivery_backlog", "Deliveries waiting", ["kind"])
DELIVERED = Counter("kotopolku_esign_delivered_total", "Deliveries accepted", ["kind"])
FAILURES = Counter("kotopolku_esign_delivery_failures_total", "Failed delivery attempts", ["kind"])
DROPPED = Counter(
    "kotopolku_esign_delivery_dropped_total",
    "Invitations and reminders no longer needed, or refused",
    ["kind"],
)


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 1 s, 2 s, 4 s, … up to 10 minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts - 1)))


class DeliveryRelay:
    def __init__(
        self,
        database: Database,
        plans: plans_pb2_grpc.PlansServiceAsyncStub,
        messaging: messaging_pb2_grpc.MessagingServiceAsyncStub,
        *,
        batch_size: int = 50,
        poll_seconds: float = 5.0,
        timeout_seconds: float = 5.0,
        clock: Clock = utcnow,
    ) -> None:
        self._db = database
        self._plans = plans
        self._messaging = messaging
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a delivery was committed: send now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.deliver_once()
            except Exception as error:
                log.warning("delivery round failed", extra={"error": type(error).__name__})
            waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
            try:
                await asyncio.wait(
                    waiters, timeout=self._poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for waiter in waiters:
                    waiter.cancel()
            self._wake.clear()

    async def deliver_once(self) -> int:
        """One round over the due rows; returns how many were accepted."""
        query = (
            sa.select(deliveries)
            .where(deliveries.c.next_attempt_at <= self._clock())
            .order_by(deliveries.c.seq)
            .limit(self._batch_size)
        )
        async with self._db.engine.connect() as connection:
            rows = list((await connection.execute(query)).all())
        delivered = 0
        for row in rows:
            if row.kind == PLAN_APPROVAL:
                delivered += await self._approval(row)
            else:
                delivered += await self._notification(row)
        if rows:
            await self._refresh_backlog()
        return delivered

    async def _approval(self, row: Any) -> int:
        request = plans_pb2.RecordSignedApprovalRequest.FromString(row.payload)
        try:
            await self._plans.RecordSignedApproval(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() in _PERMANENT:
                await self._finish(row, PlanActivation.REFUSED, error.details() or "")
                DROPPED.labels(PLAN_APPROVAL).inc()
                return 0
            await self._postpone(row, error.code().name)
            return 0
        await self._finish(row, PlanActivation.RECORDED, "")
        DELIVERED.labels(PLAN_APPROVAL).inc()
        return 1

    async def _finish(self, row: Any, activation: PlanActivation, error: str) -> None:
        """The plans service answered: record what became of the plan, and forget the row."""
        now = self._clock()
        async with self._db.transaction() as connection:
            await connection.execute(
                sa.update(signing_requests)
                .where(signing_requests.c.id == row.request_id)
                .values(
                    plan_activation=activation,
                    plan_activation_error=error[:500],
                    version=signing_requests.c.version + 1,
                    updated_at=now,
                )
            )
            await self._delete(connection, row)

    async def _still_wanted(self, row: Any) -> bool:
        """An invitation or reminder is sent only while its signer may still sign."""
        query = (
            sa.select(signing_requests.c.status, signing_requests.c.deadline, signers.c.signed_at)
            .join(signers, signers.c.request_id == signing_requests.c.id)
            .where(
                signing_requests.c.id == row.request_id,
                signers.c.position == row.signer_position,
            )
        )
        async with self._db.engine.connect() as connection:
            found = (await connection.execute(query)).first()
        if found is None or found.signed_at is not None:
            return False
        today = finnish_date(self._clock())
        return rules.status_on(RequestStatus(found.status), found.deadline, today) is (
            RequestStatus.PENDING
        )

    async def _notification(self, row: Any) -> int:
        if not await self._still_wanted(row):
            await self._drop(row)
            return 0
        request = messaging_pb2.SendNotificationRequest.FromString(row.payload)
        try:
            await self._messaging.SendNotification(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() in _PERMANENT:
                log.warning("notification refused", extra={"reason": error.code().name})
                await self._drop(row)
                return 0
            await self._postpone(row, error.code().name)
            return 0
        await self._drop(row, counted=False)
        DELIVERED.labels(CLIENT_NOTIFICATION).inc()
        return 1

    async def _drop(self, row: Any, *, counted: bool = True) -> None:
        if counted:
            DROPPED.labels(CLIENT_NOTIFICATION).inc()
        async with self._db.transaction() as connection:
            await self._delete(connection, row)

    @staticmethod
    async def _delete(connection: AsyncConnection, row: Any) -> None:
        await connection.execute(sa.delete(deliveries).where(deliveries.c.seq == row.seq))

    async def _postpone(self, row: Any, reason: str) -> None:
        attempts = int(row.attempts) + 1
        FAILURES.labels(row.kind).inc()
        log.warning(
            "delivery failed; will retry",
            extra={"kind": row.kind, "reason": reason, "attempts": attempts},
        )
        async with self._db.transaction() as connection:
            await connection.execute(
                sa.update(deliveries)
                .where(deliveries.c.seq == row.seq)
                .values(
                    attempts=attempts,
                    next_attempt_at=self._clock() + retry_delay(attempts),
                    last_error=reason[:60],
                )
            )

    async def backlog(self, kind: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(deliveries)
        if kind is not None:
            query = query.where(deliveries.c.kind == kind)
        async with self._db.engine.connect() as connection:
            return int(await connection.scalar(query) or 0)

    async def _refresh_backlog(self) -> None:
        for kind in (PLAN_APPROVAL, CLIENT_NOTIFICATION):
            BACKLOG.labels(kind).set(await self.backlog(kind))
