"""Feedback invitations to clients, through the messaging service.

The transaction that creates a client's invitation also writes a ``SendNotification`` request
(template ``feedback-invitation``) to ``invitation_outbox``. :class:`InvitationRelay` sends due
rows as the reporting service itself (role internal-service) and deletes each one once the
messaging service accepted it: at least once, and the messaging service keeps one notification
per idempotency key (``feedback:<invitation id>``), so a repeat sends nothing twice. A refusal
that retrying cannot change drops the row (counted and logged without personal data); other
failures are retried with capped exponential backoff.

The invitation names no person in its link: it points to the self-service pages, where the
client signs in and finds it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any, Final

import grpc
import sqlalchemy as sa
from prometheus_client import Counter, Gauge

from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.db import Database
from kotopolku.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from kotopolku.reporting.tables import invitation_outbox

log = logging.getLogger(__name__)

TEMPLATE: Final = "feedback-invitation"
MAX_BACKOFF_SECONDS: Final = 600.0
_PERMANENT: Final = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.ALREADY_EXISTS,
    }
)

BACKLOG = Gauge("kotopolku_feedback_invitation_backlog", "Feedback invitations waiting to be sent")
SENT = Counter("kotopolku_feedback_invitations_sent_total", "Invitations messaging accepted")
FAILURES = Counter(
    "kotopolku_feedback_invitation_failures_total", "Failed attempts to hand an invitation over"
)
DROPPED = Counter(
    "kotopolku_feedback_invitations_dropped_total", "Invitations the messaging service refused"
)


def notification(
    invitation: Any, feedback_url: str, organiser: str
) -> messaging_pb2.SendNotificationRequest:
    return messaging_pb2.SendNotificationRequest(
        idempotency_key=f"feedback:{invitation.id}",
        client_id=invitation.client_id,
        municipality_code=invitation.municipality_code,
        template_key=TEMPLATE,
        language=invitation.language or "",
        variables={
            "feedback_url": feedback_url,
            "deadline": finnish_date(invitation.expires_on),
            "organiser": organiser,
        },
    )


def finnish_date(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts - 1)))


class InvitationRelay:
    def __init__(
        self,
        database: Database,
        messaging: messaging_pb2_grpc.MessagingServiceAsyncStub,
        *,
        batch_size: int = 50,
        poll_seconds: float = 5.0,
        timeout_seconds: float = 5.0,
        clock: Clock = utcnow,
    ) -> None:
        self._db = database
        self._messaging = messaging
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.deliver_once()
            except Exception as error:
                log.warning("invitation round failed", extra={"error": type(error).__name__})
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
        query = (
            sa.select(invitation_outbox)
            .where(invitation_outbox.c.next_attempt_at <= self._clock())
            .order_by(invitation_outbox.c.seq)
            .limit(self._batch_size)
        )
        async with self._db.engine.connect() as connection:
            rows = list((await connection.execute(query)).all())
        sent = 0
        for row in rows:
            request = messaging_pb2.SendNotificationRequest.FromString(row.payload)
            try:
                await self._messaging.SendNotification(request, timeout=self._timeout)
            except grpc.aio.AioRpcError as error:
                if error.code() in _PERMANENT:
                    log.warning("invitation refused", extra={"reason": error.code().name})
                    DROPPED.inc()
                    await self._delete(row.seq)
                else:
                    await self._postpone(row, error.code().name)
                continue
            await self._delete(row.seq)
            SENT.inc()
            sent += 1
        if rows:
            BACKLOG.set(await self.backlog())
        return sent

    async def _delete(self, seq: int) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                sa.delete(invitation_outbox).where(invitation_outbox.c.seq == seq)
            )

    async def _postpone(self, row: Any, reason: str) -> None:
        attempts = int(row.attempts) + 1
        FAILURES.inc()
        log.warning("invitation not handed over; will retry", extra={"reason": reason})
        async with self._db.transaction() as connection:
            await connection.execute(
                sa.update(invitation_outbox)
                .where(invitation_outbox.c.seq == row.seq)
                .values(
                    attempts=attempts,
                    next_attempt_at=self._clock() + retry_delay(attempts),
                    last_error=reason[:60],
                )
            )

    async def backlog(self) -> int:
        async with self._db.engine.connect() as connection:
            count = await connection.scalar(
                sa.select(sa.func.count()).select_from(invitation_outbox)
            )
        return int(count or 0)
