"""Contract management (IS service 11) and compensation claims to KEHA-keskus (reference
§3.4.12): contracts and their attachments, the chart of account codes, cost entries with their
evidence, and claims with KEHA's requests for additions, decision and payment."""

from __future__ import annotations

import base64
import binascii
import json
import re
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Header, Query, Request, Response, status

from kotopolku.common.errors import FieldViolation
from kotopolku.contracts.v1 import contracts_pb2 as pb
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.contracts_schemas import (
    CLAIM_STATES,
    COMPENSATIONS,
    CONTRACT_EXAMPLES,
    CONTRACT_STATES,
    COST_STATES,
    KINDS,
    AccountCode,
    AdditionsProvidedIn,
    AdditionsRequestIn,
    Attachment,
    Claim,
    ClaimCreate,
    ClaimPage,
    ClaimState,
    CompensationType,
    Contract,
    ContractCreate,
    ContractKind,
    ContractPage,
    ContractPatch,
    ContractState,
    CostEntry,
    CostEntryCreate,
    CostEntryPage,
    CostEntryPatch,
    CostEntryState,
    DecisionIn,
    PaymentIn,
    SubmissionIn,
    Termination,
    VoidIn,
)
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.problems import PROBLEM_RESPONSES, Problem
from kotopolku.gateway.routers.params import IdempotencyKey, IfMatch, PageSize, State, conflict

router = APIRouter(tags=["contracts"], responses=PROBLEM_RESPONSES)
PageToken = Annotated[str, Query(max_length=1000)]
STATE_CONFLICT = conflict("Not allowed in the resource's current state")
# The attachment limit of the service plus room; the service decides the exact limit.
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/=]+):")
BINARY = {"content": {"application/octet-stream": {}}, "description": "The file"}


def _contract(response: Response, message: pb.Contract) -> Contract:
    response.headers["ETag"] = etag(message.version)
    return Contract.of(message)


def _cost(response: Response, message: pb.CostEntry) -> CostEntry:
    response.headers["ETag"] = etag(message.version)
    return CostEntry.of(message)


def _claim(response: Response, message: pb.Claim) -> Claim:
    response.headers["ETag"] = etag(message.version)
    return Claim.of(message)


def _repr_digest(hex_digest: str) -> str:
    """RFC 9530 ``Repr-Digest`` of a full representation."""
    return f"sha-256=:{base64.b64encode(bytes.fromhex(hex_digest)).decode()}:"


def _invalid(field: str, detail: str) -> Problem:
    return Problem(
        422,
        "validation-error",
        "The request is not valid",
        f"Invalid value in: {field}",
        violations=[FieldViolation(field, detail)],
    )


def _expected_sha256(content_digest: str | None) -> str:
    """The SHA-256 a client sent in ``Content-Digest`` (RFC 9530), as hex; "" when none."""
    if not content_digest:
        return ""
    match = _DIGEST.search(content_digest)
    try:
        raw = base64.b64decode(match.group(1), validate=True) if match else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise _invalid("Content-Digest", "must be sha-256=:<base64 of 32 bytes>:")
    return raw.hex()


def _download(content: bytes, media_type: str, filename: str, sha256: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Repr-Digest": _repr_digest(sha256),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


# --- contracts ---------------------------------------------------------------------------------


@router.post(
    "/v1/contracts",
    status_code=status.HTTP_201_CREATED,
    summary="Record a contract with a provider or partner (a draft until activated)",
)
async def create_contract(
    body: Annotated[ContractCreate, Body(openapi_examples=CONTRACT_EXAMPLES)],
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Contract:
    created = await state.call(
        state.contracts.CreateContract,
        pb.CreateContractRequest(contract=body.message(), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/contracts/{created.id}"
    return _contract(response, created)


@router.get("/v1/contracts", summary="Contracts of the caller's municipality, oldest first")
async def list_contracts(
    caller: CurrentCaller,
    state: State,
    kind: ContractKind | None = None,
    status: ContractState | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ContractPage:
    found = await state.call(
        state.contracts.ListContracts,
        pb.ListContractsRequest(
            kind=KINDS.get(kind, 0),
            status=CONTRACT_STATES.get(status, 0),
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return ContractPage(
        items=[Contract.of(c) for c in found.contracts],
        next_page_token=found.next_page_token or None,
    )


@router.get(
    "/v1/contracts/expiring",
    summary="Contracts whose end or last day of notice comes within the next days (reminders)",
)
async def list_expiring_contracts(
    caller: CurrentCaller,
    state: State,
    within_days: Annotated[int, Query(ge=1, le=366)] = 60,
    mine: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ContractPage:
    found = await state.call(
        state.contracts.ListExpiringContracts,
        pb.ListExpiringContractsRequest(
            within_days=within_days, mine=mine, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return ContractPage(
        items=[Contract.of(c) for c in found.contracts],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/contracts/{contract_id}", summary="Read a contract")
async def get_contract(
    contract_id: str, response: Response, caller: CurrentCaller, state: State
) -> Contract:
    found = await state.call(
        state.contracts.GetContract, pb.GetContractRequest(contract_id=contract_id), caller
    )
    return _contract(response, found)


@router.patch(
    "/v1/contracts/{contract_id}",
    summary="Change some fields of a contract",
    responses=STATE_CONFLICT,
)
async def update_contract(
    contract_id: str,
    body: ContractPatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Contract:
    version = expected_version(if_match)
    message, paths = body.message_and_mask()
    request = pb.UpdateContractRequest(
        contract_id=contract_id, contract=message, expected_version=version
    )
    request.update_mask.paths.extend(paths)
    updated = await state.call(state.contracts.UpdateContract, request, caller)
    return _contract(response, updated)


async def _contract_action(
    method: Any, request: Any, response: Response, caller: CurrentCaller, state: State
) -> Contract:
    return _contract(response, await state.call(method, request, caller))


@router.post(
    "/v1/contracts/{contract_id}/activate",
    summary="The contract is signed: draft → active",
    responses=STATE_CONFLICT,
)
async def activate_contract(
    contract_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Contract:
    request = pb.ActivateContractRequest(
        contract_id=contract_id, expected_version=expected_version(if_match)
    )
    return await _contract_action(
        state.contracts.ActivateContract, request, response, caller, state
    )


@router.post(
    "/v1/contracts/{contract_id}/cancel",
    summary="A draft that was never signed: draft → cancelled",
    responses=STATE_CONFLICT,
)
async def cancel_contract(
    contract_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Contract:
    request = pb.CancelContractRequest(
        contract_id=contract_id, expected_version=expected_version(if_match)
    )
    return await _contract_action(state.contracts.CancelContract, request, response, caller, state)


@router.post(
    "/v1/contracts/{contract_id}/terminate",
    summary="Notice given (irtisanominen): the contract ends as its terms allow",
    responses=STATE_CONFLICT,
)
async def terminate_contract(
    contract_id: str,
    body: Termination,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Contract:
    request = pb.TerminateContractRequest(
        contract_id=contract_id,
        expected_version=expected_version(if_match),
        notice_given_on=body.notice_given_on or "",
        termination_date=body.termination_date or "",
    )
    return await _contract_action(
        state.contracts.TerminateContract, request, response, caller, state
    )


# --- attachments -------------------------------------------------------------------------------


async def _upload(
    owner: Any,
    owner_id: str,
    request: Request,
    filename: str,
    content_type: str | None,
    content_digest: str | None,
    idempotency_key: str | None,
    caller: CurrentCaller,
    state: State,
) -> pb.Attachment:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_UPLOAD_BYTES:
        raise Problem(
            413, "payload-too-large", "The file is too large", f"At most {MAX_UPLOAD_BYTES} bytes"
        )
    content = bytearray()
    async for chunk in request.stream():
        content.extend(chunk)
        if len(content) > MAX_UPLOAD_BYTES:
            raise Problem(
                413,
                "payload-too-large",
                "The file is too large",
                f"At most {MAX_UPLOAD_BYTES} bytes",
            )
    return await state.call(
        state.contracts.AddAttachment,
        pb.AddAttachmentRequest(
            owner=owner,
            owner_id=owner_id,
            filename=filename,
            media_type=content_type or "",
            content=bytes(content),
            expected_sha256=_expected_sha256(content_digest),
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )


Filename = Annotated[str, Query(min_length=1, max_length=200, description="The file's name")]
ContentType = Annotated[
    str | None,
    Header(
        alias="Content-Type",
        description="application/pdf, image/png, image/jpeg, text/plain, DOCX, XLSX, ODT, ODS",
    ),
]
ContentDigest = Annotated[
    str | None,
    Header(
        alias="Content-Digest",
        description="Optional RFC 9530 digest, sha-256=:<base64>:; a mismatch is refused",
    ),
]
UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {"required": True, **BINARY},
}


@router.post(
    "/v1/contracts/{contract_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    summary="Attach a file to a contract (the request body is the file)",
    openapi_extra=UPLOAD_DOC,
    responses={413: PROBLEM_RESPONSES[422] | {"description": "The file is too large"}},
)
async def add_contract_attachment(
    contract_id: str,
    request: Request,
    caller: CurrentCaller,
    state: State,
    filename: Filename,
    content_type: ContentType = None,
    content_digest: ContentDigest = None,
    idempotency_key: IdempotencyKey = None,
) -> Attachment:
    added = await _upload(
        pb.ATTACHMENT_OWNER_CONTRACT,
        contract_id,
        request,
        filename,
        content_type,
        content_digest,
        idempotency_key,
        caller,
        state,
    )
    return Attachment.of(added)


@router.get("/v1/contracts/{contract_id}/attachments", summary="Attachments of a contract")
async def list_contract_attachments(
    contract_id: str, caller: CurrentCaller, state: State
) -> list[Attachment]:
    found = await state.call(
        state.contracts.ListAttachments,
        pb.ListAttachmentsRequest(owner=pb.ATTACHMENT_OWNER_CONTRACT, owner_id=contract_id),
        caller,
    )
    return [Attachment.of(a) for a in found.attachments]


async def _content(
    owner: Any, owner_id: str, attachment_id: str, caller: CurrentCaller, state: State
) -> Response:
    found = await state.call(
        state.contracts.GetAttachmentContent,
        pb.GetAttachmentContentRequest(owner=owner, owner_id=owner_id, attachment_id=attachment_id),
        caller,
    )
    attachment = found.attachment
    return _download(found.content, attachment.media_type, attachment.filename, attachment.sha256)


DOWNLOAD_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The file; Repr-Digest"}
}


@router.get(
    "/v1/contracts/{contract_id}/attachments/{attachment_id}/content",
    summary="Download an attachment (checked against its SHA-256 first)",
    response_class=Response,
    responses=DOWNLOAD_DOC,
)
async def get_contract_attachment(
    contract_id: str, attachment_id: str, caller: CurrentCaller, state: State
) -> Response:
    return await _content(pb.ATTACHMENT_OWNER_CONTRACT, contract_id, attachment_id, caller, state)


# --- account codes and cost entries ------------------------------------------------------------


@router.get("/v1/account-codes", summary="The chart of account codes of compensable costs")
async def list_account_codes(caller: CurrentCaller, state: State) -> list[AccountCode]:
    found = await state.call(state.contracts.ListAccountCodes, pb.ListAccountCodesRequest(), caller)
    return [AccountCode.of(code) for code in found.account_codes]


@router.post(
    "/v1/cost-entries",
    status_code=status.HTTP_201_CREATED,
    summary="Record a cost of a client (kustannustieto), the basis of compensation claims",
)
async def create_cost_entry(
    body: CostEntryCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> CostEntry:
    created = await state.call(
        state.contracts.CreateCostEntry,
        pb.CreateCostEntryRequest(cost_entry=body.message(), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/cost-entries/{created.id}"
    return _cost(response, created)


@router.get("/v1/cost-entries", summary="Cost entries, oldest first")
async def list_cost_entries(
    caller: CurrentCaller,
    state: State,
    client_id: Annotated[str, Query(max_length=64)] = "",
    contract_id: Annotated[str, Query(max_length=64)] = "",
    status: CostEntryState | None = None,
    compensation_type: CompensationType | None = None,
    activity_from: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
    activity_to: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> CostEntryPage:
    found = await state.call(
        state.contracts.ListCostEntries,
        pb.ListCostEntriesRequest(
            client_id=client_id,
            contract_id=contract_id,
            status=COST_STATES.get(status, 0),
            compensation_type=COMPENSATIONS.get(compensation_type, 0),
            activity_from=activity_from,
            activity_to=activity_to,
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return CostEntryPage(
        items=[CostEntry.of(e) for e in found.cost_entries],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/cost-entries/{cost_entry_id}", summary="Read a cost entry")
async def get_cost_entry(
    cost_entry_id: str, response: Response, caller: CurrentCaller, state: State
) -> CostEntry:
    found = await state.call(
        state.contracts.GetCostEntry, pb.GetCostEntryRequest(cost_entry_id=cost_entry_id), caller
    )
    return _cost(response, found)


@router.patch(
    "/v1/cost-entries/{cost_entry_id}",
    summary="Change an open cost entry",
    responses=STATE_CONFLICT,
)
async def update_cost_entry(
    cost_entry_id: str,
    body: CostEntryPatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> CostEntry:
    version = expected_version(if_match)
    message, paths = body.message_and_mask()
    request = pb.UpdateCostEntryRequest(
        cost_entry_id=cost_entry_id, cost_entry=message, expected_version=version
    )
    request.update_mask.paths.extend(paths)
    return _cost(response, await state.call(state.contracts.UpdateCostEntry, request, caller))


@router.post(
    "/v1/cost-entries/{cost_entry_id}/void",
    summary="Void an open cost entry (recorded by mistake, or never claimable)",
    responses=STATE_CONFLICT,
)
async def void_cost_entry(
    cost_entry_id: str,
    body: VoidIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> CostEntry:
    request = pb.VoidCostEntryRequest(
        cost_entry_id=cost_entry_id, expected_version=expected_version(if_match), reason=body.reason
    )
    return _cost(response, await state.call(state.contracts.VoidCostEntry, request, caller))


@router.post(
    "/v1/cost-entries/{cost_entry_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    summary="Attach evidence of a cost, e.g. the invoice (the request body is the file)",
    openapi_extra=UPLOAD_DOC,
    responses={413: PROBLEM_RESPONSES[422] | {"description": "The file is too large"}},
)
async def add_cost_attachment(
    cost_entry_id: str,
    request: Request,
    caller: CurrentCaller,
    state: State,
    filename: Filename,
    content_type: ContentType = None,
    content_digest: ContentDigest = None,
    idempotency_key: IdempotencyKey = None,
) -> Attachment:
    added = await _upload(
        pb.ATTACHMENT_OWNER_COST_ENTRY,
        cost_entry_id,
        request,
        filename,
        content_type,
        content_digest,
        idempotency_key,
        caller,
        state,
    )
    return Attachment.of(added)


@router.get("/v1/cost-entries/{cost_entry_id}/attachments", summary="Evidence of a cost")
async def list_cost_attachments(
    cost_entry_id: str, caller: CurrentCaller, state: State
) -> list[Attachment]:
    found = await state.call(
        state.contracts.ListAttachments,
        pb.ListAttachmentsRequest(owner=pb.ATTACHMENT_OWNER_COST_ENTRY, owner_id=cost_entry_id),
        caller,
    )
    return [Attachment.of(a) for a in found.attachments]


@router.get(
    "/v1/cost-entries/{cost_entry_id}/attachments/{attachment_id}/content",
    summary="Download evidence of a cost",
    response_class=Response,
    responses=DOWNLOAD_DOC,
)
async def get_cost_attachment(
    cost_entry_id: str, attachment_id: str, caller: CurrentCaller, state: State
) -> Response:
    return await _content(
        pb.ATTACHMENT_OWNER_COST_ENTRY, cost_entry_id, attachment_id, caller, state
    )


# --- compensation claims -----------------------------------------------------------------------

CLAIM_EXAMPLES = {
    "period": {
        "summary": "Every open interpreting cost of a quarter",
        "value": {
            "compensation_type": "interpreting",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
        },
    },
    "chosen": {
        "summary": "Chosen cost entries",
        "value": {
            "compensation_type": "interpreting",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "cost_entry_ids": ["8c0b7f0e-4a0f-4f5e-9a57-3f7c2f1e9d11"],
        },
    },
}


@router.post(
    "/v1/compensation-claims",
    status_code=status.HTTP_201_CREATED,
    summary="Assemble a compensation claim to KEHA-keskus from cost entries (a draft)",
    responses={
        422: PROBLEM_RESPONSES[422]
        | {"description": "A cost cannot be claimed; `errors` names each cost entry and why"}
    },
)
async def create_claim(
    body: Annotated[ClaimCreate, Body(openapi_examples=CLAIM_EXAMPLES)],
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Claim:
    created = await state.call(
        state.contracts.CreateClaim, body.message(idempotency_key or ""), caller
    )
    response.headers["Location"] = f"/v1/compensation-claims/{created.id}"
    return _claim(response, created)


@router.get("/v1/compensation-claims", summary="Claims, oldest first (without their lines)")
async def list_claims(
    caller: CurrentCaller,
    state: State,
    status: ClaimState | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ClaimPage:
    found = await state.call(
        state.contracts.ListClaims,
        pb.ListClaimsRequest(
            status=CLAIM_STATES.get(status, 0), page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return ClaimPage(
        items=[Claim.of(c) for c in found.claims], next_page_token=found.next_page_token or None
    )


@router.get(
    "/v1/compensation-claims/schema",
    summary="The JSON Schema of the exported claim document",
    response_class=Response,
    responses={200: {"content": {"application/schema+json": {}}}},
)
async def claim_schema(caller: CurrentCaller) -> Response:
    text = (
        resources.files("kotopolku.contracts")
        .joinpath("schemas/compensation-claim-v1.schema.json")
        .read_text(encoding="utf-8")
    )
    return Response(json.dumps(json.loads(text), indent=2), media_type="application/schema+json")


@router.get("/v1/compensation-claims/{claim_id}", summary="Read a claim with its lines and events")
async def get_claim(
    claim_id: str, response: Response, caller: CurrentCaller, state: State
) -> Claim:
    found = await state.call(
        state.contracts.GetClaim, pb.GetClaimRequest(claim_id=claim_id), caller
    )
    return _claim(response, found)


@router.post(
    "/v1/compensation-claims/{claim_id}/submit",
    summary="Submitted to KEHA: the claim document is frozen (the deadline is checked again)",
    responses=STATE_CONFLICT,
)
async def submit_claim(
    claim_id: str,
    body: SubmissionIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Claim:
    request = pb.SubmitClaimRequest(
        claim_id=claim_id,
        expected_version=expected_version(if_match),
        submitted_on=body.submitted_on or "",
        submission_reference=body.submission_reference,
    )
    return _claim(response, await state.call(state.contracts.SubmitClaim, request, caller))


@router.post(
    "/v1/compensation-claims/{claim_id}/additions-requests",
    summary="KEHA asked for additions or further information (täydennyspyyntö)",
    responses=STATE_CONFLICT,
)
async def record_additions_request(
    claim_id: str,
    body: AdditionsRequestIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Claim:
    request = pb.RecordAdditionsRequestRequest(
        claim_id=claim_id,
        expected_version=expected_version(if_match),
        requested_on=body.requested_on or "",
        description=body.description,
        due_date=body.due_date or "",
    )
    return _claim(
        response, await state.call(state.contracts.RecordAdditionsRequest, request, caller)
    )


@router.post(
    "/v1/compensation-claims/{claim_id}/additions",
    summary="The requested additions were sent to KEHA",
    responses=STATE_CONFLICT,
)
async def record_additions_provided(
    claim_id: str,
    body: AdditionsProvidedIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Claim:
    request = pb.RecordAdditionsProvidedRequest(
        claim_id=claim_id,
        expected_version=expected_version(if_match),
        provided_on=body.provided_on or "",
        note=body.note,
    )
    return _claim(
        response, await state.call(state.contracts.RecordAdditionsProvided, request, caller)
    )


@router.post(
    "/v1/compensation-claims/{claim_id}/decision",
    summary="KEHA's decision (korvauspäätös): the approved amount of every line",
    responses=STATE_CONFLICT,
)
async def record_decision(
    claim_id: str,
    body: DecisionIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Claim:
    request = body.message(claim_id, expected_version(if_match))
    return _claim(response, await state.call(state.contracts.RecordDecision, request, caller))


@router.post(
    "/v1/compensation-claims/{claim_id}/payment",
    summary="The compensation was paid to the municipality's account",
    responses=STATE_CONFLICT,
)
async def record_payment(
    claim_id: str,
    body: PaymentIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Claim:
    request = pb.RecordPaymentRequest(
        claim_id=claim_id,
        expected_version=expected_version(if_match),
        paid_on=body.paid_on or "",
        amount_cents=body.amount_cents,
        payment_reference=body.payment_reference,
    )
    return _claim(response, await state.call(state.contracts.RecordPayment, request, caller))


@router.post(
    "/v1/compensation-claims/{claim_id}/cancel",
    summary="Give up a draft claim; its cost entries become open again",
    responses=STATE_CONFLICT,
)
async def cancel_claim(
    claim_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Claim:
    request = pb.CancelClaimRequest(claim_id=claim_id, expected_version=expected_version(if_match))
    return _claim(response, await state.call(state.contracts.CancelClaim, request, caller))


@router.get(
    "/v1/compensation-claims/{claim_id}/export",
    summary="The claim as a document for KEHA: JSON (see /schema) or CSV, with Repr-Digest",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}},
            "description": "The document; Repr-Digest carries its SHA-256",
        }
    },
)
async def export_claim(
    claim_id: str,
    caller: CurrentCaller,
    state: State,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    found = await state.call(
        state.contracts.ExportClaim,
        pb.ExportClaimRequest(
            claim_id=claim_id,
            format=pb.EXPORT_FORMAT_CSV if format == "csv" else pb.EXPORT_FORMAT_JSON,
        ),
        caller,
    )
    return _download(found.content, found.media_type, found.filename, found.sha256)
