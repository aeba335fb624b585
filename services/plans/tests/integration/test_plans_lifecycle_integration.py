"""The plan's life cycle over gRPC: submission, approval by both parties, reviews and their due
dates, requests for a review, extensions and transfers between the authorities."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from plans_testkit import (
    EMPLOYMENT_091,
    MANAGER_091,
    MUNICIPAL_091,
    MUNICIPAL_837,
    TODAY,
    Stack,
    fields_of,
    plan,
    rpc_error,
)

from kotopolku.common.identity import Caller
from kotopolku.plans.tables import plan_approvals, plan_extensions, plan_reviews
from kotopolku.plans.v1 import plans_pb2

S = plans_pb2


def statuses(found: plans_pb2.Plan) -> list[tuple[int, int]]:
    return [(h.from_status, h.to_status) for h in found.history]


async def test_a_plan_becomes_active_once_the_client_and_the_officer_approve(
    stack: Stack,
) -> None:
    client_id, user = await stack.new_client(901)
    _, other_user = await stack.new_client(902)
    empty = await stack.create(plan(client_id, goals=[]))
    error = await rpc_error(stack.submit(empty), grpc.StatusCode.FAILED_PRECONDITION)
    assert "at least one goal" in error.detail

    created = await stack.create(plan(client_id))
    # Nothing is approved before it is submitted.
    await rpc_error(stack.approve(created, MUNICIPAL_091), grpc.StatusCode.FAILED_PRECONDITION)
    submitted = await stack.submit(created)
    assert submitted.status == S.PLAN_STATUS_AWAITING_APPROVAL
    await rpc_error(stack.submit(submitted), grpc.StatusCode.FAILED_PRECONDITION)

    # Another client cannot see it, let alone approve it; the approval is of a version.
    await rpc_error(stack.approve(submitted, other_user), grpc.StatusCode.NOT_FOUND)
    stale = await rpc_error(
        stack.plans.ApprovePlan(
            S.ApprovePlanRequest(plan_id=submitted.id, expected_version=1), metadata=stack.md(user)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert stale.type == "stale-version"
    # The other authority's officer and a manager do not approve.
    await rpc_error(stack.approve(submitted, EMPLOYMENT_091), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(stack.approve(submitted, MANAGER_091), grpc.StatusCode.PERMISSION_DENIED)

    by_client = await stack.approve(submitted, user)
    assert by_client.status == S.PLAN_STATUS_AWAITING_APPROVAL
    await rpc_error(stack.approve(by_client, user), grpc.StatusCode.FAILED_PRECONDITION)
    stack.clock.advance(hours=1)
    active = await stack.approve(by_client, MUNICIPAL_091)

    assert active.status == S.PLAN_STATUS_ACTIVE
    assert active.activated_on == TODAY.isoformat()
    assert active.original_end_date == active.end_date
    assert active.review_due_date == "2026-07-15"
    assert not active.review_overdue
    assert [(a.party, a.subject, a.plan_version) for a in active.approvals] == [
        (S.APPROVAL_PARTY_CLIENT, user.subject, submitted.version),
        (S.APPROVAL_PARTY_OFFICER, MUNICIPAL_091.subject, by_client.version),
    ]
    assert active.approvals[1].approved_at.seconds - active.approvals[0].approved_at.seconds == 3600
    assert statuses(active) == [
        (S.PLAN_STATUS_UNSPECIFIED, S.PLAN_STATUS_DRAFT),
        (S.PLAN_STATUS_DRAFT, S.PLAN_STATUS_AWAITING_APPROVAL),
        (S.PLAN_STATUS_AWAITING_APPROVAL, S.PLAN_STATUS_ACTIVE),
    ]
    assert active.history[-1].actor_subject == MUNICIPAL_091.subject
    approvals = [e for e in await stack.audit_events() if e.action == "plan.approve"]
    assert [(e.actor_subject, e.outcome) for e in approvals] == [
        (other_user.subject, "denied"),
        (user.subject, "success"),
        (MUNICIPAL_091.subject, "success"),
    ]
    assert {e.subject_client_id for e in approvals} == {client_id}


async def test_a_change_while_awaiting_approval_returns_the_plan_to_draft(stack: Stack) -> None:
    client_id, user = await stack.new_client()
    submitted = await stack.submit(await stack.create(plan(client_id)))
    approved_once = await stack.approve(submitted, user)
    assert await stack.count(plan_approvals) == 1

    changed = await stack.plans.UpdatePlan(
        S.UpdatePlanRequest(
            plan_id=approved_once.id,
            plan=S.Plan(end_date=(TODAY + timedelta(days=200)).isoformat()),
            update_mask=FieldMask(paths=["end_date"]),
            expected_version=approved_once.version,
        ),
        metadata=stack.md(MUNICIPAL_091),
    )

    assert changed.status == S.PLAN_STATUS_DRAFT
    assert list(changed.approvals) == []
    assert changed.history[-1].reason == "changed while awaiting approval"
    assert await stack.count(plan_approvals) == 0


async def test_the_period_is_fixed_once_approved(stack: Stack) -> None:
    client_id, user = await stack.new_client()
    active = await stack.activate(plan(client_id), user)
    error = await rpc_error(
        stack.plans.UpdatePlan(
            S.UpdatePlanRequest(
                plan_id=active.id,
                plan=S.Plan(end_date=(TODAY + timedelta(days=200)).isoformat()),
                update_mask=FieldMask(paths=["end_date"]),
                expected_version=active.version,
            ),
            metadata=stack.md(MUNICIPAL_091),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "extension" in error.detail
    # The content may still change.
    changed = await stack.plans.UpdatePlan(
        S.UpdatePlanRequest(
            plan_id=active.id,
            plan=S.Plan(follow_up_plan="Jatko-ohjaus"),
            update_mask=FieldMask(paths=["follow_up_plan"]),
            expected_version=active.version,
        ),
        metadata=stack.md(MUNICIPAL_091),
    )
    assert changed.status == S.PLAN_STATUS_ACTIVE
    assert changed.follow_up_plan == "Jatko-ohjaus"


async def test_reviews_are_due_every_six_months_and_overdue_ones_are_listed(stack: Stack) -> None:
    client_id, user = await stack.new_client(901)
    other_id, other_user = await stack.new_client(902)
    first = await stack.activate(plan(client_id), user)
    second = await stack.activate(plan(other_id), other_user)
    assert first.review_due_date == second.review_due_date == "2026-07-15"
    assert list((await stack.overdue()).plans) == []

    stack.clock.advance(days=181)  # 2026-07-15: due today, not yet overdue
    assert list((await stack.overdue()).plans) == []
    stack.clock.advance(days=1)
    overdue = await stack.overdue()
    assert sorted(p.id for p in overdue.plans) == sorted([first.id, second.id])
    assert all(p.review_overdue for p in overdue.plans)
    assert [p.id for p in (await stack.overdue(MANAGER_091)).plans]
    assert list((await stack.overdue(MUNICIPAL_837)).plans) == []

    reviewed = await stack.review(await stack.get(first.id), notes="Edistyy hyvin")
    assert reviewed.status == S.PLAN_STATUS_ACTIVE
    assert reviewed.review_due_date == "2027-01-16"
    assert not reviewed.review_overdue
    assert [(r.reviewed_on, r.outcome, r.notes) for r in reviewed.reviews] == [
        ("2026-07-16", S.REVIEW_OUTCOME_CONTINUE, "Edistyy hyvin")
    ]
    assert reviewed.reviews[0].authority == S.RESPONSIBLE_AUTHORITY_MUNICIPALITY
    assert [p.id for p in (await stack.overdue()).plans] == [second.id]

    error = await rpc_error(
        stack.review(reviewed, reason=S.REVIEW_REASON_UNSPECIFIED, outcome=0),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["reason", "outcome"]


async def test_a_review_suspends_resumes_and_ends_the_plan(stack: Stack) -> None:
    client_id, user = await stack.new_client()
    active = await stack.activate(plan(client_id, follow_up_plan=""), user)

    suspended = await stack.review(
        active, S.REVIEW_OUTCOME_SUSPEND, reason=S.REVIEW_REASON_MATERIAL_CHANGE
    )
    assert suspended.status == S.PLAN_STATUS_SUSPENDED
    resumed = await stack.review(suspended, S.REVIEW_OUTCOME_CONTINUE)
    assert resumed.status == S.PLAN_STATUS_ACTIVE

    error = await rpc_error(
        stack.review(resumed, S.REVIEW_OUTCOME_END), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert fields_of(error) == ["follow_up_plan"]
    assert await stack.count(plan_reviews) == 2

    ended = await stack.review(
        resumed, S.REVIEW_OUTCOME_END, follow_up_plan="Työllistyi; ohjaus ammattiliittoon"
    )
    assert ended.status == S.PLAN_STATUS_ENDED
    assert ended.follow_up_plan == "Työllistyi; ohjaus ammattiliittoon"
    assert not ended.review_due_date
    assert statuses(ended)[-3:] == [
        (S.PLAN_STATUS_ACTIVE, S.PLAN_STATUS_SUSPENDED),
        (S.PLAN_STATUS_SUSPENDED, S.PLAN_STATUS_ACTIVE),
        (S.PLAN_STATUS_ACTIVE, S.PLAN_STATUS_ENDED),
    ]
    await rpc_error(stack.review(ended), grpc.StatusCode.FAILED_PRECONDITION)
    stack.clock.advance(days=400)
    assert list((await stack.overdue()).plans) == []


async def test_the_client_may_ask_for_a_review_which_is_then_due_at_once(stack: Stack) -> None:
    client_id, user = await stack.new_client()
    active = await stack.activate(plan(client_id), user)

    def ask(caller: Caller, reason: int, description: str = "Aloitin työt") -> Any:
        return stack.plans.RequestReview(
            S.RequestReviewRequest(plan_id=active.id, reason=reason, description=description),
            metadata=stack.md(caller),
        )

    error = await rpc_error(
        ask(user, S.REVIEW_REASON_MATERIAL_CHANGE, ""), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert fields_of(error) == ["reason", "description"]
    asked = await ask(user, S.REVIEW_REASON_CLIENT_REQUEST)
    assert asked.review_due_date == TODAY.isoformat()
    request = asked.pending_review_request
    assert (request.reason, request.requested_on, request.actor_subject) == (
        S.REVIEW_REASON_CLIENT_REQUEST,
        TODAY.isoformat(),
        user.subject,
    )
    await rpc_error(
        ask(MUNICIPAL_091, S.REVIEW_REASON_MATERIAL_CHANGE), grpc.StatusCode.FAILED_PRECONDITION
    )
    stack.clock.advance(days=1)
    assert [p.id for p in (await stack.overdue()).plans] == [active.id]

    reviewed = await stack.review(await stack.get(active.id), reason=S.REVIEW_REASON_CLIENT_REQUEST)
    assert not reviewed.HasField("pending_review_request")
    assert reviewed.review_due_date == "2026-07-16"
    again = await ask(MUNICIPAL_091, S.REVIEW_REASON_MATERIAL_CHANGE)
    assert again.review_due_date == "2026-01-16"


async def test_extensions_need_a_reason_and_stay_within_the_limits(stack: Stack) -> None:
    client_id, user = await stack.new_client()
    draft = await stack.create(plan(client_id, end_date="2027-01-15"))

    def extend(found: Any, end: str, reason: str = "Koulutus jatkuu") -> Any:
        return stack.plans.ExtendPlan(
            S.ExtendPlanRequest(
                plan_id=found.id, expected_version=found.version, new_end_date=end, reason=reason
            ),
            metadata=stack.md(MUNICIPAL_091),
        )

    await rpc_error(extend(draft, "2027-06-01"), grpc.StatusCode.FAILED_PRECONDITION)
    active = await stack.activate(plan(client_id, end_date="2027-01-15"), user)

    error = await rpc_error(extend(active, "someday", ""), grpc.StatusCode.INVALID_ARGUMENT)
    assert fields_of(error) == ["new_end_date", "reason"]
    error = await rpc_error(extend(active, "2028-01-16"), grpc.StatusCode.INVALID_ARGUMENT)
    assert fields_of(error) == ["new_end_date"]
    assert "1 year at a time" in error.violations[0].description
    await rpc_error(extend(active, "2027-01-15"), grpc.StatusCode.INVALID_ARGUMENT)

    once = await extend(active, "2028-01-15")
    twice = await extend(once, "2029-01-15")
    assert twice.end_date == "2029-01-15"
    assert twice.original_end_date == "2027-01-15"
    assert [(e.previous_end_date, e.new_end_date) for e in twice.extensions] == [
        ("2027-01-15", "2028-01-15"),
        ("2028-01-15", "2029-01-15"),
    ]
    error = await rpc_error(extend(twice, "2029-01-16"), grpc.StatusCode.INVALID_ARGUMENT)
    assert "2 years in total" in error.violations[0].description
    await rpc_error(
        extend(once, "2028-06-01"), grpc.StatusCode.FAILED_PRECONDITION
    )  # a stale version
    assert await stack.count(plan_extensions) == 2


async def test_transfer_to_the_employment_authority_and_back(stack: Stack) -> None:
    client_id, user = await stack.new_client()
    active = await stack.activate(plan(client_id), user)

    def transfer(found: Any, target: int, caller: Caller = MUNICIPAL_091) -> Any:
        return stack.plans.TransferPlan(
            S.TransferPlanRequest(
                plan_id=found.id,
                expected_version=found.version,
                target_authority=target,
                reason="Asiakas työnhakijaksi",
            ),
            metadata=stack.md(caller),
        )

    employment = S.RESPONSIBLE_AUTHORITY_EMPLOYMENT_AUTHORITY
    municipality = S.RESPONSIBLE_AUTHORITY_MUNICIPALITY
    await rpc_error(transfer(active, employment, EMPLOYMENT_091), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(transfer(active, municipality), grpc.StatusCode.FAILED_PRECONDITION)
    await rpc_error(transfer(active, 0), grpc.StatusCode.INVALID_ARGUMENT)

    moved = await transfer(active, employment)
    assert moved.responsible_authority == employment
    assert moved.review_due_date == TODAY.isoformat()
    assert moved.pending_review_request.reason == S.REVIEW_REASON_TRANSFER
    assert [(t.from_authority, t.to_authority) for t in moved.transfers] == [
        (municipality, employment)
    ]
    # The sending authority no longer changes the plan; the receiving one reviews it.
    await rpc_error(stack.review(moved, caller=MUNICIPAL_091), grpc.StatusCode.PERMISSION_DENIED)
    stack.clock.advance(days=1)
    overdue = await stack.overdue(EMPLOYMENT_091, responsible_authority=employment)
    assert [p.id for p in overdue.plans] == [active.id]
    assert list((await stack.overdue(responsible_authority=municipality)).plans) == []
    reviewed = await stack.review(
        await stack.get(active.id), caller=EMPLOYMENT_091, reason=S.REVIEW_REASON_TRANSFER
    )
    assert reviewed.reviews[-1].authority == employment
    assert reviewed.review_due_date == "2026-07-16"

    back = await transfer(reviewed, municipality, EMPLOYMENT_091)
    assert back.responsible_authority == municipality
    assert len(back.transfers) == 2
    # A draft moves without a review falling due; an ended plan does not move.
    draft = await stack.create(plan(client_id))
    moved_draft = await transfer(draft, employment)
    assert not moved_draft.review_due_date
    assert date.fromisoformat(back.review_due_date) == TODAY + timedelta(days=1)


async def test_reads_show_every_change_of_the_plan_at_once(stack: Stack) -> None:
    """Reads keep a plan's children by version (children_cache.py): every change must show."""
    client_id, user = await stack.new_client()
    created = await stack.create(plan(client_id))
    assert (await stack.get(created.id)).version == created.version
    listed = await stack.plans.ListClientPlans(
        S.ListClientPlansRequest(client_id=client_id), metadata=stack.md(MUNICIPAL_091)
    )
    assert [p.id for p in listed.plans] == [created.id]

    changed = await stack.plans.UpdatePlan(
        S.UpdatePlanRequest(
            plan_id=created.id,
            plan=S.Plan(
                goals=[S.Goal(text="Suomen kieli B1", category=S.GOAL_CATEGORY_INTEGRATION)]
            ),
            update_mask=FieldMask(paths=["goals"]),
            expected_version=created.version,
        ),
        metadata=stack.md(MUNICIPAL_091),
    )
    read = await stack.get(created.id)
    assert read.version == changed.version
    assert [g.text for g in read.goals] == ["Suomen kieli B1"]

    submitted = await stack.submit(read)
    approved = await stack.approve(submitted, user)
    read = await stack.get(created.id)
    assert read.status == S.PLAN_STATUS_AWAITING_APPROVAL
    assert [a.party for a in read.approvals] == [a.party for a in approved.approvals]
    assert len(read.approvals) == 1
    listed = await stack.plans.ListClientPlans(
        S.ListClientPlansRequest(client_id=client_id), metadata=stack.md(MUNICIPAL_091)
    )
    assert [(p.version, len(p.approvals)) for p in listed.plans] == [(approved.version, 1)]
