"""Shared helpers of the programme service's integration tests: callers, a settable clock, a
running service with typed shortcuts, and valid sample data computed independently of the
service.

Enrolments are made from integration plans, so the programme service runs beside the real
clients and plans services (:class:`PlanWorld`, on SQLite files of their own): a test that
enrols a client first gets a real ACTIVE plan agreeing on that programme service.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.plans.service import DEFINITION as PLANS
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.programme.service import DEFINITION
from kotopolku.programme.tables import audit_outbox
from kotopolku.programme.v1 import programme_pb2 as pb
from kotopolku.programme.v1 import programme_pb2_grpc

PURPOSE = "integration-services"
# 10:00 in Helsinki on Monday 2 March 2026.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
Metadata = tuple[tuple[str, str], ...]


def staff(subject: str, role: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


def provider_user(organisation: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=f"user-{organisation}-{municipality}",
        roles=frozenset({Role.SERVICE_PROVIDER}),
        purpose=PURPOSE,
        municipality=municipality,
        organisation=organisation,
    )


OFFICER = staff("officer-091", Role.MUNICIPAL_OFFICER)
EMPLOYMENT_OFFICER = staff("employment-091", Role.EMPLOYMENT_OFFICER)
MANAGER = staff("manager-091", Role.MANAGER)
OFFICER_837 = staff("officer-837", Role.MUNICIPAL_OFFICER, "837")
OPISTO = provider_user("opisto")
KANSALAISOPISTO = provider_user("kansalaisopisto")
OPISTO_837 = provider_user("opisto", "837")
CLIENT_USER = Caller(
    subject="client-1", roles=frozenset({Role.CLIENT}), purpose=PURPOSE, henkilotunnus="010190-999W"
)
WELFARE_WORKER = Caller(
    subject="welfare-1",
    roles=frozenset({Role.WELFARE_AREA_WORKER}),
    purpose=PURPOSE,
    municipality="091",
    welfare_area="HEL",
)


def business_id(seven: int) -> str:
    """A valid Y-tunnus from seven digits (the next number whose check digit exists)."""
    weights = (7, 9, 10, 5, 8, 4, 2)
    number = seven
    while True:
        digits = f"{number:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        number += 1


def provider(provider_id: str = "opisto", seven: int = 1234567, **fields: Any) -> pb.Provider:
    fields.setdefault(
        "contacts",
        [
            pb.ProviderContact(
                name="Outi Opettaja", email="outi@opisto.example.fi", phone="040 1234567"
            )
        ],
    )
    return pb.Provider(
        id=provider_id, name=f"{provider_id.title()} Oy", business_id=business_id(seven), **fields
    )


def service(**fields: Any) -> pb.CatalogueService:
    """A valid integration training of "opisto", with three intakes in 2026."""
    values: dict[str, Any] = {
        "type": pb.SERVICE_TYPE_INTEGRATION_TRAINING,
        "name": "Kotoutumiskoulutus, aamuryhmä",
        "description": "Suomen kieli ja yhteiskuntataidot",
        "provider_id": "opisto",
        "languages": ["fi"],
        "location": "Opistotie 1, Helsinki",
        "remote": False,
        "capacity": 3,
        "schedule": "ma–to 9–13",
        "intake_dates": ["2026-03-02", "2026-04-06", "2026-08-10"],
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    values.update(fields)
    return pb.CatalogueService(**values)


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
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# Every client of a session gets a birth date of its own, so identity codes never collide.
_BIRTH_DAYS = itertools.count()


@dataclass(frozen=True)
class Planned:
    """An ACTIVE plan of a client and the ids of its agreed services, in the order given."""

    plan_id: str
    plan_service_ids: tuple[str, ...]
    client_id: str


@dataclass
class PlanWorld:
    """The real clients and plans services that enrolments are made from."""

    keys: testing.TestKeys
    clients_host: ServiceHost
    plans_host: ServiceHost
    channels: list[grpc.aio.Channel]
    # How the plans service was started, to start it again on the same port and database.
    plans_start: dict[str, Any] = field(default_factory=dict)

    async def stop_plans(self) -> None:
        await self.plans_host.stop(0)

    async def restart_plans(self) -> None:
        self.plans_host = await testing.start_host(
            PLANS, self.keys, grpc_port=self.plans_host.port, **self.plans_start
        )

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    @property
    def plans(self) -> plans_pb2_grpc.PlansServiceAsyncStub:
        return plans_pb2_grpc.PlansServiceStub(self.channels[0])  # type: ignore[return-value]

    @property
    def clients(self) -> clients_pb2_grpc.ClientsServiceAsyncStub:
        return clients_pb2_grpc.ClientsServiceStub(self.channels[1])  # type: ignore[return-value]

    async def new_client(self) -> tuple[str, Caller]:
        """A client of Helsinki, and the client user who is that client."""
        born = date(1970, 1, 1) + timedelta(days=next(_BIRTH_DAYS))
        code = testing.temporary_henkilotunnus(born, 950)
        created = await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina",
                    last_name="Osallistuja",
                    date_of_birth=born.isoformat(),
                    henkilotunnus=code,
                )
            ),
            metadata=self.md(OFFICER),
        )
        user = Caller(
            subject=f"client-{created.id}",
            roles=frozenset({Role.CLIENT}),
            purpose="self-service",
            henkilotunnus=code,
        )
        return created.id, user

    async def active_plan(self, service_ids: Sequence[str], start: date) -> Planned:
        """An individual plan agreeing on the given programme services, approved by the
        officer and the client."""
        client_id, user = await self.new_client()
        end = (start + timedelta(days=300)).isoformat()
        created = await self.plans.CreatePlan(
            plans_pb2.CreatePlanRequest(
                plan=plans_pb2.Plan(
                    client_id=client_id,
                    kind=plans_pb2.PLAN_KIND_INDIVIDUAL,
                    start_date=start.isoformat(),
                    end_date=end,
                    goals=[
                        plans_pb2.Goal(
                            category=plans_pb2.GOAL_CATEGORY_INTEGRATION,
                            text="Suomen kielen taso A2",
                        )
                    ],
                    services=[
                        plans_pb2.PlanService(
                            programme_service_id=service_id,
                            planned_start=start.isoformat(),
                            planned_end=end,
                        )
                        for service_id in service_ids
                    ],
                )
            ),
            metadata=self.md(OFFICER),
        )
        plan = await self.plans.SubmitPlan(
            plans_pb2.SubmitPlanRequest(plan_id=created.id, expected_version=created.version),
            metadata=self.md(OFFICER),
        )
        for approver in (OFFICER, user):
            plan = await self.plans.ApprovePlan(
                plans_pb2.ApprovePlanRequest(plan_id=plan.id, expected_version=plan.version),
                metadata=self.md(approver),
            )
        assert plan.status == plans_pb2.PLAN_STATUS_ACTIVE
        return Planned(plan.id, tuple(s.id for s in plan.services), client_id)

    async def plan(self, plan_id: str) -> plans_pb2.Plan:
        return await self.plans.GetPlan(
            plans_pb2.GetPlanRequest(plan_id=plan_id), metadata=self.md(OFFICER)
        )

    async def stop(self) -> None:
        for channel in self.channels:
            await channel.close()
        await self.plans_host.stop(0)
        await self.clients_host.stop(0)


async def start_plan_world(
    keys: testing.TestKeys, directory: Path, clock: Any, programme_port: int
) -> PlanWorld:
    clients_host = await testing.start_host(
        CLIENTS, keys, database_url=f"sqlite:///{directory / 'clients.db'}"
    )
    plans_start: dict[str, Any] = {
        "clock": clock,
        "database_url": f"sqlite:///{directory / 'plans.db'}",
        "clients_address": f"127.0.0.1:{clients_host.port}",
        "programme_address": f"127.0.0.1:{programme_port}",
    }
    plans_host = await testing.start_host(PLANS, keys, **plans_start)
    channels = [
        grpc.aio.insecure_channel(f"127.0.0.1:{plans_host.port}"),
        grpc.aio.insecure_channel(f"127.0.0.1:{clients_host.port}"),
    ]
    return PlanWorld(keys, clients_host, plans_host, channels, plans_start)


@dataclass
class Programme:
    """A running programme service with the plans it enrols from, a channel to it, and
    shortcuts for the tests."""

    keys: testing.TestKeys
    host: ServiceHost
    channel: grpc.aio.Channel
    stub: programme_pb2_grpc.ProgrammeServiceAsyncStub
    clock: Clock
    world: PlanWorld
    counter: list[int] = field(default_factory=lambda: [0])

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def create_provider(
        self, message: pb.Provider | None = None, caller: Caller = OFFICER, key: str = ""
    ) -> pb.Provider:
        return await self.stub.CreateProvider(
            pb.CreateProviderRequest(provider=message or provider(), idempotency_key=key),
            metadata=self.md(caller),
        )

    async def create_service(
        self, message: pb.CatalogueService | None = None, caller: Caller = OFFICER, key: str = ""
    ) -> pb.CatalogueService:
        return await self.stub.CreateCatalogueService(
            pb.CreateCatalogueServiceRequest(service=message or service(), idempotency_key=key),
            metadata=self.md(caller),
        )

    async def get_service(self, service_id: str, caller: Caller = OFFICER) -> pb.CatalogueService:
        return await self.stub.GetCatalogueService(
            pb.GetCatalogueServiceRequest(service_id=service_id), metadata=self.md(caller)
        )

    async def search(
        self, caller: Caller = OFFICER, **criteria: Any
    ) -> pb.SearchCatalogueServicesResponse:
        return await self.stub.SearchCatalogueServices(
            pb.SearchCatalogueServicesRequest(**criteria), metadata=self.md(caller)
        )

    async def enrolment_request(
        self, service_id: str, planned: Planned | None = None, index: int = 0, **fields: Any
    ) -> pb.CreateEnrolmentRequest:
        """A request for an agreed service of ``planned``; without it (and without a plan_id in
        ``fields``) a new client gets an ACTIVE plan agreeing on ``service_id`` first."""
        self.counter[0] += 1
        n = self.counter[0]
        values: dict[str, Any] = {
            "programme_service_id": service_id,
            "participant_display_name": f"Osallistuja {n}",
            "start_date": "2026-03-02",
        }
        if "plan_id" not in fields:
            planned = planned or await self.world.active_plan([service_id], self.clock().date())
            values.update(
                plan_id=planned.plan_id,
                plan_service_id=planned.plan_service_ids[index],
                client_id=planned.client_id,
            )
        values.update(fields)
        return pb.CreateEnrolmentRequest(**values)

    async def enrol(
        self,
        service_id: str,
        caller: Caller = OFFICER,
        planned: Planned | None = None,
        index: int = 0,
        **fields: Any,
    ) -> pb.Enrolment:
        request = await self.enrolment_request(service_id, planned, index, **fields)
        return await self.stub.CreateEnrolment(request, metadata=self.md(caller))

    async def get_enrolment(self, enrolment_id: str, caller: Caller = OFFICER) -> pb.Enrolment:
        return await self.stub.GetEnrolment(
            pb.GetEnrolmentRequest(enrolment_id=enrolment_id), metadata=self.md(caller)
        )

    async def list_enrolments(
        self, caller: Caller = OFFICER, **criteria: Any
    ) -> pb.ListEnrolmentsResponse:
        return await self.stub.ListEnrolments(
            pb.ListEnrolmentsRequest(**criteria), metadata=self.md(caller)
        )

    async def attend(
        self, enrolment_id: str, day: str, present: bool = True, caller: Caller = OPISTO
    ) -> pb.AttendanceRecord:
        mark = pb.ATTENDANCE_MARK_PRESENT if present else pb.ATTENDANCE_MARK_ABSENT
        return await self.stub.RecordAttendance(
            pb.RecordAttendanceRequest(enrolment_id=enrolment_id, date=day, mark=mark),
            metadata=self.md(caller),
        )

    async def interrupt(
        self, enrolment: pb.Enrolment, interruption: pb.Interruption, caller: Caller = OPISTO
    ) -> pb.Enrolment:
        return await self.stub.RecordInterruption(
            pb.RecordInterruptionRequest(
                enrolment_id=enrolment.id,
                interruption=interruption,
                expected_version=enrolment.version,
            ),
            metadata=self.md(caller),
        )

    async def complete(
        self, enrolment: pb.Enrolment, completion: pb.Completion, caller: Caller = OPISTO
    ) -> pb.Enrolment:
        return await self.stub.RecordCompletion(
            pb.RecordCompletionRequest(
                enrolment_id=enrolment.id, completion=completion, expected_version=enrolment.version
            ),
            metadata=self.md(caller),
        )

    async def count(self, table: sa.Table) -> int:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

    async def rows(self, table: sa.Table) -> list[Any]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(sa.select(table))).all())

    async def outbox_payloads(self) -> list[bytes]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [bytes(row.payload) for row in rows]

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        return [audit_pb2.AuditEvent.FromString(p) for p in await self.outbox_payloads()]

    async def clear_audit(self) -> None:
        assert self.host.database is not None
        async with self.host.database.transaction() as connection:
            await connection.execute(sa.delete(audit_outbox))

    async def stop(self) -> None:
        try:
            await self.host.stop(0)
        finally:
            await self.channel.close()
            await self.world.stop()


async def start_programme(
    keys: testing.TestKeys, database_url: str, clock: Clock, directory: Path
) -> Programme:
    """The programme service on the database under test, with the plans and clients services
    on SQLite files in ``directory``."""
    # The two services call each other: the programme service's port is chosen first.
    port = testing.free_port()
    world = await start_plan_world(keys, directory, clock, port)
    host = await testing.start_host(
        DEFINITION,
        keys,
        clock=clock,
        # The outcome relay is driven step by step by the tests that need it.
        run_background=False,
        database_url=database_url,
        grpc_port=port,
        plans_address=f"127.0.0.1:{world.plans_host.port}",
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = programme_pb2_grpc.ProgrammeServiceStub(channel)
    return Programme(keys, host, channel, stub, clock, world)  # type: ignore[arg-type]
