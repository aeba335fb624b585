"""Shared helpers of the appointments service's integration tests: callers, a settable clock, the
real clients and appointments services, a messaging service that records what it is asked (a
real gRPC server speaking the messaging contract), and typed shortcuts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask

from kotopolku.appointments.reminder_relay import ReminderRelay
from kotopolku.appointments.service import DEFINITION, REMINDER_RELAY, AppointmentsSettings
from kotopolku.appointments.tables import audit_outbox
from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.appointments.v1 import appointments_pb2_grpc
from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.service import ClientsSettings
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.messaging.v1 import messaging_pb2, messaging_pb2_grpc

PURPOSE = "integration-services"
UNREACHABLE = "127.0.0.1:1"
# Tuesday 20 October 2026, 12:00 in Helsinki (summer time, +03:00).
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
HETU = "010190-999W"


def staff(subject: str, role: str = Role.MUNICIPAL_OFFICER, municipality: str = "091") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


OFFICER = staff("11111111-1111-4111-8111-111111111111")
COLLEAGUE = staff("22222222-2222-4222-8222-222222222222")
MANAGER = staff("33333333-3333-4333-8333-333333333333", Role.MANAGER)
OFFICER_837 = staff("44444444-4444-4444-8444-444444444444", municipality="837")
WELFARE = Caller(
    subject="55555555-5555-4555-8555-555555555555",
    roles=frozenset({Role.WELFARE_AREA_WORKER}),
    purpose="welfare-cooperation",
    welfare_area="pirkanmaa",
)
OTHER_WELFARE = Caller(
    subject="66666666-6666-4666-8666-666666666666",
    roles=frozenset({Role.WELFARE_AREA_WORKER}),
    purpose="welfare-cooperation",
    welfare_area="pirkanmaa",
)
INTERPRETER = Caller(
    subject="77777777-7777-4777-8777-777777777777",
    roles=frozenset({Role.INTERPRETER}),
    purpose="interpretation",
    municipality="091",
    organisation="tulkkaus",
)
CLIENT_USER = Caller(
    subject="88888888-8888-4888-8888-888888888888",
    roles=frozenset({Role.CLIENT}),
    purpose="self-service",
    henkilotunnus=HETU,
)
AUDITOR = staff("99999999-9999-4999-8999-999999999999", Role.AUDITOR)
FEED = Caller(subject="calendar-feed", roles=frozenset({"calendar-feed"}), purpose="self-service")


def person(
    caller: Caller, kind: int = pb.ASSIGNEE_KIND_MUNICIPAL_STAFF, **fields: Any
) -> pb.Assignee:
    organisation = {
        pb.ASSIGNEE_KIND_WELFARE_AREA_STAFF: caller.welfare_area or "",
        pb.ASSIGNEE_KIND_INTERPRETER: caller.organisation or "",
        pb.ASSIGNEE_KIND_PROVIDER_STAFF: caller.organisation or "",
    }.get(kind, "")
    values = {"kind": kind, "subject": caller.subject, "organisation": organisation}
    values.update(fields)
    return pb.Assignee(**values)


THE_CLIENT = pb.Assignee(kind=pb.ASSIGNEE_KIND_CLIENT, display_name="Asiakas")


def appointment(**fields: Any) -> pb.AppointmentInput:
    """A one-hour meeting of OFFICER and the client on Thursday 22 October 2026 at 10:00."""
    values: dict[str, Any] = {
        "kind": pb.APPOINTMENT_KIND_APPOINTMENT,
        "title": "Alkukartoitus",
        "description": "Tulkki paikalla",
        "location": "Toinen linja 4, Helsinki",
        "start": "2026-10-22T10:00",
        "end": "2026-10-22T11:00",
        "assignees": [person(OFFICER, display_name="Outi Ohjaaja"), THE_CLIENT],
        "team": "kotoutuminen-ita",
    }
    values.update(fields)
    return pb.AppointmentInput(**values)


def mask(*paths: str) -> FieldMask:
    return FieldMask(paths=list(paths))


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


@dataclass
class FakeMessaging(messaging_pb2_grpc.MessagingServiceServicer):
    """The messaging contract on a real gRPC server: deduplicates by idempotency key like the
    real service, records every call, and fails the next ``failures`` calls on request."""

    sent: list[messaging_pb2.SendNotificationRequest] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)
    callers: list[str] = field(default_factory=list)
    failures: int = 0
    failure_code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    # Accept the call but fail the answer, as if the connection broke after the work was done.
    lose_answers: int = 0

    async def SendNotification(
        self, request: messaging_pb2.SendNotificationRequest, context: Any
    ) -> messaging_pb2.Notification:
        self.callers.append(str(dict(context.invocation_metadata() or ()).get(METADATA_KEY, "")))
        if self.failures > 0:
            self.failures -= 1
            await context.abort(self.failure_code, "not now")
        self.sent.append(request)
        notification_id = self.by_key.setdefault(
            request.idempotency_key, f"n-{len(self.by_key) + 1}"
        )
        if self.lose_answers > 0:
            self.lose_answers -= 1
            await context.abort(grpc.StatusCode.INTERNAL, "connection lost")
        return messaging_pb2.Notification(
            id=notification_id, client_id=request.client_id, send_at=request.send_at
        )

    async def CancelNotification(
        self, request: messaging_pb2.CancelNotificationRequest, context: Any
    ) -> messaging_pb2.Notification:
        self.cancelled.append(request.notification_id)
        return messaging_pb2.Notification(id=request.notification_id)

    @property
    def distinct_keys(self) -> set[str]:
        return {r.idempotency_key for r in self.sent}


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
    stub: appointments_pb2_grpc.AppointmentsServiceAsyncStub
    clients: clients_pb2_grpc.ClientsServiceAsyncStub
    messaging: FakeMessaging
    messaging_server: grpc.aio.Server
    clock: Clock

    @property
    def host(self) -> ServiceHost:
        return self.hosts[-1]

    @property
    def relay(self) -> ReminderRelay:
        runtime = self.host._runtime
        assert runtime is not None
        relay: ReminderRelay = runtime.extras[REMINDER_RELAY]
        return relay

    def md(self, caller: Caller) -> tuple[tuple[str, str], ...]:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def new_client(self, caller: Caller = OFFICER, hetu: str = "") -> str:
        created = await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina",
                    last_name="Hassan",
                    date_of_birth="1990-01-01",
                    henkilotunnus=hetu,
                    languages=["so", "fi"],
                )
            ),
            metadata=self.md(caller),
        )
        return str(created.id)

    async def create(
        self,
        client_id: str,
        content: pb.AppointmentInput | None = None,
        caller: Caller = OFFICER,
        *,
        key: str = "",
        allow_conflicts: bool = False,
    ) -> pb.Appointment:
        return await self.stub.CreateAppointment(
            pb.CreateAppointmentRequest(
                client_id=client_id,
                appointment=content or appointment(),
                idempotency_key=key,
                allow_conflicts=allow_conflicts,
            ),
            metadata=self.md(caller),
        )

    async def get(self, appointment_id: str, caller: Caller = OFFICER) -> pb.Appointment:
        return await self.stub.GetAppointment(
            pb.GetAppointmentRequest(appointment_id=appointment_id), metadata=self.md(caller)
        )

    async def update(
        self,
        current: pb.Appointment,
        content: pb.AppointmentInput,
        *paths: str,
        caller: Caller = OFFICER,
        allow_conflicts: bool = False,
        version: int | None = None,
    ) -> pb.Appointment:
        return await self.stub.UpdateAppointment(
            pb.UpdateAppointmentRequest(
                appointment_id=current.id,
                appointment=content,
                update_mask=mask(*paths),
                expected_version=current.version if version is None else version,
                allow_conflicts=allow_conflicts,
            ),
            metadata=self.md(caller),
        )

    async def cancel(
        self, current: pb.Appointment, reason: str = "Asiakas sairastui", caller: Caller = OFFICER
    ) -> pb.Appointment:
        return await self.stub.CancelAppointment(
            pb.CancelAppointmentRequest(
                appointment_id=current.id, reason=reason, expected_version=current.version
            ),
            metadata=self.md(caller),
        )

    async def delete(
        self, current: pb.Appointment, reason: str = "Väärä asiakas", caller: Caller = OFFICER
    ) -> None:
        await self.stub.DeleteAppointment(
            pb.DeleteAppointmentRequest(
                appointment_id=current.id, reason=reason, expected_version=current.version
            ),
            metadata=self.md(caller),
        )

    async def history(self, appointment_id: str, caller: Caller = OFFICER) -> list[pb.HistoryEntry]:
        found = await self.stub.ListAppointmentHistory(
            pb.ListAppointmentHistoryRequest(appointment_id=appointment_id),
            metadata=self.md(caller),
        )
        return list(found.entries)

    async def calendar(
        self,
        caller: Caller = OFFICER,
        start: str = "2026-10-19",
        end: str = "2026-10-26",
        **which: Any,
    ) -> pb.ListAppointmentsResponse:
        return await self.stub.QueryCalendar(
            pb.QueryCalendarRequest(period=pb.Period(**{"from": start, "to": end}), **which),
            metadata=self.md(caller),
        )

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [audit_pb2.AuditEvent.FromString(bytes(row.payload)) for row in rows]

    async def rows(self, table: sa.Table) -> list[Any]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(sa.select(table))).all())

    async def stop(self) -> None:
        for channel in self.channels:
            await channel.close()
        for host in reversed(self.hosts):
            await host.stop(0)
        await self.messaging_server.stop(0)


async def start_system(
    keys: testing.TestKeys, database_url: str, clients_database_url: str, clock: Clock
) -> System:
    messaging = FakeMessaging()
    messaging_server = grpc.aio.server()
    messaging_pb2_grpc.add_MessagingServiceServicer_to_server(messaging, messaging_server)
    messaging_port = messaging_server.add_insecure_port("127.0.0.1:0")
    await messaging_server.start()
    clients_host = ServiceHost(
        CLIENTS_DEFINITION,
        ClientsSettings(database_url=clients_database_url, **_settings(keys)),
        verifier=keys.verifier(),
    )
    clients_port = await clients_host.start()
    host = ServiceHost(
        DEFINITION,
        AppointmentsSettings(
            database_url=database_url,
            clients_address=f"127.0.0.1:{clients_port}",
            messaging_address=f"127.0.0.1:{messaging_port}",
            **_settings(keys),
        ),
        clock=clock,
        verifier=keys.verifier(),
        # The reminder relay is driven step by step by the tests.
        run_background=False,
    )
    try:
        port = await host.start()
    except BaseException:
        await clients_host.stop(0)
        await messaging_server.stop(0)
        raise
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    clients_channel = grpc.aio.insecure_channel(f"127.0.0.1:{clients_port}")
    return System(
        keys,
        [clients_host, host],
        [channel, clients_channel],
        appointments_pb2_grpc.AppointmentsServiceStub(channel),  # type: ignore[arg-type]
        clients_pb2_grpc.ClientsServiceStub(clients_channel),  # type: ignore[arg-type]
        messaging,
        messaging_server,
        clock,
    )


async def gather(*calls: Awaitable[Any]) -> list[Any]:
    return list(await asyncio.gather(*calls, return_exceptions=True))
