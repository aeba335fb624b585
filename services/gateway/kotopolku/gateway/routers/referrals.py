"""/v1/referrals: referrals for an assessment from other authorities (IS service 20)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from kotopolku.clients.v1 import clients_pb2
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.routers.params import State
from kotopolku.gateway.schemas import (
    REFERRAL_STATES,
    SEGMENTS,
    Referral,
    ReferralAccept,
    ReferralCreate,
    ReferralDecline,
    ReferralPage,
    ReferralState,
)

router = APIRouter(prefix="/v1/referrals", tags=["referrals"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, summary="Refer a person to a municipality (referrer accounts)")
async def create_referral(
    body: ReferralCreate,
    caller: CurrentCaller,
    state: State,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Referral:
    created = await state.call(
        state.clients.CreateReferral,
        clients_pb2.CreateReferralRequest(
            referral=body.message(), idempotency_key=idempotency_key or ""
        ),
        caller,
    )
    return Referral.of(created)


@router.get("", summary="Referrals to the caller's municipality, oldest first")
async def list_referrals(
    caller: CurrentCaller,
    state: State,
    status: ReferralState | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: str = "",
) -> ReferralPage:
    found = await state.call(
        state.clients.ListReferrals,
        clients_pb2.ListReferralsRequest(
            status=REFERRAL_STATES.get(status, 0),
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return ReferralPage(
        items=[Referral.of(r) for r in found.referrals],
        next_page_token=found.next_page_token or None,
    )


@router.get("/{referral_id}", summary="Read a referral")
async def get_referral(referral_id: str, caller: CurrentCaller, state: State) -> Referral:
    found = await state.call(
        state.clients.GetReferral, clients_pb2.GetReferralRequest(referral_id=referral_id), caller
    )
    return Referral.of(found)


@router.post("/{referral_id}/accept", summary="Accept: create or link the client")
async def accept_referral(
    referral_id: str, body: ReferralAccept, caller: CurrentCaller, state: State
) -> Referral:
    accepted = await state.call(
        state.clients.AcceptReferral,
        clients_pb2.AcceptReferralRequest(
            referral_id=referral_id,
            existing_client_id=body.existing_client_id or "",
            segment=SEGMENTS.get(body.segment, 0),
        ),
        caller,
    )
    return Referral.of(accepted)


@router.post("/{referral_id}/decline", summary="Decline with a reason")
async def decline_referral(
    referral_id: str, body: ReferralDecline, caller: CurrentCaller, state: State
) -> Referral:
    declined = await state.call(
        state.clients.DeclineReferral,
        clients_pb2.DeclineReferralRequest(referral_id=referral_id, reason=body.reason),
        caller,
    )
    return Referral.of(declined)
