"""Electronic signature (IS service 12): signing requests for integration plans, signing and
approving (officers, welfare-area workers, and the client in self-service), the signed
document, and verification of any PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from kotopolku.common.identity import Caller, Role
from kotopolku.esign.v1 import esign_pb2 as pb
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.esign_schemas import (
    DocumentVerification,
    ReasonIn,
    SigningRequest,
    SigningRequestCreate,
    SigningRequestPage,
)
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.problems import PROBLEM_RESPONSES, Problem, forbidden
from kotopolku.gateway.routers.params import IdempotencyKey, IfMatch, PageSize, State, conflict
from kotopolku.gateway.state import GatewayState

router = APIRouter(tags=["e-signature"], responses=PROBLEM_RESPONSES)
PageToken = Annotated[str, Query(max_length=500)]
PRECONDITIONS = conflict("Not allowed in the request's state, or not the signer's turn")
PDF = "application/pdf"
# The largest PDF the e-signature service accepts for verification.
MAX_UPLOAD_BYTES = 10 << 20
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {PDF: {"schema": {"type": "string", "format": "binary"}}}}
}
PDF_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _request(response: Response, message: pb.SigningRequest) -> SigningRequest:
    response.headers["ETag"] = etag(message.version)
    return SigningRequest.of(message)


def _page(found: pb.ListSigningRequestsResponse) -> SigningRequestPage:
    return SigningRequestPage(
        items=[SigningRequest.of(r) for r in found.signing_requests],
        next_page_token=found.next_page_token or None,
    )


def _client_only(caller: Caller) -> None:
    if not caller.has_any(Role.CLIENT):
        raise forbidden("Only client users have own signing requests")


async def _document(state: GatewayState, caller: Caller, request_id: str) -> Response:
    found = await state.call(
        state.esign.GetDocument, pb.GetDocumentRequest(signing_request_id=request_id), caller
    )
    return Response(
        content=found.content,
        media_type=found.media_type or PDF,
        headers={
            "ETag": f'"{found.sha256}"',
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


async def _sign(
    state: GatewayState, caller: Caller, request_id: str, if_match: str | None
) -> pb.SigningRequest:
    return await state.call(
        state.esign.SignDocument,
        pb.SignDocumentRequest(
            signing_request_id=request_id, expected_version=expected_version(if_match)
        ),
        caller,
    )


async def _decline(
    state: GatewayState, caller: Caller, request_id: str, body: ReasonIn, if_match: str | None
) -> pb.SigningRequest:
    return await state.call(
        state.esign.DeclineSigningRequest,
        pb.DeclineSigningRequestRequest(
            signing_request_id=request_id,
            expected_version=expected_version(if_match),
            reason=body.reason,
        ),
        caller,
    )


# --- staff ------------------------------------------------------------------------------------


@router.post(
    "/v1/plans/{plan_id}/signing-requests",
    status_code=status.HTTP_201_CREATED,
    summary="Ask the parties of a submitted plan to sign it: the plan is rendered to PDF in the "
    "client's language and in Finnish or Swedish (officers of the responsible authority)",
    responses=PRECONDITIONS,
)
async def create_signing_request(
    plan_id: str,
    body: SigningRequestCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> SigningRequest:
    created = await state.call(
        state.esign.CreateSigningRequest, body.message(plan_id, idempotency_key or ""), caller
    )
    response.headers["Location"] = f"/v1/signing-requests/{created.id}"
    return _request(response, created)


@router.get(
    "/v1/plans/{plan_id}/signing-requests", summary="Signing requests of a plan, newest first"
)
async def list_plan_signing_requests(
    plan_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> SigningRequestPage:
    found = await state.call(
        state.esign.ListSigningRequests,
        pb.ListSigningRequestsRequest(plan_id=plan_id, page_size=page_size, page_token=page_token),
        caller,
    )
    return _page(found)


@router.get(
    "/v1/clients/{client_id}/signing-requests",
    summary="Signing requests of a client, newest first",
)
async def list_client_signing_requests(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> SigningRequestPage:
    found = await state.call(
        state.esign.ListSigningRequests,
        pb.ListSigningRequestsRequest(
            client_id=client_id, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return _page(found)


@router.get("/v1/signing-requests/{request_id}", summary="Read a signing request")
async def get_signing_request(
    request_id: str, response: Response, caller: CurrentCaller, state: State
) -> SigningRequest:
    found = await state.call(
        state.esign.GetSigningRequest,
        pb.GetSigningRequestRequest(signing_request_id=request_id),
        caller,
    )
    return _request(response, found)


@router.post(
    "/v1/signing-requests/{request_id}/sign",
    summary="Sign the document of the version read, as the officer of the responsible "
    "authority or the welfare area's worker",
    responses=PRECONDITIONS,
)
async def sign(
    request_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> SigningRequest:
    return _request(response, await _sign(state, caller, request_id, if_match))


@router.post(
    "/v1/signing-requests/{request_id}/decline",
    summary="Refuse to sign; the request ends as declined",
    responses=PRECONDITIONS,
)
async def decline(
    request_id: str,
    body: ReasonIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> SigningRequest:
    return _request(response, await _decline(state, caller, request_id, body, if_match))


@router.post(
    "/v1/signing-requests/{request_id}/cancel",
    summary="Withdraw a pending request (officers of the responsible authority)",
    responses=PRECONDITIONS,
)
async def cancel(
    request_id: str,
    body: ReasonIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> SigningRequest:
    cancelled = await state.call(
        state.esign.CancelSigningRequest,
        pb.CancelSigningRequestRequest(
            signing_request_id=request_id,
            expected_version=expected_version(if_match),
            reason=body.reason,
        ),
        caller,
    )
    return _request(response, cancelled)


@router.get(
    "/v1/signing-requests/{request_id}/document",
    summary="The document with every signature made so far (PDF); its ETag is its SHA-256",
    response_class=Response,
    responses=PDF_RESPONSE,
)
async def get_document(request_id: str, caller: CurrentCaller, state: State) -> Response:
    return await _document(state, caller, request_id)


@router.post(
    "/v1/documents/verify",
    summary="Check a signed PDF: is it intact, and who signed it when (nothing is stored)",
    openapi_extra=PDF_BODY,
)
async def verify_document(
    request: Request, caller: CurrentCaller, state: State
) -> DocumentVerification:
    if request.headers.get("content-type", "").split(";")[0].strip() != PDF:
        raise Problem(
            415,
            "unsupported-media-type",
            "Send the PDF as the request body",
            "Content-Type must be application/pdf",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise _too_large()
    content = bytearray()
    async for chunk in request.stream():
        content.extend(chunk)
        if len(content) > MAX_UPLOAD_BYTES:
            raise _too_large()
    found = await state.call(
        state.esign.VerifyDocument, pb.VerifyDocumentRequest(content=bytes(content)), caller
    )
    return DocumentVerification.of(found)


def _too_large() -> Problem:
    return Problem(
        413,
        "payload-too-large",
        "The document is too large",
        f"At most {MAX_UPLOAD_BYTES} bytes",
    )


# --- self-service -----------------------------------------------------------------------------


@router.get("/v1/me/signing-requests", summary="The signed-in client's own signing requests")
async def list_own_signing_requests(
    caller: CurrentCaller, state: State, page_size: PageSize = 50, page_token: PageToken = ""
) -> SigningRequestPage:
    _client_only(caller)
    found = await state.call(
        state.esign.ListOwnSigningRequests,
        pb.ListOwnSigningRequestsRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return _page(found)


@router.get("/v1/me/signing-requests/{request_id}", summary="One of the client's own requests")
async def get_own_signing_request(
    request_id: str, response: Response, caller: CurrentCaller, state: State
) -> SigningRequest:
    _client_only(caller)
    found = await state.call(
        state.esign.GetSigningRequest,
        pb.GetSigningRequestRequest(signing_request_id=request_id),
        caller,
    )
    return _request(response, found)


@router.get(
    "/v1/me/signing-requests/{request_id}/document",
    summary="The client's own document to read before approving (PDF)",
    response_class=Response,
    responses=PDF_RESPONSE,
)
async def get_own_document(request_id: str, caller: CurrentCaller, state: State) -> Response:
    _client_only(caller)
    return await _document(state, caller, request_id)


@router.post(
    "/v1/me/signing-requests/{request_id}/approve",
    summary="Approve (sign) the document of the version read; the approval records how "
    "strongly and when the client signed in (the token's acr and auth_time)",
    responses=PRECONDITIONS,
)
async def approve_own(
    request_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> SigningRequest:
    _client_only(caller)
    return _request(response, await _sign(state, caller, request_id, if_match))


@router.post(
    "/v1/me/signing-requests/{request_id}/decline",
    summary="Refuse to approve the plan as written",
    responses=PRECONDITIONS,
)
async def decline_own(
    request_id: str,
    body: ReasonIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> SigningRequest:
    _client_only(caller)
    return _request(response, await _decline(state, caller, request_id, body, if_match))
