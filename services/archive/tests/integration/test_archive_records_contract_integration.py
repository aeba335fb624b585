"""The client-records contract as the services serve it: only the archive may call it; exports
are tenant-scoped and stable; minimisation is idempotent, refuses changed records, and keeps what
another law requires. The e-signature and programme parts run against their real tables."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta

import grpc
import pytest
import sqlalchemy as sa
from archive_testkit import ARCHIVIST, OFFICER, System, rpc_error, service_md

from kotopolku.archive.domain.retention import helsinki_day
from kotopolku.common import migrations
from kotopolku.common.client_records import ClientRecordsStore, RecordsChanged
from kotopolku.common.db import Database
from kotopolku.esign.client_records import CLIENT_RECORDS as ESIGN_RECORDS
from kotopolku.esign.service import DEFINITION as ESIGN
from kotopolku.esign.tables import documents, signers, signing_requests
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.programme.client_records import CLIENT_RECORDS as PROGRAMME_RECORDS
from kotopolku.programme.service import DEFINITION as PROGRAMME
from kotopolku.programme.tables import enrolments, programme_services, providers
from kotopolku.records.v1 import records_pb2 as rpb

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def _request(client_id: str, municipality: str = "091") -> rpb.ExportClientRecordsRequest:
    return rpb.ExportClientRecordsRequest(client_id=client_id, municipality_code=municipality)


async def test_only_the_archive_service_may_call_the_contract(svc: System) -> None:
    client_id = await svc.new_client()
    records = svc.records("clients")
    refused = [
        svc.md(ARCHIVIST),
        svc.md(OFFICER),
        service_md(svc.keys, "programme"),
        service_md(svc.keys, "messaging"),
    ]
    for metadata in refused:
        await rpc_error(
            records.ExportClientRecords(_request(client_id), metadata=metadata),
            grpc.StatusCode.PERMISSION_DENIED,
        )
        await rpc_error(
            records.MinimiseClientRecords(
                rpb.MinimiseClientRecordsRequest(
                    client_id=client_id,
                    municipality_code="091",
                    package_id="p-1",
                    expected_digest="0" * 64,
                ),
                metadata=metadata,
            ),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    await rpc_error(
        records.ExportClientRecords(_request(client_id), metadata=()),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    error = await rpc_error(
        records.ExportClientRecords(_request("", "91"), metadata=service_md(svc.keys, "archive")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["client_id", "municipality_code"]


async def test_export_and_minimise_through_the_services(svc: System) -> None:
    client_id, user = await svc.new_client_with_user()
    await svc.ended_plan(client_id, user)
    await svc.visit(client_id)
    archive = service_md(svc.keys, "archive")

    # Another municipality's records of the client do not exist.
    for name in ("clients", "plans", "guidance"):
        elsewhere = await svc.records(name).ExportClientRecords(
            _request(client_id, "837"), metadata=archive
        )
        assert list(elsewhere.records) == []

    plans = svc.records("plans")
    export = await plans.ExportClientRecords(_request(client_id), metadata=archive)
    again = await plans.ExportClientRecords(_request(client_id), metadata=archive)
    assert export.digest == again.digest
    types = [r.record_type for r in export.records]
    assert types[0] == "plans.plan"
    assert {"plans.goal", "plans.approval", "plans.review", "plans.status-change"} <= set(types)
    for record in export.records:
        assert hashlib.sha256(record.content).hexdigest() == record.sha256
        assert record.media_type == "application/json"
    goal = next(r for r in export.records if r.record_type == "plans.goal")
    assert list(goal.related) == [f"plans.plan/{export.records[0].record_id}"]

    described = await plans.DescribeClientRecords(
        rpb.DescribeClientRecordsRequest(client_id=client_id, municipality_code="091"),
        metadata=archive,
    )
    assert dict((c.record_type, c.count) for c in described.counts)["plans.plan"] == 1

    stale = rpb.MinimiseClientRecordsRequest(
        client_id=client_id, municipality_code="091", package_id="pkg-1", expected_digest="a" * 64
    )
    error = await rpc_error(
        plans.MinimiseClientRecords(stale, metadata=archive), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert error.type == "records-changed"
    assert await svc.minimisations("plans", client_id) == 0

    request = rpb.MinimiseClientRecordsRequest(
        client_id=client_id,
        municipality_code="091",
        package_id="pkg-1",
        expected_digest=export.digest,
    )
    first = await plans.MinimiseClientRecords(request, metadata=archive)
    repeat = await plans.MinimiseClientRecords(request, metadata=archive)
    assert not first.repeated_request
    assert repeat.repeated_request
    assert [(r.record_type, r.action, r.count) for r in first.results] == [
        (r.record_type, r.action, r.count) for r in repeat.results
    ]
    assert {r.action for r in first.results} == {"deleted"}
    assert await svc.minimisations("plans", client_id) == 1
    empty = await plans.ExportClientRecords(_request(client_id), metadata=archive)
    assert list(empty.records) == []


async def test_a_plan_in_force_blocks_minimisation_until_it_ends(svc: System) -> None:
    client_id, user = await svc.new_client_with_user()
    plan = await svc.active_plan(client_id, user)
    archive = service_md(svc.keys, "archive")
    plans = svc.records("plans")
    asked = rpb.DescribeClientRecordsRequest(client_id=client_id, municipality_code="091")
    described = await plans.DescribeClientRecords(asked, metadata=archive)
    assert list(described.blockers) == [
        "1 plans are still awaiting approval, in force or suspended"
    ]
    export = await plans.ExportClientRecords(_request(client_id), metadata=archive)
    blocked = rpb.MinimiseClientRecordsRequest(
        client_id=client_id,
        municipality_code="091",
        package_id="pkg-1",
        expected_digest=export.digest,
    )
    error = await rpc_error(
        plans.MinimiseClientRecords(blocked, metadata=archive), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert error.type == "minimisation-blocked"
    assert await svc.minimisations("plans", client_id) == 0

    await svc.end_plan(plan)
    assert list((await plans.DescribeClientRecords(asked, metadata=archive)).blockers) == []
    export = await plans.ExportClientRecords(_request(client_id), metadata=archive)
    done = await plans.MinimiseClientRecords(
        rpb.MinimiseClientRecordsRequest(
            client_id=client_id,
            municipality_code="091",
            package_id="pkg-2",
            expected_digest=export.digest,
        ),
        metadata=archive,
    )
    assert {r.action for r in done.results} == {"deleted"}


# --- services whose parts need more than a plain delete, on their real tables ------------------


@pytest.fixture
async def esign_database(database_url: str) -> Database:
    migrations.upgrade(database_url, "esign", ESIGN.migrations)  # type: ignore[arg-type]
    return Database(database_url)


def _pdf(text: str) -> bytes:
    return b"%PDF-1.7\n% " + text.encode() + b"\n%%EOF\n"


async def _signing_request(
    connection: sa.ext.asyncio.AsyncConnection, client_id: str, original: bytes, signed: bytes
) -> str:
    request_id = str(uuid.uuid4())
    for content in (original, signed):
        digest = hashlib.sha256(content).hexdigest()
        exists = await connection.scalar(
            sa.select(sa.func.count()).select_from(documents).where(documents.c.sha256 == digest)
        )
        if not exists:
            await connection.execute(
                sa.insert(documents).values(
                    sha256=digest,
                    content=content,
                    size=len(content),
                    media_type="application/pdf",
                    created_at=NOW,
                )
            )
    await connection.execute(
        sa.insert(signing_requests).values(
            id=request_id,
            version=1,
            document_kind="INTEGRATION_PLAN",
            plan_id=str(uuid.uuid4()),
            plan_version=3,
            plan_kind="INDIVIDUAL",
            client_id=client_id,
            municipality_code="091",
            responsible_authority="MUNICIPALITY",
            signing_order="SEQUENTIAL",
            deadline=date(2026, 12, 31),
            status="COMPLETED",
            language="ar",
            official_language="fi",
            original_sha256=hashlib.sha256(original).hexdigest(),
            document_sha256=hashlib.sha256(signed).hexdigest(),
            plan_activation="ACTIVATED",
            plan_activation_error="",
            cancel_reason="",
            created_by="officer-091",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    await connection.execute(
        sa.insert(signers).values(
            request_id=request_id,
            position=1,
            party="CLIENT",
            welfare_area="",
            subject="client-1",
            signed_at=NOW,
            document_sha256=hashlib.sha256(signed).hexdigest(),
        )
    )
    return request_id


async def test_signed_documents_are_exported_as_pdf_and_shared_ones_kept(
    esign_database: Database,
) -> None:
    store = ClientRecordsStore(ESIGN_RECORDS)
    shared = _pdf("shared template rendering")
    async with esign_database.transaction() as connection:
        await _signing_request(connection, "client-a", shared, _pdf("signed by a"))
        await _signing_request(connection, "client-b", shared, _pdf("signed by b"))
    try:
        async with esign_database.transaction() as connection:
            export = await store.export(connection, "client-a", "091")
        pdfs = [r for r in export.records if r.record_type == "esign.document"]
        assert {r.media_type for r in pdfs} == {"application/pdf"}
        # A rendering that another client's request uses too is that request's as well: it is
        # neither exported nor removed with this client.
        assert {r.content for r in pdfs} == {_pdf("signed by a")}
        with pytest.raises(RecordsChanged):
            async with esign_database.transaction() as connection:
                await store.minimise(
                    connection,
                    client_id="client-a",
                    municipality="091",
                    package_id="p",
                    expected_digest="0" * 64,
                    actor="kotopolku-service:archive",
                    now=NOW,
                )
        async with esign_database.transaction() as connection:
            done = await store.minimise(
                connection,
                client_id="client-a",
                municipality="091",
                package_id="p",
                expected_digest=export.digest,
                actor="kotopolku-service:archive",
                now=NOW,
            )
        assert {(r.record_type, r.count) for r in done.results} >= {
            ("esign.signing-request", 1),
            ("esign.document", 1),
        }
        async with esign_database.transaction() as connection:
            left = {row.sha256 for row in await connection.execute(sa.select(documents.c.sha256))}
            other = await store.export(connection, "client-b", "091")
        # The rendering client b's request still uses stays, and so does b's signed version.
        assert left == {
            hashlib.sha256(shared).hexdigest(),
            hashlib.sha256(_pdf("signed by b")).hexdigest(),
        }
        assert len([r for r in other.records if r.record_type == "esign.document"]) == 2
    finally:
        await esign_database.dispose()


async def test_a_place_held_by_the_client_is_freed(database_url: str) -> None:
    migrations.upgrade(database_url, "programme", PROGRAMME.migrations)  # type: ignore[arg-type]
    database = Database(database_url)
    store = ClientRecordsStore(PROGRAMME_RECORDS)
    try:
        async with database.transaction() as connection:
            await connection.execute(
                sa.insert(providers).values(
                    municipality_code="091",
                    id="prov",
                    version=1,
                    name="Opisto",
                    business_id="0112038-9",
                    contacts=[],
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            await connection.execute(
                sa.insert(programme_services).values(
                    id="svc",
                    version=1,
                    municipality_code="091",
                    type="INTEGRATION_TRAINING",
                    name="Kotoutumiskoulutus",
                    description="",
                    provider_id="prov",
                    languages=["fi"],
                    location="Helsinki",
                    remote=False,
                    capacity=10,
                    active_enrolments=2,
                    schedule="",
                    intake_dates=[],
                    valid_from=date(2026, 1, 1),
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            for number, client in enumerate(("client-a", "client-b")):
                await connection.execute(
                    sa.insert(enrolments).values(
                        id=f"e{number}",
                        version=1,
                        municipality_code="091",
                        programme_service_id="svc",
                        plan_id="plan",
                        plan_service_id=f"ps{number}",
                        client_id=client,
                        participant_display_name="A. Testi",
                        start_date=date(2026, 2, 1),
                        status="ENROLLED",
                        active_plan_service=f"ps{number}",
                        active_client_service=f"{client}:svc",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
        async with database.transaction() as connection:
            export = await store.export(connection, "client-a", "091")
            await store.minimise(
                connection,
                client_id="client-a",
                municipality="091",
                package_id="p",
                expected_digest=export.digest,
                actor="kotopolku-service:archive",
                now=NOW,
            )
        async with database.transaction() as connection:
            places = await connection.scalar(sa.select(programme_services.c.active_enrolments))
            left = [row.client_id for row in await connection.execute(sa.select(enrolments))]
        assert places == 1
        assert left == ["client-b"]
    finally:
        await database.dispose()


async def test_a_service_without_client_records_does_not_serve_the_contract(svc: System) -> None:
    await rpc_error(
        svc.records("audit").ExportClientRecords(
            _request("c-1"), metadata=service_md(svc.keys, "archive")
        ),
        grpc.StatusCode.UNIMPLEMENTED,
    )


async def test_the_plans_service_lists_clients_whose_plans_ended(svc: System) -> None:
    client_id, user = await svc.new_client_with_user()
    await svc.ended_plan(client_id, user)
    plans = plans_pb2_grpc.PlansServiceStub(svc.channel("plans"))
    # The plans service's days are Finnish days.
    today = helsinki_day(datetime.now(UTC))

    def request(
        day: date, token: str = "", size: int = 200
    ) -> plans_pb2.ListEndedPlanClientsRequest:
        return plans_pb2.ListEndedPlanClientsRequest(
            municipality_code="091",
            ended_on_or_before=day.isoformat(),
            page_size=size,
            page_token=token,
        )

    for metadata in (svc.md(OFFICER), svc.md(ARCHIVIST), service_md(svc.keys, "programme")):
        await rpc_error(
            plans.ListEndedPlanClients(request(today), metadata=metadata),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    archive = service_md(svc.keys, "archive")
    found = await plans.ListEndedPlanClients(request(today), metadata=archive)
    ended = {c.client_id: c.last_end_date for c in found.clients}
    # Ended early by today's review: the day of the review is the end, not the planned end.
    assert ended[client_id] == today.isoformat()
    earlier = await plans.ListEndedPlanClients(request(today - timedelta(days=1)), metadata=archive)
    assert client_id not in {c.client_id for c in earlier.clients}
    elsewhere = await plans.ListEndedPlanClients(
        plans_pb2.ListEndedPlanClientsRequest(
            municipality_code="837", ended_on_or_before=today.isoformat()
        ),
        metadata=archive,
    )
    assert client_id not in {c.client_id for c in elsewhere.clients}
    # Pages of one follow each other without gaps.
    seen: list[str] = []
    token = ""
    while True:
        page = await plans.ListEndedPlanClients(request(today, token, 1), metadata=archive)
        seen += [c.client_id for c in page.clients]
        token = page.next_page_token
        if not token:
            break
    assert seen == [c.client_id for c in found.clients]
