"""Appointments, events and tasks (IS service 9): booking with conflict detection, changes with
If-Match, cancellation, deletion with history, calendars per client, person, team and one's own,
and iCalendar: a download for the signed-in user and a per-person feed for calendar
applications."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Path, Query, Request, Response, status

from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.common.clock import from_timestamp
from kotopolku.common.identity import Caller
from kotopolku.gateway.appointments_schemas import (
    Appointment,
    AppointmentCreate,
    AppointmentPage,
    AppointmentPatch,
    CalendarFeed,
    HistoryEntry,
    HistoryPage,
    Reason,
)
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.routers.params import (
    PRECONDITIONS,
    IdempotencyKey,
    IfMatch,
    PageSize,
    State,
    conflict,
)

router = APIRouter(tags=["appointments"], responses=PROBLEM_RESPONSES)

# The role the feed route calls with: no token can carry it (the gateway keeps only known roles).
FEED_CALLER: Final = Caller(
    subject="calendar-feed", roles=frozenset({"calendar-feed"}), purpose="calendar-feed"
)
CALENDAR_MEDIA_TYPE: Final = "text/calendar; charset=utf-8"
CONFLICT: Final = PROBLEM_RESPONSES[422] | {
    "description": "An assignee already has an appointment at that time (`errors` names the "
    "assignee and the appointment); book anyway with allow_conflicts=true"
}
From = Annotated[
    str,
    Query(
        alias="from",
        max_length=40,
        description="A Helsinki day (YYYY-MM-DD, its midnight) or a moment; inclusive",
        examples=["2026-10-19"],
    ),
]
To = Annotated[
    str,
    Query(max_length=40, description="As `from`; exclusive; at most 400 days after it"),
]
AllowConflicts = Annotated[
    bool, Query(description="Book even though an assignee already has an appointment then")
]
PageToken = Annotated[str, Query(max_length=1000)]


def _appointment(response: Response, message: pb.Appointment) -> Appointment:
    response.headers["ETag"] = etag(message.version)
    return Appointment.of(message)


def _page(found: pb.ListAppointmentsResponse) -> AppointmentPage:
    return AppointmentPage(
        items=[Appointment.of(a) for a in found.appointments],
        next_page_token=found.next_page_token or None,
    )


def _calendar(content: bytes, filename: str) -> Response:
    return Response(
        content=content,
        media_type=CALENDAR_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# --- appointments ------------------------------------------------------------------------------


@router.post(
    "/v1/clients/{client_id}/appointments",
    status_code=status.HTTP_201_CREATED,
    summary="Book an appointment, event or task for a client (officers)",
    responses={409: CONFLICT},
)
async def create_appointment(
    client_id: str,
    body: AppointmentCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
    allow_conflicts: AllowConflicts = False,
) -> Appointment:
    created = await state.call(
        state.appointments.CreateAppointment,
        pb.CreateAppointmentRequest(
            client_id=client_id,
            appointment=body.message(),
            idempotency_key=idempotency_key or "",
            allow_conflicts=allow_conflicts,
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/appointments/{created.id}"
    return _appointment(response, created)


@router.get(
    "/v1/clients/{client_id}/appointments",
    summary="A client's appointments in a period, by start (staff)",
)
async def list_client_appointments(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    from_: From,
    to: To,
    include_cancelled: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> AppointmentPage:
    found = await state.call(
        state.appointments.ListClientAppointments,
        pb.ListClientAppointmentsRequest(
            client_id=client_id,
            period=pb.Period(**{"from": from_, "to": to}),
            include_cancelled=include_cancelled,
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return _page(found)


@router.get("/v1/appointments/{appointment_id}", summary="Read an appointment")
async def get_appointment(
    appointment_id: str, response: Response, caller: CurrentCaller, state: State
) -> Appointment:
    found = await state.call(
        state.appointments.GetAppointment,
        pb.GetAppointmentRequest(appointment_id=appointment_id),
        caller,
    )
    return _appointment(response, found)


@router.patch(
    "/v1/appointments/{appointment_id}",
    summary="Change an appointment; reminders follow it (officers)",
    responses=conflict("The appointment is cancelled, or a conflict") | {409: CONFLICT},
)
async def update_appointment(
    appointment_id: str,
    body: AppointmentPatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
    allow_conflicts: AllowConflicts = False,
) -> Appointment:
    version = expected_version(if_match)
    message, paths = body.message_and_mask()
    request = pb.UpdateAppointmentRequest(
        appointment_id=appointment_id,
        appointment=message,
        expected_version=version,
        allow_conflicts=allow_conflicts,
    )
    request.update_mask.paths.extend(paths)
    updated = await state.call(state.appointments.UpdateAppointment, request, caller)
    return _appointment(response, updated)


@router.post(
    "/v1/appointments/{appointment_id}/cancel",
    summary="Cancel an appointment; its reminders are withdrawn (officers)",
    responses=conflict("Already cancelled"),
)
async def cancel_appointment(
    appointment_id: str,
    body: Reason,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Appointment:
    version = expected_version(if_match)
    cancelled = await state.call(
        state.appointments.CancelAppointment,
        pb.CancelAppointmentRequest(
            appointment_id=appointment_id, reason=body.reason, expected_version=version
        ),
        caller,
    )
    return _appointment(response, cancelled)


@router.delete(
    "/v1/appointments/{appointment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an appointment made by mistake; the history keeps who, when and why",
    responses=PRECONDITIONS,
)
async def delete_appointment(
    appointment_id: str,
    body: Reason,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Response:
    version = expected_version(if_match)
    await state.call(
        state.appointments.DeleteAppointment,
        pb.DeleteAppointmentRequest(
            appointment_id=appointment_id, reason=body.reason, expected_version=version
        ),
        caller,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/v1/appointments/{appointment_id}/history",
    summary="Who changed what and when, also after deletion (staff)",
)
async def appointment_history(
    appointment_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> HistoryPage:
    found = await state.call(
        state.appointments.ListAppointmentHistory,
        pb.ListAppointmentHistoryRequest(
            appointment_id=appointment_id, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return HistoryPage(
        items=[HistoryEntry.of(e) for e in found.entries],
        next_page_token=found.next_page_token or None,
    )


# --- calendars ---------------------------------------------------------------------------------


async def _query(
    state: State,
    caller: Caller,
    which: dict[str, object],
    from_: str,
    to: str,
    include_cancelled: bool,
    page_size: int,
    page_token: str,
) -> AppointmentPage:
    found = await state.call(
        state.appointments.QueryCalendar,
        pb.QueryCalendarRequest(
            **which,  # type: ignore[arg-type]
            period=pb.Period(**{"from": from_, "to": to}),
            include_cancelled=include_cancelled,
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return _page(found)


@router.get(
    "/v1/calendars/me.ics",
    summary="Download one's own calendar as iCalendar (default: 30 days back, a year ahead)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def export_own_calendar(
    caller: CurrentCaller,
    state: State,
    from_: Annotated[str, Query(alias="from", max_length=40)] = "",
    to: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    exported = await state.call(
        state.appointments.ExportCalendar,
        pb.ExportCalendarRequest(period=pb.Period(**{"from": from_, "to": to})),
        caller,
    )
    return _calendar(exported.content, "kotopolku.ics")


@router.get("/v1/calendars/me", summary="One's own calendar for a period")
async def own_calendar(
    caller: CurrentCaller,
    state: State,
    from_: From,
    to: To,
    include_cancelled: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> AppointmentPage:
    return await _query(
        state, caller, {"own": True}, from_, to, include_cancelled, page_size, page_token
    )


@router.get(
    "/v1/calendars/people/{subject}",
    summary="A person's calendar in the caller's municipality for a period (staff)",
)
async def person_calendar(
    subject: Annotated[str, Path(max_length=64, description="The person's Keycloak subject")],
    caller: CurrentCaller,
    state: State,
    from_: From,
    to: To,
    include_cancelled: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> AppointmentPage:
    return await _query(
        state,
        caller,
        {"person_subject": subject},
        from_,
        to,
        include_cancelled,
        page_size,
        page_token,
    )


@router.get(
    "/v1/calendars/teams/{team}",
    summary="A team's calendar in the caller's municipality for a period (staff)",
)
async def team_calendar(
    team: Annotated[str, Path(max_length=64)],
    caller: CurrentCaller,
    state: State,
    from_: From,
    to: To,
    include_cancelled: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> AppointmentPage:
    return await _query(
        state, caller, {"team": team}, from_, to, include_cancelled, page_size, page_token
    )


# --- calendar feeds ----------------------------------------------------------------------------


@router.post(
    "/v1/calendar-feeds",
    status_code=status.HTTP_201_CREATED,
    summary="Create (or renew) one's calendar feed; the URL is shown once",
    description=(
        "Calendar applications fetch subscribed calendars without an access token, so the feed "
        "URL carries a random secret instead: it names no person and holds no personal data, "
        "only a hash of it is stored, and creating a new feed or revoking it ends the old URL. "
        "The feed says only what kind of appointment, where and when; titles and notes stay in "
        "Kotopolku."
    ),
)
async def create_feed(request: Request, caller: CurrentCaller, state: State) -> CalendarFeed:
    created = await state.call(
        state.appointments.CreateCalendarFeed, pb.CreateCalendarFeedRequest(), caller
    )
    url = str(request.url_for("read_feed", token=created.token))
    return CalendarFeed(url=url, created_at=from_timestamp(created.created_at), last_read_at=None)


@router.get("/v1/calendar-feeds/current", summary="Whether one has a feed, and its last use")
async def get_feed(caller: CurrentCaller, state: State) -> CalendarFeed:
    found = await state.call(
        state.appointments.GetCalendarFeed, pb.GetCalendarFeedRequest(), caller
    )
    return CalendarFeed(
        created_at=from_timestamp(found.created_at),
        last_read_at=(
            from_timestamp(found.last_read_at) if found.HasField("last_read_at") else None
        ),
    )


@router.delete(
    "/v1/calendar-feeds/current",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke one's calendar feed",
)
async def revoke_feed(caller: CurrentCaller, state: State) -> Response:
    await state.call(state.appointments.RevokeCalendarFeed, pb.RevokeCalendarFeedRequest(), caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/v1/calendar-feeds/{token}.ics",
    name="read_feed",
    summary="A calendar feed (no access token: the secret in the URL authorises)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
    openapi_extra={"security": []},
)
async def read_feed(token: Annotated[str, Path(max_length=100)], state: State) -> Response:
    found = await state.call(
        state.appointments.ReadCalendarFeed, pb.ReadCalendarFeedRequest(token=token), FEED_CALLER
    )
    response = _calendar(found.content, "kotopolku.ics")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
