"""Shared helpers of the welfare service's integration tests: callers of both sides, a settable
clock, the running services with typed shortcuts, and sample data computed independently of the
service.

The welfare service runs on the database under test with the real clients service beside it (a
SQLite file of its own); the tests of data transfers also start the real assessment and plans
services, which ask the welfare service before a welfare area sees their data. Everything runs in
this process on ephemeral ports with :class:`ServiceHost`: migrations, interceptors, identity
verification and the audit outbox, whose rows the tests read (no audit service runs).
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

from kotopolku.assessment.service import DEFINITION as ASSESSMENT
from kotopolku.assessment.v1 import assessment_pb2, assessment_pb2_grpc
from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role, XRoadHeaders
from kotopolku.common.server import ServiceHost
from kotopolku.plans.service import DEFINITION as PLANS
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.welfare.service import DEFINITION
from kotopolku.welfare.tables import audit_outbox
from kotopolku.welfare.v1 import welfare_pb2 as pb
from kotopolku.welfare.v1 import welfare_pb2_grpc

PURPOSE = "integration-services"
# 10:00 in Helsinki on Monday 2 March 2026.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
Metadata = tuple[tuple[str, str], ...]


def staff(subject: str, municipality: str, role: str = Role.MUNICIPAL_OFFICER) -> Caller:
    return Caller(subject, frozenset({role}), PURPOSE, municipality=municipality)


def welfare_worker(area: str, subject: str = "", xroad: XRoadHeaders | None = None) -> Caller:
    return Caller(
        subject or f"worker-{area}",
        frozenset({Role.WELFARE_AREA_WORKER}),
        "welfare-cooperation",
        welfare_area=area,
        xroad=xroad,
    )


def client_user(client_id: str) -> Caller:
    return Caller(
        f"client-{client_id[:8]}",
        frozenset({Role.CLIENT}),
        "self-service",
        henkilotunnus="010190-999W",
        client_id=client_id,
    )


# Tampere (837) belongs to Pirkanmaa, Vantaa (092) to Vantaa-Kerava (the dev configuration).
TAMPERE = staff("officer-837", "837")
TAMPERE_EMPLOYMENT = staff("employment-837", "837", Role.EMPLOYMENT_OFFICER)
TAMPERE_MANAGER = staff("manager-837", "837", Role.MANAGER)
VANTAA = staff("officer-092", "092")
PIRKANMAA = welfare_worker("pirkanmaa")
# A welfare area's system connects as a Keycloak service account.
PIRKANMAA_SYSTEM = welfare_worker("pirkanmaa", "service-account-welfare-pirkanmaa")
VANTAA_KERAVA = welfare_worker("vantaa-kerava")
PROVIDER = Caller(
    "provider-1", frozenset({Role.SERVICE_PROVIDER}), PURPOSE, municipality="837", organisation="x"
)
PIRKANMAA_XROAD = "KOTOPOLKU-DEV/GOV/PIRHA/kotopolku-client"
VANTAA_XROAD = "KOTOPOLKU-DEV/GOV/VAKEHYVA/kotopolku-client"
_PEOPLE = itertools.count()


def hetu(born: date, individual: int) -> str:
    return testing.temporary_henkilotunnus(born, individual)


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def today(self) -> date:
        return (self.now + timedelta(hours=2)).date()


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    remote = parse_rpc_error(caught.value)
    assert remote.code == code, (remote.code, remote.detail, remote.violations)
    return remote


def fields_of(error: RemoteError) -> list[str]:
    return [v.field for v in error.violations]


# --- sample data ---------------------------------------------------------------------------------

# A family of four proposed as quota refugees: the persons' identifiers, used to prove that none
# of them ever reaches the welfare area.
FAMILY = (
    ("FAMILY_ROLE_PRINCIPAL", "Hodan Abdi", "Warsame", date(1986, 4, 17), 931, ["so", "ar"]),
    ("FAMILY_ROLE_SPOUSE", "Faisal", "Nuur", date(1983, 11, 2), 932, ["so"]),
    ("FAMILY_ROLE_CHILD", "Ayaan", "Warsame", date(2014, 6, 9), 933, ["so", "fi"]),
    ("FAMILY_ROLE_CHILD", "Idil", "Warsame", date(2024, 1, 28), 934, ["so"]),
)


def family(with_needs: bool = True) -> list[pb.ProposedPerson]:
    persons = []
    for role, first, last, born, individual, spoken in FAMILY:
        needs = []
        if with_needs and role == "FAMILY_ROLE_PRINCIPAL":
            needs = [pb.SERVICE_NEED_TRAUMA_SUPPORT, pb.SERVICE_NEED_CHRONIC_ILLNESS]
        if with_needs and born.year == 2024:
            needs = [pb.SERVICE_NEED_EARLY_CHILDHOOD_SUPPORT]
        persons.append(
            pb.ProposedPerson(
                role=pb.FamilyRole.Value(role),
                first_names=first,
                last_name=last,
                date_of_birth=born.isoformat(),
                henkilotunnus=hetu(born, individual),
                languages=spoken,
                service_needs=needs,
            )
        )
    return persons


def family_identifiers() -> list[str]:
    """Everything that directly identifies a person of FAMILY, in the forms it could appear."""
    found: list[str] = ["ELY-UUS-2026-0042"]
    for _, first, last, born, individual, _ in FAMILY:
        found += [*first.split(), last, hetu(born, individual), born.isoformat()]
        found += [born.strftime("%d.%m.%Y"), f"{born.day}.{born.month}.{born.year}"]
    return found


def proposal(**fields: Any) -> pb.PlacementProposal:
    values: dict[str, Any] = {
        "ely_centre": "ely-uusimaa",
        "ely_reference": "ELY-UUS-2026-0042",
        "basis": pb.PLACEMENT_BASIS_QUOTA_REFUGEE,
        "persons": family(),
        "response_due": (TODAY + timedelta(days=30)).isoformat(),
    }
    values.update(fields)
    return pb.PlacementProposal(**values)


def legal_basis(*categories: int, valid_until: str = "") -> pb.DisclosureBasis:
    return pb.DisclosureBasis(
        kind=pb.BASIS_KIND_LEGAL,
        categories=list(categories)
        or [pb.DATA_CATEGORY_MULTI_SECTOR_ASSESSMENT, pb.DATA_CATEGORY_MULTI_SECTOR_PLAN],
        legal_reference="Laki kotoutumisen edistämisestä 681/2023 18 §",
        valid_until=valid_until,
    )


def consent_basis(*categories: int, valid_until: str = "") -> pb.DisclosureBasis:
    return pb.DisclosureBasis(
        kind=pb.BASIS_KIND_CONSENT,
        categories=list(categories)
        or [pb.DATA_CATEGORY_MULTI_SECTOR_ASSESSMENT, pb.DATA_CATEGORY_MULTI_SECTOR_PLAN],
        consent_given_on=TODAY.isoformat(),
        valid_until=valid_until,
    )


RESPONSIBLE = pb.ResponsiblePerson(
    name="Sari Sosiaalityöntekijä",
    title="sosiaalityöntekijä",
    phone="040 7654321",
    email="sari.sosiaali@pirha.example.fi",
)
CONTACT = pb.MunicipalContact(
    name="Kaisa Kotoutus", phone="040 1234567", email="kaisa@tampere.example.fi"
)


# --- the running world ---------------------------------------------------------------------------


@dataclass
class World:
    keys: testing.TestKeys
    clock: Clock
    clients_host: ServiceHost
    host: ServiceHost
    extra_hosts: list[ServiceHost] = field(default_factory=list)
    channels: list[grpc.aio.Channel] = field(default_factory=list)
    _keys: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.channels = [
            grpc.aio.insecure_channel(f"127.0.0.1:{self.host.port}"),
            grpc.aio.insecure_channel(f"127.0.0.1:{self.clients_host.port}"),
        ]
        self.welfare = welfare_pb2_grpc.WelfareServiceStub(self.channels[0])
        self.clients = clients_pb2_grpc.ClientsServiceStub(self.channels[1])

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    def key(self) -> str:
        return f"key-{next(self._keys)}"

    # --- clients ----------------------------------------------------------------------------

    async def new_client(self, caller: Caller = TAMPERE, **fields: Any) -> clients_pb2.Client:
        # The clients service lives for the whole session: every client gets a code of its own.
        number = next(_PEOPLE)
        born = date(1990, 1, 1) + timedelta(days=number // 90)
        values: dict[str, Any] = {
            "first_names": "Amina",
            "last_name": "Hassan",
            "date_of_birth": born.isoformat(),
            "henkilotunnus": hetu(born, 900 + number % 90),
            "languages": ["so", "fi"],
        }
        values.update(fields)
        return await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(client=clients_pb2.Client(**values)),
            metadata=self.md(caller),
        )

    # --- placement and consultation ------------------------------------------------------------

    async def propose(
        self, caller: Caller = TAMPERE, key: str = "", **fields: Any
    ) -> pb.PlacementProposal:
        return await self.welfare.CreatePlacementProposal(
            pb.CreatePlacementProposalRequest(proposal=proposal(**fields), idempotency_key=key),
            metadata=self.md(caller),
        )

    async def proposal(self, proposal_id: str, caller: Caller = TAMPERE) -> pb.PlacementProposal:
        return await self.welfare.GetPlacementProposal(
            pb.GetPlacementProposalRequest(proposal_id=proposal_id), metadata=self.md(caller)
        )

    async def consult(
        self, proposal_id: str, caller: Caller = TAMPERE, **fields: Any
    ) -> pb.Consultation:
        fields.setdefault("idempotency_key", self.key())
        return await self.welfare.StartConsultation(
            pb.StartConsultationRequest(proposal_id=proposal_id, **fields),
            metadata=self.md(caller),
        )

    async def consultation(self, consultation_id: str, caller: Caller) -> pb.Consultation:
        return await self.welfare.GetConsultation(
            pb.GetConsultationRequest(consultation_id=consultation_id), metadata=self.md(caller)
        )

    async def answer(
        self,
        consultation_id: str,
        caller: Caller = PIRKANMAA,
        key: str = "",
        recommendation: int = pb.RECOMMENDATION_SUPPORTS_WITH_CONDITIONS,
    ) -> pb.Consultation:
        return await self.welfare.AnswerConsultation(
            pb.AnswerConsultationRequest(
                consultation_id=consultation_id,
                answer=pb.ConsultationAnswer(
                    recommendation=recommendation,
                    comments="Traumapsykoterapia järjestetään; neuvola varataan.",
                    prepared_services=[pb.SERVICE_NEED_TRAUMA_SUPPORT],
                ),
                idempotency_key=key or self.key(),
            ),
            metadata=self.md(caller),
        )

    async def decide(
        self,
        found: pb.PlacementProposal,
        decision: int = pb.PLACEMENT_DECISION_ACCEPT,
        caller: Caller = TAMPERE,
    ) -> pb.PlacementProposal:
        return await self.welfare.DecidePlacement(
            pb.DecidePlacementRequest(
                proposal_id=found.id,
                decision=decision,
                reason="Asunto ja palvelut järjestyvät",
                expected_version=found.version,
            ),
            metadata=self.md(caller),
        )

    # --- cooperation ---------------------------------------------------------------------------

    async def request_cooperation(
        self,
        client_id: str,
        caller: Caller = TAMPERE,
        basis: pb.DisclosureBasis | None = None,
        **fields: Any,
    ) -> pb.Cooperation:
        fields.setdefault(
            "scope",
            [pb.DATA_CATEGORY_MULTI_SECTOR_ASSESSMENT, pb.DATA_CATEGORY_MULTI_SECTOR_PLAN],
        )
        fields.setdefault("reason", "Monialainen arviointi: kiintiöpakolaisperhe")
        fields.setdefault("municipal_contact", CONTACT)
        fields.setdefault("idempotency_key", self.key())
        return await self.welfare.RequestCooperation(
            pb.RequestCooperationRequest(
                client_id=client_id, basis=basis or legal_basis(), **fields
            ),
            metadata=self.md(caller),
        )

    async def accept(self, cooperation_id: str, caller: Caller = PIRKANMAA) -> pb.Cooperation:
        return await self.welfare.AnswerCooperation(
            pb.AnswerCooperationRequest(
                cooperation_id=cooperation_id,
                accept=True,
                responsible=RESPONSIBLE,
                idempotency_key=self.key(),
            ),
            metadata=self.md(caller),
        )

    async def cooperation(self, cooperation_id: str, caller: Caller) -> pb.Cooperation:
        return await self.welfare.GetCooperation(
            pb.GetCooperationRequest(cooperation_id=cooperation_id), metadata=self.md(caller)
        )

    async def withdraw(self, basis_id: str, caller: Caller = TAMPERE) -> pb.DisclosureBasis:
        return await self.welfare.WithdrawDisclosureBasis(
            pb.WithdrawDisclosureBasisRequest(basis_id=basis_id, reason="Suostumus peruttu"),
            metadata=self.md(caller),
        )

    # --- feed and audit ------------------------------------------------------------------------

    async def read_feed(
        self, caller: Caller, cursor: str = "", limit: int = 0, wait: int = 0
    ) -> pb.ReadFeedResponse:
        return await self.welfare.ReadFeed(
            pb.ReadFeedRequest(cursor=cursor, limit=limit, wait_seconds=wait),
            metadata=self.md(caller),
        )

    async def whole_feed(self, caller: Caller) -> list[pb.FeedEvent]:
        events: list[pb.FeedEvent] = []
        cursor = ""
        while True:
            page = await self.read_feed(caller, cursor, limit=50)
            events += page.events
            cursor = page.next_cursor
            if not page.more:
                return events

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [audit_pb2.AuditEvent.FromString(row.payload) for row in rows]

    async def count(self, table: sa.Table) -> int:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

    async def stop(self) -> None:
        for channel in self.channels:
            await channel.close()
        for host in [self.host, *self.extra_hosts]:
            await host.stop(0)


@dataclass
class Records:
    """The real assessment and plans services, pointed at the welfare service under test."""

    assessment: assessment_pb2_grpc.AssessmentServiceAsyncStub
    plans: plans_pb2_grpc.PlansServiceAsyncStub


async def start_clients(keys: testing.TestKeys, database: Path) -> ServiceHost:
    return await testing.start_host(CLIENTS, keys, database_url=f"sqlite:///{database}")


async def start_world(
    keys: testing.TestKeys,
    database_url: str,
    clients_port: int,
    clock: Clock,
    tmp_path: Path,
    *,
    with_records: bool = False,
    **settings: Any,
) -> tuple[World, Records | None]:
    assessment_port = testing.free_port() if with_records else 1
    plans_port = testing.free_port() if with_records else 1
    host = await testing.start_host(
        DEFINITION,
        keys,
        clock=clock,
        database_url=database_url,
        clients_address=f"127.0.0.1:{clients_port}",
        assessment_address=f"127.0.0.1:{assessment_port}",
        plans_address=f"127.0.0.1:{plans_port}",
        shutdown_grace_seconds=0,
        **settings,
    )
    world = World(keys, clock, _Port(clients_port), host)  # type: ignore[arg-type]
    if not with_records:
        return world, None
    welfare_address = f"127.0.0.1:{host.port}"
    common = {
        "clients_address": f"127.0.0.1:{clients_port}",
        "welfare_address": welfare_address,
        "shutdown_grace_seconds": 0,
    }
    assessment = await testing.start_host(
        ASSESSMENT,
        keys,
        database_url=f"sqlite:///{tmp_path / 'assessment.db'}",
        grpc_port=assessment_port,
        **common,
    )
    plans = await testing.start_host(
        PLANS,
        keys,
        clock=clock,
        database_url=f"sqlite:///{tmp_path / 'plans.db'}",
        grpc_port=plans_port,
        programme_address="127.0.0.1:1",
        **common,
    )
    world.extra_hosts += [assessment, plans]
    channels = [
        grpc.aio.insecure_channel(f"127.0.0.1:{assessment.port}"),
        grpc.aio.insecure_channel(f"127.0.0.1:{plans.port}"),
    ]
    world.channels += channels
    return world, Records(
        assessment_pb2_grpc.AssessmentServiceStub(channels[0]),  # type: ignore[arg-type]
        plans_pb2_grpc.PlansServiceStub(channels[1]),  # type: ignore[arg-type]
    )


@dataclass
class _Port:
    """The session's clients service, as far as a world needs to know it."""

    port: int


def multi_sector_plan(client_id: str, area: str = "pirkanmaa") -> plans_pb2.Plan:
    return plans_pb2.Plan(
        client_id=client_id,
        kind=plans_pb2.PLAN_KIND_MULTI_SECTOR,
        welfare_area=area,
        start_date=TODAY.isoformat(),
        end_date=(TODAY + timedelta(days=180)).isoformat(),
        goals=[
            plans_pb2.Goal(
                category=plans_pb2.GOAL_CATEGORY_INTEGRATION, text="Arjen sujuminen Tampereella"
            )
        ],
        services=[
            plans_pb2.PlanService(other_service="Traumapsykoterapia", welfare_area_service=True)
        ],
    )


def multi_sector_assessment() -> assessment_pb2.Assessment:
    return assessment_pb2.Assessment(
        multi_sector=assessment_pb2.MultiSectorAreas(
            social_and_health_service_needs=assessment_pb2.RecordedSection(
                text="Kotihoidon tarve arvioitava"
            ),
            team=[
                assessment_pb2.TeamMember(name="Kaisa Kotoutus", role="kotoutumisohjaaja"),
                assessment_pb2.TeamMember(
                    name="Sari Sosiaali", role="sosiaalityöntekijä", welfare_area_code="pirkanmaa"
                ),
            ],
        )
    )
