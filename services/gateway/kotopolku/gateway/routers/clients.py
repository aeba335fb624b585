"""/v1/clients: client records, family links and consents (IS service 1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.identity import Caller
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.routers.params import IdempotencyKey, State
from kotopolku.gateway.schemas import (
    RELATIONS,
    STATUSES,
    Client,
    ClientCreate,
    ClientPage,
    ClientPatch,
    ClientSearch,
    Consent,
    ConsentCreate,
    FamilyLink,
    FamilyLinkCreate,
)

router = APIRouter(prefix="/v1/clients", tags=["clients"], responses=PROBLEM_RESPONSES)


def _client_response(response: Response, message: clients_pb2.Client) -> Client:
    response.headers["ETag"] = etag(message.version)
    return Client.of(message)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a client")
async def create_client(
    body: ClientCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Client:
    created = await state.call(
        state.clients.CreateClient,
        clients_pb2.CreateClientRequest(
            client=body.message(), idempotency_key=idempotency_key or ""
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/clients/{created.id}"
    return _client_response(response, created)


@router.get("/{client_id}", summary="Read a client")
async def get_client(
    client_id: str, response: Response, caller: CurrentCaller, state: State
) -> Client:
    found = await state.call(
        state.clients.GetClient, clients_pb2.GetClientRequest(client_id=client_id), caller
    )
    return _client_response(response, found)


@router.patch(
    "/{client_id}",
    summary="Change some fields of a client",
    responses={
        412: PROBLEM_RESPONSES[422] | {"description": "Stale If-Match"},
        428: PROBLEM_RESPONSES[422] | {"description": "If-Match missing"},
    },
)
async def update_client(
    client_id: str,
    body: ClientPatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Client:
    version = expected_version(if_match)
    message, mask = body.message_and_mask()
    request = clients_pb2.UpdateClientRequest(
        client_id=client_id, client=message, expected_version=version
    )
    request.update_mask.paths.extend(mask)
    updated = await state.call(state.clients.UpdateClient, request, caller)
    return _client_response(response, updated)


@router.post("/search", summary="Search clients of the caller's municipality")
async def search_clients(body: ClientSearch, caller: CurrentCaller, state: State) -> ClientPage:
    found = await state.call(
        state.clients.SearchClients,
        clients_pb2.SearchClientsRequest(
            name=body.name,
            henkilotunnus=body.henkilotunnus,
            date_of_birth=body.date_of_birth,
            status=STATUSES.get(body.status, 0),
            page_size=body.page_size,
            page_token=body.page_token,
        ),
        caller,
    )
    return ClientPage(
        items=[Client.of(c) for c in found.clients], next_page_token=found.next_page_token or None
    )


@router.get("/{client_id}/family-links", summary="Family members linked to a client")
async def list_family_links(
    client_id: str, caller: CurrentCaller, state: State
) -> list[FamilyLink]:
    found = await state.call(
        state.clients.ListFamilyLinks,
        clients_pb2.ListFamilyLinksRequest(client_id=client_id),
        caller,
    )
    return [FamilyLink.of(link) for link in found.links]


@router.post("/{client_id}/family-links", status_code=201, summary="Link two clients as family")
async def add_family_link(
    client_id: str, body: FamilyLinkCreate, caller: CurrentCaller, state: State
) -> FamilyLink:
    link = clients_pb2.FamilyLink(
        client_id=client_id,
        related_client_id=body.related_client_id,
        relation=RELATIONS[body.relation],
    )
    created = await state.call(
        state.clients.AddFamilyLink, clients_pb2.AddFamilyLinkRequest(link=link), caller
    )
    return FamilyLink.of(created)


@router.delete("/{client_id}/family-links/{related_client_id}", status_code=204)
async def remove_family_link(
    client_id: str, related_client_id: str, caller: CurrentCaller, state: State
) -> Response:
    await state.call(
        state.clients.RemoveFamilyLink,
        clients_pb2.RemoveFamilyLinkRequest(
            client_id=client_id, related_client_id=related_client_id
        ),
        caller,
    )
    return Response(status_code=204)


@router.get("/{client_id}/consents", summary="Consents of a client")
async def list_consents(client_id: str, caller: CurrentCaller, state: State) -> list[Consent]:
    found = await state.call(
        state.clients.ListConsents, clients_pb2.ListConsentsRequest(client_id=client_id), caller
    )
    return [Consent.of(c) for c in found.consents]


@router.post("/{client_id}/consents", status_code=201, summary="Record a consent")
async def add_consent(
    client_id: str,
    body: ConsentCreate,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Consent:
    consent = clients_pb2.Consent(
        client_id=client_id,
        purpose=body.purpose,
        scope=body.scope,
        valid_from=body.valid_from or "",
        valid_until=body.valid_until or "",
    )
    created = await state.call(
        state.clients.AddConsent,
        clients_pb2.AddConsentRequest(consent=consent, idempotency_key=idempotency_key or ""),
        caller,
    )
    return Consent.of(created)


@router.post("/{client_id}/consents/{consent_id}/withdraw", summary="Withdraw a consent")
async def withdraw_consent(
    client_id: str, consent_id: str, caller: CurrentCaller, state: State
) -> Consent:
    withdrawn = await state.call(
        state.clients.WithdrawConsent,
        clients_pb2.WithdrawConsentRequest(client_id=client_id, consent_id=consent_id),
        caller,
    )
    return Consent.of(withdrawn)


__all__ = ["Caller", "router"]
