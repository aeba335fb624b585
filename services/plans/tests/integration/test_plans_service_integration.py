"""Creating, reading, listing and changing plans: validation, tenants, roles, audit, versions.

The real clients and plans services run in-process (see ``plans_testkit``) on SQLite and
PostgreSQL and are called over gRPC with gateway-signed caller assertions.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from plans_testkit import (
    EMPLOYMENT_091,
    MANAGER_091,
    MUNICIPAL_091,
    MUNICIPAL_837,
    PROVIDER_091,
    PURPOSE,
    TODAY,
    WELFARE_091,
    Stack,
    fields_of,
    goal,
    other_service,
    plan,
    rpc_error,
)

from kotopolku.common.identity import Caller, Role
from kotopolku.plans.tables import audit_outbox, plan_goals, plan_services, plans
from kotopolku.plans.v1 import plans_pb2

GOAL_TEXT = "Työllistyä logistiikka-alalle"
SERVICE_TEXT = "Vapaaehtoistyö järjestössä"


def full_plan(client_id: str) -> plans_pb2.Plan:
    return plans_pb2.Plan(
        client_id=client_id,
        kind=plans_pb2.PLAN_KIND_INDIVIDUAL,
        start_date=TODAY.isoformat(),
        end_date=(TODAY + timedelta(days=365)).isoformat(),
        goals=[
            goal(GOAL_TEXT, category=plans_pb2.GOAL_CATEGORY_EMPLOYMENT_OR_ENTREPRENEURSHIP),
            goal("Suomen kieli B1", target_date=(TODAY + timedelta(days=300)).isoformat()),
        ],
        services=[
            other_service(
                SERVICE_TEXT,
                planned_start=TODAY.isoformat(),
                planned_end=(TODAY + timedelta(days=90)).isoformat(),
            )
        ],
        obligations=plans_pb2.Obligations(receives_unemployment_benefit=True),
        follow_up_plan="Ohjaus TE-palveluihin",
    )


async def test_create_then_get_round_trips_and_every_access_is_audited(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    sent = full_plan(client_id)

    created = await stack.create(sent)

    assert created.id
    assert created.version == 1
    assert created.municipality_code == "091"
    assert created.status == plans_pb2.PLAN_STATUS_DRAFT
    assert created.responsible_authority == plans_pb2.RESPONSIBLE_AUTHORITY_MUNICIPALITY
    assert (created.start_date, created.end_date) == (sent.start_date, sent.end_date)
    assert [g.text for g in created.goals] == [GOAL_TEXT, "Suomen kieli B1"]
    assert all(g.id for g in created.goals)
    assert created.goals[1].target_date == sent.goals[1].target_date
    assert created.services[0].other_service == SERVICE_TEXT
    assert created.services[0].status == plans_pb2.PLAN_SERVICE_STATUS_PLANNED
    assert created.obligations.participation_obligatory
    assert created.follow_up_plan == "Ohjaus TE-palveluihin"
    assert not created.review_due_date
    assert [(h.from_status, h.to_status) for h in created.history] == [
        (plans_pb2.PLAN_STATUS_UNSPECIFIED, plans_pb2.PLAN_STATUS_DRAFT)
    ]
    assert created.history[0].actor_subject == MUNICIPAL_091.subject
    assert not created.HasField("family")

    assert await stack.get(created.id) == created
    assert await stack.get(created.id, MANAGER_091) == created
    assert await stack.get(created.id, EMPLOYMENT_091) == created

    events = await stack.audit_events()
    assert [e.action for e in events] == ["plan.create", "plan.read", "plan.read", "plan.read"]
    for event in events:
        assert event.subject_client_id == client_id
        assert event.municipality_code == "091"
        assert event.purpose == PURPOSE
        assert event.service == "plans"
        assert event.resource == f"plans/{created.id}"
        assert event.outcome == "success"
        assert {"goals", "services", "obligations"} <= set(event.fields)
    assert [e.actor_subject for e in events][-1] == EMPLOYMENT_091.subject
    # Names of fields, never what was written in them.
    for payload in await stack.outbox_payloads():
        for text in (GOAL_TEXT, SERVICE_TEXT, "Ohjaus TE"):
            assert text.encode() not in payload


async def test_every_bad_field_is_reported_at_once_and_nothing_is_written(stack: Stack) -> None:
    message = plans_pb2.Plan(
        client_id="not-an-id",
        start_date="2026-02-30",
        end_date="tomorrow",
        goals=[plans_pb2.Goal(text=" "), goal(target_date="01.01.2027")],
        services=[
            plans_pb2.PlanService(planned_start="2026-03-01"),
            other_service(planned_start="2026-03-01", planned_end="2026-02-01"),
            other_service(completion_date=TODAY.isoformat()),
            other_service(
                welfare_area_service=True, status=plans_pb2.PLAN_SERVICE_STATUS_COMPLETED
            ),
        ],
        welfare_area="Vantaa-Kerava",
        family=plans_pb2.FamilyDetails(guardian_consent_reference="c-1"),
    )

    error = await rpc_error(stack.create(message), grpc.StatusCode.INVALID_ARGUMENT)

    assert error.type == "validation-error"
    assert set(fields_of(error)) >= {
        "client_id",
        "kind",
        "start_date",
        "end_date",
        "goals[0].category",
        "goals[0].text",
        "goals[1].target_date",
        "services[0]",
        "services[1].planned_end",
    }, fields_of(error)
    assert await stack.count(plans) == 0
    assert await stack.count(audit_outbox) == 0


async def test_rules_of_the_content_are_checked_against_the_kind(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    message = plan(
        client_id,
        end_date=(TODAY + timedelta(days=400)).isoformat(),
        services=[
            other_service(completion_date=TODAY.isoformat()),
            other_service(
                welfare_area_service=True, status=plans_pb2.PLAN_SERVICE_STATUS_COMPLETED
            ),
        ],
        welfare_area="Vantaa-Kerava",
        family=plans_pb2.FamilyDetails(guardian_consent_reference="c-1"),
    )

    error = await rpc_error(stack.create(message), grpc.StatusCode.INVALID_ARGUMENT)

    assert fields_of(error) == [
        "end_date",
        "services[0].completion_date",
        "services[1].welfare_area_service",
        "services[1].completion_date",
        "welfare_area",
        "family",
    ]
    assert "on or before 2027-01-15" in error.violations[0].description
    assert await stack.count(plans) == 0


async def test_tenants_see_only_their_own_plans(stack: Stack) -> None:
    client_091, _ = await stack.new_client(901)
    client_837, _ = await stack.new_client(902, caller=MUNICIPAL_837)

    # A client of another municipality is as unknown as a missing one.
    await rpc_error(stack.create(plan(client_837)), grpc.StatusCode.NOT_FOUND)
    await rpc_error(
        stack.create(plan("7d1e4a8e-0000-4000-8000-000000000000")), grpc.StatusCode.NOT_FOUND
    )
    assert await stack.count(plans) == 0

    created = await stack.create(plan(client_091))
    error = await rpc_error(stack.get(created.id, MUNICIPAL_837), grpc.StatusCode.NOT_FOUND)
    missing = await rpc_error(
        stack.get("7d1e4a8e-0000-4000-8000-000000000000", MUNICIPAL_837), grpc.StatusCode.NOT_FOUND
    )
    assert (error.type, error.detail) == (missing.type, missing.detail)
    await rpc_error(stack.get("garbage", MUNICIPAL_837), grpc.StatusCode.NOT_FOUND)
    listed = await stack.plans.ListClientPlans(
        plans_pb2.ListClientPlansRequest(client_id=client_091), metadata=stack.md(MUNICIPAL_837)
    )
    assert list(listed.plans) == []

    refusals = [e for e in await stack.audit_events() if e.outcome != "success"]
    assert [(e.actor_subject, e.outcome, e.subject_client_id) for e in refusals] == [
        (MUNICIPAL_837.subject, "denied", client_091),
        (MUNICIPAL_837.subject, "not-found", ""),
    ]


async def test_roles_without_access_to_plans_are_refused(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    created = await stack.create(plan(client_id))
    for caller in (PROVIDER_091, WELFARE_091):
        md = stack.md(caller)
        calls = [
            stack.plans.GetPlan(plans_pb2.GetPlanRequest(plan_id=created.id), metadata=md),
            stack.plans.CreatePlan(plans_pb2.CreatePlanRequest(plan=plan(client_id)), metadata=md),
            stack.plans.ListClientPlans(
                plans_pb2.ListClientPlansRequest(client_id=client_id), metadata=md
            ),
            stack.plans.ListOverdueReviews(plans_pb2.ListOverdueReviewsRequest(), metadata=md),
            stack.plans.ListOwnPlans(plans_pb2.ListOwnPlansRequest(), metadata=md),
            stack.plans.UpdatePlan(
                plans_pb2.UpdatePlanRequest(
                    plan_id=created.id,
                    plan=plans_pb2.Plan(follow_up_plan="x"),
                    update_mask=FieldMask(paths=["follow_up_plan"]),
                    expected_version=1,
                ),
                metadata=md,
            ),
            stack.plans.ApprovePlan(
                plans_pb2.ApprovePlanRequest(plan_id=created.id, expected_version=1), metadata=md
            ),
            stack.plans.GetPlanServiceForEnrolment(
                plans_pb2.GetPlanServiceForEnrolmentRequest(plan_id=created.id), metadata=md
            ),
        ]
        if caller is WELFARE_091:
            # A welfare area reads the multi-sector plans it takes part in; this one is not.
            await rpc_error(calls.pop(0), grpc.StatusCode.NOT_FOUND)
        for call in calls:
            error = await rpc_error(call, grpc.StatusCode.PERMISSION_DENIED)
            assert error.type == "forbidden"
    # A manager reads but does not write.
    await rpc_error(stack.create(plan(client_id), MANAGER_091), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(stack.submit(created, MANAGER_091), grpc.StatusCode.PERMISSION_DENIED)
    assert await stack.count(plans) == 1


async def test_a_client_reads_only_their_own_plans(stack: Stack) -> None:
    client_id, user = await stack.new_client(901)
    other_id, _ = await stack.new_client(902)
    mine = await stack.create(plan(client_id))
    theirs = await stack.create(plan(other_id))

    assert (await stack.get(mine.id, user)).id == mine.id
    await rpc_error(stack.get(theirs.id, user), grpc.StatusCode.NOT_FOUND)
    own = await stack.plans.ListOwnPlans(plans_pb2.ListOwnPlansRequest(), metadata=stack.md(user))
    assert [p.id for p in own.plans] == [mine.id]
    listed = await stack.plans.ListClientPlans(
        plans_pb2.ListClientPlansRequest(client_id=client_id), metadata=stack.md(user)
    )
    assert [p.id for p in listed.plans] == [mine.id]
    await rpc_error(
        stack.plans.ListClientPlans(
            plans_pb2.ListClientPlansRequest(client_id=other_id), metadata=stack.md(user)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    # A client user never changes the plan's content.
    await rpc_error(stack.submit(mine, user), grpc.StatusCode.PERMISSION_DENIED)
    # Someone with no client record has no plans.
    nobody = Caller(
        subject="nobody",
        roles=frozenset({Role.CLIENT}),
        purpose=PURPOSE,
        henkilotunnus="010101-999X",
    )
    empty = await stack.plans.ListOwnPlans(
        plans_pb2.ListOwnPlansRequest(), metadata=stack.md(nobody)
    )
    assert list(empty.plans) == []
    await rpc_error(stack.get(mine.id, nobody), grpc.StatusCode.NOT_FOUND)


async def test_idempotent_create(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    first = await stack.create(plan(client_id), key="plan-1")
    again = await stack.create(plan(client_id), key="plan-1")
    assert again == first
    assert await stack.count(plans) == 1
    error = await rpc_error(
        stack.create(plan(client_id, follow_up_plan="other"), key="plan-1"),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert error.type == "idempotency-key-reused"
    # Keys belong to the caller: another officer's same key makes a plan of its own.
    other = await stack.create(plan(client_id), EMPLOYMENT_091, key="plan-1")
    assert other.id != first.id
    assert other.responsible_authority == plans_pb2.RESPONSIBLE_AUTHORITY_EMPLOYMENT_AUTHORITY
    assert await stack.count(plans) == 2


async def update(
    stack: Stack, found: plans_pb2.Plan, paths: list[str], message: plans_pb2.Plan, **kw: object
) -> plans_pb2.Plan:
    return await stack.plans.UpdatePlan(
        plans_pb2.UpdatePlanRequest(
            plan_id=found.id,
            plan=message,
            update_mask=FieldMask(paths=paths),
            expected_version=int(kw.get("version", found.version)),  # type: ignore[call-overload]
        ),
        metadata=stack.md(kw.get("caller", MUNICIPAL_091)),  # type: ignore[arg-type]
    )


async def test_update_changes_the_masked_fields_and_detects_concurrent_edits(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    created = await stack.create(full_plan(client_id))
    kept_goal = created.goals[1]
    kept_service = created.services[0]
    change = plans_pb2.Plan(
        goals=[kept_goal, goal("Ajokortti", category=plans_pb2.GOAL_CATEGORY_SOCIETAL)],
        services=[
            plans_pb2.PlanService(
                id=kept_service.id,
                other_service="Vapaaehtoistyö, 2 pv/vko",
                status=plans_pb2.PLAN_SERVICE_STATUS_IN_PROGRESS,
            ),
            other_service("Kielikahvila"),
        ],
        obligations=plans_pb2.Obligations(receives_social_assistance=True),
    )

    updated = await update(
        stack, created, ["goals", "services", "obligations.receives_social_assistance"], change
    )

    assert updated.version == 2
    assert [g.text for g in updated.goals] == ["Suomen kieli B1", "Ajokortti"]
    assert updated.goals[0].id == kept_goal.id
    assert updated.services[0].id == kept_service.id
    assert updated.services[0].status == plans_pb2.PLAN_SERVICE_STATUS_IN_PROGRESS
    assert updated.services[1].status == plans_pb2.PLAN_SERVICE_STATUS_PLANNED
    assert updated.obligations.receives_social_assistance
    assert updated.obligations.receives_unemployment_benefit
    assert updated.follow_up_plan == created.follow_up_plan
    assert await stack.count(plan_goals) == 2

    stale = await rpc_error(
        update(stack, created, ["follow_up_plan"], plans_pb2.Plan(follow_up_plan="x")),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert stale.type == "stale-version"

    # A service under way cannot be dropped; unknown ids and paths are named.
    error = await rpc_error(
        update(
            stack,
            updated,
            ["services", "goals", "kind"],
            plans_pb2.Plan(
                services=[other_service("Kielikahvila")],
                goals=[goal(id="7d1e4a8e-0000-4000-8000-000000000000")],
            ),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["update_mask.kind"]
    error = await rpc_error(
        update(
            stack,
            updated,
            ["services", "goals"],
            plans_pb2.Plan(
                services=[other_service("Kielikahvila")],
                goals=[goal(id="7d1e4a8e-0000-4000-8000-000000000000")],
            ),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["goals[0].id", "services"]
    assert "IN_PROGRESS cannot be removed" in error.violations[1].description
    assert await stack.count(plan_services) == 2
    await rpc_error(update(stack, updated, [], plans_pb2.Plan()), grpc.StatusCode.INVALID_ARGUMENT)
    # The other authority's officer sees the plan but may not change it.
    denied = await rpc_error(
        update(stack, updated, ["follow_up_plan"], plans_pb2.Plan(), caller=EMPLOYMENT_091),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert "other authority" in denied.detail
    assert [e.action for e in await stack.audit_events()].count("plan.update") == 1


async def test_lists_of_a_clients_plans_are_paged(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    made = [await stack.create(plan(client_id)) for _ in range(5)]
    stack.clock.advance(seconds=1)
    seen: list[str] = []
    token = ""
    while True:
        page = await stack.plans.ListClientPlans(
            plans_pb2.ListClientPlansRequest(client_id=client_id, page_size=2, page_token=token),
            metadata=stack.md(MANAGER_091),
        )
        assert len(page.plans) <= 2
        seen += [p.id for p in page.plans]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(p.id for p in made)
    assert len(seen) == 5
    await rpc_error(
        stack.plans.ListClientPlans(
            plans_pb2.ListClientPlansRequest(client_id=client_id, page_token="%%%"),
            metadata=stack.md(MANAGER_091),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )


async def test_concurrent_changes_of_one_version_let_exactly_one_through(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    created = await stack.create(full_plan(client_id))
    results = await asyncio.gather(
        *(
            update(stack, created, ["follow_up_plan"], plans_pb2.Plan(follow_up_plan=f"v{i}"))
            for i in range(4)
        ),
        return_exceptions=True,
    )
    succeeded = [r for r in results if isinstance(r, plans_pb2.Plan)]
    failed = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(succeeded) == 1, results
    assert {e.code() for e in failed} == {grpc.StatusCode.FAILED_PRECONDITION}
    final = await stack.get(created.id)
    assert final.version == 2
    assert final.follow_up_plan == succeeded[0].follow_up_plan
