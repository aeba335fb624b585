"""Integration plans (kotoutumissuunnitelma, IS service 3): individual, multi-sector and family
plans, their approval by the client and the officer, reviews, extensions and transfers between
the municipality and the employment authority, and the client's own plans (IS service 19)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kotopolku.common.identity import Role
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.plans_schemas import (
    AUTHORITIES,
    REVIEW_OUTCOMES,
    REVIEW_REASONS,
    Authority,
    ExtensionCreate,
    Plan,
    PlanCreate,
    PlanPage,
    PlanPatch,
    ReviewCreate,
    ReviewRequestCreate,
    TransferCreate,
)
from kotopolku.gateway.problems import PROBLEM_RESPONSES, forbidden
from kotopolku.gateway.routers.params import IdempotencyKey, IfMatch, PageSize, State, conflict
from kotopolku.plans.v1 import plans_pb2 as pb

router = APIRouter(tags=["plans"], responses=PROBLEM_RESPONSES)
PageToken = Annotated[str, Query(max_length=500)]
PRECONDITIONS = conflict("Not allowed in the plan's state")


def _plan(response: Response, message: pb.Plan) -> Plan:
    response.headers["ETag"] = etag(message.version)
    return Plan.of(message)


def _page(found: pb.ListPlansResponse) -> PlanPage:
    return PlanPage(
        items=[Plan.of(p) for p in found.plans], next_page_token=found.next_page_token or None
    )


@router.post(
    "/v1/clients/{client_id}/plans",
    status_code=status.HTTP_201_CREATED,
    summary="Draft an integration plan for a client (officers of the client's municipality)",
)
async def create_plan(
    client_id: str,
    body: PlanCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Plan:
    created = await state.call(
        state.plans.CreatePlan,
        pb.CreatePlanRequest(plan=body.message(client_id), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/plans/{created.id}"
    return _plan(response, created)


@router.get(
    "/v1/clients/{client_id}/plans",
    summary="Plans of a client, also family plans the client belongs to, oldest first",
)
async def list_client_plans(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> PlanPage:
    found = await state.call(
        state.plans.ListClientPlans,
        pb.ListClientPlansRequest(client_id=client_id, page_size=page_size, page_token=page_token),
        caller,
    )
    return _page(found)


@router.get("/v1/me/plans", summary="The signed-in client's own plans")
async def list_own_plans(
    caller: CurrentCaller, state: State, page_size: PageSize = 50, page_token: PageToken = ""
) -> PlanPage:
    if not caller.has_any(Role.CLIENT):
        raise forbidden("Only client users have own plans")
    found = await state.call(
        state.plans.ListOwnPlans,
        pb.ListOwnPlansRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return _page(found)


# Declared before /v1/plans/{plan_id}, which would otherwise take "overdue-reviews" for an id.
@router.get(
    "/v1/plans/overdue-reviews",
    summary="Plans of the caller's municipality whose review is overdue, longest overdue first",
)
async def list_overdue_reviews(
    caller: CurrentCaller,
    state: State,
    responsible_authority: Authority | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> PlanPage:
    found = await state.call(
        state.plans.ListOverdueReviews,
        pb.ListOverdueReviewsRequest(
            responsible_authority=AUTHORITIES.get(responsible_authority, 0),
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return _page(found)


@router.get(
    "/v1/welfare-area/plans",
    summary="Multi-sector plans the calling welfare-area worker's welfare area takes part in",
)
async def list_welfare_area_plans(
    caller: CurrentCaller, state: State, page_size: PageSize = 50, page_token: PageToken = ""
) -> PlanPage:
    found = await state.call(
        state.plans.ListWelfareAreaPlans,
        pb.ListWelfareAreaPlansRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return _page(found)


@router.get("/v1/plans/{plan_id}", summary="Read a plan")
async def get_plan(plan_id: str, response: Response, caller: CurrentCaller, state: State) -> Plan:
    found = await state.call(state.plans.GetPlan, pb.GetPlanRequest(plan_id=plan_id), caller)
    return _plan(response, found)


@router.patch(
    "/v1/plans/{plan_id}",
    summary="Change the plan's content (present fields are set; lists are replaced)",
    responses=PRECONDITIONS,
)
async def update_plan(
    plan_id: str,
    body: PlanPatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Plan:
    version = expected_version(if_match)
    message, mask = body.message_and_mask()
    request = pb.UpdatePlanRequest(plan_id=plan_id, plan=message, expected_version=version)
    request.update_mask.paths.extend(mask)
    updated = await state.call(state.plans.UpdatePlan, request, caller)
    return _plan(response, updated)


@router.post(
    "/v1/plans/{plan_id}/submit",
    summary="Submit a draft for approval by the client and the officer",
    responses=PRECONDITIONS,
)
async def submit_plan(
    plan_id: str, response: Response, caller: CurrentCaller, state: State, if_match: IfMatch = None
) -> Plan:
    submitted = await state.call(
        state.plans.SubmitPlan,
        pb.SubmitPlanRequest(plan_id=plan_id, expected_version=expected_version(if_match)),
        caller,
    )
    return _plan(response, submitted)


@router.post(
    "/v1/plans/{plan_id}/approve",
    summary="Approve the version read (the client, or an officer of the responsible authority); "
    "the plan becomes active when both have approved",
    responses=PRECONDITIONS,
)
async def approve_plan(
    plan_id: str, response: Response, caller: CurrentCaller, state: State, if_match: IfMatch = None
) -> Plan:
    approved = await state.call(
        state.plans.ApprovePlan,
        pb.ApprovePlanRequest(plan_id=plan_id, expected_version=expected_version(if_match)),
        caller,
    )
    return _plan(response, approved)


@router.post(
    "/v1/plans/{plan_id}/reviews",
    summary="Record a review: the plan continues (or resumes), is suspended or ends",
    responses=PRECONDITIONS,
)
async def review_plan(
    plan_id: str,
    body: ReviewCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Plan:
    reviewed = await state.call(
        state.plans.ReviewPlan,
        pb.ReviewPlanRequest(
            plan_id=plan_id,
            expected_version=expected_version(if_match),
            reason=REVIEW_REASONS[body.reason],
            outcome=REVIEW_OUTCOMES[body.outcome],
            notes=body.notes,
            follow_up_plan=body.follow_up_plan,
        ),
        caller,
    )
    return _plan(response, reviewed)


@router.post(
    "/v1/plans/{plan_id}/review-requests",
    summary="Ask for a review (the client), or record a material change (an officer)",
    responses={409: PROBLEM_RESPONSES[422] | {"description": "A review is already pending"}},
)
async def request_review(
    plan_id: str,
    body: ReviewRequestCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
) -> Plan:
    requested = await state.call(
        state.plans.RequestReview,
        pb.RequestReviewRequest(
            plan_id=plan_id, reason=REVIEW_REASONS[body.reason], description=body.description
        ),
        caller,
    )
    return _plan(response, requested)


@router.post(
    "/v1/plans/{plan_id}/extensions",
    summary="Extend the plan for a stated reason (a year at a time, two years in all)",
    responses=PRECONDITIONS,
)
async def extend_plan(
    plan_id: str,
    body: ExtensionCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Plan:
    extended = await state.call(
        state.plans.ExtendPlan,
        pb.ExtendPlanRequest(
            plan_id=plan_id,
            expected_version=expected_version(if_match),
            new_end_date=body.new_end_date,
            reason=body.reason,
        ),
        caller,
    )
    return _plan(response, extended)


@router.post(
    "/v1/plans/{plan_id}/transfer",
    summary="Hand the plan to the other authority, which must then review it",
    responses=PRECONDITIONS,
)
async def transfer_plan(
    plan_id: str,
    body: TransferCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Plan:
    transferred = await state.call(
        state.plans.TransferPlan,
        pb.TransferPlanRequest(
            plan_id=plan_id,
            expected_version=expected_version(if_match),
            target_authority=AUTHORITIES[body.target_authority],
            reason=body.reason,
        ),
        caller,
    )
    return _plan(response, transferred)
