"""Initial-phase guidance series over gRPC on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import grpc
from guidance_testkit import Guidance, Office, client_visit, rpc_error

from kotopolku.guidance.service import SERIES_CLOSER
from kotopolku.guidance.v1 import guidance_pb2 as pb


async def _start(svc: Guidance, office: Office, **fields: object) -> pb.GuidanceSeries:
    client = await svc.new_client(office.officer)
    values: dict[str, object] = {
        "client_id": client.id,
        "plan_id": "plan-123",
        "plan_ends_on": "2026-12-31",
        "propose_schedule": True,
    }
    values.update(fields)
    return await svc.stub.StartSeries(
        pb.StartSeriesRequest(**values),  # type: ignore[arg-type]
        metadata=svc.md(office.officer),
    )


async def test_a_series_runs_from_a_proposed_schedule_to_a_recorded_end(svc: Guidance) -> None:
    office = Office.new()
    series = await _start(svc, office)
    assert series.status == pb.SERIES_STATUS_ACTIVE
    assert series.started_on == "2026-03-02"
    due = [t.due_on for t in series.tasks]
    assert due[:5] == ["2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30", "2026-04-13"]
    assert due[-1] == "2026-12-02"
    assert all(t.status == pb.TASK_STATUS_OPEN for t in series.tasks)

    added = await svc.stub.AddSeriesTask(
        pb.AddSeriesTaskRequest(
            series_id=series.id,
            task=pb.SeriesTask(
                topic=pb.TOPIC_FINANCES, description="Pankkitilin avaaminen", due_on="2026-03-04"
            ),
            expected_version=series.version,
        ),
        metadata=svc.md(office.officer),
    )
    bank = next(t for t in added.tasks if t.topic == pb.TOPIC_FINANCES)
    assert added.tasks[0].id == bank.id  # by due date
    visit = await svc.visit(office.officer, client_visit(series.client_id))
    done = await svc.stub.CompleteSeriesTask(
        pb.CompleteSeriesTaskRequest(
            series_id=series.id, task_id=bank.id, visit_id=visit.id, expected_version=added.version
        ),
        metadata=svc.md(office.officer),
    )
    finished = next(t for t in done.tasks if t.id == bank.id)
    assert (finished.status, finished.done_on, finished.visit_id) == (
        pb.TASK_STATUS_DONE,
        "2026-03-02",
        visit.id,
    )
    await rpc_error(
        svc.stub.CompleteSeriesTask(
            pb.CompleteSeriesTaskRequest(
                series_id=series.id, task_id=bank.id, expected_version=done.version
            ),
            metadata=svc.md(office.officer),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    error = await rpc_error(
        svc.stub.EndSeries(
            pb.EndSeriesRequest(series_id=series.id, expected_version=done.version),
            metadata=svc.md(office.officer),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "reason"
    ended = await svc.stub.EndSeries(
        pb.EndSeriesRequest(
            series_id=series.id,
            reason="Asiakas asioi itsenäisesti; ohjausta ei enää tarvita.",
            expected_version=done.version,
        ),
        metadata=svc.md(office.officer),
    )
    assert (ended.status, ended.ended_on, ended.ended_by) == (
        pb.SERIES_STATUS_ENDED_NOT_NEEDED,
        "2026-03-02",
        office.officer.subject,
    )
    await rpc_error(
        svc.stub.AddSeriesTask(
            pb.AddSeriesTaskRequest(
                series_id=series.id,
                task=pb.SeriesTask(topic=pb.TOPIC_OTHER, description="x", due_on="2026-03-05"),
                expected_version=ended.version,
            ),
            metadata=svc.md(office.officer),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    actions = {
        e.action for e in await svc.audit_events() if e.resource == f"guidance-series/{series.id}"
    }
    assert actions >= {"series.start", "series.task-add", "series.task-complete", "series.end"}


async def test_a_series_ends_with_the_plan_period_when_read(svc: Guidance) -> None:
    office = Office.new()
    series = await _start(svc, office, plan_ends_on="2026-04-30", propose_schedule=False)
    svc.clock.advance(days=60)  # 1 May 2026
    read = await svc.stub.GetSeries(
        pb.GetSeriesRequest(series_id=series.id), metadata=svc.md(office.manager)
    )
    assert (read.status, read.ended_on, read.ended_by) == (
        pb.SERIES_STATUS_ENDED_PLAN_PERIOD,
        "2026-04-30",
        "system",
    )
    [event] = [
        e
        for e in await svc.audit_events()
        if e.action == "series.end-of-plan-period" and e.resource == f"guidance-series/{series.id}"
    ]
    assert list(event.actor_roles) == ["internal-service"]
    assert event.subject_client_id == series.client_id
    await rpc_error(
        svc.stub.EndSeries(
            pb.EndSeriesRequest(series_id=series.id, reason="x", expected_version=read.version),
            metadata=svc.md(office.officer),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )


async def test_the_background_job_ends_series_nobody_reads(svc: Guidance) -> None:
    office = Office.new()
    series = await _start(svc, office, plan_ends_on="2026-03-31", propose_schedule=False)
    closer = svc.host._runtime.extras[SERIES_CLOSER]  # type: ignore[union-attr]
    assert await closer.close_once() == 0
    svc.clock.advance(days=30)  # 1 April 2026
    assert await closer.close_once() >= 1
    listed = await svc.stub.ListClientSeries(
        pb.ListClientSeriesRequest(client_id=series.client_id), metadata=svc.md(office.officer)
    )
    assert [s.status for s in listed.series] == [pb.SERIES_STATUS_ENDED_PLAN_PERIOD]


async def test_series_rules_and_tenants(svc: Guidance) -> None:
    office, other = Office.new(), Office.new()
    client = await svc.new_client(office.officer)
    error = await rpc_error(
        svc.stub.StartSeries(
            pb.StartSeriesRequest(client_id=client.id, plan_ends_on="2026-03-01"),
            metadata=svc.md(office.officer),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "plan_ends_on"
    await rpc_error(
        svc.stub.StartSeries(
            pb.StartSeriesRequest(client_id=client.id, plan_ends_on="2026-12-31"),
            metadata=svc.md(other.officer),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    series = await _start(svc, office, propose_schedule=False)
    await rpc_error(
        svc.stub.GetSeries(
            pb.GetSeriesRequest(series_id=series.id), metadata=svc.md(other.officer)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    late = svc.stub.AddSeriesTask(
        pb.AddSeriesTaskRequest(
            series_id=series.id,
            task=pb.SeriesTask(topic=pb.TOPIC_OTHER, description="Kela", due_on="2027-01-05"),
            expected_version=series.version,
        ),
        metadata=svc.md(office.officer),
    )
    error = await rpc_error(late, grpc.StatusCode.INVALID_ARGUMENT)
    assert error.violations[0].field == "due_on"
    assert date.fromisoformat(series.plan_ends_on) == date(2026, 12, 31)
