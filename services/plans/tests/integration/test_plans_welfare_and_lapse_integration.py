"""The welfare area's view of multi-sector plans, and family plans that lapse with the members'
individual plans (at a review, or with time), over gRPC on SQLite and PostgreSQL."""

from __future__ import annotations

import grpc
from plans_testkit import (
    MUNICIPAL_091,
    TODAY,
    Stack,
    plan,
    rpc_error,
)

from kotopolku.common.identity import Caller, Role
from kotopolku.plans.family_end import LAPSED_REASON, LapsedFamilyPlanCheck
from kotopolku.plans.service import FAMILY_CHECK
from kotopolku.plans.v1 import plans_pb2
from kotopolku.welfare.v1 import welfare_pb2, welfare_pb2_grpc

S = plans_pb2


def welfare_worker(area: str) -> Caller:
    return Caller(
        subject=f"worker-{area}",
        roles=frozenset({Role.WELFARE_AREA_WORKER}),
        purpose="welfare-cooperation",
        welfare_area=area,
    )


PIRKANMAA = welfare_worker("pirkanmaa")
VANTAA_KERAVA = welfare_worker("vantaa-kerava")


def multi_sector(client_id: str, area: str = "pirkanmaa") -> plans_pb2.Plan:
    return plan(client_id, kind=S.PLAN_KIND_MULTI_SECTOR, welfare_area=area)


async def test_a_welfare_area_reads_only_the_multi_sector_plans_it_takes_part_in(
    stack: Stack,
) -> None:
    client_id, _ = await stack.new_client(901)
    ours = await stack.create(multi_sector(client_id))
    theirs = await stack.create(multi_sector(client_id, "vantaa-kerava"))
    individual = await stack.create(plan(client_id))
    # Each welfare area has accepted the client's multi-sector cooperation.
    await stack.cooperate(client_id, "pirkanmaa")
    await stack.cooperate(client_id, "vantaa-kerava")

    seen = await stack.get(ours.id, PIRKANMAA)
    assert (seen.id, seen.welfare_area) == (ours.id, "pirkanmaa")
    for caller, plan_id in (
        (PIRKANMAA, theirs.id),
        (PIRKANMAA, individual.id),
        (VANTAA_KERAVA, ours.id),
    ):
        await rpc_error(stack.get(plan_id, caller), grpc.StatusCode.NOT_FOUND)

    listed = await stack.plans.ListWelfareAreaPlans(
        S.ListWelfareAreaPlansRequest(page_size=1), metadata=stack.md(PIRKANMAA)
    )
    assert [p.id for p in listed.plans] == [ours.id]
    assert listed.next_page_token == ""
    other = await stack.plans.ListWelfareAreaPlans(
        S.ListWelfareAreaPlansRequest(), metadata=stack.md(VANTAA_KERAVA)
    )
    assert [p.id for p in other.plans] == [theirs.id]
    await rpc_error(
        stack.plans.ListWelfareAreaPlans(
            S.ListWelfareAreaPlansRequest(), metadata=stack.md(MUNICIPAL_091)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    # A welfare area lists no client's plans and changes nothing.
    await rpc_error(
        stack.plans.ListClientPlans(
            S.ListClientPlansRequest(client_id=client_id), metadata=stack.md(PIRKANMAA)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(stack.submit(ours, PIRKANMAA), grpc.StatusCode.PERMISSION_DENIED)

    events = [e for e in await stack.audit_events() if e.actor_subject == PIRKANMAA.subject]
    assert [(e.action, e.outcome) for e in events] == [
        ("plan.read", "success"),
        ("plan.read", "denied"),
        ("plan.read", "denied"),
        ("plan.read", "success"),
    ]
    assert {e.welfare_area_code for e in events} == {"pirkanmaa"}
    assert events[0].purpose == "welfare-cooperation"


async def test_a_welfare_area_sees_a_plan_only_on_an_accepted_cooperation(
    stack: Stack,
) -> None:
    """The plan naming the welfare area is not enough: the welfare service must hold an accepted
    cooperation for that client and area on a basis that holds; withdrawing it closes the plan
    again (tightened in issue 4)."""
    client_id, _ = await stack.new_client(902)
    other_id, _ = await stack.new_client(903)
    ours = await stack.create(multi_sector(client_id))
    others = await stack.create(multi_sector(other_id))
    await rpc_error(stack.get(ours.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    listed = await stack.plans.ListWelfareAreaPlans(
        S.ListWelfareAreaPlansRequest(), metadata=stack.md(PIRKANMAA)
    )
    assert list(listed.plans) == []

    accepted = await stack.cooperate(client_id, "pirkanmaa")
    assert (await stack.get(ours.id, PIRKANMAA)).id == ours.id
    await rpc_error(stack.get(others.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    listed = await stack.plans.ListWelfareAreaPlans(
        S.ListWelfareAreaPlansRequest(), metadata=stack.md(PIRKANMAA)
    )
    assert [p.id for p in listed.plans] == [ours.id]

    welfare = welfare_pb2_grpc.WelfareServiceStub(stack.channels[2])
    await welfare.WithdrawDisclosureBasis(
        welfare_pb2.WithdrawDisclosureBasisRequest(basis_id=accepted.bases[0].id, reason="Peruttu"),
        metadata=stack.md(MUNICIPAL_091),
    )
    await rpc_error(stack.get(ours.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    # Staff are not affected.
    assert (await stack.get(ours.id)).id == ours.id


async def _family_of_two(stack: Stack) -> tuple[S.Plan, S.Plan, S.Plan]:
    guardian, guardian_user = await stack.new_client(911)
    child, child_user = await stack.new_client(912, birth=TODAY.replace(year=2012))
    guardian_plan = await stack.activate(plan(guardian, end_date="2026-09-30"), guardian_user)
    child_plan = await stack.activate(plan(child, end_date="2026-10-31"), child_user)
    family = await stack.activate(
        plan(
            guardian,
            kind=S.PLAN_KIND_FAMILY,
            end_date="2026-10-31",
            family=S.FamilyDetails(member_client_ids=[child], guardian_consent_reference="c-1"),
        ),
        guardian_user,
    )
    return guardian_plan, child_plan, family


async def _end(stack: Stack, found: S.Plan) -> S.Plan:
    return await stack.review(
        found, S.REVIEW_OUTCOME_END, follow_up_plan="Ohjaus työllisyyspalveluihin"
    )


async def test_a_family_plan_ends_with_the_last_members_individual_plan(stack: Stack) -> None:
    guardian_plan, child_plan, family = await _family_of_two(stack)

    await _end(stack, child_plan)
    assert (await stack.get(family.id)).status == S.PLAN_STATUS_ACTIVE
    await _end(stack, guardian_plan)

    ended = await stack.get(family.id)
    assert ended.status == S.PLAN_STATUS_ENDED
    assert ended.review_due_date == ""
    last = ended.history[-1]
    assert (last.from_status, last.to_status, last.reason, last.actor_subject) == (
        S.PLAN_STATUS_ACTIVE,
        S.PLAN_STATUS_ENDED,
        LAPSED_REASON,
        MUNICIPAL_091.subject,
    )
    events = [e for e in await stack.audit_events() if e.action == "plan.end"]
    assert sorted(e.subject_client_id for e in events) == sorted(
        [family.client_id, *family.family.member_client_ids]
    )


async def test_a_family_plan_lapses_with_time(stack: Stack) -> None:
    _, _, family = await _family_of_two(stack)
    assert stack.plans_host._runtime is not None
    check: LapsedFamilyPlanCheck = stack.plans_host._runtime.extras[FAMILY_CHECK]
    # Registered for the host to run beside the server.
    assert check.run in stack.plans_host._runtime.background

    assert await check.check_once() == 0
    stack.clock.advance(days=280)  # 2026-10-22: the child's plan is still valid
    assert await check.check_once() == 0
    stack.clock.advance(days=10)  # 2026-11-01: no member has a valid plan
    assert await check.check_once() == 1
    assert await check.check_once() == 0

    ended = await stack.get(family.id)
    assert ended.status == S.PLAN_STATUS_ENDED
    assert (ended.history[-1].actor_subject, ended.history[-1].reason) == (
        "kotopolku-service:plans",
        LAPSED_REASON,
    )
    events = [e for e in await stack.audit_events() if e.action == "plan.end"]
    assert len(events) == 2
    assert {(e.actor_subject, e.purpose, e.municipality_code) for e in events} == {
        ("kotopolku-service:plans", "system-operation", "091")
    }
