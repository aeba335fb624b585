"""The data generator's rows are what the services would have stored: a small population is
generated into fresh PostgreSQL databases and read back through the real services over gRPC
(search, family links, assessments, plans), and its audit history verifies as one intact chain
through the real audit service."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import grpc
import psycopg
import pytest

from kotopolku.assessment.domain import rules as assessment_rules
from kotopolku.assessment.domain.model import AssessmentKind
from kotopolku.assessment.service import DEFINITION as ASSESSMENT
from kotopolku.assessment.v1 import assessment_pb2, assessment_pb2_grpc
from kotopolku.audit.service import DEFINITION as AUDIT
from kotopolku.audit.v1 import audit_pb2, audit_pb2_grpc
from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.clients.validation import (
    PERMIT_TO_PROTO,
    SEGMENT_TO_PROTO,
    STATUS_TO_PROTO,
    client_values,
)
from kotopolku.common import testing
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.plans.service import DEFINITION as PLANS
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from loadtests import datagen

CLIENTS_COUNT = 400
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def officer(municipality: str, *roles: str) -> Caller:
    return Caller(
        subject=f"officer-{municipality}",
        roles=frozenset(roles or (Role.MUNICIPAL_OFFICER,)),
        purpose="integration-services",
        municipality=municipality,
    )


@pytest.fixture(scope="module")
def population() -> Iterator[datagen.Options]:
    server = testing.postgres_server_or_skip()
    options = datagen.Options(
        server=server,
        clients=CLIENTS_COUNT,
        prefix=f"kp_test_dg_{uuid.uuid4().hex[:8]}",
        seed=5,
        now=NOW,
    )
    report = datagen.generate(options, progress=False)
    assert report.rows["clients"] == CLIENTS_COUNT
    try:
        yield options
    finally:
        with psycopg.connect(datagen.libpq_url(server), autocommit=True) as connection:
            for target in datagen.TARGETS:
                name = datagen.database_name(options.prefix, target.definition.name)
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def url_of(options: datagen.Options, service: str) -> str:
    return datagen.database_url(options.server, datagen.database_name(options.prefix, service))


def rows(options: datagen.Options, service: str, query: str) -> list[Any]:
    with psycopg.connect(datagen.libpq_url(url_of(options, service))) as connection:
        return list(connection.execute(query).fetchall())  # type: ignore[arg-type]


class Running:
    """Real services on the generated databases, each on its own port."""

    def __init__(self, keys: testing.TestKeys) -> None:
        self.keys = keys
        self.hosts: list[ServiceHost] = []
        self.channels: list[grpc.aio.Channel] = []

    async def start(self, definition: Any, url: str, **settings: Any) -> grpc.aio.Channel:
        host = await testing.start_host(
            definition, self.keys, database_url=url, run_background=False, **settings
        )
        self.hosts.append(host)
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{host.port}")
        self.channels.append(channel)
        return channel

    def md(self, caller: Caller) -> tuple[tuple[str, str], ...]:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()
        for host in self.hosts:
            await host.stop(0)


@pytest.fixture
async def running(keys: testing.TestKeys) -> AsyncIterator[Running]:
    services = Running(keys)
    try:
        yield services
    finally:
        await services.close()


def test_the_schema_is_the_migrated_one(population: datagen.Options) -> None:
    """Indexes and constraints set aside for loading are all back, exactly as migrated."""
    query = (
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
        " UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
    )
    for target in datagen.TARGETS:
        definition = target.definition
        assert definition.migrations is not None
        with testing.fresh_postgres_database(population.server) as fresh:
            datagen.migrations.upgrade(fresh, definition.name, definition.migrations)
            with psycopg.connect(datagen.libpq_url(fresh)) as connection:
                migrated = list(connection.execute(query).fetchall())  # type: ignore[arg-type]
        assert rows(population, definition.name, query) == migrated


def test_client_rows_are_what_the_service_would_store(population: datagen.Options) -> None:
    """Each row is a fixed point of the service's own validation of a create request."""
    found = rows(
        population,
        "clients",
        "SELECT first_names, last_name, date_of_birth, henkilotunnus, languages, contact,"
        " segment, residence_permit_type, first_permit_date, status FROM clients",
    )
    assert len(found) == CLIENTS_COUNT
    with_code = 0
    for first, last, born, code, languages, contact, segment, permit, permit_date, status in found:
        message = clients_pb2.Client(
            first_names=first,
            last_name=last,
            date_of_birth=born.isoformat(),
            henkilotunnus=code or "",
            languages=languages,
            contact=clients_pb2.ContactDetails(**contact),
            segment=SEGMENT_TO_PROTO[segment],
            residence_permit_type=PERMIT_TO_PROTO[permit],
            first_permit_date=permit_date.isoformat(),
            status=STATUS_TO_PROTO[status],
        )
        values = client_values(message, today=NOW.date())
        assert values == {
            "first_names": first,
            "last_name": last,
            "date_of_birth": born,
            "henkilotunnus": code,
            "languages": languages,
            "contact": contact,
            "segment": segment,
            "residence_permit_type": permit,
            "first_permit_date": permit_date,
            "status": status,
        }
        with_code += code is not None
        if code is not None:
            assert 900 <= int(code[7:10]) <= 999, "only temporary identity codes"
    assert 0.6 < with_code / CLIENTS_COUNT < 0.9
    municipalities = rows(population, "clients", "SELECT DISTINCT municipality_code FROM clients")
    assert len(municipalities) >= 5


def test_completed_assessments_are_complete(population: datagen.Options) -> None:
    found = rows(population, "assessment", "SELECT kind, state, content FROM assessments")
    assert found
    for kind, state, content in found:
        if state == "COMPLETED":
            assert assessment_rules.completion_problems(AssessmentKind(kind), content) == []


async def test_the_clients_service_finds_and_reads_the_population(
    population: datagen.Options, running: Running
) -> None:
    channel = await running.start(CLIENTS, url_of(population, "clients"))
    stub = clients_pb2_grpc.ClientsServiceStub(channel)
    sample = rows(
        population,
        "clients",
        "SELECT id, municipality_code, first_names, last_name, henkilotunnus, date_of_birth"
        " FROM clients ORDER BY id LIMIT 40",
    )
    rng = random.Random(1)
    for client_id, municipality, first, last, code, born in sample:
        md = running.md(officer(municipality))
        read = await stub.GetClient(clients_pb2.GetClientRequest(client_id=client_id), metadata=md)
        assert (read.first_names, read.last_name) == (first, last)
        query = rng.choice([last, f"{first.split()[0]} {last}", last[:3]])
        found: list[str] = []
        token = ""
        while True:
            page = await stub.SearchClients(
                clients_pb2.SearchClientsRequest(name=query, page_size=200, page_token=token),
                metadata=md,
            )
            found += [c.id for c in page.clients]
            assert all(c.municipality_code == municipality for c in page.clients)
            token = page.next_page_token
            if not token:
                break
        assert client_id in found, query
        by_birth = await stub.SearchClients(
            clients_pb2.SearchClientsRequest(name=last, date_of_birth=born.isoformat()),
            metadata=md,
        )
        assert client_id in [c.id for c in by_birth.clients]
        if code:
            by_code = await stub.SearchClients(
                clients_pb2.SearchClientsRequest(henkilotunnus=code), metadata=md
            )
            assert [c.id for c in by_code.clients] == [client_id]
    linked = rows(population, "clients", "SELECT client_id, related_client_id FROM family_links")
    assert linked
    owner, related = linked[0]
    (municipality,) = rows(
        population, "clients", f"SELECT municipality_code FROM clients WHERE id = '{owner}'"
    )[0]
    links = await stub.ListFamilyLinks(
        clients_pb2.ListFamilyLinksRequest(client_id=owner),
        metadata=running.md(officer(municipality)),
    )
    assert related in [link.related_client_id for link in links.links]


async def test_assessments_and_plans_are_served_by_their_services(
    population: datagen.Options, running: Running
) -> None:
    # Reads by the municipality's own officers need no other service.
    nowhere = testing.UNREACHABLE
    assessments = assessment_pb2_grpc.AssessmentServiceStub(
        await running.start(ASSESSMENT, url_of(population, "assessment"), clients_address=nowhere)
    )
    plans = plans_pb2_grpc.PlansServiceStub(
        await running.start(
            PLANS,
            url_of(population, "plans"),
            clients_address=nowhere,
            programme_address=nowhere,
        )
    )
    for assessment_id, client_id, municipality, state in rows(
        population,
        "assessment",
        "SELECT id, client_id, municipality_code, state FROM assessments ORDER BY id LIMIT 20",
    ):
        md = running.md(officer(municipality))
        read = await assessments.GetAssessment(
            assessment_pb2.GetAssessmentRequest(assessment_id=assessment_id), metadata=md
        )
        assert read.client_id == client_id
        assert assessment_pb2.AssessmentState.Name(read.state).endswith(state)
        listed = await assessments.ListAssessments(
            assessment_pb2.ListAssessmentsRequest(client_id=client_id), metadata=md
        )
        assert assessment_id in [a.id for a in listed.assessments]
    statuses: set[str] = set()
    for plan_id, client_id, municipality, status in rows(
        population,
        "plans",
        "SELECT id, client_id, municipality_code, status FROM plans ORDER BY id LIMIT 30",
    ):
        md = running.md(officer(municipality))
        plan = await plans.GetPlan(plans_pb2.GetPlanRequest(plan_id=plan_id), metadata=md)
        assert plan.client_id == client_id
        assert plans_pb2.PlanStatus.Name(plan.status).endswith(status)
        assert plan.goals
        assert plan.history[0].to_status == plans_pb2.PLAN_STATUS_DRAFT
        if status in ("ACTIVE", "ENDED"):
            assert len(plan.approvals) == 2
        statuses.add(status)
        listed = await plans.ListClientPlans(
            plans_pb2.ListClientPlansRequest(client_id=client_id), metadata=md
        )
        assert plan_id in [p.id for p in listed.plans]
    assert {"ACTIVE", "ENDED"} <= statuses


async def test_the_audit_history_is_one_intact_chain(
    population: datagen.Options, running: Running
) -> None:
    stub = audit_pb2_grpc.AuditServiceStub(await running.start(AUDIT, url_of(population, "audit")))
    count, head = rows(
        population,
        "audit",
        "SELECT (SELECT count(*) FROM audit_entries), position FROM audit_chain_head",
    )[0]
    assert count == head > CLIENTS_COUNT * 3
    auditor = Caller("auditor", frozenset({Role.AUDITOR}), "supervision", municipality="091")
    result = await stub.VerifyChain(audit_pb2.VerifyChainRequest(), metadata=running.md(auditor))
    assert (result.intact, result.entries_checked) == (True, count)
    # The trail of a client tells its story in order, as the services recorded it.
    (client_id,) = rows(
        population,
        "clients",
        "SELECT id FROM clients WHERE municipality_code = '091' ORDER BY created_at LIMIT 1",
    )[0]
    trail = await stub.QueryEvents(
        audit_pb2.QueryEventsRequest(subject_client_id=client_id, page_size=200),
        metadata=running.md(auditor),
    )
    actions = [e.event.action for e in reversed(trail.events)]
    assert actions[0] == "client.create"
    times = [e.recorded_at.ToDatetime() for e in reversed(trail.events)]
    assert times == sorted(times)


def test_a_population_is_recognised_and_kept(population: datagen.Options) -> None:
    assert datagen.is_generated(population)
    other = datagen.Options(
        server=population.server, clients=CLIENTS_COUNT + 1, prefix=population.prefix
    )
    assert not datagen.is_generated(other)
    with pytest.raises(SystemExit, match="already exist"):
        datagen.prepare_databases(population, replace=False)
    for stamp in datagen.stamps(population.server, population.prefix).values():
        assert stamp is not None
        assert json.loads(stamp.removeprefix(datagen.STAMP_PREFIX))["clients"] == CLIENTS_COUNT
