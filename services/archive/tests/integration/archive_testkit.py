"""The archive service's integration tests: the real audit, clients, plans, guidance, contracts,
welfare and reporting services, and the archive, in-process, each on a database of its own (SQLite
files or fresh PostgreSQL databases); callers with real assertions; a settable clock for the
archive."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from kotopolku.archive.engine import ArchiveEngine
from kotopolku.archive.service import DEFINITION as ARCHIVE
from kotopolku.archive.service import DISPOSER, ENGINE
from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.archive.v1 import archive_pb2_grpc
from kotopolku.audit.service import DEFINITION as AUDIT
from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.facts import MUNICIPAL_PURPOSE, FactRecorder, reporting_outbox_table
from kotopolku.common.identity import (
    METADATA_KEY,
    SERVICE_ISSUER_PREFIX,
    AssertionSigner,
    Caller,
    Role,
)
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.common.server import ServiceHost
from kotopolku.common.tables import client_minimisations_table
from kotopolku.contracts.service import DEFINITION as CONTRACTS
from kotopolku.contracts.v1 import contracts_pb2, contracts_pb2_grpc
from kotopolku.guidance.service import DEFINITION as GUIDANCE
from kotopolku.guidance.v1 import guidance_pb2, guidance_pb2_grpc
from kotopolku.plans.service import DEFINITION as PLANS
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.records.v1 import records_pb2_grpc
from kotopolku.reporting.service import DEFINITION as REPORTING
from kotopolku.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from kotopolku.welfare.service import DEFINITION as WELFARE
from kotopolku.welfare.v1 import welfare_pb2, welfare_pb2_grpc

Metadata = tuple[tuple[str, str], ...]
RECORD_SERVICES = ("clients", "plans", "guidance", "contracts", "welfare", "reporting")
MINIMISATIONS = client_minimisations_table(sa.MetaData())


def staff(subject: str, role: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose="archiving", municipality=municipality
    )


ARCHIVIST = staff("archivist-091", Role.ARCHIVIST)
OFFICER = staff("officer-091", Role.MUNICIPAL_OFFICER)
OFFICER_837 = staff("officer-837", Role.MUNICIPAL_OFFICER, "837")
ARCHIVIST_837 = staff("archivist-837", Role.ARCHIVIST, "837")
AUDITOR = staff("auditor-091", Role.AUDITOR)
WELFARE_WORKER = Caller(
    subject="worker-helsinki",
    roles=frozenset({Role.WELFARE_AREA_WORKER}),
    purpose="welfare-cooperation",
    welfare_area="helsinki",
)
_INDIVIDUALS = itertools.count(900)


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def service_md(keys: testing.TestKeys, service: str) -> Metadata:
    signer = AssertionSigner.from_file(keys.service_private, f"{SERVICE_ISSUER_PREFIX}{service}")
    return ((METADATA_KEY, signer.sign(signer.service_caller(service))),)


@dataclass
class System:
    keys: testing.TestKeys
    clock: Clock
    hosts: dict[str, ServiceHost]
    urls: dict[str, str]
    objects: Path
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    # The plan ended_plan() made last.
    last_plan: plans_pb2.Plan = field(default_factory=plans_pb2.Plan)

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    def channel(self, name: str) -> grpc.aio.Channel:
        if name not in self.channels:
            self.channels[name] = grpc.aio.insecure_channel(f"127.0.0.1:{self.hosts[name].port}")
        return self.channels[name]

    @property
    def archive(self) -> archive_pb2_grpc.ArchiveServiceAsyncStub:
        return archive_pb2_grpc.ArchiveServiceStub(self.channel("archive"))  # type: ignore[return-value]

    def records(self, name: str) -> records_pb2_grpc.ClientRecordsServiceAsyncStub:
        return records_pb2_grpc.ClientRecordsServiceStub(self.channel(name))  # type: ignore[return-value]

    @property
    def engine(self) -> ArchiveEngine:
        return self.hosts["archive"]._runtime.extras[ENGINE]  # type: ignore[union-attr,no-any-return]

    @property
    def disposer(self) -> Any:
        return self.hosts["archive"]._runtime.extras[DISPOSER]  # type: ignore[union-attr]

    # --- data in the services --------------------------------------------------------------

    async def new_client(self, caller: Caller = OFFICER) -> str:
        client_id, _ = await self.new_client_with_user(caller)
        return client_id

    async def new_client_with_user(self, caller: Caller = OFFICER) -> tuple[str, Caller]:
        """A client, and the client's own user (strongly identified by the identity code)."""
        individual = next(_INDIVIDUALS)
        born = date(1985, 1, 1) + timedelta(days=individual)
        code = testing.temporary_henkilotunnus(born, individual % 100 + 900)
        created = await clients_pb2_grpc.ClientsServiceStub(self.channel("clients")).CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina",
                    last_name=f"Arkisto{individual}",
                    date_of_birth=born.isoformat(),
                    henkilotunnus=code,
                )
            ),
            metadata=self.md(caller),
        )
        user = Caller(
            subject=f"client-{individual}",
            roles=frozenset({Role.CLIENT}),
            purpose="self-service",
            henkilotunnus=code,
        )
        return str(created.id), user

    async def active_plan(self, client_id: str, client: Caller) -> plans_pb2.Plan:
        """An individual plan approved by the officer and the client: in force."""
        plans = plans_pb2_grpc.PlansServiceStub(self.channel("plans"))
        today = date.today()
        created = await plans.CreatePlan(
            plans_pb2.CreatePlanRequest(
                plan=plans_pb2.Plan(
                    client_id=client_id,
                    kind=plans_pb2.PLAN_KIND_INDIVIDUAL,
                    start_date=(today - timedelta(days=200)).isoformat(),
                    end_date=(today + timedelta(days=100)).isoformat(),
                    goals=[
                        plans_pb2.Goal(
                            text="Suomen kielen taso A2",
                            category=plans_pb2.GOAL_CATEGORY_INTEGRATION,
                        )
                    ],
                    follow_up_plan="Työnhaku TE-palveluissa",
                )
            ),
            metadata=self.md(OFFICER),
        )
        plan = await plans.SubmitPlan(
            plans_pb2.SubmitPlanRequest(plan_id=created.id, expected_version=created.version),
            metadata=self.md(OFFICER),
        )
        for approver in (OFFICER, client):
            plan = await plans.ApprovePlan(
                plans_pb2.ApprovePlanRequest(plan_id=plan.id, expected_version=plan.version),
                metadata=self.md(approver),
            )
        assert plan.status == plans_pb2.PLAN_STATUS_ACTIVE
        return plan

    async def ended_plan(self, client_id: str, client: Caller) -> plans_pb2.Plan:
        """An individual plan approved by the officer and the client, ended by a review today."""
        return await self.end_plan(await self.active_plan(client_id, client))

    async def end_plan(self, plan: plans_pb2.Plan) -> plans_pb2.Plan:
        plans = plans_pb2_grpc.PlansServiceStub(self.channel("plans"))
        ended: plans_pb2.Plan = await plans.ReviewPlan(
            plans_pb2.ReviewPlanRequest(
                plan_id=plan.id,
                expected_version=plan.version,
                outcome=plans_pb2.REVIEW_OUTCOME_END,
                reason=plans_pb2.REVIEW_REASON_SCHEDULED,
                notes="Asiakas työllistyi",
            ),
            metadata=self.md(OFFICER),
        )
        assert ended.status == plans_pb2.PLAN_STATUS_ENDED
        return ended

    async def visit(self, client_id: str, notes: str = "Asunnon haku") -> guidance_pb2.Visit:
        return await guidance_pb2_grpc.GuidanceServiceStub(self.channel("guidance")).CreateVisit(
            guidance_pb2.CreateVisitRequest(
                visit=guidance_pb2.Visit(
                    client_id=client_id,
                    visited_on=date.today().isoformat(),
                    channel=guidance_pb2.CHANNEL_PHONE,
                    language="fi",
                    topics=[guidance_pb2.TOPIC_HOUSING],
                    follow_up=guidance_pb2.FOLLOW_UP_NONE,
                    notes=notes,
                )
            ),
            metadata=self.md(OFFICER),
        )

    async def cost(self, client_id: str, *, void: bool) -> contracts_pb2.CostEntry:
        stub = contracts_pb2_grpc.ContractsServiceStub(self.channel("contracts"))
        created = await stub.CreateCostEntry(
            contracts_pb2.CreateCostEntryRequest(
                cost_entry=contracts_pb2.CostEntry(
                    client_id=client_id,
                    account_code="4391",
                    amount_cents=12_345,
                    activity_date=(date.today() - timedelta(days=10)).isoformat(),
                    description="Tulkkaus, arabia, 2 h; asiakkaan terveydentila",
                    invoice_reference="LASKU-2026-0042",
                )
            ),
            metadata=self.md(OFFICER),
        )
        if not void:
            return created
        return await stub.VoidCostEntry(
            contracts_pb2.VoidCostEntryRequest(
                cost_entry_id=created.id,
                expected_version=created.version,
                reason="Kirjattu väärälle asiakkaalle",
            ),
            metadata=self.md(OFFICER),
        )

    async def reception_transfer(self, client_id: str) -> welfare_pb2.ReceptionTransfer:
        """The client's transfer from a reception centre (linked to the existing record by the
        identity code), with the notice to the welfare area on the client's consent."""
        client = await clients_pb2_grpc.ClientsServiceStub(self.channel("clients")).GetClient(
            clients_pb2.GetClientRequest(client_id=client_id), metadata=self.md(OFFICER)
        )
        today = date.today().isoformat()
        stub = welfare_pb2_grpc.WelfareServiceStub(self.channel("welfare"))
        recorded: welfare_pb2.ReceptionTransfer = await stub.RecordReceptionTransfer(
            welfare_pb2.RecordReceptionTransferRequest(
                transfer=welfare_pb2.ReceptionTransfer(
                    reception_centre="Joutsenon vastaanottokeskus",
                    received_on=today,
                    basis=welfare_pb2.PLACEMENT_BASIS_ASYLUM,
                    consent=welfare_pb2.TransferConsent(
                        given_on=today, inform_welfare_area=True, scope="Asiakkuuden siirto"
                    ),
                    person=welfare_pb2.TransferredPerson(
                        first_names=client.first_names,
                        last_name=client.last_name,
                        date_of_birth=client.date_of_birth,
                        henkilotunnus=client.henkilotunnus,
                        languages=["ar"],
                        contact=welfare_pb2.ContactDetails(phone="040 5556667"),
                    ),
                    service_needs=[welfare_pb2.SERVICE_NEED_MENTAL_HEALTH],
                ),
                idempotency_key=f"transfer-{client_id}",
            ),
            metadata=self.md(OFFICER),
        )
        # The welfare area receives the notice: a logged disclosure.
        await stub.GetDisclosure(
            welfare_pb2.GetDisclosureRequest(disclosure_id=recorded.notice_disclosure_id),
            metadata=self.md(WELFARE_WORKER),
        )
        return recorded

    @property
    def fact_recorder(self) -> FactRecorder:
        key = PseudonymKey.from_file(self.keys.reporting_pseudonym, MUNICIPAL_PURPOSE)
        return FactRecorder(reporting_outbox_table(sa.MetaData()), key)

    async def reporting_data(self, client_id: str) -> None:
        """A fact the assessment service reported about the client, and a feedback invitation."""
        rec = self.fact_recorder
        fact = rec.fact("091", client_id, "assessment", f"assessment-of-{client_id}")
        fact.assessment_started.CopyFrom(
            reporting_pb2.AssessmentStarted(kind="BASIC", started_on=date.today().isoformat())
        )
        stub = reporting_pb2_grpc.ReportingServiceStub(self.channel("reporting"))
        await stub.RecordFacts(
            reporting_pb2.RecordFactsRequest(facts=[fact]),
            metadata=service_md(self.keys, "assessment"),
        )
        survey = await stub.CreateSurvey(
            reporting_pb2.CreateSurveyRequest(
                survey=reporting_pb2.Survey(
                    name="Palaute",
                    title={"fi": "Miten onnistuimme?"},
                    questions=[
                        reporting_pb2.Question(
                            id="overall",
                            kind=reporting_pb2.QUESTION_KIND_SCORE,
                            text={"fi": "Kokonaisuus"},
                            required=True,
                        )
                    ],
                    audience=reporting_pb2.AUDIENCE_CLIENT,
                    anonymity=reporting_pb2.ANONYMITY_RESPONDENT_CHOOSES,
                )
            ),
            metadata=self.md(OFFICER),
        )
        await stub.CreateInvitation(
            reporting_pb2.CreateInvitationRequest(
                survey_id=survey.id,
                client_id=client_id,
                respondent=reporting_pb2.AUDIENCE_CLIENT,
                context_kind=reporting_pb2.CONTEXT_KIND_PROGRAMME_SERVICE,
            ),
            metadata=self.md(OFFICER),
        )

    # --- the archive -----------------------------------------------------------------------

    async def start_job(self, client_id: str, caller: Caller = ARCHIVIST) -> pb.ArchiveJob:
        return await self.archive.StartArchiveJob(
            pb.StartArchiveJobRequest(client_id=client_id, reason="Suunnitelma päättyi"),
            metadata=self.md(caller),
        )

    async def job(self, job_id: str, caller: Caller = ARCHIVIST) -> pb.ArchiveJob:
        return await self.archive.GetArchiveJob(
            pb.GetArchiveJobRequest(job_id=job_id), metadata=self.md(caller)
        )

    # --- the services' databases -----------------------------------------------------------

    async def count(self, service: str, table: sa.Table, where: Any = None) -> int:
        database = self.hosts[service].database
        assert database is not None
        query = sa.select(sa.func.count()).select_from(table)
        if where is not None:
            query = query.where(where)
        async with database.engine.connect() as connection:
            return int(await connection.scalar(query) or 0)

    async def rows(self, service: str, query: Any) -> list[Any]:
        database = self.hosts[service].database
        assert database is not None
        async with database.engine.connect() as connection:
            return list(await connection.execute(query))

    async def minimisations(self, service: str, client_id: str) -> int:
        return await self.count(service, MINIMISATIONS, MINIMISATIONS.c.client_id == client_id)

    async def stop(self) -> None:
        for channel in self.channels.values():
            await channel.close()
        for host in reversed(list(self.hosts.values())):
            await host.stop(0)


@contextlib.contextmanager
def databases(database_url: str, names: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """A database of the same kind as ``database_url`` for each service."""
    if database_url == "postgresql":
        with contextlib.ExitStack() as stack:
            server = testing.postgres_server_or_skip()
            yield {n: stack.enter_context(testing.fresh_postgres_database(server)) for n in names}
        return
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        directory = Path(url.database).parent
        yield {n: f"sqlite:///{directory / f'{n}.db'}" for n in names}
        return
    with contextlib.ExitStack() as stack:
        server = testing.postgres_server_or_skip()
        yield {n: stack.enter_context(testing.fresh_postgres_database(server)) for n in names}


async def start_system(
    keys: testing.TestKeys,
    urls: dict[str, str],
    objects: Path,
    clock: Clock,
    *,
    archive_settings: dict[str, Any] | None = None,
    start_archive: bool = True,
) -> System:
    hosts: dict[str, ServiceHost] = {}
    system = System(keys, clock, hosts, urls, objects)
    try:
        hosts["audit"] = await testing.start_host(AUDIT, keys, database_url=urls["audit"])
        audit = f"127.0.0.1:{hosts['audit'].port}"
        hosts["clients"] = await testing.start_host(
            CLIENTS, keys, database_url=urls["clients"], audit_address=audit
        )
        clients = f"127.0.0.1:{hosts['clients'].port}"
        hosts["plans"] = await testing.start_host(
            PLANS,
            keys,
            database_url=urls["plans"],
            audit_address=audit,
            clients_address=clients,
            programme_address=testing.UNREACHABLE,
        )
        hosts["guidance"] = await testing.start_host(
            GUIDANCE,
            keys,
            database_url=urls["guidance"],
            audit_address=audit,
            clients_address=clients,
        )
        hosts["contracts"] = await testing.start_host(
            CONTRACTS,
            keys,
            database_url=urls["contracts"],
            audit_address=audit,
            clients_address=clients,
            object_store_url=str(objects / "contracts"),
        )
        hosts["welfare"] = await testing.start_host(
            WELFARE,
            keys,
            database_url=urls["welfare"],
            audit_address=audit,
            clients_address=clients,
            assessment_address=testing.UNREACHABLE,
            plans_address=f"127.0.0.1:{hosts['plans'].port}",
        )
        hosts["reporting"] = await testing.start_host(
            REPORTING,
            keys,
            # No invitation is handed to messaging here.
            run_background=False,
            database_url=urls["reporting"],
            audit_address=audit,
            clients_address=clients,
            messaging_address=testing.UNREACHABLE,
        )
        if start_archive:
            hosts["archive"] = await testing.start_host(
                ARCHIVE,
                keys,
                clock=clock,
                run_background=False,
                **archive_host_settings(system, **(archive_settings or {})),
            )
    except BaseException:
        await system.stop()
        raise
    return system


def archive_host_settings(system: System, **overrides: Any) -> dict[str, Any]:
    hosts = system.hosts
    settings: dict[str, Any] = {
        "database_url": system.urls["archive"],
        "audit_address": f"127.0.0.1:{hosts['audit'].port}",
        "object_store_url": str(system.objects / "archive"),
        "record_services": {n: f"127.0.0.1:{hosts[n].port}" for n in RECORD_SERVICES},
        "plans_address": f"127.0.0.1:{hosts['plans'].port}",
        "retry_base_seconds": 0.01,
        "retry_max_attempts": 2,
        "call_timeout_seconds": 10,
    }
    settings.update(overrides)
    return settings


async def deliver_audit(system: System) -> None:
    """Hands every service's audit outbox to the audit service now."""
    for host in system.hosts.values():
        if host.relay is not None:
            await host.relay.deliver_once()


@contextlib.asynccontextmanager
async def running(
    keys: testing.TestKeys, database_url: str, tmp_path: Path, **options: Any
) -> AsyncIterator[System]:
    names = ("audit", *RECORD_SERVICES, "archive")
    with databases(database_url, names) as urls:
        system = await start_system(keys, urls, tmp_path / "objects", Clock(), **options)
        try:
            yield system
        finally:
            await system.stop()
