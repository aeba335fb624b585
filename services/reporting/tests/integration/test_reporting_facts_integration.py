"""Facts in, reports out: only the owning services report, a repeated fact counts once, and each
manager sees their own municipality's figures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import grpc
import sqlalchemy as sa
from reporting_testkit import ADMIN, AUDITOR, MANAGER, MANAGER_837, OFFICER, Reporting, rpc_error

from kotopolku.common.clock import utcnow
from kotopolku.common.db import Database
from kotopolku.common.facts import (
    MUNICIPAL_PURPOSE,
    FactDeliveryFailed,
    FactRecorder,
    FactRelay,
    finnish_day,
    reporting_outbox_table,
)
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.common.testing import UNREACHABLE
from kotopolku.reporting.tables import facts as facts_table
from kotopolku.reporting.v1 import reporting_pb2 as pb
from kotopolku.reporting.v1 import reporting_pb2_grpc

# The services count by Finnish calendar days.
MONTH = finnish_day(utcnow()).strftime("%Y-%m")
TODAY = finnish_day(utcnow()).isoformat()


def recorder(svc: Reporting) -> FactRecorder:
    key = PseudonymKey.from_file(svc.keys.reporting_pseudonym, MUNICIPAL_PURPOSE)
    return FactRecorder(reporting_outbox_table(sa.MetaData()), key)


def started(rec: FactRecorder, municipality: str, client: str, kind: str = "BASIC") -> pb.Fact:
    fact = rec.fact(municipality, client, "assessment", f"assessment-of-{client}")
    fact.assessment_started.CopyFrom(
        pb.AssessmentStarted(kind=kind, started_on=TODAY, moved_in_on="2025-01-01")
    )
    return fact


def cell(report: pb.Report, dimensions: tuple[str, ...], measure: str) -> float | None:
    index = [m.name for m in report.measures].index(measure)
    row = next(r for r in report.rows if tuple(r.dimensions) == dimensions)
    value = row.cells[index]
    return value.value if value.HasField("value") else None


async def test_facts_are_kept_once_and_reports_count_them_per_municipality(
    svc: Reporting,
) -> None:
    rec = recorder(svc)
    helsinki = [started(rec, "091", f"client-{i}") for i in range(3)]
    tampere = [started(rec, "837", "client-t", "MULTI_SECTOR")]
    answer = await svc.stub.RecordFacts(
        pb.RecordFactsRequest(facts=[*helsinki, *tampere]), metadata=svc.service_md("assessment")
    )
    assert (answer.recorded, answer.duplicates) == (4, 0)
    # A relay that repeats a batch (it crashed before deleting its rows) changes nothing.
    again = await svc.stub.RecordFacts(
        pb.RecordFactsRequest(facts=helsinki[:2]), metadata=svc.service_md("assessment")
    )
    assert (again.recorded, again.duplicates) == (0, 2)
    assert len(await svc.rows(facts_table)) == 4

    report = await svc.report(MANAGER, kind="assessments", period_start=MONTH, period_end=MONTH)
    assert report.municipality_code == "091"
    assert cell(report, (MONTH, "BASIC"), "started") == 3
    assert cell(report, (MONTH, "MULTI_SECTOR"), "started") == 0
    assert cell(report, (MONTH, "BASIC"), "lead_time_cases") == 3
    theirs = await svc.report(MANAGER_837, kind="assessments", period_start=MONTH, period_end=MONTH)
    assert cell(theirs, (MONTH, "BASIC"), "started") == 0
    assert cell(theirs, (MONTH, "MULTI_SECTOR"), "started") == 1
    # Another municipality's figures are not shown to a manager, whatever they ask.
    await rpc_error(
        svc.report(MANAGER, kind="assessments", municipality_code="837"),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert (await svc.report(AUDITOR, kind="assessments")).municipality_code == "091"
    by_admin = await svc.report(ADMIN, kind="assessments", municipality_code="837")
    assert cell(by_admin, (MONTH, "MULTI_SECTOR"), "started") == 1
    await rpc_error(svc.report(ADMIN, kind="assessments"), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(svc.report(OFFICER, kind="assessments"), grpc.StatusCode.PERMISSION_DENIED)

    reads = [e for e in await svc.audit_events() if e.action == "report.read"]
    assert [(e.actor_subject, e.municipality_code, e.resource) for e in reads[:2]] == [
        ("manager-091", "091", "reports/assessments"),
        ("manager-837", "837", "reports/assessments"),
    ]
    assert all(e.subject_client_id == "" for e in reads)


async def test_only_the_owning_service_reports_its_facts_and_bad_facts_are_refused(
    svc: Reporting,
) -> None:
    rec = recorder(svc)
    fact = started(rec, "091", "client-1")
    await rpc_error(
        svc.stub.RecordFacts(pb.RecordFactsRequest(facts=[fact]), metadata=svc.service_md("plans")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    await rpc_error(
        svc.stub.RecordFacts(pb.RecordFactsRequest(facts=[fact]), metadata=svc.md(OFFICER)),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(
        svc.stub.RecordFacts(
            pb.RecordFactsRequest(facts=[fact]), metadata=svc.service_md("guidance")
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    named = started(rec, "091", "client-2")
    named.subject = "Amina Hassan"
    error = await rpc_error(
        svc.stub.RecordFacts(
            pb.RecordFactsRequest(facts=[fact, named]), metadata=svc.service_md("assessment")
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["facts[1].subject"]
    # Nothing of a refused batch is kept.
    assert await svc.rows(facts_table) == []


async def test_the_relay_delivers_an_outbox_and_keeps_it_while_reporting_is_away(
    svc: Reporting, tmp_path: Path
) -> None:
    metadata = sa.MetaData()
    outbox = reporting_outbox_table(metadata)
    database = Database(f"sqlite:///{tmp_path / 'source.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    rec = FactRecorder(
        outbox,
        PseudonymKey.from_file(svc.keys.reporting_pseudonym, MUNICIPAL_PURPOSE),
        clock=lambda: datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    async with database.transaction() as connection:
        await rec.record(connection, [started(rec, "091", f"c{i}") for i in range(3)])

    def relay(address: str) -> FactRelay:
        channel = grpc.aio.insecure_channel(address)
        channels.append(channel)
        stub = reporting_pb2_grpc.ReportingServiceStub(channel)

        class Signed:
            """The stub with the assessment service's own assertion on every call."""

            async def RecordFacts(self, request: pb.RecordFactsRequest, **kw: object) -> object:
                return await stub.RecordFacts(request, metadata=svc.service_md("assessment"), **kw)

        return FactRelay("assessment", database, outbox, Signed())  # type: ignore[arg-type]

    channels: list[grpc.aio.Channel] = []
    try:
        away = relay(UNREACHABLE)
        try:
            await away.deliver_once()
            raise AssertionError("delivery to nowhere succeeded")
        except FactDeliveryFailed:
            pass
        assert await away.backlog() == 3
        delivered = await relay(f"127.0.0.1:{svc.host.port}").deliver_once()
        assert delivered == 3
        assert await away.backlog() == 0
        assert len(await svc.rows(facts_table)) == 3
    finally:
        for channel in channels:
            await channel.close()
        await database.dispose()
