"""The running plans service for integration tests, with the services it asks.

:func:`start_clients` starts the real clients service once per session on a SQLite file of
its own; :func:`start_stack` starts, per test, the real plans service on the database under test
and points it at that clients service. Both run in this process on ephemeral ports with
:class:`ServiceHost`: real migrations, interceptors, identity verification and audit outbox. The
programme service is replaced by a small stand-in serving ``GetCatalogueService`` from a fixed
catalogue, which also records the caller assertion each call carried. The plans service runs on
a clock the test moves. A welfare area sees a multi-sector plan only on an accepted cooperation,
which the real welfare service (one for the session, on a SQLite file of its own) holds:
:meth:`Stack.cooperate` requests and accepts one.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import (
    METADATA_KEY,
    SERVICE_ISSUER_PREFIX,
    AssertionSigner,
    Caller,
    Role,
)
from kotopolku.common.server import ServiceHost
from kotopolku.plans.service import DEFINITION as PLANS
from kotopolku.plans.tables import audit_outbox
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.programme.v1 import programme_pb2, programme_pb2_grpc
from kotopolku.welfare.service import DEFINITION as WELFARE
from kotopolku.welfare.v1 import welfare_pb2, welfare_pb2_grpc

Metadata = tuple[tuple[str, str], ...]
PURPOSE = "integration-services"
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Noon in Helsinki, so the UTC and Finnish dates agree.
START = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
TODAY = date(2026, 1, 15)
CATALOGUE_091 = "civic-orientation-091"
CATALOGUE_837 = "civic-orientation-837"


def officer(
    subject: str = "officer-091", municipality: str = "091", role: str = Role.MUNICIPAL_OFFICER
) -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


MUNICIPAL_091 = officer()
EMPLOYMENT_091 = officer("employment-091", role=Role.EMPLOYMENT_OFFICER)
MUNICIPAL_837 = officer("officer-837", "837")
MANAGER_091 = officer("manager-091", role=Role.MANAGER)
PROVIDER_091 = Caller(
    subject="provider-1",
    roles=frozenset({Role.SERVICE_PROVIDER}),
    purpose=PURPOSE,
    municipality="091",
    organisation="opisto",
)
WELFARE_091 = Caller(
    subject="welfare-1",
    roles=frozenset({Role.WELFARE_AREA_WORKER}),
    purpose=PURPOSE,
    municipality="091",
    welfare_area="HEL",
)


def hetu(birth: date, individual: int) -> str:
    """A valid temporary (900-999) henkilötunnus, computed independently of the services."""
    sign = {19: "-", 20: "A"}[birth.year // 100]
    ddmmyy = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}"
    number = f"{individual:03d}"
    return f"{ddmmyy}{sign}{number}{CHECK_CHARACTERS[int(ddmmyy + number) % 31]}"


def client_user(code: str, subject: str = "client-user") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({Role.CLIENT}), purpose=PURPOSE, henkilotunnus=code
    )


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    """Awaits a call that must fail with ``code``; returns its structured details."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


def fields_of(error: RemoteError) -> list[str]:
    return [v.field for v in error.violations]


def goal(text: str = "Suomen kielen taso A2", **fields: Any) -> plans_pb2.Goal:
    fields.setdefault("category", plans_pb2.GOAL_CATEGORY_INTEGRATION)
    return plans_pb2.Goal(text=text, **fields)


def other_service(name: str = "Kerhotoiminta", **fields: Any) -> plans_pb2.PlanService:
    return plans_pb2.PlanService(other_service=name, **fields)


def plan(client_id: str, **fields: Any) -> plans_pb2.Plan:
    """A minimal valid individual plan from TODAY for six months."""
    fields.setdefault("kind", plans_pb2.PLAN_KIND_INDIVIDUAL)
    fields.setdefault("start_date", TODAY.isoformat())
    fields.setdefault("end_date", (TODAY + timedelta(days=180)).isoformat())
    fields.setdefault("goals", [goal()])
    return plans_pb2.Plan(client_id=client_id, **fields)


class MovableClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def today(self) -> date:
        return (self.now + timedelta(hours=2)).date()


class StandInProgramme(programme_pb2_grpc.ProgrammeServiceServicer):
    """Knows one catalogue service per municipality; remembers who asked."""

    def __init__(self) -> None:
        self.catalogue = {CATALOGUE_091: "091", CATALOGUE_837: "837"}
        self.assertions: list[str] = []

    async def GetCatalogueService(
        self, request: programme_pb2.GetCatalogueServiceRequest, context: Any
    ) -> programme_pb2.CatalogueService:
        metadata = dict(context.invocation_metadata() or ())
        self.assertions.append(str(metadata.get(METADATA_KEY, "")))
        # The real service reads the municipality from the verified assertion; the stand-in
        # trusts the unverified claim, which is enough to see that the caller was forwarded.
        import jwt

        claims = jwt.decode(self.assertions[-1], options={"verify_signature": False})
        if self.catalogue.get(request.service_id) != claims.get("mun"):
            await context.abort(grpc.StatusCode.NOT_FOUND, "No such service")
        return programme_pb2.CatalogueService(
            id=request.service_id, municipality_code=claims["mun"]
        )


# Client records live in one clients service for the whole session: each gets its own birth date.
_BIRTH_DAYS = itertools.count()


@dataclass
class Stack:
    keys: testing.TestKeys
    clock: MovableClock
    clients_port: int
    plans_host: ServiceHost
    programme_server: grpc.aio.Server
    programme: StandInProgramme
    welfare_port: int = 0
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    def internal_md(self, service: str = "programme") -> Metadata:
        signer = AssertionSigner.from_file(
            self.keys.service_private, f"{SERVICE_ISSUER_PREFIX}{service}"
        )
        return ((METADATA_KEY, signer.sign(signer.service_caller(service))),)

    @property
    def plans(self) -> plans_pb2_grpc.PlansServiceAsyncStub:
        return plans_pb2_grpc.PlansServiceStub(self.channels[0])  # type: ignore[return-value]

    @property
    def clients(self) -> clients_pb2_grpc.ClientsServiceAsyncStub:
        return clients_pb2_grpc.ClientsServiceStub(self.channels[1])  # type: ignore[return-value]

    # --- clients ---------------------------------------------------------------------------

    async def new_client(
        self, individual: int = 901, caller: Caller = MUNICIPAL_091, birth: date | None = None
    ) -> tuple[str, Caller]:
        """A client of the caller's municipality, and a client user who is that client."""
        born = (birth or date(1960, 1, 1)) + timedelta(days=next(_BIRTH_DAYS))
        code = hetu(born, individual)
        created = await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina",
                    last_name=f"Testi{individual}",
                    date_of_birth=born.isoformat(),
                    henkilotunnus=code,
                )
            ),
            metadata=self.md(caller),
        )
        return created.id, client_user(code, f"client-{individual}")

    # --- welfare-area cooperation ---------------------------------------------------------

    async def cooperate(
        self, client_id: str, area: str, officer: Caller = MUNICIPAL_091
    ) -> welfare_pb2.Cooperation:
        """An accepted cooperation of the welfare area for the client's multi-sector plans, on
        a legal basis: what opens the plans to that welfare area."""
        welfare = welfare_pb2_grpc.WelfareServiceStub(self.channels[2])
        requested = await welfare.RequestCooperation(
            welfare_pb2.RequestCooperationRequest(
                client_id=client_id,
                welfare_area=area,
                scope=[welfare_pb2.DATA_CATEGORY_MULTI_SECTOR_PLAN],
                reason="Monialainen suunnitelma",
                municipal_contact=welfare_pb2.MunicipalContact(name="Officer", phone="0401234567"),
                basis=welfare_pb2.DisclosureBasis(
                    kind=welfare_pb2.BASIS_KIND_LEGAL,
                    categories=[welfare_pb2.DATA_CATEGORY_MULTI_SECTOR_PLAN],
                    legal_reference="Laki kotoutumisen edistämisestä 681/2023",
                ),
            ),
            metadata=self.md(officer),
        )
        worker = Caller(
            f"worker-{area}", frozenset({Role.WELFARE_AREA_WORKER}), PURPOSE, welfare_area=area
        )
        return await welfare.AnswerCooperation(
            welfare_pb2.AnswerCooperationRequest(
                cooperation_id=requested.id,
                accept=True,
                responsible=welfare_pb2.ResponsiblePerson(name="Sari", phone="0407654321"),
            ),
            metadata=self.md(worker),
        )

    # --- plans -----------------------------------------------------------------------------

    async def create(
        self, message: plans_pb2.Plan, caller: Caller = MUNICIPAL_091, key: str = ""
    ) -> plans_pb2.Plan:
        return await self.plans.CreatePlan(
            plans_pb2.CreatePlanRequest(plan=message, idempotency_key=key),
            metadata=self.md(caller),
        )

    async def get(self, plan_id: str, caller: Caller = MUNICIPAL_091) -> plans_pb2.Plan:
        return await self.plans.GetPlan(
            plans_pb2.GetPlanRequest(plan_id=plan_id), metadata=self.md(caller)
        )

    async def submit(self, found: plans_pb2.Plan, caller: Caller = MUNICIPAL_091) -> plans_pb2.Plan:
        return await self.plans.SubmitPlan(
            plans_pb2.SubmitPlanRequest(plan_id=found.id, expected_version=found.version),
            metadata=self.md(caller),
        )

    async def approve(self, found: plans_pb2.Plan, caller: Caller) -> plans_pb2.Plan:
        return await self.plans.ApprovePlan(
            plans_pb2.ApprovePlanRequest(plan_id=found.id, expected_version=found.version),
            metadata=self.md(caller),
        )

    async def activate(
        self, message: plans_pb2.Plan, client: Caller, officer: Caller = MUNICIPAL_091
    ) -> plans_pb2.Plan:
        """Create, submit and approve by both parties: an ACTIVE plan."""
        created = await self.create(message, officer)
        submitted = await self.submit(created, officer)
        by_officer = await self.approve(submitted, officer)
        active = await self.approve(by_officer, client)
        assert active.status == plans_pb2.PLAN_STATUS_ACTIVE
        return active

    async def review(
        self,
        found: plans_pb2.Plan,
        outcome: int = plans_pb2.REVIEW_OUTCOME_CONTINUE,
        caller: Caller = MUNICIPAL_091,
        **fields: Any,
    ) -> plans_pb2.Plan:
        fields.setdefault("reason", plans_pb2.REVIEW_REASON_SCHEDULED)
        return await self.plans.ReviewPlan(
            plans_pb2.ReviewPlanRequest(
                plan_id=found.id, expected_version=found.version, outcome=outcome, **fields
            ),
            metadata=self.md(caller),
        )

    async def overdue(
        self, caller: Caller = MUNICIPAL_091, **fields: Any
    ) -> plans_pb2.ListPlansResponse:
        return await self.plans.ListOverdueReviews(
            plans_pb2.ListOverdueReviewsRequest(**fields), metadata=self.md(caller)
        )

    # --- the plans database ----------------------------------------------------------------

    async def count(self, table: sa.Table) -> int:
        assert self.plans_host.database is not None
        async with self.plans_host.database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

    async def outbox_payloads(self) -> list[bytes]:
        assert self.plans_host.database is not None
        async with self.plans_host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [bytes(row.payload) for row in rows]

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        return [audit_pb2.AuditEvent.FromString(p) for p in await self.outbox_payloads()]

    async def stop(self) -> None:
        for channel in self.channels:
            await channel.close()
        await self.plans_host.stop(0)
        await self.programme_server.stop(0)


async def start_clients(keys: testing.TestKeys, database: Path) -> ServiceHost:
    """The real clients service on a SQLite file of its own."""
    return await testing.start_host(CLIENTS, keys, database_url=f"sqlite:///{database}")


async def start_welfare(keys: testing.TestKeys, database: Path, clients_port: int) -> ServiceHost:
    """The real welfare service on a SQLite file of its own (it never calls the plans service
    in these tests)."""
    return await testing.start_host(
        WELFARE,
        keys,
        database_url=f"sqlite:///{database}",
        clients_address=f"127.0.0.1:{clients_port}",
    )


async def start_stack(
    keys: testing.TestKeys, database_url: str, clients_port: int, welfare_port: int
) -> Stack:
    programme = StandInProgramme()
    programme_server = grpc.aio.server()
    programme_pb2_grpc.add_ProgrammeServiceServicer_to_server(programme, programme_server)
    programme_port = programme_server.add_insecure_port("127.0.0.1:0")
    await programme_server.start()
    clock = MovableClock()
    plans_host = await testing.start_host(
        PLANS,
        keys,
        clock=clock,
        database_url=database_url,
        clients_address=f"127.0.0.1:{clients_port}",
        programme_address=f"127.0.0.1:{programme_port}",
        welfare_address=f"127.0.0.1:{welfare_port}",
    )
    stack = Stack(keys, clock, clients_port, plans_host, programme_server, programme, welfare_port)
    stack.channels = [
        grpc.aio.insecure_channel(f"127.0.0.1:{plans_host.port}"),
        grpc.aio.insecure_channel(f"127.0.0.1:{clients_port}"),
        grpc.aio.insecure_channel(f"127.0.0.1:{welfare_port}"),
    ]
    return stack
