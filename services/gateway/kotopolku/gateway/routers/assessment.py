"""Assessments of service need (IS service 2): basic and multi-sector assessments, their
outcome and next step, corrections, and refining measures ordered from third parties."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from kotopolku.assessment.v1 import assessment_pb2 as pb
from kotopolku.gateway.assessment_schemas import (
    KINDS,
    MEASURE_STATUSES,
    Assessment,
    AssessmentChanges,
    AssessmentCorrection,
    AssessmentCreate,
    AssessmentPage,
    AssessmentSummary,
    Measure,
    MeasureOrder,
    MeasurePage,
    MeasureResultIn,
    MeasureStatus,
)
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.problems import PROBLEM_RESPONSES, Problem
from kotopolku.gateway.routers.params import IdempotencyKey, IfMatch, State, conflict
from kotopolku.gateway.state import GatewayState

router = APIRouter(tags=["assessments"], responses=PROBLEM_RESPONSES)
PRECONDITIONS = conflict("Not allowed in the assessment's state")


def _assessment(response: Response, message: pb.Assessment) -> Assessment:
    response.headers["ETag"] = etag(message.version)
    return Assessment.of(message)


def _measure(response: Response, message: pb.RefiningMeasure) -> Measure:
    response.headers["ETag"] = etag(message.version)
    return Measure.of(message)


@router.post(
    "/v1/clients/{client_id}/assessments",
    status_code=status.HTTP_201_CREATED,
    summary="Start an assessment of a client (officers of the client's municipality)",
)
async def create_assessment(
    client_id: str,
    body: AssessmentCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Assessment:
    message, paths = body.message_and_paths()
    request = pb.CreateAssessmentRequest(
        client_id=client_id,
        kind=KINDS[body.kind],
        assessment=message,
        idempotency_key=idempotency_key or "",
    )
    request.fields.paths.extend(paths)
    created = await state.call(state.assessment.CreateAssessment, request, caller)
    response.headers["Location"] = f"/v1/assessments/{created.id}"
    return _assessment(response, created)


@router.get("/v1/clients/{client_id}/assessments", summary="Assessments of a client, newest first")
async def list_assessments(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str, Query(max_length=500)] = "",
) -> AssessmentPage:
    found = await state.call(
        state.assessment.ListAssessments,
        pb.ListAssessmentsRequest(client_id=client_id, page_size=page_size, page_token=page_token),
        caller,
    )
    return AssessmentPage(
        items=[AssessmentSummary.of(a) for a in found.assessments],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/assessments/{assessment_id}", summary="Read an assessment")
async def get_assessment(
    assessment_id: str, response: Response, caller: CurrentCaller, state: State
) -> Assessment:
    found = await state.call(
        state.assessment.GetAssessment,
        pb.GetAssessmentRequest(assessment_id=assessment_id),
        caller,
    )
    return _assessment(response, found)


@router.patch(
    "/v1/assessments/{assessment_id}",
    summary="Change fields of a draft (present fields are set, null clears)",
    responses=PRECONDITIONS,
)
async def update_assessment(
    assessment_id: str,
    body: AssessmentChanges,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Assessment:
    version = expected_version(if_match)
    message, paths = body.message_and_paths()
    request = pb.UpdateAssessmentRequest(
        assessment_id=assessment_id, assessment=message, expected_version=version
    )
    request.update_mask.paths.extend(paths)
    updated = await state.call(state.assessment.UpdateAssessment, request, caller)
    return _assessment(response, updated)


@router.post(
    "/v1/assessments/{assessment_id}/complete",
    summary="Complete a draft: needs an outcome and every area answered or not assessed",
    responses=PRECONDITIONS,
)
async def complete_assessment(
    assessment_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Assessment:
    completed = await state.call(
        state.assessment.CompleteAssessment,
        pb.CompleteAssessmentRequest(
            assessment_id=assessment_id, expected_version=expected_version(if_match)
        ),
        caller,
    )
    return _assessment(response, completed)


@router.post(
    "/v1/assessments/{assessment_id}/corrections",
    summary="Correct a completed assessment, with a reason kept in its history",
    responses=PRECONDITIONS,
)
async def correct_assessment(
    assessment_id: str,
    body: AssessmentCorrection,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Assessment:
    version = expected_version(if_match)
    message, paths = body.changes.message_and_paths()
    request = pb.CorrectAssessmentRequest(
        assessment_id=assessment_id,
        assessment=message,
        expected_version=version,
        reason=body.reason,
    )
    request.update_mask.paths.extend(paths)
    corrected = await state.call(state.assessment.CorrectAssessment, request, caller)
    return _assessment(response, corrected)


@router.post(
    "/v1/assessments/{assessment_id}/measures",
    status_code=status.HTTP_201_CREATED,
    summary="Order a refining measure from a provider organisation",
)
async def order_measure(
    assessment_id: str,
    body: MeasureOrder,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Measure:
    ordered = await state.call(
        state.assessment.OrderMeasure,
        pb.OrderMeasureRequest(
            assessment_id=assessment_id,
            measure=body.message(),
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/measures/{ordered.id}"
    return _measure(response, ordered)


async def _measures(
    state: GatewayState, caller: CurrentCaller, request: pb.ListMeasuresRequest
) -> MeasurePage:
    found = await state.call(state.assessment.ListMeasures, request, caller)
    return MeasurePage(
        items=[Measure.of(m) for m in found.measures],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/assessments/{assessment_id}/measures", summary="Measures of an assessment")
async def list_assessment_measures(
    assessment_id: str,
    caller: CurrentCaller,
    state: State,
    status: MeasureStatus | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str, Query(max_length=500)] = "",
) -> MeasurePage:
    return await _measures(
        state,
        caller,
        pb.ListMeasuresRequest(
            assessment_id=assessment_id,
            status=MEASURE_STATUSES.get(status, 0),
            page_size=page_size,
            page_token=page_token,
        ),
    )


@router.get(
    "/v1/measures",
    summary="Measures ordered from the calling provider's organisation (mine=true)",
)
async def list_my_measures(
    caller: CurrentCaller,
    state: State,
    mine: bool = False,
    status: MeasureStatus | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str, Query(max_length=500)] = "",
) -> MeasurePage:
    if not mine:
        raise Problem(
            422,
            "validation-error",
            "The request is not valid",
            "Ask for your own measures with mine=true, or list an assessment's measures",
        )
    return await _measures(
        state,
        caller,
        pb.ListMeasuresRequest(
            mine=True,
            status=MEASURE_STATUSES.get(status, 0),
            page_size=page_size,
            page_token=page_token,
        ),
    )


@router.get("/v1/measures/{measure_id}", summary="Read a refining measure")
async def get_measure(
    measure_id: str, response: Response, caller: CurrentCaller, state: State
) -> Measure:
    found = await state.call(
        state.assessment.GetMeasure, pb.GetMeasureRequest(measure_id=measure_id), caller
    )
    return _measure(response, found)


@router.post(
    "/v1/measures/{measure_id}/result",
    summary="Record the result of a measure (its provider; once)",
    responses=PRECONDITIONS,
)
async def record_measure_result(
    measure_id: str,
    body: MeasureResultIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="Optional: the ETag of the measure read")
    ] = None,
) -> Measure:
    recorded = await state.call(
        state.assessment.RecordMeasureResult,
        pb.RecordMeasureResultRequest(
            measure_id=measure_id,
            result=body.message(),
            expected_version=expected_version(if_match) if if_match else 0,
        ),
        caller,
    )
    return _measure(response, recorded)
