"""Messaging (viestintä, IS service 8): message threads with read status, templates per
language, notifications and their delivery status per channel, campaigns with opt-outs, and the
client's own threads and opt-outs in self-service (IS service 19)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.identity import Caller, Role
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.messaging_schemas import (
    Campaign,
    CampaignCreate,
    CampaignPage,
    MessageCreate,
    MessagePage,
    Notification,
    NotificationCreate,
    NotificationPage,
    OptOut,
    OptOutPut,
    ReadMark,
    Rendered,
    RenderRequest,
    Template,
    TemplatePage,
    TemplatePut,
    Thread,
    ThreadCreate,
    ThreadMessage,
    ThreadPage,
)
from kotopolku.gateway.problems import PROBLEM_RESPONSES, forbidden
from kotopolku.gateway.routers.params import (
    PRECONDITIONS,
    IdempotencyKey,
    IfMatch,
    PageSize,
    State,
    conflict,
)
from kotopolku.gateway.state import GatewayState
from kotopolku.messaging.v1 import messaging_pb2 as pb

router = APIRouter(tags=["messaging"], responses=PROBLEM_RESPONSES)
PageToken = Annotated[str, Query(max_length=500)]


async def _own(caller: Caller, state: GatewayState) -> Caller:
    """The client user with their own record resolved (the gateway vouches for it)."""
    if not caller.has_any(Role.CLIENT):
        raise forbidden("Only client users have own messages")
    own = await state.call(state.clients.GetOwnClient, clients_pb2.GetOwnClientRequest(), caller)
    return state.with_client(caller, own.id)


def _thread_page(found: pb.ListThreadsResponse) -> ThreadPage:
    return ThreadPage(
        items=[Thread.of(t) for t in found.threads], next_page_token=found.next_page_token or None
    )


# --- threads (staff and stakeholders) ----------------------------------------------------------


@router.post(
    "/v1/clients/{client_id}/threads",
    status_code=status.HTTP_201_CREATED,
    summary="Start a message thread with a client (officers of the client's municipality)",
)
async def create_thread(
    client_id: str,
    body: ThreadCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Thread:
    created = await state.call(
        state.messaging.CreateThread, body.message(client_id, idempotency_key or ""), caller
    )
    response.headers["Location"] = f"/v1/threads/{created.id}"
    return Thread.of(created)


@router.get("/v1/clients/{client_id}/threads", summary="Threads about a client, newest first")
async def list_client_threads(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    unread_only: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ThreadPage:
    found = await state.call(
        state.messaging.ListThreads,
        pb.ListThreadsRequest(
            client_id=client_id,
            unread_only=unread_only,
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return _thread_page(found)


@router.get("/v1/threads", summary="Threads the caller takes part in, newest first")
async def list_threads(
    caller: CurrentCaller,
    state: State,
    unread_only: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ThreadPage:
    found = await state.call(
        state.messaging.ListThreads,
        pb.ListThreadsRequest(unread_only=unread_only, page_size=page_size, page_token=page_token),
        caller,
    )
    return _thread_page(found)


async def _get_thread(thread_id: str, caller: Caller, state: GatewayState) -> Thread:
    found = await state.call(
        state.messaging.GetThread, pb.GetThreadRequest(thread_id=thread_id), caller
    )
    return Thread.of(found)


async def _messages(
    thread_id: str, caller: Caller, state: GatewayState, page_size: int, page_token: str
) -> MessagePage:
    found = await state.call(
        state.messaging.ListMessages,
        pb.ListMessagesRequest(thread_id=thread_id, page_size=page_size, page_token=page_token),
        caller,
    )
    return MessagePage(
        items=[ThreadMessage.of(m) for m in found.messages],
        next_page_token=found.next_page_token or None,
    )


async def _post(
    thread_id: str, body: MessageCreate, caller: Caller, state: GatewayState, key: str
) -> ThreadMessage:
    posted = await state.call(
        state.messaging.PostMessage,
        pb.PostMessageRequest(thread_id=thread_id, body=body.body, idempotency_key=key),
        caller,
    )
    return ThreadMessage.of(posted)


async def _mark_read(thread_id: str, body: ReadMark, caller: Caller, state: GatewayState) -> Thread:
    found = await state.call(
        state.messaging.MarkThreadRead,
        pb.MarkThreadReadRequest(thread_id=thread_id, message_id=body.message_id or ""),
        caller,
    )
    return Thread.of(found)


@router.get("/v1/threads/{thread_id}", summary="Read a thread (participants and read status)")
async def get_thread(thread_id: str, caller: CurrentCaller, state: State) -> Thread:
    return await _get_thread(thread_id, caller, state)


@router.get("/v1/threads/{thread_id}/messages", summary="Messages of a thread, oldest first")
async def list_messages(
    thread_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> MessagePage:
    return await _messages(thread_id, caller, state, page_size, page_token)


@router.post(
    "/v1/threads/{thread_id}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="Write in a thread",
)
async def post_message(
    thread_id: str,
    body: MessageCreate,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> ThreadMessage:
    return await _post(thread_id, body, caller, state, idempotency_key or "")


@router.post("/v1/threads/{thread_id}/read", summary="Mark the thread read up to a message")
async def mark_read(thread_id: str, body: ReadMark, caller: CurrentCaller, state: State) -> Thread:
    return await _mark_read(thread_id, body, caller, state)


# --- the client's own (self-service) -----------------------------------------------------------


@router.get("/v1/me/threads", summary="The signed-in client's message threads")
async def list_own_threads(
    caller: CurrentCaller,
    state: State,
    unread_only: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ThreadPage:
    resolved = await _own(caller, state)
    found = await state.call(
        state.messaging.ListThreads,
        pb.ListThreadsRequest(unread_only=unread_only, page_size=page_size, page_token=page_token),
        resolved,
    )
    return _thread_page(found)


@router.get("/v1/me/threads/{thread_id}", summary="One of the client's own threads")
async def get_own_thread(thread_id: str, caller: CurrentCaller, state: State) -> Thread:
    return await _get_thread(thread_id, await _own(caller, state), state)


@router.get("/v1/me/threads/{thread_id}/messages", summary="Messages of an own thread")
async def list_own_messages(
    thread_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> MessagePage:
    return await _messages(thread_id, await _own(caller, state), state, page_size, page_token)


@router.post(
    "/v1/me/threads/{thread_id}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="Reply in an own thread",
)
async def post_own_message(
    thread_id: str,
    body: MessageCreate,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> ThreadMessage:
    return await _post(thread_id, body, await _own(caller, state), state, idempotency_key or "")


@router.post("/v1/me/threads/{thread_id}/read", summary="Mark an own thread read")
async def mark_own_read(
    thread_id: str, body: ReadMark, caller: CurrentCaller, state: State
) -> Thread:
    return await _mark_read(thread_id, body, await _own(caller, state), state)


@router.get("/v1/me/opt-outs", summary="The signed-in client's opt-outs")
async def list_own_opt_outs(caller: CurrentCaller, state: State) -> list[OptOut]:
    found = await state.call(
        state.messaging.ListOptOuts, pb.ListOptOutsRequest(), await _own(caller, state)
    )
    return [OptOut.of(o) for o in found.opt_outs]


@router.put("/v1/me/opt-outs", summary="Opt out of (or back into) a channel or a topic")
async def put_own_opt_out(body: OptOutPut, caller: CurrentCaller, state: State) -> OptOut:
    found = await state.call(state.messaging.SetOptOut, body.message(), await _own(caller, state))
    return OptOut.of(found)


@router.get("/v1/clients/{client_id}/opt-outs", summary="A client's opt-outs")
async def list_opt_outs(client_id: str, caller: CurrentCaller, state: State) -> list[OptOut]:
    found = await state.call(
        state.messaging.ListOptOuts, pb.ListOptOutsRequest(client_id=client_id), caller
    )
    return [OptOut.of(o) for o in found.opt_outs]


@router.put("/v1/clients/{client_id}/opt-outs", summary="Record a client's opt-out")
async def put_opt_out(
    client_id: str, body: OptOutPut, caller: CurrentCaller, state: State
) -> OptOut:
    found = await state.call(state.messaging.SetOptOut, body.message(client_id), caller)
    return OptOut.of(found)


# --- templates ---------------------------------------------------------------------------------


@router.get("/v1/message-templates", summary="Templates: the municipality's own and the defaults")
async def list_templates(
    caller: CurrentCaller,
    state: State,
    key: Annotated[str, Query(max_length=60)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> TemplatePage:
    found = await state.call(
        state.messaging.ListTemplates,
        pb.ListTemplatesRequest(key=key, page_size=page_size, page_token=page_token),
        caller,
    )
    return TemplatePage(
        items=[Template.of(t) for t in found.templates],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/message-templates/{key}/{language}", summary="A template in one language")
async def get_template(
    key: str, language: str, response: Response, caller: CurrentCaller, state: State
) -> Template:
    found = await state.call(
        state.messaging.GetTemplate, pb.GetTemplateRequest(key=key, language=language), caller
    )
    response.headers["ETag"] = etag(found.version)
    return Template.of(found)


@router.put(
    "/v1/message-templates/{key}/{language}",
    summary="Create (no If-Match) or change (If-Match) the municipality's own template",
    responses=PRECONDITIONS,
)
async def put_template(
    key: str,
    language: str,
    body: TemplatePut,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Template:
    version = expected_version(if_match) if if_match else 0
    stored = await state.call(
        state.messaging.PutTemplate,
        pb.PutTemplateRequest(
            template=pb.Template(
                key=key,
                language=language,
                subject=body.subject,
                body_text=body.body_text,
                body_html=body.body_html,
                sms_text=body.sms_text,
                variables=body.variables,
            ),
            expected_version=version,
        ),
        caller,
    )
    response.headers["ETag"] = etag(stored.version)
    return Template.of(stored)


@router.post(
    "/v1/message-templates/{key}/render",
    summary="Preview a template with variables (validates them; sends nothing)",
)
async def render_template(
    key: str, body: RenderRequest, caller: CurrentCaller, state: State
) -> Rendered:
    found = await state.call(
        state.messaging.RenderTemplate,
        pb.RenderTemplateRequest(
            template_key=key, language=body.language, variables=body.variables
        ),
        caller,
    )
    return Rendered.of(found)


# --- notifications -----------------------------------------------------------------------------


@router.post(
    "/v1/clients/{client_id}/notifications",
    status_code=status.HTTP_201_CREATED,
    summary="Send a templated message to a client (contact details come from the client record)",
)
async def send_notification(
    client_id: str,
    body: NotificationCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Notification:
    created = await state.call(
        state.messaging.SendNotification, body.message(client_id, idempotency_key or ""), caller
    )
    response.headers["Location"] = f"/v1/notifications/{created.id}"
    return Notification.of(created)


@router.get("/v1/clients/{client_id}/notifications", summary="Notifications sent to a client")
async def list_notifications(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> NotificationPage:
    found = await state.call(
        state.messaging.ListNotifications,
        pb.ListNotificationsRequest(
            client_id=client_id, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return NotificationPage(
        items=[Notification.of(n) for n in found.notifications],
        next_page_token=found.next_page_token or None,
    )


@router.get(
    "/v1/notifications/{notification_id}",
    summary="A notification and its delivery status per channel",
)
async def get_notification(
    notification_id: str, caller: CurrentCaller, state: State
) -> Notification:
    found = await state.call(
        state.messaging.GetNotification,
        pb.GetNotificationRequest(notification_id=notification_id),
        caller,
    )
    return Notification.of(found)


@router.post(
    "/v1/notifications/{notification_id}/cancel",
    summary="Cancel a notification not yet sent",
    responses={409: PROBLEM_RESPONSES[422] | {"description": "Already sent"}},
)
async def cancel_notification(
    notification_id: str, caller: CurrentCaller, state: State
) -> Notification:
    found = await state.call(
        state.messaging.CancelNotification,
        pb.CancelNotificationRequest(notification_id=notification_id),
        caller,
    )
    return Notification.of(found)


# --- campaigns ---------------------------------------------------------------------------------


def _campaign(response: Response, message: pb.Campaign) -> Campaign:
    response.headers["ETag"] = etag(message.version)
    return Campaign.of(message)


@router.post(
    "/v1/campaigns",
    status_code=status.HTTP_201_CREATED,
    summary="Draft a campaign message to a target group of clients",
)
async def create_campaign(
    body: CampaignCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Campaign:
    created = await state.call(
        state.messaging.CreateCampaign,
        pb.CreateCampaignRequest(campaign=body.message(), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/campaigns/{created.id}"
    return _campaign(response, created)


@router.get("/v1/campaigns", summary="The municipality's campaigns, newest first")
async def list_campaigns(
    caller: CurrentCaller, state: State, page_size: PageSize = 50, page_token: PageToken = ""
) -> CampaignPage:
    found = await state.call(
        state.messaging.ListCampaigns,
        pb.ListCampaignsRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return CampaignPage(
        items=[Campaign.of(c) for c in found.campaigns],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/campaigns/{campaign_id}", summary="Read a campaign")
async def get_campaign(
    campaign_id: str, response: Response, caller: CurrentCaller, state: State
) -> Campaign:
    found = await state.call(
        state.messaging.GetCampaign, pb.GetCampaignRequest(campaign_id=campaign_id), caller
    )
    return _campaign(response, found)


@router.post(
    "/v1/campaigns/{campaign_id}/send",
    summary="Send the campaign: one notification per client who has not opted out",
    responses=conflict("The campaign was already sent"),
)
async def send_campaign(
    campaign_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Campaign:
    sent = await state.call(
        state.messaging.SendCampaign,
        pb.SendCampaignRequest(
            campaign_id=campaign_id, expected_version=expected_version(if_match)
        ),
        caller,
    )
    return _campaign(response, sent)


@router.get(
    "/v1/campaigns/{campaign_id}/notifications",
    summary="Delivery status per recipient of a campaign",
)
async def list_campaign_notifications(
    campaign_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> NotificationPage:
    found = await state.call(
        state.messaging.ListNotifications,
        pb.ListNotificationsRequest(
            campaign_id=campaign_id, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return NotificationPage(
        items=[Notification.of(n) for n in found.notifications],
        next_page_token=found.next_page_token or None,
    )
