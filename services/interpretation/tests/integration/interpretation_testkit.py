"""Helpers of the interpretation service's integration tests: the real clients, appointments and
interpretation services (each with its own database of the kind under test), callers, a settable
clock and shortcuts."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.appointments.service import DEFINITION as APPOINTMENTS_DEFINITION
from kotopolku.appointments.service import AppointmentsSettings
from kotopolku.appointments.v1 import appointments_pb2 as apb
from kotopolku.appointments.v1 import appointments_pb2_grpc
from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.service import ClientsSettings
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.interpretation.service import DEFINITION, InterpretationSettings
from kotopolku.interpretation.tables import audit_outbox
from kotopolku.interpretation.v1 import interpretation_pb2 as pb
from kotopolku.interpretation.v1 import interpretation_pb2_grpc

UNREACHABLE = "127.0.0.1:1"
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def staff(subject: str, role: str = Role.MUNICIPAL_OFFICER, municipality: str = "091") -> Caller:
    return Caller(subject, frozenset({role}), "integration-services", municipality)


def interpreter(subject: str, organisation: str = "tulkkaus") -> Caller:
    return Caller(
        subject, frozenset({Role.INTERPRETER}), "interpretation", "091", organisation=organisation
    )


OFFICER = staff("officer-091")
MANAGER = staff("manager-091", Role.MANAGER)
OFFICER_837 = staff("officer-837", municipality="837")
TULKKI = interpreter("tulkki-1")
TULKKI_2 = interpreter("tulkki-2")
OTHER_SERVICE = interpreter("muu-1", "muu-tulkkaus")
AUDITOR = staff("auditor-091", Role.AUDITOR)
CLIENT_USER = Caller(
    "client-1", frozenset({Role.CLIENT}), "self-service", henkilotunnus="010190-999W"
)


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _settings(keys: testing.TestKeys) -> dict[str, Any]:
    return {
        "grpc_port": 0,
        "metrics_port": 0,
        "gateway_public_key_file": keys.gateway_public,
        "service_public_key_file": keys.service_public,
        "service_key_file": keys.service_private,
        "audit_address": UNREACHABLE,
        "shutdown_grace_seconds": 0,
    }


@dataclass
class System:
    keys: testing.TestKeys
    hosts: list[ServiceHost]
    channels: list[grpc.aio.Channel]
    stub: interpretation_pb2_grpc.InterpretationServiceAsyncStub
    appointments: appointments_pb2_grpc.AppointmentsServiceAsyncStub
    clients: clients_pb2_grpc.ClientsServiceAsyncStub
    clock: Clock

    def md(self, caller: Caller) -> tuple[tuple[str, str], ...]:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def new_client(self, caller: Caller = OFFICER) -> str:
        created = await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina", last_name="Hassan", date_of_birth="1990-01-01"
                )
            ),
            metadata=self.md(caller),
        )
        return str(created.id)

    async def new_appointment(self, caller: Caller = OFFICER, day: int = 22) -> apb.Appointment:
        client_id = await self.new_client(caller)
        return await self.appointments.CreateAppointment(
            apb.CreateAppointmentRequest(
                client_id=client_id,
                appointment=apb.AppointmentInput(
                    kind=apb.APPOINTMENT_KIND_APPOINTMENT,
                    title="Alkukartoitus",
                    location="Toinen linja 4",
                    start=f"2026-10-{day}T10:00",
                    end=f"2026-10-{day}T11:30",
                    assignees=[
                        apb.Assignee(
                            kind=apb.ASSIGNEE_KIND_MUNICIPAL_STAFF, subject=caller.subject
                        ),
                        apb.Assignee(kind=apb.ASSIGNEE_KIND_CLIENT),
                    ],
                ),
            ),
            metadata=self.md(caller),
        )

    async def book(
        self, appointment_id: str, caller: Caller = OFFICER, key: str = "", **fields: Any
    ) -> pb.Booking:
        values: dict[str, Any] = {
            "appointment_id": appointment_id,
            "language": "ar",
            "dialect": "Iraqi",
            "mode": pb.INTERPRETATION_MODE_ON_SITE,
            "provider_organisation": "tulkkaus",
        }
        values.update(fields)
        return await self.stub.CreateBooking(
            pb.CreateBookingRequest(booking=pb.Booking(**values), idempotency_key=key),
            metadata=self.md(caller),
        )

    async def bookings(self, caller: Caller = OFFICER, **criteria: Any) -> list[pb.Booking]:
        found = await self.stub.ListBookings(
            pb.ListBookingsRequest(**criteria), metadata=self.md(caller)
        )
        return list(found.bookings)

    async def get(self, booking_id: str, caller: Caller = OFFICER) -> pb.Booking:
        return await self.stub.GetBooking(
            pb.GetBookingRequest(booking_id=booking_id), metadata=self.md(caller)
        )

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        database = self.hosts[-1].database
        assert database is not None
        async with database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [audit_pb2.AuditEvent.FromString(bytes(r.payload)) for r in rows]

    async def stop(self) -> None:
        for channel in self.channels:
            await channel.close()
        for host in reversed(self.hosts):
            await host.stop(0)


async def start_system(keys: testing.TestKeys, urls: dict[str, str], clock: Clock) -> System:
    hosts: list[ServiceHost] = []
    try:
        clients = ServiceHost(
            CLIENTS_DEFINITION,
            ClientsSettings(database_url=urls["clients"], **_settings(keys)),
            verifier=keys.verifier(),
        )
        hosts.append(clients)
        clients_port = await clients.start()
        appointments = ServiceHost(
            APPOINTMENTS_DEFINITION,
            AppointmentsSettings(
                database_url=urls["appointments"],
                clients_address=f"127.0.0.1:{clients_port}",
                messaging_address=UNREACHABLE,
                **_settings(keys),
            ),
            verifier=keys.verifier(),
            run_background=False,
        )
        hosts.append(appointments)
        appointments_port = await appointments.start()
        host = ServiceHost(
            DEFINITION,
            InterpretationSettings(
                database_url=urls["interpretation"],
                appointments_address=f"127.0.0.1:{appointments_port}",
                clients_address=f"127.0.0.1:{clients_port}",
                **_settings(keys),
            ),
            clock=clock,
            verifier=keys.verifier(),
        )
        hosts.append(host)
        port = await host.start()
    except BaseException:
        for started in reversed(hosts):
            await started.stop(0)
        raise
    channels = [
        grpc.aio.insecure_channel(f"127.0.0.1:{p}") for p in (port, appointments_port, clients_port)
    ]
    return System(
        keys,
        hosts,
        channels,
        interpretation_pb2_grpc.InterpretationServiceStub(channels[0]),  # type: ignore[arg-type]
        appointments_pb2_grpc.AppointmentsServiceStub(channels[1]),  # type: ignore[arg-type]
        clients_pb2_grpc.ClientsServiceStub(channels[2]),  # type: ignore[arg-type]
        clock,
    )
