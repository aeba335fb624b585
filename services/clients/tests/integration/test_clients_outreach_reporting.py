"""Outreach facts reach the real reporting service through the clients service's outbox relay,
which the reporting service accepts from the clients service, and its outreach report counts
them (SQLite; the facts themselves are tested on both databases with the rest of outreach)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import grpc
from outreach_testkit import MANAGER, Clock, csv_list, people, start_outreach

from kotopolku.clients.tables import reporting_outbox
from kotopolku.clients.v1 import outreach_pb2 as pb
from kotopolku.common import testing
from kotopolku.common.identity import METADATA_KEY
from kotopolku.reporting.service import DEFINITION as REPORTING
from kotopolku.reporting.v1 import reporting_pb2, reporting_pb2_grpc

MONTH = "2026-03"


def cell(report: reporting_pb2.Report, group: str, measure: str) -> float | None:
    index = [m.name for m in report.measures].index(measure)
    row = next(r for r in report.rows if tuple(r.dimensions) == (MONTH, group))
    value = row.cells[index]
    return value.value if value.HasField("value") else None


async def test_outreach_facts_reach_the_reporting_service(
    keys: testing.TestKeys, tmp_path: Path
) -> None:
    reporting = await testing.start_host(
        REPORTING, keys, database_url=f"sqlite:///{tmp_path / 'reporting.db'}"
    )
    svc = await start_outreach(
        keys,
        f"sqlite:///{tmp_path / 'clients.db'}",
        Clock(),
        reporting_address=f"127.0.0.1:{reporting.port}",
        fact_poll_seconds=0.1,
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{reporting.port}")
    try:
        amina, omar, olena = people(3)
        await svc.import_list(
            csv_list(
                amina.row(),
                amina.row("child-home-care-allowance"),
                omar.row(),
                olena.row(),
            )
        )
        await svc.contact(await svc.target_of(amina), pb.CONTACT_OUTCOME_REACHED)
        await svc.contact(await svc.target_of(omar), pb.CONTACT_OUTCOME_NOT_REACHED)
        deadline = time.monotonic() + 20
        while (await svc.count(reporting_outbox))["reporting_outbox"]:
            assert time.monotonic() < deadline, "the facts were not delivered"
            await asyncio.sleep(0.1)

        stub = reporting_pb2_grpc.ReportingServiceStub(channel)
        report = await stub.GetReport(
            reporting_pb2.GetReportRequest(kind="outreach", period_start=MONTH, period_end=MONTH),
            metadata=((METADATA_KEY, keys.assertion(MANAGER)),),
        )
        assert report.municipality_code == "091"
        assert cell(report, "SOCIAL_ASSISTANCE", "identified") == 3
        assert cell(report, "SOCIAL_ASSISTANCE", "reached") == 1
        assert cell(report, "SOCIAL_ASSISTANCE", "not_reached") == 1
        assert cell(report, "CHILD_HOME_CARE_ALLOWANCE", "identified") == 1
        assert cell(report, "CHILD_HOME_CARE_ALLOWANCE", "reached") == 1
        assert cell(report, "TRAFFICKING_VICTIM", "identified") == 0
    finally:
        await channel.close()
        await svc.stop()
        await reporting.stop(0)
