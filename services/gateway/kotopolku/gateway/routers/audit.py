"""/v1/audit and /v1/me: audit trails (IS service 16) and the client's own data (IS 19)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.identity import Role
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.problems import PROBLEM_RESPONSES, forbidden
from kotopolku.gateway.routers.params import PageSize, State
from kotopolku.gateway.schemas import AuditEvent, AuditPage, ChainVerification, Client

router = APIRouter(tags=["audit", "self-service"], responses=PROBLEM_RESPONSES)


def _page(found: audit_pb2.QueryEventsResponse) -> AuditPage:
    return AuditPage(
        items=[AuditEvent.of(e) for e in found.events],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/audit/events", summary="Audit trail by subject client, actor or time (auditors)")
async def query_events(
    caller: CurrentCaller,
    state: State,
    subject_client_id: str = "",
    actor: str = "",
    from_time: Annotated[datetime | None, Query(alias="from")] = None,
    to_time: Annotated[datetime | None, Query(alias="to")] = None,
    page_size: PageSize = 50,
    page_token: str = "",
) -> AuditPage:
    if not caller.has_any(Role.AUDITOR):
        raise forbidden("Only auditors see other people's audit trails")
    request = audit_pb2.QueryEventsRequest(
        subject_client_id=subject_client_id,
        actor_subject=actor,
        page_size=page_size,
        page_token=page_token,
    )
    if from_time is not None:
        request.from_time.FromDatetime(from_time)
    if to_time is not None:
        request.to_time.FromDatetime(to_time)
    return _page(await state.call(state.audit.QueryEvents, request, caller))


@router.post("/v1/audit/verify", summary="Verify the audit hash chain (auditors)")
async def verify_chain(caller: CurrentCaller, state: State) -> ChainVerification:
    if not caller.has_any(Role.AUDITOR, Role.ADMIN):
        raise forbidden("Only auditors verify the audit log")
    result = await state.call(
        state.audit.VerifyChain,
        audit_pb2.VerifyChainRequest(),
        caller,
        deadline_seconds=state.settings.verify_timeout_seconds,
    )
    return ChainVerification(
        intact=result.intact,
        entries_checked=result.entries_checked,
        first_bad_position=result.first_bad_position or None,
        problem=result.problem or None,
    )


@router.get("/v1/me", summary="The signed-in client's own record")
async def own_record(caller: CurrentCaller, state: State) -> Client:
    if not caller.has_any(Role.CLIENT):
        raise forbidden("Only client users have an own record")
    found = await state.call(state.clients.GetOwnClient, clients_pb2.GetOwnClientRequest(), caller)
    return Client.of(found)


@router.get("/v1/me/audit-trail", summary="Who has processed my data")
async def own_audit_trail(
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: str = "",
    others_only: Annotated[
        bool, Query(description="Leave out the client's own use of self-service")
    ] = False,
) -> AuditPage:
    if not caller.has_any(Role.CLIENT):
        raise forbidden("Only client users have an own audit trail")
    own = await state.call(state.clients.GetOwnClient, clients_pb2.GetOwnClientRequest(), caller)
    # The gateway vouches for the resolved record; the audit service checks the request against it.
    resolved = state.with_client(caller, own.id)
    found = await state.call(
        state.audit.QueryEvents,
        audit_pb2.QueryEventsRequest(
            subject_client_id=own.id,
            page_size=page_size,
            page_token=page_token,
            exclude_actor_subject=caller.subject if others_only else "",
        ),
        resolved,
    )
    return _page(found)
