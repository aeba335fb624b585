"""Shared helpers of the e-signature integration tests: callers, a running e-signature service
beside the real clients and plans services, a small real messaging server that records what it
is sent, and shortcuts.

The e-signature service runs on the database under test (SQLite and PostgreSQL); the clients
and plans services on SQLite files of their own. The plans service answers RecordSignedApproval
for real, so "the plan becomes ACTIVE" is checked where it happens.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.esign.deliveries import DeliveryRelay
from kotopolku.esign.service import DEFINITION, DELIVERY_RELAY
from kotopolku.esign.v1 import esign_pb2 as pb
from kotopolku.esign.v1 import esign_pb2_grpc
from kotopolku.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from kotopolku.plans.service import DEFINITION as PLANS
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc

PURPOSE = "integration-services"
STRONG = "http://ftn.ficora.fi/2017/loa3"
Metadata = tuple[tuple[str, str], ...]


def staff(subject: str, role: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


OFFICER = staff("officer-091", Role.MUNICIPAL_OFFICER)
OTHER_OFFICER = staff("officer2-091", Role.MUNICIPAL_OFFICER)
EMPLOYMENT_OFFICER = staff("employment-091", Role.EMPLOYMENT_OFFICER)
MANAGER = staff("manager-091", Role.MANAGER)
ARCHIVIST = staff("archivist-091", Role.ARCHIVIST)
AUDITOR = staff("auditor-091", Role.AUDITOR)
OFFICER_837 = staff("officer-837", Role.MUNICIPAL_OFFICER, "837")
REFERRER = Caller("migri", frozenset({Role.REFERRER}), "referral", organisation="migri")
WELFARE_WORKER = Caller(
    "welfare-1",
    frozenset({Role.WELFARE_AREA_WORKER}),
    "welfare-cooperation",
    welfare_area="pirkanmaa",
)
OTHER_WELFARE_WORKER = Caller(
    "welfare-2",
    frozenset({Role.WELFARE_AREA_WORKER}),
    "welfare-cooperation",
    welfare_area="vantaa-kerava",
)


def signed_in(caller: Caller, *, acr: str = STRONG, ago: float = 60.0) -> Caller:
    """``caller`` as the token of a recent login says: with its acr and auth_time."""
    return Caller(
        caller.subject,
        caller.roles,
        caller.purpose,
        caller.municipality,
        caller.welfare_area,
        caller.organisation,
        caller.henkilotunnus,
        acr=acr,
        auth_time=int(time.time() - ago),
    )


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


def fields_of(error: RemoteError) -> list[str]:
    return [v.field for v in error.violations]


@dataclass
class Clock:
    """The e-signature service's clock: real time, moved on by the tests for deadlines."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)

    def today(self) -> date:
        from kotopolku.common.localtime import finnish_date

        return finnish_date(self())


class RecordingMessaging(messaging_pb2_grpc.MessagingServiceServicer):
    """A real gRPC messaging server that records SendNotification calls."""

    def __init__(self) -> None:
        self.requests: list[messaging_pb2.SendNotificationRequest] = []
        self.assertions: list[str] = []
        self.fail_with: grpc.StatusCode | None = None

    async def SendNotification(
        self, request: messaging_pb2.SendNotificationRequest, context: Any
    ) -> messaging_pb2.Notification:
        metadata = dict(context.invocation_metadata())
        self.assertions.append(str(metadata.get(METADATA_KEY, "")))
        if self.fail_with is not None:
            await context.abort(self.fail_with, "not now")
        self.requests.append(request)
        return messaging_pb2.Notification(id=str(uuid.uuid4()), client_id=request.client_id)


_BIRTH_DAYS = itertools.count()


@dataclass
class Esign:
    keys: testing.TestKeys
    host: ServiceHost
    world: World
    clock: Clock
    signing_dir: Path
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    @property
    def messaging(self) -> RecordingMessaging:
        return self.world.messaging

    @property
    def stub(self) -> esign_pb2_grpc.EsignServiceAsyncStub:
        return esign_pb2_grpc.EsignServiceStub(self.channels[0])  # type: ignore[return-value]

    @property
    def plans(self) -> plans_pb2_grpc.PlansServiceAsyncStub:
        return plans_pb2_grpc.PlansServiceStub(self.channels[1])  # type: ignore[return-value]

    @property
    def clients(self) -> clients_pb2_grpc.ClientsServiceAsyncStub:
        return clients_pb2_grpc.ClientsServiceStub(self.channels[2])  # type: ignore[return-value]

    @property
    def relay(self) -> DeliveryRelay:
        runtime = self.host._runtime
        assert runtime is not None
        relay: DeliveryRelay = runtime.extras[DELIVERY_RELAY]
        return relay

    async def new_client(
        self, languages: tuple[str, ...] = ("ar", "fi"), caller: Caller = OFFICER
    ) -> tuple[str, Caller]:
        """A client of the caller's municipality, and the client user who is that client,
        signed in strongly a minute ago."""
        born = date(1980, 1, 1) + timedelta(days=next(_BIRTH_DAYS))
        code = testing.temporary_henkilotunnus(born, 960)
        created = await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina",
                    last_name="Hassan",
                    date_of_birth=born.isoformat(),
                    henkilotunnus=code,
                    languages=list(languages),
                )
            ),
            metadata=self.md(caller),
        )
        user = Caller(
            subject=f"client-{created.id}",
            roles=frozenset({Role.CLIENT}),
            purpose="self-service",
            henkilotunnus=code,
        )
        return created.id, signed_in(user)

    async def submitted_plan(
        self,
        client_id: str,
        *,
        kind: int = plans_pb2.PLAN_KIND_INDIVIDUAL,
        caller: Caller = OFFICER,
        submit: bool = True,
        **fields: Any,
    ) -> plans_pb2.Plan:
        """A plan of the client awaiting approval (or a draft, with ``submit=False``)."""
        today = date.today()
        values: dict[str, Any] = {
            "client_id": client_id,
            "kind": kind,
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=300)).isoformat(),
            "goals": [
                plans_pb2.Goal(
                    category=plans_pb2.GOAL_CATEGORY_EMPLOYMENT_OR_ENTREPRENEURSHIP,
                    text="Työ logistiikka-alalla; suomen kielen taso B1.",
                )
            ],
            "services": [
                plans_pb2.PlanService(
                    other_service="Kotoutumiskoulutus, aamuryhmä",
                    planned_start=today.isoformat(),
                    planned_end=(today + timedelta(days=120)).isoformat(),
                )
            ],
        }
        if kind == plans_pb2.PLAN_KIND_MULTI_SECTOR:
            values["welfare_area"] = "pirkanmaa"
        values.update(fields)
        created = await self.plans.CreatePlan(
            plans_pb2.CreatePlanRequest(plan=plans_pb2.Plan(**values)), metadata=self.md(caller)
        )
        if not submit:
            return created
        return await self.plans.SubmitPlan(
            plans_pb2.SubmitPlanRequest(plan_id=created.id, expected_version=created.version),
            metadata=self.md(caller),
        )

    async def plan(self, plan_id: str) -> plans_pb2.Plan:
        return await self.plans.GetPlan(
            plans_pb2.GetPlanRequest(plan_id=plan_id), metadata=self.md(OFFICER)
        )

    async def create(
        self, plan_id: str, caller: Caller = OFFICER, **fields: Any
    ) -> pb.SigningRequest:
        return await self.stub.CreateSigningRequest(
            pb.CreateSigningRequestRequest(plan_id=plan_id, **fields), metadata=self.md(caller)
        )

    async def get(self, request_id: str, caller: Caller = OFFICER) -> pb.SigningRequest:
        return await self.stub.GetSigningRequest(
            pb.GetSigningRequestRequest(signing_request_id=request_id), metadata=self.md(caller)
        )

    async def sign(self, found: pb.SigningRequest, caller: Caller) -> pb.SigningRequest:
        return await self.stub.SignDocument(
            pb.SignDocumentRequest(signing_request_id=found.id, expected_version=found.version),
            metadata=self.md(caller),
        )

    async def document(self, request_id: str, caller: Caller = OFFICER) -> pb.Document:
        return await self.stub.GetDocument(
            pb.GetDocumentRequest(signing_request_id=request_id), metadata=self.md(caller)
        )

    async def verify(self, content: bytes, caller: Caller = OFFICER) -> pb.DocumentVerification:
        return await self.stub.VerifyDocument(
            pb.VerifyDocumentRequest(content=content), metadata=self.md(caller)
        )

    async def count(self, table: sa.Table) -> int:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

    async def stop(self) -> None:
        for channel in self.channels:
            await channel.close()
        await self.host.stop(0)


@dataclass
class World:
    """The clients and plans services and the messaging recorder, shared by a session's tests
    (each test makes its own clients and plans)."""

    clients_host: ServiceHost
    plans_host: ServiceHost
    messaging_server: grpc.aio.Server
    messaging: RecordingMessaging
    messaging_port: int

    async def stop(self) -> None:
        await self.plans_host.stop(0)
        await self.clients_host.stop(0)
        await self.messaging_server.stop(0)


async def start_world(keys: testing.TestKeys, directory: Path) -> World:
    clients_host = await testing.start_host(
        CLIENTS, keys, database_url=f"sqlite:///{directory / 'clients.db'}"
    )
    plans_host = await testing.start_host(
        PLANS,
        keys,
        database_url=f"sqlite:///{directory / 'plans.db'}",
        clients_address=f"127.0.0.1:{clients_host.port}",
        programme_address=testing.UNREACHABLE,
    )
    messaging = RecordingMessaging()
    messaging_server = grpc.aio.server()
    messaging_pb2_grpc.add_MessagingServiceServicer_to_server(messaging, messaging_server)
    messaging_port = messaging_server.add_insecure_port("127.0.0.1:0")
    await messaging_server.start()
    return World(clients_host, plans_host, messaging_server, messaging, messaging_port)


async def start_esign(
    keys: testing.TestKeys,
    database_url: str,
    world: World,
    signing_dir: Path,
    **settings: Any,
) -> Esign:
    messaging = world.messaging
    messaging.requests.clear()
    messaging.assertions.clear()
    messaging.fail_with = None
    clock = Clock()
    host = await testing.start_host(
        DEFINITION,
        keys,
        clock=clock,
        run_background=False,
        database_url=database_url,
        plans_address=f"127.0.0.1:{world.plans_host.port}",
        clients_address=f"127.0.0.1:{world.clients_host.port}",
        programme_address=testing.UNREACHABLE,
        messaging_address=f"127.0.0.1:{world.messaging_port}",
        signing_dir=signing_dir,
        **settings,
    )
    channels = [
        grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        for port in (host.port, world.plans_host.port, world.clients_host.port)
    ]
    return Esign(keys, host, world, clock, signing_dir, channels)
