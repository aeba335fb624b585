"""Feedback (IS service 10) and reporting for management (IS service 13): surveys, invitations
to clients and stakeholders, answers in self-service and by one-time link, reports as JSON, CSV,
PNG and SVG, and the national extract for KEHA."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final

from fastapi import APIRouter, Body, Path, Query, Request, Response, status

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.identity import Caller, Role
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.problems import PROBLEM_RESPONSES, forbidden
from kotopolku.gateway.reporting_schemas import (
    ANSWER_EXAMPLES,
    AUDIENCES,
    INVITATION_EXAMPLES,
    STAKEHOLDER_EXAMPLES,
    SURVEY_EXAMPLES,
    AnswerIn,
    AnswerReceipt,
    Invitation,
    InvitationCreate,
    InvitationPage,
    Report,
    StakeholderInvitationCreate,
    Survey,
    SurveyCreate,
    SurveyPage,
)
from kotopolku.gateway.routers.params import IdempotencyKey, PageSize, State
from kotopolku.gateway.state import GatewayState
from kotopolku.reporting.v1 import reporting_pb2 as pb

router = APIRouter(tags=["feedback and reporting"], responses=PROBLEM_RESPONSES)

# The role the one-time link routes call with: no token can carry it.
LINK_CALLER: Final = Caller(
    subject="feedback-link", roles=frozenset({"feedback-link"}), purpose="feedback"
)
PageToken = Annotated[str, Query(max_length=500)]
Month = Annotated[
    str, Query(max_length=7, description="A calendar month YYYY-MM; default: this month")
]
Token = Annotated[str, Path(max_length=100)]
REPORTS: Final = (
    "assessments",
    "plans",
    "reviews",
    "enrolments",
    "language-tests",
    "outreach",
    "feedback",
    "throughput",
)
# The filters a report may take (checked by the reporting service per report).
FILTER_NAMES: Final = (
    "kind",
    "segment",
    "authority",
    "service_type",
    "skill",
    "target_group",
    "survey_id",
    "respondent",
    "context_kind",
)


class ReportFormat(StrEnum):
    json = "json"
    csv = "csv"
    png = "png"
    svg = "svg"


class ExtractFormat(StrEnum):
    json = "json"
    csv = "csv"


_FORMATS: Final = {
    "json": pb.DOCUMENT_FORMAT_JSON,
    "csv": pb.DOCUMENT_FORMAT_CSV,
    "png": pb.DOCUMENT_FORMAT_PNG,
    "svg": pb.DOCUMENT_FORMAT_SVG,
}


def _document(found: pb.RenderedDocument) -> Response:
    return Response(
        content=found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Cache-Control": "no-store",
        },
    )


async def _own(caller: Caller, state: GatewayState) -> Caller:
    """The client user with their own record resolved (the gateway vouches for it)."""
    if not caller.has_any(Role.CLIENT):
        raise forbidden("Only client users have own feedback invitations")
    own = await state.call(state.clients.GetOwnClient, clients_pb2.GetOwnClientRequest(), caller)
    return state.with_client(caller, own.id)


# --- surveys -----------------------------------------------------------------------------------


@router.post(
    "/v1/feedback/surveys",
    status_code=status.HTTP_201_CREATED,
    summary="Create a feedback survey (municipal officers, managers)",
)
async def create_survey(
    body: Annotated[SurveyCreate, Body(openapi_examples=SURVEY_EXAMPLES)],
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Survey:
    created = await state.call(
        state.reporting.CreateSurvey,
        pb.CreateSurveyRequest(survey=body.message(), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/feedback/surveys/{created.id}"
    return Survey.of(created)


@router.get("/v1/feedback/surveys", summary="The municipality's feedback surveys")
async def list_surveys(
    caller: CurrentCaller, state: State, page_size: PageSize = 50, page_token: PageToken = ""
) -> SurveyPage:
    found = await state.call(
        state.reporting.ListSurveys,
        pb.ListSurveysRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return SurveyPage(
        items=[Survey.of(s) for s in found.surveys], next_page_token=found.next_page_token or None
    )


@router.get("/v1/feedback/surveys/{survey_id}", summary="Read a feedback survey")
async def get_survey(survey_id: str, caller: CurrentCaller, state: State) -> Survey:
    found = await state.call(
        state.reporting.GetSurvey, pb.GetSurveyRequest(survey_id=survey_id), caller
    )
    return Survey.of(found)


# --- invitations -------------------------------------------------------------------------------


@router.post(
    "/v1/clients/{client_id}/feedback-invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Ask a client for feedback after a service or visit (sent through messaging)",
    description=(
        "The invitation is sent to the client with the messaging service's template "
        "`feedback-invitation`, in the client's language; its link leads to the self-service "
        "pages, where the client signs in and answers (`/v1/me/feedback`)."
    ),
)
async def invite_client(
    client_id: str,
    body: Annotated[InvitationCreate, Body(openapi_examples=INVITATION_EXAMPLES)],
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Invitation:
    created = await state.call(
        state.reporting.CreateInvitation,
        body.message(
            respondent=AUDIENCES["client"],
            client_id=client_id,
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )
    return Invitation.of(created)


@router.get(
    "/v1/clients/{client_id}/feedback-invitations",
    summary="A client's feedback invitations and identified answers (officers)",
)
async def list_client_invitations(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> InvitationPage:
    found = await state.call(
        state.reporting.ListClientInvitations,
        pb.ListClientInvitationsRequest(
            client_id=client_id, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return InvitationPage(
        items=[Invitation.of(i) for i in found.invitations],
        next_page_token=found.next_page_token or None,
    )


@router.post(
    "/v1/feedback/stakeholder-invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Ask a stakeholder for feedback with a one-time link (shown once)",
    description=(
        "The answer holds `link`: a URL whose only content is a random token (nothing about a "
        "person). Only a hash of the token is kept, so the link is shown once; pass it to the "
        "stakeholder by any channel. It is answered once, until it expires."
    ),
)
async def invite_stakeholder(
    request: Request,
    body: Annotated[StakeholderInvitationCreate, Body(openapi_examples=STAKEHOLDER_EXAMPLES)],
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Invitation:
    created = await state.call(
        state.reporting.CreateInvitation,
        body.message(
            respondent=AUDIENCES["stakeholder"],
            stakeholder_organisation=body.stakeholder_organisation,
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )
    link = (
        str(request.url_for("read_feedback_link", token=created.link_token))
        if created.link_token
        else None
    )
    return Invitation.of(created, link=link)


# --- self-service ------------------------------------------------------------------------------


@router.get("/v1/me/feedback", summary="The signed-in client's open feedback invitations")
async def own_invitations(
    caller: CurrentCaller,
    state: State,
    include_closed: Annotated[bool, Query(description="Also answered and expired ones")] = False,
) -> InvitationPage:
    resolved = await _own(caller, state)
    found = await state.call(
        state.reporting.ListOwnInvitations,
        pb.ListOwnInvitationsRequest(include_closed=include_closed),
        resolved,
    )
    return InvitationPage(items=[Invitation.of(i) for i in found.invitations])


@router.post(
    "/v1/me/feedback/{invitation_id}/answer",
    summary="Answer an own feedback invitation, anonymously if wished",
    description=(
        "With `anonymous: true` (or when the survey is always anonymous) the answer is stored "
        "without any link to the client, the invitation or the time beyond the month."
    ),
)
async def answer_own(
    invitation_id: str,
    body: Annotated[AnswerIn, Body(openapi_examples=ANSWER_EXAMPLES)],
    caller: CurrentCaller,
    state: State,
) -> AnswerReceipt:
    resolved = await _own(caller, state)
    receipt = await state.call(
        state.reporting.AnswerOwnInvitation,
        pb.AnswerOwnInvitationRequest(invitation_id=invitation_id, answer=body.message()),
        resolved,
    )
    return AnswerReceipt(anonymous=receipt.anonymous, period=receipt.period)


# --- one-time links (no access token: the token in the URL authorises) -------------------------


@router.get(
    "/v1/feedback/links/{token}",
    name="read_feedback_link",
    summary="A stakeholder's feedback invitation and its survey, by one-time link",
    openapi_extra={"security": []},
)
async def read_link(token: Token, response: Response, state: State) -> Invitation:
    found = await state.call(
        state.reporting.GetLinkInvitation, pb.GetLinkInvitationRequest(token=token), LINK_CALLER
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return Invitation.of(found)


@router.post(
    "/v1/feedback/links/{token}/answer",
    summary="Answer a stakeholder's feedback invitation by one-time link",
    openapi_extra={"security": []},
)
async def answer_link(
    token: Token,
    body: Annotated[AnswerIn, Body(openapi_examples=ANSWER_EXAMPLES)],
    state: State,
) -> AnswerReceipt:
    receipt = await state.call(
        state.reporting.AnswerLinkInvitation,
        pb.AnswerLinkInvitationRequest(token=token, answer=body.message()),
        LINK_CALLER,
    )
    return AnswerReceipt(anonymous=receipt.anonymous, period=receipt.period)


# --- reports -----------------------------------------------------------------------------------


def _report_request(
    report: str, request: Request, municipality: str, start: str, end: str, group_by: str
) -> pb.GetReportRequest:
    filters = {
        name: request.query_params[name][:100]
        for name in FILTER_NAMES
        if name in request.query_params
    }
    return pb.GetReportRequest(
        kind=report,
        municipality_code=municipality,
        period_start=start,
        period_end=end,
        group_by=group_by,
        filters=filters,
    )


@router.get(
    "/v1/reports/{report}",
    summary="A report for management, as JSON, CSV or a chart (managers, auditors, admins)",
    description=(
        f"`report`: {', '.join(REPORTS)}. Per municipality (managers and auditors: their own; "
        "admins name it) and period (calendar months), grouped by month, quarter, year or in "
        "total. Filters are query parameters the report knows: "
        f"{', '.join(FILTER_NAMES)} (values are the services' codes, e.g. `kind=MULTI_SECTOR`). "
        "`format=csv` gives one line per row; `png` and `svg` a bar chart of `measure`."
    ),
    response_model=Report,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "image/png": {},
                "image/svg+xml": {},
            }
        }
    },
)
async def get_report(
    report: Annotated[str, Path(max_length=40, examples=["assessments"])],
    request: Request,
    caller: CurrentCaller,
    state: State,
    municipality: Annotated[str, Query(max_length=3, description="Admins only")] = "",
    period_start: Month = "",
    period_end: Month = "",
    group_by: Annotated[str, Query(max_length=10, description="month, quarter, year, total")] = "",
    format: ReportFormat = ReportFormat.json,
    measure: Annotated[str, Query(max_length=60, description="The measure a chart draws")] = "",
) -> Response | Report:
    wanted = _report_request(report, request, municipality, period_start, period_end, group_by)
    if format is ReportFormat.json:
        found = await state.call(state.reporting.GetReport, wanted, caller)
        return Report.of(found)
    rendered = await state.call(
        state.reporting.RenderReport,
        pb.RenderReportRequest(report=wanted, format=_FORMATS[format], measure=measure),
        caller,
        deadline_seconds=state.settings.backend_timeout_seconds * 3,
    )
    return _document(rendered)


@router.get(
    "/v1/national-extract",
    summary="The national extract for KEHA: pseudonymised, small cells suppressed",
    description=(
        "Managers: their municipality; admins: one municipality or, without `municipality`, "
        "every one. JSON is the whole document (schema: `/v1/national-extract/schema`); CSV "
        "gives `part=cells` (the tables in long form) or `part=follow-up` (pseudonymised rows)."
    ),
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def national_extract(
    caller: CurrentCaller,
    state: State,
    municipality: Annotated[str, Query(max_length=3)] = "",
    period_start: Month = "",
    period_end: Month = "",
    format: ExtractFormat = ExtractFormat.json,
    part: Annotated[str, Query(max_length=20, description="cells or follow-up")] = "",
) -> Response:
    found = await state.call(
        state.reporting.GetNationalExtract,
        pb.GetNationalExtractRequest(
            municipality_code=municipality,
            period_start=period_start,
            period_end=period_end,
            format=_FORMATS[format],
            part=part,
        ),
        caller,
        deadline_seconds=state.settings.backend_timeout_seconds * 3,
    )
    return _document(found)


@router.get(
    "/v1/national-extract/schema",
    summary="The JSON Schema of the national extract",
    response_class=Response,
    responses={200: {"content": {"application/schema+json": {}}}},
)
async def national_extract_schema(caller: CurrentCaller, state: State) -> Response:
    found = await state.call(
        state.reporting.GetNationalExtractSchema, pb.GetNationalExtractSchemaRequest(), caller
    )
    return Response(content=found.content, media_type=found.media_type)
