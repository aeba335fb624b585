"""/v1/outreach: target-group lists, the people on them and reaching them (tavoittaminen,
reference architecture §3.4.4; the format is docs/outreach-import.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status

from kotopolku.clients.v1 import outreach_pb2 as pb
from kotopolku.common.errors import FieldViolation
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.outreach_schemas import (
    GROUPS,
    SOURCES,
    STATES,
    AssigneeIn,
    ClientConversionIn,
    ContactIn,
    Coverage,
    ImportPage,
    ListSource,
    OutreachImport,
    OutreachState,
    OutreachTarget,
    TargetEvent,
    TargetGroupCode,
    TargetHistory,
    TargetPage,
)
from kotopolku.gateway.problems import PROBLEM_RESPONSES, Problem
from kotopolku.gateway.routers.params import PRECONDITIONS, IdempotencyKey, IfMatch, State, conflict

router = APIRouter(prefix="/v1/outreach", tags=["outreach"], responses=PROBLEM_RESPONSES)
MEDIA_TYPES = ("text/csv", "application/json")

CSV_EXAMPLE = (
    "henkilotunnus,first_names,last_name,date_of_birth,target_group,first_permit_date,languages\n"
    "150190-901S,Amina,Hassan,1990-01-15,social-assistance,2024-03-01,so ar\n"
    "150190-901S,Amina,Hassan,1990-01-15,child-home-care-allowance,2024-03-01,\n"
)
JSON_EXAMPLE = {
    "rows": [
        {
            "henkilotunnus": "021101A903J",
            "first_names": "Olena",
            "last_name": "Kovalenko",
            "date_of_birth": "2001-11-02",
            "target_group": "international-protection",
            "first_permit_date": "2025-05-20",
            "languages": ["uk", "ru"],
        }
    ]
}
UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The list itself (docs/outreach-import.md), UTF-8",
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "docs/outreach-import.md (urn:kotopolku:outreach-list:1)",
                },
                "example": JSON_EXAMPLE,
            },
        },
    }
}
TOO_LARGE = PROBLEM_RESPONSES[422] | {"description": "The list is larger than the gateway takes"}
UNSUPPORTED = PROBLEM_RESPONSES[422] | {"description": "Not text/csv or application/json"}


def _target(response: Response, message: pb.OutreachTarget) -> OutreachTarget:
    response.headers["ETag"] = etag(message.version)
    return OutreachTarget.of(message)


def _too_large(limit: int) -> Problem:
    return Problem(413, "payload-too-large", "The list is too large", f"At most {limit} bytes")


async def _body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    content = bytearray()
    async for chunk in request.stream():
        content.extend(chunk)
        if len(content) > limit:
            raise _too_large(limit)
    return bytes(content)


# --- imports -------------------------------------------------------------------------------------


@router.post(
    "/imports",
    status_code=status.HTTP_201_CREATED,
    summary="Import a target-group list: the request body is the CSV or JSON file (officers)",
    description=(
        "All or nothing: a list with any bad row imports nothing, and the 422 names every "
        "problem as `rows[<line>].<column>` (CSV: the line, the header is line 1; JSON: the "
        "index in `rows`). People are matched to the municipality's clients by identity code "
        "only; everyone else becomes an outreach target. Importing the same list again changes "
        "nothing. Idempotency-Key is required."
    ),
    openapi_extra=UPLOAD_DOC,
    responses={413: TOO_LARGE, 415: UNSUPPORTED, 409: conflict("Changed concurrently")[409]},
)
async def import_list(
    request: Request,
    response: Response,
    caller: CurrentCaller,
    state: State,
    source: Annotated[ListSource, Query(description="Who extracted the list")],
    content_type: Annotated[str | None, Header(alias="Content-Type")] = None,
    idempotency_key: IdempotencyKey = None,
) -> OutreachImport:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind not in MEDIA_TYPES:
        raise Problem(
            415,
            "unsupported-media-type",
            "The list must be CSV or JSON",
            "Send Content-Type: text/csv or application/json",
        )
    if not idempotency_key:
        raise Problem(
            422,
            "validation-error",
            "The request is not valid",
            "Idempotency-Key is required: a retried upload must not import twice",
            violations=[FieldViolation("Idempotency-Key", "is required")],
        )
    limit = state.settings.outreach_import_max_bytes
    content = await _body(request, limit)
    created = await state.call(
        state.outreach.ImportTargetList,
        pb.ImportTargetListRequest(
            source=SOURCES[source],
            media_type=content_type or "",
            content=content,
            idempotency_key=idempotency_key,
        ),
        caller,
        deadline_seconds=state.settings.outreach_import_timeout_seconds,
    )
    response.headers["Location"] = f"/v1/outreach/imports/{created.id}"
    return OutreachImport.of(created)


@router.get("/imports", summary="Imports of the caller's municipality, newest first")
async def list_imports(
    caller: CurrentCaller,
    state: State,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str, Query(max_length=1000)] = "",
) -> ImportPage:
    found = await state.call(
        state.outreach.ListImports,
        pb.ListImportsRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return ImportPage(
        items=[OutreachImport.of(i) for i in found.imports],
        next_page_token=found.next_page_token or None,
    )


@router.get("/imports/{import_id}", summary="What an import did")
async def get_import(import_id: str, caller: CurrentCaller, state: State) -> OutreachImport:
    found = await state.call(
        state.outreach.GetImport, pb.GetImportRequest(import_id=import_id), caller
    )
    return OutreachImport.of(found)


# --- targets -------------------------------------------------------------------------------------


@router.get(
    "/targets",
    summary="Outreach targets by status, group and assignee, soonest window end first",
)
async def list_targets(
    caller: CurrentCaller,
    state: State,
    status: OutreachState | None = None,
    group: TargetGroupCode | None = None,
    assignee: Annotated[
        str | None,
        Query(
            max_length=200,
            description="`me`, `none` (unassigned) or an officer's Keycloak subject",
        ),
    ] = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str, Query(max_length=1000)] = "",
) -> TargetPage:
    request = pb.ListTargetsRequest(
        status=STATES.get(status, 0),
        target_group=GROUPS.get(group, 0),
        page_size=page_size,
        page_token=page_token,
    )
    if assignee == "none":
        request.unassigned = True
    elif assignee:
        request.assignee_subject = caller.subject if assignee == "me" else assignee
    found = await state.call(state.outreach.ListTargets, request, caller)
    return TargetPage(
        items=[OutreachTarget.of(t) for t in found.targets],
        next_page_token=found.next_page_token or None,
    )


@router.get(
    "/targets/window-ending",
    summary="Targets still to be reached whose three-year window ends soon, soonest first",
)
async def list_window_ending(
    caller: CurrentCaller,
    state: State,
    within_days: Annotated[int, Query(ge=1, le=366)] = 90,
    group: TargetGroupCode | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str, Query(max_length=1000)] = "",
) -> TargetPage:
    found = await state.call(
        state.outreach.ListTargetsLeavingWindow,
        pb.ListTargetsLeavingWindowRequest(
            within_days=within_days,
            target_group=GROUPS.get(group, 0),
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return TargetPage(
        items=[OutreachTarget.of(t) for t in found.targets],
        next_page_token=found.next_page_token or None,
    )


@router.get("/targets/{target_id}", summary="Read a target with its groups and contact attempts")
async def get_target(
    target_id: str, response: Response, caller: CurrentCaller, state: State
) -> OutreachTarget:
    found = await state.call(
        state.outreach.GetTarget, pb.GetTargetRequest(target_id=target_id), caller
    )
    return _target(response, found)


@router.get("/targets/{target_id}/history", summary="What happened to a target, oldest first")
async def get_history(target_id: str, caller: CurrentCaller, state: State) -> TargetHistory:
    found = await state.call(
        state.outreach.ListTargetHistory,
        pb.ListTargetHistoryRequest(target_id=target_id),
        caller,
    )
    return TargetHistory(items=[TargetEvent.of(e) for e in found.events])


@router.post(
    "/targets/{target_id}/contacts",
    summary="Record a contact attempt: reached, not reached or declined (officers)",
    responses=conflict("The person is already a client"),
)
async def record_contact(
    target_id: str,
    body: ContactIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> OutreachTarget:
    version = expected_version(if_match)
    updated = await state.call(
        state.outreach.RecordContactAttempt, body.message(target_id, version), caller
    )
    return _target(response, updated)


@router.put(
    "/targets/{target_id}/assignee",
    summary="Assign the target to an officer, or remove the assignment (officers)",
    responses=PRECONDITIONS,
)
async def assign_target(
    target_id: str,
    body: AssigneeIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> OutreachTarget:
    version = expected_version(if_match)
    updated = await state.call(
        state.outreach.AssignTarget,
        pb.AssignTargetRequest(
            target_id=target_id,
            expected_version=version,
            assignee_subject=body.subject or "",
            assignee_name=body.display_name or "",
        ),
        caller,
    )
    return _target(response, updated)


@router.post(
    "/targets/{target_id}/client",
    summary="Make the reached person a client from what the list carried, or link a client",
    responses=conflict("Not reached yet, or already a client"),
)
async def convert_to_client(
    target_id: str,
    body: ClientConversionIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> OutreachTarget:
    version = expected_version(if_match)
    updated = await state.call(
        state.outreach.ConvertTargetToClient, body.message(target_id, version), caller
    )
    return _target(response, updated)


@router.get(
    "/coverage",
    summary="Outreach coverage: targets per group and status (no personal data)",
)
async def get_coverage(caller: CurrentCaller, state: State) -> Coverage:
    found = await state.call(
        state.outreach.GetOutreachCoverage, pb.GetOutreachCoverageRequest(), caller
    )
    return Coverage.of(found)
