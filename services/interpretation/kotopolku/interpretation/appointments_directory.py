"""What the interpretation service asks the appointments service, as the calling officer (the
assertion is forwarded, so the appointments service applies its own tenant rules and audits its
own read): the appointment an interpreter is booked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import grpc

from kotopolku.appointments.v1 import appointments_pb2, appointments_pb2_grpc
from kotopolku.common.clock import from_timestamp
from kotopolku.common.errors import DomainError

_NOT_VISIBLE = frozenset(
    {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED}
)


class DependencyUnavailable(DomainError):
    status = grpc.StatusCode.UNAVAILABLE
    type = "dependency-unavailable"
    title = "A service this call needs is not available"


@dataclass(frozen=True, slots=True)
class AppointmentRef:
    id: str
    municipality_code: str
    client_id: str
    starts_at: datetime
    ends_at: datetime
    location: str
    cancelled: bool


class AppointmentDirectory:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = appointments_pb2_grpc.AppointmentsServiceStub(channel)
        self._timeout = timeout

    async def visible_appointment(self, appointment_id: str) -> AppointmentRef | None:
        try:
            found = await self._stub.GetAppointment(
                appointments_pb2.GetAppointmentRequest(appointment_id=appointment_id),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in _NOT_VISIBLE:
                return None
            raise DependencyUnavailable(
                f"The appointments service did not answer ({error.code().name})"
            ) from error
        return AppointmentRef(
            id=found.id,
            municipality_code=found.municipality_code,
            client_id=found.client_id,
            starts_at=from_timestamp(found.starts_at),
            ends_at=from_timestamp(found.ends_at),
            location=found.location,
            cancelled=found.status == appointments_pb2.APPOINTMENT_STATUS_CANCELLED,
        )
