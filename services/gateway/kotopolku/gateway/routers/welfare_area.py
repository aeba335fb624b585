"""The welfare area's side (hyvinvointialue): its staff with user tokens and its systems with
service-account tokens alike. It sees only what was addressed or disclosed to it (everything else
answers 404), answers consultations and cooperation requests (with Idempotency-Key), receives the
data sent to it and follows its change feed. Behind an X-Road security server the X-Road headers
are checked against the allow-list and kept in the audit record.

Also the client's own view: which welfare area received which of their data, when and why, and
the withdrawal of their own consent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.identity import Caller, Role
from kotopolku.gateway.auth.dependencies import CurrentCaller, require_roles
from kotopolku.gateway.etag import etag
from kotopolku.gateway.problems import PROBLEM_RESPONSES, forbidden
from kotopolku.gateway.routers.params import IdempotencyKey, PageSize, State, conflict
from kotopolku.gateway.routers.welfare import (
    consultation_page,
    cooperation_page,
    disclosure_page,
)
from kotopolku.gateway.state import GatewayState
from kotopolku.gateway.welfare_schemas import (
    AnswerIn,
    Basis,
    Consultation,
    ConsultationPage,
    ConsultationState,
    Cooperation,
    CooperationAnswerIn,
    CooperationPage,
    CooperationState,
    Disclosure,
    DisclosureLogEntry,
    DisclosureLogPage,
    DisclosurePage,
    FeedEvent,
    FeedPage,
    WithdrawIn,
)
from kotopolku.welfare.v1 import welfare_pb2 as pb

router = APIRouter(tags=["welfare area"], responses=PROBLEM_RESPONSES)
# /v1/welfare-area is for welfare areas only: municipal staff use the municipality's side.
WELFARE_AREA_ONLY = [Depends(require_roles(Role.WELFARE_AREA_WORKER))]
ANSWERED = conflict("Already answered, or no longer open")
PageToken = Annotated[str, Query(max_length=1000)]
MAX_WAIT_SECONDS = 20


@router.get(
    "/v1/welfare-area/consultations",
    dependencies=WELFARE_AREA_ONLY,
    summary="Consultations addressed to the caller's welfare area",
)
async def list_consultations(
    caller: CurrentCaller,
    state: State,
    consultation_state: Annotated[ConsultationState | None, Query(alias="state")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ConsultationPage:
    return await consultation_page(state, caller, consultation_state, page_size, page_token)


@router.get(
    "/v1/welfare-area/consultations/{consultation_id}",
    dependencies=WELFARE_AREA_ONLY,
    summary="Read a consultation (the anonymised profile, deadlines, answer and decision)",
)
async def get_consultation(
    consultation_id: str, response: Response, caller: CurrentCaller, state: State
) -> Consultation:
    found = await state.call(
        state.welfare.GetConsultation,
        pb.GetConsultationRequest(consultation_id=consultation_id),
        caller,
    )
    response.headers["ETag"] = etag(found.version)
    return Consultation.of(found)


@router.post(
    "/v1/welfare-area/consultations/{consultation_id}/answer",
    dependencies=WELFARE_AREA_ONLY,
    summary="Answer a consultation with comments and proposals",
    responses=ANSWERED,
)
async def answer_consultation(
    consultation_id: str,
    body: AnswerIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Consultation:
    answered = await state.call(
        state.welfare.AnswerConsultation,
        pb.AnswerConsultationRequest(
            consultation_id=consultation_id,
            answer=body.message(),
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )
    response.headers["ETag"] = etag(answered.version)
    return Consultation.of(answered)


@router.get(
    "/v1/welfare-area/cooperations",
    dependencies=WELFARE_AREA_ONLY,
    summary="Cooperation requests addressed to the caller's welfare area",
)
async def list_cooperations(
    caller: CurrentCaller,
    state: State,
    cooperation_state: Annotated[CooperationState | None, Query(alias="state")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> CooperationPage:
    return await cooperation_page(state, caller, "", cooperation_state, page_size, page_token)


@router.get(
    "/v1/welfare-area/cooperations/{cooperation_id}",
    dependencies=WELFARE_AREA_ONLY,
    summary="Read a cooperation request (who it is about, while a disclosure basis holds)",
)
async def get_cooperation(
    cooperation_id: str, response: Response, caller: CurrentCaller, state: State
) -> Cooperation:
    found = await state.call(
        state.welfare.GetCooperation,
        pb.GetCooperationRequest(cooperation_id=cooperation_id),
        caller,
    )
    response.headers["ETag"] = etag(found.version)
    return Cooperation.of(found)


@router.post(
    "/v1/welfare-area/cooperations/{cooperation_id}/answer",
    dependencies=WELFARE_AREA_ONLY,
    summary="Accept (naming a responsible person) or decline a cooperation request",
    responses=ANSWERED,
)
async def answer_cooperation(
    cooperation_id: str,
    body: CooperationAnswerIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Cooperation:
    answered = await state.call(
        state.welfare.AnswerCooperation,
        body.message(cooperation_id, idempotency_key or ""),
        caller,
    )
    response.headers["ETag"] = etag(answered.version)
    return Cooperation.of(answered)


@router.get(
    "/v1/welfare-area/cooperations/{cooperation_id}/disclosures",
    dependencies=WELFARE_AREA_ONLY,
    summary="The data sent in a cooperation (fields, no values)",
)
async def list_disclosures(
    cooperation_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> DisclosurePage:
    return await disclosure_page(state, caller, cooperation_id, page_size, page_token)


@router.get(
    "/v1/welfare-area/disclosures/{disclosure_id}",
    dependencies=WELFARE_AREA_ONLY,
    summary="Receive data sent to the welfare area (recorded as a disclosure)",
)
async def receive_disclosure(disclosure_id: str, caller: CurrentCaller, state: State) -> Disclosure:
    found = await state.call(
        state.welfare.GetDisclosure, pb.GetDisclosureRequest(disclosure_id=disclosure_id), caller
    )
    return Disclosure.of(found)


@router.get(
    "/v1/welfare-area/feed",
    dependencies=WELFARE_AREA_ONLY,
    summary="The welfare area's change feed: ordered, at-least-once, resumable from a cursor",
)
async def read_feed(
    caller: CurrentCaller,
    state: State,
    cursor: Annotated[str, Query(max_length=500, description="next_cursor of the last page")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    wait_seconds: Annotated[
        int, Query(ge=0, le=MAX_WAIT_SECONDS, description="Long polling: wait for an event")
    ] = 0,
) -> FeedPage:
    found = await state.call(
        state.welfare.ReadFeed,
        pb.ReadFeedRequest(cursor=cursor, limit=limit, wait_seconds=wait_seconds),
        caller,
        deadline_seconds=wait_seconds + state.settings.backend_timeout_seconds,
    )
    return FeedPage(
        events=[FeedEvent.of(e) for e in found.events],
        next_cursor=found.next_cursor,
        more=found.more,
    )


# --- the client's own view -----------------------------------------------------------------------


async def _own(state: GatewayState, caller: Caller) -> Caller:
    """The client user with their own record resolved; the welfare service trusts the gateway's
    word for it (as the audit service does)."""
    if not caller.has_any(Role.CLIENT):
        raise forbidden("Only client users have own disclosures")
    own = await state.call(state.clients.GetOwnClient, clients_pb2.GetOwnClientRequest(), caller)
    return state.with_client(caller, own.id)


@router.get(
    "/v1/me/disclosures",
    tags=["self-service"],
    summary="Which welfare area received which of my data, when and why",
)
async def own_disclosures(
    caller: CurrentCaller, state: State, page_size: PageSize = 50, page_token: PageToken = ""
) -> DisclosureLogPage:
    resolved = await _own(state, caller)
    found = await state.call(
        state.welfare.ListOwnDisclosures,
        pb.ListOwnDisclosuresRequest(page_size=page_size, page_token=page_token),
        resolved,
    )
    return DisclosureLogPage(
        items=[DisclosureLogEntry.of(e) for e in found.entries],
        next_page_token=found.next_page_token or None,
    )


@router.post(
    "/v1/me/disclosure-bases/{basis_id}/withdraw",
    tags=["self-service"],
    summary="Withdraw my consent to a disclosure: nothing more is disclosed on it",
)
async def withdraw_own_consent(
    basis_id: str, body: WithdrawIn, caller: CurrentCaller, state: State
) -> Basis:
    resolved = await _own(state, caller)
    withdrawn = await state.call(
        state.welfare.WithdrawDisclosureBasis,
        pb.WithdrawDisclosureBasisRequest(basis_id=basis_id, reason=body.reason),
        resolved,
    )
    return Basis.of(withdrawn)
