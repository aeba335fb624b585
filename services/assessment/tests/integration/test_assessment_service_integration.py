"""Integration tests of the assessment service: the real service in-process, called over gRPC.

Each test starts the real clients service and the real assessment service with
:class:`ServiceHost` (migrations, interceptors, identity verification, audit outbox) on fresh
databases of each kind (SQLite and PostgreSQL), the assessment service pointed at the clients
service. Calls carry gateway-signed caller assertions. The audit service is not running, so audit
events are read from each service's ``audit_outbox`` table. A welfare area's team member sees an
assessment only on an accepted cooperation, which the real welfare service (on a SQLite file of its
own) holds: :meth:`System.cooperate` requests and accepts one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy.engine import make_url

from kotopolku.assessment.service import DEFINITION, AssessmentSettings
from kotopolku.assessment.tables import (
    assessments,
    audit_outbox,
    corrections,
    measures,
    sensitive_notes,
)
from kotopolku.assessment.v1 import assessment_pb2 as pb
from kotopolku.assessment.v1 import assessment_pb2_grpc
from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.service import ClientsSettings
from kotopolku.clients.tables import audit_outbox as clients_outbox
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.common.testing import fresh_postgres_database, postgres_server_or_skip
from kotopolku.welfare.service import DEFINITION as WELFARE_DEFINITION
from kotopolku.welfare.service import WelfareSettings
from kotopolku.welfare.v1 import welfare_pb2, welfare_pb2_grpc

PURPOSE = "integration-services"
UNREACHABLE = "127.0.0.1:1"

OFFICER = Caller("officer-091", frozenset({Role.MUNICIPAL_OFFICER}), PURPOSE, municipality="091")
EMPLOYMENT = Caller(
    "employment-091", frozenset({Role.EMPLOYMENT_OFFICER}), PURPOSE, municipality="091"
)
MANAGER = Caller("manager-091", frozenset({Role.MANAGER}), "management", municipality="091")
AUDITOR = Caller("auditor-091", frozenset({Role.AUDITOR}), "audit-review", municipality="091")
OFFICER_837 = Caller(
    "officer-837", frozenset({Role.MUNICIPAL_OFFICER}), PURPOSE, municipality="837"
)
PIRKANMAA = Caller(
    "worker-pirkanmaa",
    frozenset({Role.WELFARE_AREA_WORKER}),
    "welfare-cooperation",
    welfare_area="pirkanmaa",
)
VANTAA = Caller(
    "worker-vantaa",
    frozenset({Role.WELFARE_AREA_WORKER}),
    "welfare-cooperation",
    welfare_area="vantaa-kerava",
)
OPISTO = Caller(
    "provider-opisto",
    frozenset({Role.SERVICE_PROVIDER}),
    "service-provision",
    municipality="091",
    organisation="opisto",
)
OTHER_PROVIDER = Caller(
    "provider-other",
    frozenset({Role.SERVICE_PROVIDER}),
    "service-provision",
    municipality="091",
    organisation="kielikoulu",
)
OPISTO_837 = Caller(
    "provider-opisto-837",
    frozenset({Role.SERVICE_PROVIDER}),
    "service-provision",
    municipality="837",
    organisation="opisto",
)

ALL_AREAS = (
    "literacy",
    "language_skills",
    "study_and_working_life_skills",
    "education_and_work_history",
    "special_skills_and_strengths",
    "own_goals",
    "societal_knowledge_and_participation",
    "life_situation_and_service_needs",
)
SECRET_NOTE = "Lastensuojelun asiakkuus, ei jaeta tiimille"


# --- helpers -----------------------------------------------------------------------------


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


def mask(*paths: str) -> FieldMask:
    return FieldMask(paths=list(paths))


def answered_basic() -> pb.BasicAreas:
    """Every interview area answered; language skills with CEFR levels, one not assessed."""
    basic = pb.BasicAreas(
        language_proficiencies=[
            pb.LanguageProficiency(
                language="fi",
                reading=pb.CEFR_LEVEL_A2,
                writing=pb.CEFR_LEVEL_A1,
                listening=pb.CEFR_LEVEL_B1,
                speaking=pb.CEFR_LEVEL_A2,
            )
        ]
    )
    for name in ALL_AREAS:
        getattr(basic, name).summary = f"Havainnot: {name}"
    basic.special_skills_and_strengths.CopyFrom(
        pb.AreaFinding(not_assessed=True, not_assessed_reason="Asiakas ei halunnut kertoa")
    )
    return basic


def plan_outcome() -> pb.Assessment:
    return pb.Assessment(
        outcome=pb.Outcome(
            kind=pb.OUTCOME_KIND_INTEGRATION_PLAN_NEEDED, reason="Tarvitsee kielikoulutusta"
        ),
        next_step=pb.NextStep(
            date=(date.today() + timedelta(days=14)).isoformat(),
            description="Kotoutumissuunnitelman laadinta",
        ),
    )


@dataclass
class System:
    keys: testing.TestKeys
    clients_host: ServiceHost
    host: ServiceHost
    channel: grpc.aio.Channel
    clients_channel: grpc.aio.Channel
    stub: assessment_pb2_grpc.AssessmentServiceAsyncStub
    clients: clients_pb2_grpc.ClientsServiceAsyncStub
    welfare: welfare_pb2_grpc.WelfareServiceAsyncStub

    def md(self, caller: Caller) -> tuple[tuple[str, str], ...]:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def cooperate(self, client_id: str, worker: Caller) -> welfare_pb2.Cooperation:
        """The welfare area's accepted cooperation in the client's multi-sector assessment."""
        category = welfare_pb2.DATA_CATEGORY_MULTI_SECTOR_ASSESSMENT
        requested = await self.welfare.RequestCooperation(
            welfare_pb2.RequestCooperationRequest(
                client_id=client_id,
                welfare_area=worker.welfare_area or "",
                scope=[category],
                reason="Monialainen arviointi",
                municipal_contact=welfare_pb2.MunicipalContact(name="Olli", phone="0401234567"),
                basis=welfare_pb2.DisclosureBasis(
                    kind=welfare_pb2.BASIS_KIND_LEGAL,
                    categories=[category],
                    legal_reference="Laki kotoutumisen edistämisestä 681/2023",
                ),
            ),
            metadata=self.md(OFFICER),
        )
        return await self.welfare.AnswerCooperation(
            welfare_pb2.AnswerCooperationRequest(
                cooperation_id=requested.id,
                accept=True,
                responsible=welfare_pb2.ResponsiblePerson(name="Sari", phone="0407654321"),
            ),
            metadata=self.md(worker),
        )

    async def new_client(
        self, caller: Caller = OFFICER, last_name: str = "Hassan"
    ) -> clients_pb2.Client:
        return await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina", last_name=last_name, date_of_birth="1990-01-01"
                )
            ),
            metadata=self.md(caller),
        )

    async def create(
        self,
        client_id: str,
        kind: int = pb.ASSESSMENT_KIND_BASIC,
        caller: Caller = OFFICER,
        content: pb.Assessment | None = None,
        fields: tuple[str, ...] = (),
        key: str = "",
    ) -> pb.Assessment:
        return await self.stub.CreateAssessment(
            pb.CreateAssessmentRequest(
                client_id=client_id,
                kind=kind,
                assessment=content,
                fields=mask(*fields),
                idempotency_key=key,
            ),
            metadata=self.md(caller),
        )

    async def get(self, assessment_id: str, caller: Caller = OFFICER) -> pb.Assessment:
        return await self.stub.GetAssessment(
            pb.GetAssessmentRequest(assessment_id=assessment_id), metadata=self.md(caller)
        )

    async def update(
        self,
        current: pb.Assessment,
        content: pb.Assessment,
        *paths: str,
        caller: Caller = OFFICER,
        version: int | None = None,
    ) -> pb.Assessment:
        return await self.stub.UpdateAssessment(
            pb.UpdateAssessmentRequest(
                assessment_id=current.id,
                assessment=content,
                update_mask=mask(*paths),
                expected_version=current.version if version is None else version,
            ),
            metadata=self.md(caller),
        )

    async def complete(self, current: pb.Assessment, caller: Caller = OFFICER) -> pb.Assessment:
        return await self.stub.CompleteAssessment(
            pb.CompleteAssessmentRequest(
                assessment_id=current.id, expected_version=current.version
            ),
            metadata=self.md(caller),
        )

    async def correct(
        self,
        current: pb.Assessment,
        content: pb.Assessment,
        *paths: str,
        reason: str = "Kirjausvirhe",
        caller: Caller = OFFICER,
    ) -> pb.Assessment:
        return await self.stub.CorrectAssessment(
            pb.CorrectAssessmentRequest(
                assessment_id=current.id,
                assessment=content,
                update_mask=mask(*paths),
                expected_version=current.version,
                reason=reason,
            ),
            metadata=self.md(caller),
        )

    async def order(
        self,
        assessment_id: str,
        provider: str = "opisto",
        kind: int = pb.MEASURE_KIND_LANGUAGE_LEVEL_TEST,
        caller: Caller = OFFICER,
        key: str = "",
    ) -> pb.RefiningMeasure:
        return await self.stub.OrderMeasure(
            pb.OrderMeasureRequest(
                assessment_id=assessment_id,
                measure=pb.RefiningMeasure(
                    kind=kind,
                    provider_organisation=provider,
                    instructions="Suomen kielen lähtötason testi",
                    due_date=(date.today() + timedelta(days=30)).isoformat(),
                ),
                idempotency_key=key,
            ),
            metadata=self.md(caller),
        )

    async def mine(self, caller: Caller = OPISTO, **options: Any) -> pb.ListMeasuresResponse:
        return await self.stub.ListMeasures(
            pb.ListMeasuresRequest(mine=True, **options), metadata=self.md(caller)
        )

    async def record(
        self, measure_id: str, result: pb.MeasureResult, caller: Caller = OPISTO
    ) -> pb.RefiningMeasure:
        return await self.stub.RecordMeasureResult(
            pb.RecordMeasureResultRequest(measure_id=measure_id, result=result),
            metadata=self.md(caller),
        )

    async def count(self, table: sa.Table) -> int:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

    async def audit_events(self, host: ServiceHost | None = None) -> list[audit_pb2.AuditEvent]:
        host = host or self.host
        assert host.database is not None
        outbox = audit_outbox if host is self.host else clients_outbox
        async with host.database.engine.connect() as connection:
            rows = await connection.execute(sa.select(outbox.c.payload).order_by(outbox.c.seq))
            return [audit_pb2.AuditEvent.FromString(row.payload) for row in rows]

    async def raw_rows(self, table: sa.Table) -> list[Any]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(sa.select(table))).all())


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


@pytest.fixture
def clients_database_url(database_url: str) -> Iterator[str]:
    """A database of the same kind for the clients service (each service owns its own)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        yield url.set(database=str(Path(url.database).with_name("clients.db"))).render_as_string(
            hide_password=False
        )
        return
    with fresh_postgres_database(postgres_server_or_skip()) as other:
        yield other


@pytest.fixture
async def system(
    keys: testing.TestKeys, database_url: str, clients_database_url: str, tmp_path: Path
) -> AsyncIterator[System]:
    clients_host = ServiceHost(
        CLIENTS_DEFINITION,
        ClientsSettings(database_url=clients_database_url, **_settings(keys)),
        verifier=keys.verifier(),
    )
    clients_port = await clients_host.start()
    welfare_host = ServiceHost(
        WELFARE_DEFINITION,
        WelfareSettings(
            database_url=f"sqlite:///{tmp_path / 'welfare.db'}",
            clients_address=f"127.0.0.1:{clients_port}",
            **_settings(keys),
        ),
        verifier=keys.verifier(),
    )
    welfare_port = await welfare_host.start()
    host = ServiceHost(
        DEFINITION,
        AssessmentSettings(
            database_url=database_url,
            clients_address=f"127.0.0.1:{clients_port}",
            welfare_address=f"127.0.0.1:{welfare_port}",
            **_settings(keys),
        ),
        verifier=keys.verifier(),
    )
    try:
        port = await host.start()
    except BaseException:
        await welfare_host.stop(0)
        await clients_host.stop(0)
        raise
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    clients_channel = grpc.aio.insecure_channel(f"127.0.0.1:{clients_port}")
    welfare_channel = grpc.aio.insecure_channel(f"127.0.0.1:{welfare_port}")
    running = System(
        keys,
        clients_host,
        host,
        channel,
        clients_channel,
        assessment_pb2_grpc.AssessmentServiceStub(channel),  # type: ignore[arg-type]
        clients_pb2_grpc.ClientsServiceStub(clients_channel),  # type: ignore[arg-type]
        welfare_pb2_grpc.WelfareServiceStub(welfare_channel),  # type: ignore[arg-type]
    )
    try:
        yield running
    finally:
        await channel.close()
        await clients_channel.close()
        await welfare_channel.close()
        await host.stop(0)
        await welfare_host.stop(0)
        await clients_host.stop(0)


# --- creating ----------------------------------------------------------------------------


async def test_create_checks_the_client_with_the_officers_identity_and_is_audited(
    system: System,
) -> None:
    client = await system.new_client()
    content = pb.Assessment(basic=pb.BasicAreas(literacy=pb.AreaFinding(summary="Lukee arabiaa")))

    created = await system.create(client.id, content=content, fields=("basic.literacy",))

    assert created.id
    assert created.version == 1
    assert created.client_id == client.id
    assert created.municipality_code == "091"
    assert created.kind == pb.ASSESSMENT_KIND_BASIC
    assert created.state == pb.ASSESSMENT_STATE_DRAFT
    assert created.basic.literacy.summary == "Lukee arabiaa"
    assert created.created_by == OFFICER.subject
    assert await system.get(created.id) == created

    # The clients service saw the officer (the assertion was forwarded), not the service.
    client_reads = [
        e for e in await system.audit_events(system.clients_host) if e.action == "client.read"
    ]
    assert [e.actor_subject for e in client_reads] == [OFFICER.subject]
    assert client_reads[0].subject_client_id == client.id

    events = await system.audit_events()
    assert [e.action for e in events] == ["assessment.create", "assessment.read"]
    for event in events:
        assert event.service == "assessment"
        assert event.subject_client_id == client.id
        assert event.municipality_code == "091"
        assert event.resource == f"assessments/{created.id}"
        assert event.actor_subject == OFFICER.subject
    assert list(events[0].fields) == ["kind", "basic.literacy"]
    assert "basic.literacy" in events[1].fields
    payloads = b"".join(e.SerializeToString() for e in events)
    assert b"Lukee arabiaa" not in payloads


async def test_create_refuses_unknown_and_foreign_clients_as_not_found(system: System) -> None:
    tampere_client = await system.new_client(OFFICER_837, "Tampere")

    await rpc_error(system.create(str(uuid.uuid4())), grpc.StatusCode.NOT_FOUND)
    await rpc_error(system.create("not-a-uuid"), grpc.StatusCode.NOT_FOUND)
    error = await rpc_error(system.create(tampere_client.id), grpc.StatusCode.NOT_FOUND)
    assert error.type == "not-found"
    assert await system.count(assessments) == 0

    # The other municipality's officer may of course assess their own client.
    created = await system.create(tampere_client.id, caller=OFFICER_837)
    assert created.municipality_code == "837"
    await rpc_error(system.get(created.id), grpc.StatusCode.NOT_FOUND)
    refused = (await system.audit_events())[-1]
    assert refused.outcome == "denied"
    assert refused.actor_subject == OFFICER.subject
    assert refused.subject_client_id == tampere_client.id


async def test_an_inactive_clients_record_gets_no_new_assessment(system: System) -> None:
    client = await system.new_client()
    await system.clients.UpdateClient(
        clients_pb2.UpdateClientRequest(
            client_id=client.id,
            client=clients_pb2.Client(status=clients_pb2.CLIENT_STATUS_INACTIVE),
            update_mask=mask("status"),
            expected_version=client.version,
        ),
        metadata=system.md(OFFICER),
    )
    error = await rpc_error(system.create(client.id), grpc.StatusCode.FAILED_PRECONDITION)
    assert error.type == "invalid-state"
    assert await system.count(assessments) == 0


async def test_only_officers_create_and_input_is_validated(system: System) -> None:
    client = await system.new_client()
    for caller in (MANAGER, PIRKANMAA, OPISTO, AUDITOR):
        error = await rpc_error(
            system.create(client.id, caller=caller), grpc.StatusCode.PERMISSION_DENIED
        )
        assert error.type == "forbidden"

    # The employment authority runs the same process.
    assert (await system.create(client.id, caller=EMPLOYMENT)).created_by == EMPLOYMENT.subject

    error = await rpc_error(
        system.create(client.id, kind=pb.ASSESSMENT_KIND_UNSPECIFIED),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["kind"]
    bad = pb.Assessment(
        basic=pb.BasicAreas(
            literacy=pb.AreaFinding(not_assessed=True),
            own_goals=pb.AreaFinding(summary="x", not_assessed_reason="y"),
            language_proficiencies=[pb.LanguageProficiency(language="en", reading=1)],
        ),
        next_step=pb.NextStep(date="2026-02-30", description="Tapaaminen"),
    )
    error = await rpc_error(
        system.create(
            client.id,
            content=bad,
            fields=(
                "basic.literacy",
                "basic.own_goals",
                "basic.language_proficiencies",
                "next_step",
            ),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in error.violations} == {
        "basic.literacy.not_assessed_reason",
        "basic.own_goals.not_assessed_reason",
        "basic.language_proficiencies[0].language",
        "next_step.date",
    }
    error = await rpc_error(
        system.create(client.id, content=pb.Assessment(), fields=("multi_sector.team",)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "multi-sector" in error.violations[0].description
    await rpc_error(
        system.create(client.id, content=pb.Assessment(), fields=("basic.nonsense",)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert await system.count(assessments) == 1


async def test_create_is_idempotent_by_key(system: System) -> None:
    client = await system.new_client()

    first = await system.create(client.id, key="create-1")
    again = await system.create(client.id, key="create-1")
    assert again.id == first.id
    assert await system.count(assessments) == 1

    error = await rpc_error(
        system.create(client.id, kind=pb.ASSESSMENT_KIND_MULTI_SECTOR, key="create-1"),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert error.type == "idempotency-key-reused"
    # Keys are the caller's own: another officer's same key is a new assessment.
    other = await system.create(client.id, caller=EMPLOYMENT, key="create-1")
    assert other.id != first.id


async def test_clients_service_down_answers_unavailable_and_writes_nothing(
    system: System,
) -> None:
    client = await system.new_client()
    await system.clients_host.stop(0)

    error = await rpc_error(system.create(client.id), grpc.StatusCode.UNAVAILABLE)

    assert error.type == "service-unavailable"
    assert await system.count(assessments) == 0


# --- editing, completing, correcting -----------------------------------------------------


async def test_update_needs_a_mask_and_the_current_version(system: System) -> None:
    client = await system.new_client()
    draft = await system.create(client.id)

    content = pb.Assessment(basic=answered_basic())
    updated = await system.update(draft, content, "basic")
    assert updated.version == 2
    assert updated.basic == answered_basic()

    error = await rpc_error(
        system.update(draft, content, "basic"), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert error.type == "stale-version"
    await rpc_error(system.update(updated, content), grpc.StatusCode.INVALID_ARGUMENT)
    await rpc_error(
        system.update(updated, content, "basic", version=0), grpc.StatusCode.INVALID_ARGUMENT
    )

    # An empty value clears a field.
    cleared = await system.update(updated, pb.Assessment(), "basic.own_goals")
    assert not cleared.basic.HasField("own_goals")
    assert cleared.basic.literacy.summary

    # Managers read but never write.
    assert (await system.get(cleared.id, MANAGER)).version == cleared.version
    error = await rpc_error(
        system.update(cleared, content, "basic.literacy", caller=MANAGER),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert [v.field for v in error.violations] == ["basic.literacy"]

    events = [e for e in await system.audit_events() if e.action == "assessment.update"]
    assert list(events[-1].fields) == ["basic.own_goals"]
    assert "basic.language_proficiencies" in events[0].fields


async def test_completing_needs_every_area_and_an_outcome_then_freezes(system: System) -> None:
    client = await system.new_client()
    draft = await system.create(client.id)

    error = await rpc_error(system.complete(draft), grpc.StatusCode.FAILED_PRECONDITION)
    assert error.type == "invalid-state"
    assert {v.field for v in error.violations} == {f"basic.{a}" for a in ALL_AREAS} | {"outcome"}

    partial = answered_basic()
    partial.ClearField("own_goals")
    draft = await system.update(draft, pb.Assessment(basic=partial), "basic")
    outcome_only = plan_outcome()
    outcome_only.ClearField("next_step")
    draft = await system.update(draft, outcome_only, "outcome")
    error = await rpc_error(system.complete(draft), grpc.StatusCode.FAILED_PRECONDITION)
    assert {v.field for v in error.violations} == {"basic.own_goals", "next_step"}

    # Not assessed counts as answered when a reason is given.
    draft = await system.update(
        draft,
        pb.Assessment(
            basic=pb.BasicAreas(
                own_goals=pb.AreaFinding(not_assessed=True, not_assessed_reason="Ei tulkkia")
            )
        ),
        "basic.own_goals",
    )
    draft = await system.update(draft, plan_outcome(), "next_step")
    with pytest.raises(grpc.aio.AioRpcError):
        await system.complete(draft, caller=MANAGER)
    completed = await system.complete(draft)

    assert completed.state == pb.ASSESSMENT_STATE_COMPLETED
    assert completed.completed_by == OFFICER.subject
    assert completed.completed_at.seconds > 0
    assert completed.version == draft.version + 1
    error = await rpc_error(
        system.update(completed, pb.Assessment(), "basic.literacy"),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error.type == "invalid-state"
    await rpc_error(system.complete(completed), grpc.StatusCode.FAILED_PRECONDITION)
    await rpc_error(system.order(completed.id), grpc.StatusCode.FAILED_PRECONDITION)


async def _completed(system: System, kind: int = pb.ASSESSMENT_KIND_BASIC) -> pb.Assessment:
    client = await system.new_client()
    content = plan_outcome()
    content.basic.CopyFrom(answered_basic())
    fields: tuple[str, ...] = ("basic", "outcome", "next_step")
    if kind == pb.ASSESSMENT_KIND_MULTI_SECTOR:
        content.multi_sector.team.add(
            name="Sari Sosiaali", role="sosiaalityöntekijä", welfare_area_code="pirkanmaa"
        )
        fields += ("multi_sector.team",)
    draft = await system.create(client.id, kind=kind, content=content, fields=fields)
    if kind == pb.ASSESSMENT_KIND_MULTI_SECTOR:
        await system.cooperate(client.id, PIRKANMAA)
    return await system.complete(draft)


async def test_a_completed_assessment_changes_only_by_a_recorded_correction(
    system: System,
) -> None:
    completed = await _completed(system)
    new_outcome = pb.Assessment(
        outcome=pb.Outcome(kind=pb.OUTCOME_KIND_NO_PLAN, reason="Työllistynyt kokoaikaisesti")
    )

    error = await rpc_error(
        system.correct(completed, new_outcome, "outcome", reason="  "),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["reason"]
    error = await rpc_error(
        system.correct(completed, pb.Assessment(), "basic.literacy"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "basic.literacy"
    await rpc_error(
        system.correct(completed, completed, "outcome"), grpc.StatusCode.INVALID_ARGUMENT
    )
    await rpc_error(
        system.correct(completed, new_outcome, "outcome", caller=MANAGER),
        grpc.StatusCode.PERMISSION_DENIED,
    )

    corrected = await system.correct(
        completed, new_outcome, "outcome", reason="Päätös kirjattiin väärin"
    )

    assert corrected.version == completed.version + 1
    assert corrected.state == pb.ASSESSMENT_STATE_COMPLETED
    assert corrected.outcome.kind == pb.OUTCOME_KIND_NO_PLAN
    [history] = corrected.corrections
    assert history.corrected_by == OFFICER.subject
    assert history.reason == "Päätös kirjattiin väärin"
    assert list(history.fields) == ["outcome"]
    assert history.corrected_at.seconds > 0
    # The value before the correction stays on record.
    [row] = await system.raw_rows(corrections)
    assert row.previous["outcome"]["kind"] == "INTEGRATION_PLAN_NEEDED"
    await rpc_error(
        system.correct(completed, new_outcome, "outcome"), grpc.StatusCode.FAILED_PRECONDITION
    )

    # A draft is edited, not corrected.
    draft = await system.create(completed.client_id)
    error = await rpc_error(
        system.correct(draft, new_outcome, "outcome"), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert error.type == "invalid-state"

    correct_events = [e for e in await system.audit_events() if e.action == "assessment.correct"]
    assert [list(e.fields) for e in correct_events] == [["outcome"]]


async def test_list_pages_through_a_clients_assessments_newest_first(system: System) -> None:
    client = await system.new_client()
    other_client = await system.new_client(last_name="Muu")
    created = [await system.create(client.id) for _ in range(5)]
    await system.create(other_client.id)

    seen: list[str] = []
    token = ""
    while True:
        page = await system.stub.ListAssessments(
            pb.ListAssessmentsRequest(client_id=client.id, page_size=2, page_token=token),
            metadata=system.md(MANAGER),
        )
        seen += [a.id for a in page.assessments]
        token = page.next_page_token
        if not token:
            break
    assert seen == [a.id for a in reversed(created)]

    foreign = await system.stub.ListAssessments(
        pb.ListAssessmentsRequest(client_id=client.id), metadata=system.md(OFFICER_837)
    )
    assert list(foreign.assessments) == []
    await rpc_error(
        system.stub.ListAssessments(
            pb.ListAssessmentsRequest(client_id=client.id), metadata=system.md(OPISTO)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(
        system.stub.ListAssessments(
            pb.ListAssessmentsRequest(client_id=client.id, page_token="!!"),
            metadata=system.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    listed = [e for e in await system.audit_events() if e.action == "assessment.list"]
    assert len(listed) == 5
    assert {e.subject_client_id for e in listed} == {client.id}


# --- multi-sector: the team's rights to data ---------------------------------------------


async def test_multi_sector_team_sections_and_sensitive_notes_are_seen_by_the_right_people(
    system: System,
) -> None:
    client = await system.new_client()
    team = pb.Assessment(
        multi_sector=pb.MultiSectorAreas(
            team=[
                pb.TeamMember(name="Olli Ohjaaja", role="kotoutumisohjaaja"),
                pb.TeamMember(
                    name="Sari Sosiaali", role="sosiaalityöntekijä", welfare_area_code="pirkanmaa"
                ),
            ],
            employment_and_education_service_needs=pb.RecordedSection(text="Kielikoulutus"),
        )
    )
    draft = await system.create(
        client.id,
        kind=pb.ASSESSMENT_KIND_MULTI_SECTOR,
        content=team,
        fields=("multi_sector.team", "multi_sector.employment_and_education_service_needs"),
    )
    section = draft.multi_sector.employment_and_education_service_needs
    assert section.recorded_by == OFFICER.subject
    assert not section.recorded_by_welfare_area
    # Being in the team opens nothing before the welfare area accepted the cooperation.
    await rpc_error(system.get(draft.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    await system.cooperate(client.id, PIRKANMAA)
    await system.cooperate(client.id, VANTAA)

    # A worker of the team's welfare area reads it and writes the welfare-area sections.
    seen = await system.get(draft.id, PIRKANMAA)
    assert seen.multi_sector.team == draft.multi_sector.team
    welfare = pb.Assessment(
        multi_sector=pb.MultiSectorAreas(
            mental_health_and_rehabilitation_needs=pb.RecordedSection(text="Traumaterapia"),
        ),
        sensitive_welfare_note=pb.SensitiveWelfareNote(text=SECRET_NOTE),
    )
    updated = await system.update(
        seen,
        welfare,
        "multi_sector.mental_health_and_rehabilitation_needs",
        "sensitive_welfare_note",
        caller=PIRKANMAA,
    )
    mental = updated.multi_sector.mental_health_and_rehabilitation_needs
    assert mental.text == "Traumaterapia"
    assert mental.recorded_by == PIRKANMAA.subject
    assert mental.recorded_by_welfare_area == "pirkanmaa"
    assert updated.sensitive_welfare_note.text == SECRET_NOTE
    assert updated.sensitive_welfare_note.welfare_area_code == "pirkanmaa"

    # The team sees the welfare-area section; nobody but that area sees the note.
    for caller in (OFFICER, EMPLOYMENT, MANAGER):
        view = await system.get(draft.id, caller)
        assert view.multi_sector.mental_health_and_rehabilitation_needs.text == "Traumaterapia"
        assert not view.HasField("sensitive_welfare_note")
        assert SECRET_NOTE.encode() not in view.SerializeToString()
    assert (await system.get(draft.id, PIRKANMAA)).sensitive_welfare_note.text == SECRET_NOTE

    # A welfare area outside the team sees nothing; neither does a provider.
    await rpc_error(system.get(draft.id, VANTAA), grpc.StatusCode.NOT_FOUND)
    await rpc_error(system.get(draft.id, OPISTO), grpc.StatusCode.PERMISSION_DENIED)

    # Each side writes only its own fields.
    error = await rpc_error(
        system.update(updated, plan_outcome(), "outcome", "multi_sector.team", caller=PIRKANMAA),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert {v.field for v in error.violations} == {"outcome", "multi_sector.team"}
    await rpc_error(
        system.update(updated, welfare, "sensitive_welfare_note", caller=OFFICER),
        grpc.StatusCode.PERMISSION_DENIED,
    )

    # A second welfare area joins: it writes its own note and never sees the first one's.
    updated = await system.get(draft.id)
    updated.multi_sector.team.add(
        name="Ville Vantaa", role="psykologi", welfare_area_code="vantaa-kerava"
    )
    updated = await system.update(updated, updated, "multi_sector.team")
    vantaa_view = await system.get(draft.id, VANTAA)
    assert not vantaa_view.HasField("sensitive_welfare_note")
    assert SECRET_NOTE.encode() not in vantaa_view.SerializeToString()
    await system.update(
        vantaa_view,
        pb.Assessment(sensitive_welfare_note=pb.SensitiveWelfareNote(text="Vantaan oma")),
        "sensitive_welfare_note",
        caller=VANTAA,
    )
    assert (await system.get(draft.id, PIRKANMAA)).sensitive_welfare_note.text == SECRET_NOTE
    assert (await system.get(draft.id, VANTAA)).sensitive_welfare_note.text == "Vantaan oma"
    assert await system.count(sensitive_notes) == 2

    # Lists follow the same rules: a welfare area lists only the assessments of its teams.
    await system.create(client.id)
    for caller, expected in ((PIRKANMAA, 1), (VANTAA, 1), (OFFICER, 2)):
        listed = await system.stub.ListAssessments(
            pb.ListAssessmentsRequest(client_id=client.id), metadata=system.md(caller)
        )
        assert len(listed.assessments) == expected, caller.subject

    # Audit: the note's field name is recorded only for the reads that showed it.
    reads = [e for e in await system.audit_events() if e.action == "assessment.read"]
    with_note = [e for e in reads if "sensitive_welfare_note" in e.fields]
    assert with_note
    assert all(e.welfare_area_code in ("pirkanmaa", "vantaa-kerava") for e in with_note)
    assert all(e.welfare_area_code for e in reads if e.actor_subject == PIRKANMAA.subject)
    assert not [e for e in reads if e.actor_subject == OFFICER.subject and e in with_note]
    assert all(SECRET_NOTE.encode() not in e.SerializeToString() for e in reads)

    # Removing the area from the team ends its access.
    current = await system.get(draft.id)
    del current.multi_sector.team[1]
    await system.update(current, current, "multi_sector.team")
    await rpc_error(system.get(draft.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)


async def test_a_team_member_sees_the_assessment_only_while_the_cooperation_holds(
    system: System,
) -> None:
    """An accepted cooperation on a basis that holds opens the assessment (and its measures) to
    the team's welfare area; when the basis is withdrawn it answers as if it did not exist."""
    client = await system.new_client()
    content = pb.Assessment(
        multi_sector=pb.MultiSectorAreas(
            team=[
                pb.TeamMember(name="Sari", role="sosiaalityöntekijä", welfare_area_code="pirkanmaa")
            ]
        )
    )
    draft = await system.create(
        client.id, kind=pb.ASSESSMENT_KIND_MULTI_SECTOR, content=content, fields=("multi_sector",)
    )
    measure = await system.order(draft.id)
    accepted = await system.cooperate(client.id, PIRKANMAA)
    assert (await system.get(draft.id, PIRKANMAA)).id == draft.id
    listed = await system.stub.ListAssessments(
        pb.ListAssessmentsRequest(client_id=client.id), metadata=system.md(PIRKANMAA)
    )
    assert [a.id for a in listed.assessments] == [draft.id]
    seen = await system.stub.GetMeasure(
        pb.GetMeasureRequest(measure_id=measure.id), metadata=system.md(PIRKANMAA)
    )
    assert seen.id == measure.id

    await system.welfare.WithdrawDisclosureBasis(
        welfare_pb2.WithdrawDisclosureBasisRequest(basis_id=accepted.bases[0].id, reason="Peruttu"),
        metadata=system.md(OFFICER),
    )
    await rpc_error(system.get(draft.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    await rpc_error(
        system.stub.GetMeasure(
            pb.GetMeasureRequest(measure_id=measure.id), metadata=system.md(PIRKANMAA)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    listed = await system.stub.ListAssessments(
        pb.ListAssessmentsRequest(client_id=client.id), metadata=system.md(PIRKANMAA)
    )
    assert list(listed.assessments) == []
    # The municipality's staff are not affected.
    assert (await system.get(draft.id)).id == draft.id


async def test_multi_sector_completion_needs_a_welfare_area_member(system: System) -> None:
    client = await system.new_client()
    content = plan_outcome()
    content.basic.CopyFrom(answered_basic())
    draft = await system.create(
        client.id,
        kind=pb.ASSESSMENT_KIND_MULTI_SECTOR,
        content=content,
        fields=("basic", "outcome", "next_step"),
    )
    error = await rpc_error(system.complete(draft), grpc.StatusCode.FAILED_PRECONDITION)
    assert [v.field for v in error.violations] == ["multi_sector.team"]


async def test_welfare_area_corrects_its_sensitive_note_without_the_team_learning_of_it(
    system: System,
) -> None:
    completed = await _completed(system, pb.ASSESSMENT_KIND_MULTI_SECTOR)
    view = await system.get(completed.id, PIRKANMAA)
    corrected = await system.correct(
        view,
        pb.Assessment(sensitive_welfare_note=pb.SensitiveWelfareNote(text=SECRET_NOTE)),
        "sensitive_welfare_note",
        reason="Puuttui",
        caller=PIRKANMAA,
    )
    assert corrected.sensitive_welfare_note.text == SECRET_NOTE
    assert [list(c.fields) for c in corrected.corrections] == [["sensitive_welfare_note"]]
    officer_view = await system.get(completed.id)
    assert list(officer_view.corrections) == []
    assert officer_view.version == corrected.version


# --- refining measures and the provider's isolation --------------------------------------


async def test_provider_sees_only_its_measures_and_records_the_result(system: System) -> None:
    client = await system.new_client()
    content = pb.Assessment(basic=answered_basic())
    draft = await system.create(client.id, content=content, fields=("basic",))

    measure = await system.order(draft.id, key="order-1")
    assert await system.order(draft.id, key="order-1") == measure
    other = await system.order(
        draft.id, provider="kielikoulu", kind=pb.MEASURE_KIND_LITERACY_SCREENING
    )
    assert measure.status == pb.MEASURE_STATUS_ORDERED
    assert measure.assessment_id == draft.id
    assert measure.ordered_by == OFFICER.subject

    # The provider sees the measure and the client id: nothing of the assessment.
    mine = await system.mine()
    assert [m.id for m in mine.measures] == [measure.id]
    seen = mine.measures[0]
    assert seen.client_id == client.id
    assert seen.assessment_id == ""
    assert seen.ordered_by == ""
    assert seen.instructions == "Suomen kielen lähtötason testi"
    assert (
        await system.stub.GetMeasure(
            pb.GetMeasureRequest(measure_id=measure.id), metadata=system.md(OPISTO)
        )
        == seen
    )
    payload = seen.SerializeToString()
    for secret in (draft.id.encode(), b"Havainnot", b"Amina", b"Hassan"):
        assert secret not in payload
    for call in (
        system.get(draft.id, OPISTO),
        system.stub.ListMeasures(
            pb.ListMeasuresRequest(assessment_id=draft.id), metadata=system.md(OPISTO)
        ),
        system.update(draft, content, "basic.literacy", caller=OPISTO),
        system.order(draft.id, caller=OPISTO),
        system.create(client.id, caller=OPISTO),
    ):
        await rpc_error(call, grpc.StatusCode.PERMISSION_DENIED)
    # Another provider, or the same organisation for another municipality, sees nothing.
    assert [m.id for m in (await system.mine(OTHER_PROVIDER)).measures] == [other.id]
    assert list((await system.mine(OPISTO_837)).measures) == []
    await rpc_error(
        system.stub.GetMeasure(
            pb.GetMeasureRequest(measure_id=measure.id), metadata=system.md(OTHER_PROVIDER)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    await rpc_error(system.mine(OFFICER), grpc.StatusCode.PERMISSION_DENIED)

    # The result: a CEFR level per skill, a summary and a date.
    today = date.today().isoformat()
    result = pb.MeasureResult(
        proficiency=pb.LanguageProficiency(
            language="fi", reading=pb.CEFR_LEVEL_A2, speaking=pb.CEFR_LEVEL_B1
        ),
        summary="Puhuu sujuvasti arkitilanteissa",
        completed_on=today,
    )
    bad = pb.MeasureResult(summary="", completed_on=(date.today() + timedelta(days=2)).isoformat())
    error = await rpc_error(system.record(measure.id, bad), grpc.StatusCode.INVALID_ARGUMENT)
    assert error.violations[0].field == "result.proficiency"
    await rpc_error(
        system.record(measure.id, result, caller=OTHER_PROVIDER), grpc.StatusCode.NOT_FOUND
    )
    await rpc_error(
        system.record(measure.id, result, caller=OFFICER), grpc.StatusCode.PERMISSION_DENIED
    )

    done = await system.record(measure.id, result)

    assert done.status == pb.MEASURE_STATUS_COMPLETED
    assert done.result.proficiency.speaking == pb.CEFR_LEVEL_B1
    assert done.result.completed_on == today
    assert done.result.recorded_by == OPISTO.subject
    assert done.assessment_id == ""
    error = await rpc_error(system.record(measure.id, result), grpc.StatusCode.FAILED_PRECONDITION)
    assert error.type == "invalid-state"
    # A literacy screening has no CEFR result.
    await rpc_error(
        system.record(other.id, result, caller=OTHER_PROVIDER), grpc.StatusCode.INVALID_ARGUMENT
    )

    # The officer sees the result with the assessment.
    officer_view = await system.get(draft.id)
    [with_result, _] = officer_view.measures
    assert with_result.result.summary == "Puhuu sujuvasti arkitilanteissa"
    assert with_result.assessment_id == draft.id
    assert len((await system.mine(status=pb.MEASURE_STATUS_ORDERED)).measures) == 0
    assert len((await system.mine(status=pb.MEASURE_STATUS_COMPLETED)).measures) == 1

    provider_events = [e for e in await system.audit_events() if e.actor_subject == OPISTO.subject]
    assert {e.action for e in provider_events} >= {"measure.read", "measure.result"}
    for event in provider_events:
        if event.outcome == "success":
            assert event.resource == f"measures/{measure.id}"
            assert "assessment_id" not in event.fields
    assert await system.count(measures) == 2


async def test_calls_without_a_valid_caller_are_unauthenticated(system: System) -> None:
    await rpc_error(
        system.stub.GetAssessment(pb.GetAssessmentRequest(assessment_id=str(uuid.uuid4()))),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    await rpc_error(
        system.stub.ListMeasures(
            pb.ListMeasuresRequest(mine=True), metadata=((METADATA_KEY, "forged"),)
        ),
        grpc.StatusCode.UNAUTHENTICATED,
    )


async def test_start_and_completion_are_reported_as_pseudonymous_facts(system: System) -> None:
    from kotopolku.assessment.tables import reporting_outbox
    from kotopolku.common.facts import MUNICIPAL_PURPOSE
    from kotopolku.common.pseudonyms import PseudonymKey
    from kotopolku.reporting.v1 import reporting_pb2

    client = await system.clients.CreateClient(
        clients_pb2.CreateClientRequest(
            client=clients_pb2.Client(
                first_names="Amina",
                last_name="Raportti",
                date_of_birth="1990-01-01",
                segment=clients_pb2.CLIENT_SEGMENT_QUOTA_REFUGEE,
                first_permit_date="2025-06-01",
            )
        ),
        metadata=system.md(OFFICER),
    )
    content = plan_outcome()
    content.basic.CopyFrom(answered_basic())
    draft = await system.create(
        client.id, content=content, fields=("basic", "outcome", "next_step")
    )
    await system.complete(draft)

    rows = await system.raw_rows(reporting_outbox)
    started, completed = (reporting_pb2.Fact.FromString(r.payload) for r in rows)
    assert started.assessment_started == reporting_pb2.AssessmentStarted(
        kind="BASIC",
        started_on=started.assessment_started.started_on,
        moved_in_on="2025-06-01",
        segment="QUOTA_REFUGEE",
    )
    assert date.fromisoformat(started.assessment_started.started_on) >= date(2026, 1, 1)
    assert completed.assessment_completed.outcome == "INTEGRATION_PLAN_NEEDED"
    key = PseudonymKey.from_file(system.keys.reporting_pseudonym, MUNICIPAL_PURPOSE)
    assert started.subject == completed.subject == key.pseudonym("091", "client", client.id)
    assert started.record == completed.record == key.pseudonym("091", "assessment", draft.id)
    for row in rows:
        assert client.id.encode() not in row.payload
        assert b"Raportti" not in row.payload
