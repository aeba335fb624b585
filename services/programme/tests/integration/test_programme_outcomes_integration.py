"""Enrolments made from plans and their outcomes delivered to the plans service: the real
programme, plans and clients services, the programme service's outbox and relay, on SQLite and
PostgreSQL (the programme database)."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from programme_testkit import OFFICER, TODAY, Programme, rpc_error, service

from kotopolku.audit.v1 import audit_pb2
from kotopolku.common import testing
from kotopolku.plans.tables import audit_outbox as plans_audit_outbox
from kotopolku.plans.v1 import plans_pb2
from kotopolku.programme.outcomes import OutcomeRelay
from kotopolku.programme.service import OUTCOME_RELAY
from kotopolku.programme.tables import enrolments, plan_outcome_outbox
from kotopolku.programme.v1 import programme_pb2 as pb

FULL_TEST = pb.LanguageTestResult(
    reading=pb.CEFR_LEVEL_B1,
    writing=pb.CEFR_LEVEL_A2,
    listening=pb.CEFR_LEVEL_B2,
    speaking=pb.CEFR_LEVEL_A1,
)
S = plans_pb2


def relay_of(svc: Programme) -> OutcomeRelay:
    runtime = svc.host._runtime
    assert runtime is not None
    relay: OutcomeRelay = runtime.extras[OUTCOME_RELAY]
    return relay


async def _setup(svc: Programme) -> str:
    await svc.create_provider()
    return (await svc.create_service(service(capacity=10))).id


async def _agreed(svc: Programme, plan_id: str) -> list[plans_pb2.PlanService]:
    return list((await svc.world.plan(plan_id)).services)


# --- enrolments are checked against the plan --------------------------------------------------


async def test_an_enrolment_must_match_an_active_plan(svc: Programme) -> None:
    training = await _setup(svc)
    other_training = (await svc.create_service(service(name="Iltaryhmä"))).id
    planned = await svc.world.active_plan([training], TODAY)
    someone_else = await svc.world.active_plan([training], TODAY)

    wrong_service = await rpc_error(
        svc.enrol(other_training, planned=planned), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in wrong_service.violations] == ["programme_service_id"]
    wrong_client = await rpc_error(
        svc.enrol(training, planned=planned, client_id=someone_else.client_id),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in wrong_client.violations] == ["client_id"]
    not_in_plan = await rpc_error(
        svc.enrol(
            training,
            planned=planned,
            plan_service_id=someone_else.plan_service_ids[0],
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    assert not_in_plan.type == "not-found"

    # A plan still waiting for approval has no enrolments yet.
    client_id, _ = await svc.world.new_client()
    draft = await svc.world.plans.CreatePlan(
        S.CreatePlanRequest(
            plan=S.Plan(
                client_id=client_id,
                kind=S.PLAN_KIND_INDIVIDUAL,
                start_date=TODAY.isoformat(),
                end_date="2026-12-31",
                goals=[S.Goal(category=S.GOAL_CATEGORY_INTEGRATION, text="Kieli")],
                services=[S.PlanService(programme_service_id=training)],
            )
        ),
        metadata=svc.world.md(OFFICER),
    )
    not_active = await rpc_error(
        svc.enrol(
            training,
            plan_id=draft.id,
            plan_service_id=draft.services[0].id,
            client_id=client_id,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert [v.field for v in not_active.violations] == ["plan_id"]
    assert await svc.count(enrolments) == 0
    assert await svc.count(plan_outcome_outbox) == 0


async def test_enrolment_is_refused_while_the_plans_service_is_down(svc: Programme) -> None:
    training = await _setup(svc)
    planned = await svc.world.active_plan([training], TODAY)
    await svc.world.stop_plans()
    error = await rpc_error(svc.enrol(training, planned=planned), grpc.StatusCode.UNAVAILABLE)
    assert error.type == "service-unavailable"
    assert await svc.count(enrolments) == 0
    await svc.world.restart_plans()
    assert (await svc.enrol(training, planned=planned)).status == pb.ENROLMENT_STATUS_ENROLLED


# --- outcomes reach the plan ---------------------------------------------------------------------


async def test_the_plan_follows_enrolment_completion_and_interruption(
    svc: Programme, keys: testing.TestKeys
) -> None:
    relay = relay_of(svc)
    training = await _setup(svc)
    first, second = await svc.enrol(training), await svc.enrol(training)
    assert await relay.deliver_once() == 2
    [agreed] = await _agreed(svc, first.plan_id)
    assert (agreed.status, agreed.outcome_summary) == (
        S.PLAN_SERVICE_STATUS_ENROLLED,
        "Enrolled; starts on 2026-03-02.",
    )
    assert agreed.completion_date == ""

    svc.clock.advance(days=30)
    await svc.complete(first, pb.Completion(completion_date="2026-03-31", language_test=FULL_TEST))
    await svc.interrupt(
        second, pb.Interruption(date="2026-03-20", reason=pb.INTERRUPTION_REASON_EMPLOYMENT)
    )
    assert await relay.deliver_once() == 2
    assert await relay.backlog() == 0
    [done] = await _agreed(svc, first.plan_id)
    assert (done.status, done.completion_date, done.outcome_summary) == (
        S.PLAN_SERVICE_STATUS_COMPLETED,
        "2026-03-31",
        "Completed on 2026-03-31. Final language test: reading B1, writing A2, "
        "listening B2, speaking A1.",
    )
    [stopped] = await _agreed(svc, second.plan_id)
    assert (stopped.status, stopped.completion_date, stopped.outcome_summary) == (
        S.PLAN_SERVICE_STATUS_INTERRUPTED,
        "2026-03-20",
        "Interrupted on 2026-03-20: employment.",
    )
    # The plans service recorded the outcomes as coming from the programme service itself.
    assert svc.world.plans_host.database is not None
    async with svc.world.plans_host.database.engine.connect() as connection:
        payloads = (await connection.execute(plans_audit_outbox.select())).all()
    events = [audit_pb2.AuditEvent.FromString(row.payload) for row in payloads]
    outcome_events = [e for e in events if e.action == "plan-service.outcome"]
    assert len(outcome_events) == 4
    assert {e.actor_subject for e in outcome_events} == {"kotopolku-service:programme"}
    # A completed agreed service is not enrolled in again.
    completed_again = await rpc_error(
        svc.enrol(
            training,
            plan_id=first.plan_id,
            plan_service_id=first.plan_service_id,
            client_id=first.client_id,
            start_date="2026-04-06",
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert [v.field for v in completed_again.violations] == ["plan_service_id"]


async def test_outcomes_wait_out_an_outage_in_order(svc: Programme) -> None:
    relay = relay_of(svc)
    training = await _setup(svc)
    other = await svc.enrol(training)
    first = await svc.enrol(training)
    assert await relay.deliver_once() == 2
    svc.clock.advance(days=1)
    await svc.interrupt(
        first, pb.Interruption(date="2026-03-02", reason=pb.INTERRUPTION_REASON_ABSENCES)
    )
    again = await svc.enrol(
        training,
        plan_id=first.plan_id,
        plan_service_id=first.plan_service_id,
        client_id=first.client_id,
        start_date="2026-04-06",
    )
    await svc.world.stop_plans()
    assert await relay.deliver_once() == 0
    waiting = sorted(await svc.rows(plan_outcome_outbox), key=lambda w: w.seq)
    # Only the oldest outcome of the agreed service was tried; the later one waits behind it.
    assert [(w.status, w.attempts, w.last_error) for w in waiting] == [
        ("INTERRUPTED", 1, "UNAVAILABLE"),
        ("ENROLLED", 0, None),
    ]
    await svc.world.restart_plans()
    assert await relay.deliver_once() == 0  # still backing off
    svc.clock.advance(seconds=2)
    # Both outcomes of the agreed service go in one round, in order.
    assert await relay.deliver_once() == 2
    assert await relay.backlog() == 0
    [agreed] = await _agreed(svc, first.plan_id)
    assert (agreed.status, agreed.outcome_summary) == (
        S.PLAN_SERVICE_STATUS_ENROLLED,
        "Enrolled; starts on 2026-04-06.",
    )
    svc.clock.advance(days=40)
    await svc.complete(again, pb.Completion(completion_date="2026-04-10", language_test=FULL_TEST))
    await svc.interrupt(
        other, pb.Interruption(date="2026-03-03", reason=pb.INTERRUPTION_REASON_MOVED_AWAY)
    )
    assert await relay.deliver_once() == 2
    assert [s.status for s in await _agreed(svc, first.plan_id)] == [
        S.PLAN_SERVICE_STATUS_COMPLETED
    ]
    assert [s.status for s in await _agreed(svc, other.plan_id)] == [
        S.PLAN_SERVICE_STATUS_INTERRUPTED
    ]


@pytest.mark.timeout(30)
async def test_the_background_job_delivers_when_woken(svc: Programme) -> None:
    relay = relay_of(svc)
    runtime = svc.host._runtime
    assert runtime is not None
    # Registered for the host to run beside the server (this fixture runs it by hand).
    assert relay.run in runtime.background
    training = await _setup(svc)
    stop = asyncio.Event()
    job = asyncio.create_task(relay.run(stop))
    try:
        enrolment = await svc.enrol(training)
        # Woken by the commit: far sooner than the 5-second poll.
        for _ in range(40):
            if [s.status for s in await _agreed(svc, enrolment.plan_id)] == [
                S.PLAN_SERVICE_STATUS_ENROLLED
            ]:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the plan did not hear of the enrolment within 2 seconds")
    finally:
        stop.set()
        await asyncio.wait_for(job, 5)
