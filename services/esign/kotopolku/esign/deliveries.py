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
are retried with capped exponential backoff and keep their row (the shared
:class:`~kotopolku.common.relay.Relay`). Nothing is held in a database transaction while a call is
in flight.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import grpc
import sqlalchemy as sa
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.db import Database
from kotopolku.common.localtime import finnish_date
from kotopolku.common.relay import Relay, RetryLater, Settle
from kotopolku.esign.domain import requests as rules
from kotopolku.esign.domain.model import PlanActivation, RequestStatus
from kotopolku.esign.tables import deliveries, signers, signing_requests
from kotopolku.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc

log = logging.getLogger(__name__)

PLAN_APPROVAL: Final = "plan-approval"
CLIENT_NOTIFICATION: Final = "client-notification"
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

DROPPED = Counter(
    "kotopolku_esign_delivery_dropped_total",
    "Invitations and reminders no longer needed, or refused",
    ["kind"],
)


class DeliveryRelay(Relay):
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
        super().__init__(
            "esign-deliveries",
            database,
            deliveries,
            batch_size=batch_size,
            poll_seconds=poll_seconds,
            clock=clock,
        )
        self._plans = plans
        self._messaging = messaging
        self._timeout = timeout_seconds

    async def handle(self, row: Any) -> Settle | None:
        if row.kind == PLAN_APPROVAL:
            return await self._approval(row)
        await self._notification(row)
        return None

    async def _approval(self, row: Any) -> Settle:
        request = plans_pb2.RecordSignedApprovalRequest.FromString(row.payload)
        try:
            await self._plans.RecordSignedApproval(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() not in _PERMANENT:
                raise RetryLater(error.code().name) from error
            DROPPED.labels(PLAN_APPROVAL).inc()
            return self._record_activation(row, PlanActivation.REFUSED, error.details() or "")
        return self._record_activation(row, PlanActivation.RECORDED, "")

    def _record_activation(self, row: Any, activation: PlanActivation, error: str) -> Settle:
        """The plans service answered: record what became of the plan."""

        async def record(connection: AsyncConnection) -> None:
            await connection.execute(
                sa.update(signing_requests)
                .where(signing_requests.c.id == row.request_id)
                .values(
                    plan_activation=activation,
                    plan_activation_error=error[:500],
                    version=signing_requests.c.version + 1,
                    updated_at=self._clock(),
                )
            )

        return record

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

    async def _notification(self, row: Any) -> None:
        if not await self._still_wanted(row):
            DROPPED.labels(CLIENT_NOTIFICATION).inc()
            return
        request = messaging_pb2.SendNotificationRequest.FromString(row.payload)
        try:
            await self._messaging.SendNotification(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() not in _PERMANENT:
                raise RetryLater(error.code().name) from error
            log.warning("notification refused", extra={"reason": error.code().name})
            DROPPED.labels(CLIENT_NOTIFICATION).inc()
