"""Delivery of enrolment outcomes to the plans service: a fake PlansService on a real gRPC
server, the real programme service, its outbox and relay, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from programme_testkit import Clock, Programme, service, start_programme

from kotopolku.common import testing
from kotopolku.common.identity import INTERNAL_SERVICE_ROLE, METADATA_KEY
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.programme.outcomes import OutcomeRelay
from kotopolku.programme.service import OUTCOME_RELAY
from kotopolku.programme.tables import plan_outcome_outbox
from kotopolku.programme.v1 import programme_pb2 as pb

FULL_TEST = pb.LanguageTestResult(
    reading=pb.CEFR_LEVEL_B1,
    writing=pb.CEFR_LEVEL_A2,
    listening=pb.CEFR_LEVEL_B2,
    speaking=pb.CEFR_LEVEL_A1,
)


@dataclass
class FakePlans(plans_pb2_grpc.PlansServiceServicer):
    """Records every RecordServiceOutcome; refuses the first ``failures`` of them."""

    failures: int = 0
    received: list[plans_pb2.RecordServiceOutcomeRequest] = field(default_factory=list)
    assertions: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def RecordServiceOutcome(
        self, request: plans_pb2.RecordServiceOutcomeRequest, context: Any
    ) -> plans_pb2.PlanService:
        metadata = dict(context.invocation_metadata() or ())
        if self.failures > 0:
            self.failures -= 1
            # Not UNAVAILABLE: the channel itself retries that one transparently.
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "plan not active yet")
        self.received.append(request)
        self.assertions.append(str(metadata.get(METADATA_KEY, "")))
        self.arrived.set()
        return plans_pb2.PlanService(id=request.plan_service_id)


@dataclass
class World:
    svc: Programme
    plans: FakePlans
    relay: OutcomeRelay


@pytest.fixture
async def world(keys: testing.TestKeys, database_url: str) -> AsyncIterator[World]:
    plans = FakePlans()
    server = grpc.aio.server()
    plans_pb2_grpc.add_PlansServiceServicer_to_server(plans, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    svc = await start_programme(keys, database_url, Clock(), plans_address=f"127.0.0.1:{port}")
    try:
        runtime = svc.host._runtime
        assert runtime is not None
        yield World(svc, plans, runtime.extras[OUTCOME_RELAY])
    finally:
        await svc.stop()
        await server.stop(0)


async def _setup(svc: Programme) -> str:
    await svc.create_provider()
    return (await svc.create_service(service(capacity=10))).id


async def test_outcomes_reach_the_plans_service_as_the_service_itself(
    world: World, keys: testing.TestKeys
) -> None:
    svc, plans, relay = world.svc, world.plans, world.relay
    service_id = await _setup(svc)
    first, second = await svc.enrol(service_id), await svc.enrol(service_id)
    svc.clock.advance(days=30)
    await svc.complete(first, pb.Completion(completion_date="2026-03-31", language_test=FULL_TEST))
    await svc.interrupt(
        second, pb.Interruption(date="2026-03-20", reason=pb.INTERRUPTION_REASON_EMPLOYMENT)
    )
    plans.failures = 1

    assert await relay.deliver_once() == 1
    [waiting] = await svc.rows(plan_outcome_outbox)
    assert (waiting.plan_service_id, waiting.attempts, waiting.last_error) == (
        first.plan_service_id,
        1,
        "FAILED_PRECONDITION",
    )
    assert await relay.deliver_once() == 0  # backing off
    svc.clock.advance(seconds=2)
    assert await relay.deliver_once() == 1
    assert await svc.count(plan_outcome_outbox) == 0
    assert await relay.backlog() == 0

    by_id = {r.plan_service_id: r for r in plans.received}
    assert by_id[first.plan_service_id] == plans_pb2.RecordServiceOutcomeRequest(
        plan_id=first.plan_id,
        plan_service_id=first.plan_service_id,
        status=plans_pb2.PLAN_SERVICE_STATUS_COMPLETED,
        completion_date="2026-03-31",
        summary=(
            "Completed on 2026-03-31. Final language test: reading B1, writing A2, "
            "listening B2, speaking A1."
        ),
    )
    assert by_id[second.plan_service_id] == plans_pb2.RecordServiceOutcomeRequest(
        plan_id=second.plan_id,
        plan_service_id=second.plan_service_id,
        status=plans_pb2.PLAN_SERVICE_STATUS_INTERRUPTED,
        completion_date="2026-03-20",
        summary="Interrupted on 2026-03-20: employment.",
    )
    for token in plans.assertions:
        caller = keys.verifier().verify(token)
        assert caller.roles == {INTERNAL_SERVICE_ROLE}
        assert caller.subject == "kotopolku-service:programme"


async def test_outcomes_of_one_planned_service_keep_their_order(world: World) -> None:
    svc, plans, relay = world.svc, world.plans, world.relay
    service_id = await _setup(svc)
    other = await svc.enrol(service_id)
    first = await svc.enrol(service_id)
    svc.clock.advance(days=1)
    await svc.interrupt(
        first, pb.Interruption(date="2026-03-02", reason=pb.INTERRUPTION_REASON_ABSENCES)
    )
    again = await svc.enrol(
        service_id, plan_service_id=first.plan_service_id, start_date="2026-04-06"
    )
    svc.clock.advance(days=40)
    await svc.complete(again, pb.Completion(completion_date="2026-04-10", language_test=FULL_TEST))
    await svc.interrupt(
        other, pb.Interruption(date="2026-03-03", reason=pb.INTERRUPTION_REASON_MOVED_AWAY)
    )
    plans.failures = 1

    # The first outcome fails: the later one of the same planned service waits behind it,
    # the other planned service's outcome does not.
    assert await relay.deliver_once() == 1
    assert [r.plan_service_id for r in plans.received] == [other.plan_service_id]
    assert await relay.deliver_once() == 0
    svc.clock.advance(seconds=1)
    assert await relay.deliver_once() == 1
    assert await relay.deliver_once() == 1
    assert [(r.plan_service_id, r.status) for r in plans.received[1:]] == [
        (first.plan_service_id, plans_pb2.PLAN_SERVICE_STATUS_INTERRUPTED),
        (first.plan_service_id, plans_pb2.PLAN_SERVICE_STATUS_COMPLETED),
    ]


async def test_the_background_job_delivers_when_woken(world: World) -> None:
    svc, plans, relay = world.svc, world.plans, world.relay
    runtime = svc.host._runtime
    assert runtime is not None
    # Registered for the host to run beside the server (this fixture runs it by hand).
    assert runtime.background == [relay.run]
    service_id = await _setup(svc)
    enrolment = await svc.enrol(service_id)
    stop = asyncio.Event()
    job = asyncio.create_task(relay.run(stop))
    try:
        await svc.interrupt(
            enrolment, pb.Interruption(date="2026-03-02", reason=pb.INTERRUPTION_REASON_HEALTH)
        )
        # Woken by the commit: far sooner than the 5-second poll.
        await asyncio.wait_for(plans.arrived.wait(), 2)
        assert [r.plan_service_id for r in plans.received] == [enrolment.plan_service_id]
    finally:
        stop.set()
        await asyncio.wait_for(job, 5)
