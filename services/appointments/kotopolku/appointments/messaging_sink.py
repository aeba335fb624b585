"""The messaging service as the sink of reminders (``MessagingService.SendNotification`` and
``CancelNotification``), called as the appointments service itself (role internal-service)."""

from __future__ import annotations

from typing import Final

import grpc

from kotopolku.appointments.domain.reminders import TEMPLATE_KEY
from kotopolku.appointments.reminder_relay import (
    ReminderDeliveryFailed,
    ReminderRefused,
    ReminderRequest,
)
from kotopolku.common.clock import to_timestamp
from kotopolku.messaging.v1 import messaging_pb2, messaging_pb2_grpc

# The messaging service will never accept such a request: retrying would not help. Anything
# else (unavailable, a deployment fault such as a refused identity) is retried.
_REFUSALS: Final = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.OUT_OF_RANGE,
    }
)
# A notification that is gone or already sent cannot be cancelled; nothing is left to do.
_ALREADY_SETTLED: Final = frozenset(
    {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION}
)


def notification_request(request: ReminderRequest) -> messaging_pb2.SendNotificationRequest:
    return messaging_pb2.SendNotificationRequest(
        idempotency_key=request.idempotency_key,
        client_id=request.client_id,
        municipality_code=request.municipality_code,
        template_key=TEMPLATE_KEY,
        language=request.language,
        variables=dict(request.variables),
        send_at=to_timestamp(request.send_at),
    )


class MessagingReminderSink:
    def __init__(
        self, messaging: messaging_pb2_grpc.MessagingServiceAsyncStub, timeout: float = 5.0
    ) -> None:
        self._messaging = messaging
        self._timeout = timeout

    async def schedule(self, request: ReminderRequest) -> str:
        try:
            notification = await self._messaging.SendNotification(
                notification_request(request), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in _REFUSALS:
                raise ReminderRefused(error.code().name) from error
            raise ReminderDeliveryFailed(error.code().name) from error
        return str(notification.id)

    async def cancel(self, notification_id: str) -> None:
        try:
            await self._messaging.CancelNotification(
                messaging_pb2.CancelNotificationRequest(notification_id=notification_id),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in _ALREADY_SETTLED:
                return
            raise ReminderDeliveryFailed(error.code().name) from error
