"""The REST router of appointments (kotopolku.gateway.routers.appointments) against the real
appointments and clients services: JSON ↔ messages, status codes, problem+json (the conflict
409 naming the appointment), ETag/If-Match, Idempotency-Key, iCalendar download and the feed
reached without an access token. Token validation is the gateway suite's concern; here the
caller is chosen by a test header, and calls go through the real ``GatewayState.call``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from fastapi import FastAPI, Request
from icalendar import Calendar

from kotopolku.appointments.service import DEFINITION, AppointmentsSettings
from kotopolku.appointments.v1 import appointments_pb2_grpc
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.service import ClientsSettings
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.gateway.app import create_app
from kotopolku.gateway.auth.dependencies import authenticated, gateway_state
from kotopolku.gateway.problems import install_handlers
from kotopolku.gateway.routers import appointments
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.gateway.state import AssertionCache, GatewayState

OFFICER = Caller(
    "11111111-1111-4111-8111-111111111111",
    frozenset({Role.MUNICIPAL_OFFICER}),
    "integration-services",
    "091",
)
CALLERS = {
    "officer": OFFICER,
    "tampere": Caller("t-1", frozenset({Role.MUNICIPAL_OFFICER}), "integration-services", "837"),
    "interpreter": Caller(
        "i-1", frozenset({Role.INTERPRETER}), "interpretation", "091", organisation="tulkkaus"
    ),
}


class RouterState:
    call = GatewayState.call

    def __init__(self, keys: testing.TestKeys, stub: Any) -> None:
        self.settings = GatewaySettings(backend_timeout_seconds=10)
        self.assertions = AssertionCache(keys.gateway_signer())
        self.appointments = stub


@pytest.fixture
async def api(
    keys: testing.TestKeys, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    common: dict[str, Any] = {
        "grpc_port": 0,
        "gateway_public_key_file": keys.gateway_public,
        "service_public_key_file": keys.service_public,
        "service_key_file": keys.service_private,
        "audit_address": "127.0.0.1:1",
        "shutdown_grace_seconds": 0,
    }
    clients_host = ServiceHost(
        CLIENTS_DEFINITION,
        ClientsSettings(database_url=f"sqlite:///{tmp_path / 'clients.db'}", **common),
        verifier=keys.verifier(),
    )
    clients_port = await clients_host.start()
    host = ServiceHost(
        DEFINITION,
        AppointmentsSettings(
            database_url=f"sqlite:///{tmp_path / 'appointments.db'}",
            clients_address=f"127.0.0.1:{clients_port}",
            messaging_address="127.0.0.1:1",
            **common,
        ),
        verifier=keys.verifier(),
        run_background=False,
    )
    port = await host.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    clients_channel = grpc.aio.insecure_channel(f"127.0.0.1:{clients_port}")
    client = await clients_pb2_grpc.ClientsServiceStub(clients_channel).CreateClient(  # type: ignore[arg-type]
        clients_pb2.CreateClientRequest(
            client=clients_pb2.Client(first_names="A", last_name="H", date_of_birth="1990-01-01")
        ),
        metadata=((METADATA_KEY, keys.assertion(OFFICER)),),
    )
    state = RouterState(keys, appointments_pb2_grpc.AppointmentsServiceStub(channel))
    app = FastAPI()
    install_handlers(app)
    app.include_router(appointments.router)

    async def caller(request: Request) -> Caller:
        return CALLERS[request.headers.get("x-test-caller", "officer")]

    async def the_state() -> Any:
        return state

    app.dependency_overrides[authenticated] = caller
    app.dependency_overrides[gateway_state] = the_state
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as http:
            yield http, client.id
    finally:
        await channel.close()
        await clients_channel.close()
        await host.stop(0)
        await clients_host.stop(0)


BODY = {
    "kind": "appointment",
    "title": "Alkukartoitus",
    "description": "Tulkki paikalla",
    "location": "Toinen linja 4",
    "start": "2030-10-22T10:00",
    "end": "2030-10-22T11:00",
    "assignees": [
        {"kind": "municipal-staff", "subject": OFFICER.subject, "display_name": "Outi"},
        {"kind": "client"},
    ],
    "team": "kotoutuminen-ita",
    "reminder_lead_minutes": [1440],
}


async def test_appointments_over_rest(api: tuple[httpx.AsyncClient, str]) -> None:
    http, client_id = api
    path = f"/v1/clients/{client_id}/appointments"
    created = await http.post(path, json=BODY, headers={"Idempotency-Key": "k1"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/v1/appointments/{body['id']}"
    assert (body["start"], body["end"]) == (
        "2030-10-22T10:00:00+03:00",
        "2030-10-22T11:00:00+03:00",
    )
    assert body["starts_at"].startswith("2030-10-22T07:00:00")
    assert body["status"] == "scheduled"
    assert body["reminders"][0]["state"] == "pending"
    assert body["assignees"][1] == {
        "kind": "client",
        "subject": "",
        "display_name": "",
        "organisation": "",
    }
    again = await http.post(path, json=BODY, headers={"Idempotency-Key": "k1"})
    assert again.json()["id"] == body["id"]

    one = f"/v1/appointments/{body['id']}"
    assert (await http.get(one, headers={"x-test-caller": "tampere"})).status_code == 404

    # The conflict: 409 problem+json naming the appointment and the assignee.
    clash = await http.post(
        path, json={**BODY, "start": "2030-10-22T10:30", "end": "2030-10-22T12:00"}
    )
    assert clash.status_code == 409, clash.text
    assert clash.headers["content-type"] == "application/problem+json"
    problem = clash.json()
    assert problem["type"] == "urn:kotopolku:problem:appointment-conflict"
    assert body["id"] in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["assignees[0]", "assignees[1]"]
    forced = await http.post(
        path,
        json={**BODY, "start": "2030-10-22T10:30", "end": "2030-10-22T12:00"},
        params={"allow_conflicts": "true"},
    )
    assert forced.status_code == 201

    bad = await http.post(
        path, json={**BODY, "start": "2030-10-27T03:30", "end": "2030-10-27T05:00"}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["start"]

    patch = {"start": "2030-10-23T09:00"}
    assert (await http.patch(one, json=patch)).status_code == 428
    assert (await http.patch(one, json=patch, headers={"If-Match": '"9"'})).status_code == 412
    moved = await http.patch(one, json=patch, headers={"If-Match": '"1"'})
    assert moved.status_code == 200, moved.text
    assert moved.headers["etag"] == '"2"'
    assert moved.json()["end"] == "2030-10-23T10:00:00+03:00"

    listed = await http.get(path, params={"from": "2030-10-01", "to": "2030-11-01", "page_size": 1})
    assert listed.status_code == 200
    assert listed.json()["next_page_token"]
    team = await http.get(
        "/v1/calendars/teams/kotoutuminen-ita", params={"from": "2030-10-23", "to": "2030-10-24"}
    )
    assert [a["id"] for a in team.json()["items"]] == [body["id"]]
    mine = await http.get("/v1/calendars/me", params={"from": "2030-10-01", "to": "2030-11-01"})
    assert len(mine.json()["items"]) == 2
    person = await http.get(
        f"/v1/calendars/people/{OFFICER.subject}", params={"from": "2030-10-01", "to": "2030-11-01"}
    )
    assert len(person.json()["items"]) == 2
    assert (await http.get("/v1/calendars/me", params={"from": "x", "to": "y"})).status_code == 422

    cancelled = await http.post(
        f"{one}/cancel", json={"reason": "Sairaus"}, headers={"If-Match": '"2"'}
    )
    assert cancelled.json()["status"] == "cancelled"
    again_cancel = await http.post(
        f"{one}/cancel", json={"reason": "Sairaus"}, headers={"If-Match": '"3"'}
    )
    assert again_cancel.status_code == 409
    deleted = await http.request(
        "DELETE", one, json={"reason": "Virhe"}, headers={"If-Match": '"3"'}
    )
    assert deleted.status_code == 204
    assert (await http.get(one)).status_code == 404
    history = (await http.get(f"{one}/history")).json()["items"]
    assert [h["action"] for h in history] == ["created", "updated", "cancelled", "deleted"]
    assert history[3]["reason"] == "Virhe"


async def test_icalendar_download_and_feed(api: tuple[httpx.AsyncClient, str]) -> None:
    http, client_id = api
    # Feeds cover a month back and a year ahead from now.
    day = (date.today() + timedelta(days=10)).isoformat()
    soon = {**BODY, "start": f"{day}T10:00", "end": f"{day}T11:00"}
    created = await http.post(f"/v1/clients/{client_id}/appointments", json=soon)
    assert created.status_code == 201, created.text
    download = await http.get("/v1/calendars/me.ics")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/calendar; charset=utf-8"
    events = list(Calendar.from_ical(download.content).events)
    assert [str(e["summary"]) for e in events] == ["Alkukartoitus"]

    assert (await http.get("/v1/calendar-feeds/current")).status_code == 404
    feed = await http.post("/v1/calendar-feeds")
    assert feed.status_code == 201
    url = feed.json()["url"]
    assert url.startswith("http://test/v1/calendar-feeds/")
    assert url.endswith(".ics")
    # Nothing in the URL names the person.
    assert OFFICER.subject not in url
    assert client_id not in url
    # The feed is read without any caller: the secret authorises.
    read = await http.get(url, headers={"x-test-caller": "nobody"})
    assert read.status_code == 200, read.text
    assert read.headers["cache-control"] == "private, max-age=300"
    parsed = list(Calendar.from_ical(read.content).events)
    assert str(parsed[0]["summary"]).startswith("Kotopolku:")
    status = await http.get("/v1/calendar-feeds/current")
    assert status.json()["url"] is None
    assert status.json()["last_read_at"]
    assert (await http.delete("/v1/calendar-feeds/current")).status_code == 204
    gone = await http.get(url)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"


def test_openapi_documents_the_routes_with_examples(tmp_path: Path) -> None:
    schema = create_app(GatewaySettings(gateway_key_file=tmp_path / "k.pem")).openapi()
    paths = schema["paths"]
    for route in (
        "/v1/clients/{client_id}/appointments",
        "/v1/appointments/{appointment_id}",
        "/v1/appointments/{appointment_id}/cancel",
        "/v1/appointments/{appointment_id}/history",
        "/v1/calendars/me",
        "/v1/calendars/me.ics",
        "/v1/calendar-feeds",
        "/v1/calendar-feeds/{token}.ics",
    ):
        assert route in paths, route
    assert paths["/v1/calendar-feeds/{token}.ics"]["get"]["security"] == []
    create = schema["components"]["schemas"]["AppointmentCreate"]["properties"]
    assert create["start"]["examples"] == ["2026-10-22T10:00"]
    assert "409" in paths["/v1/clients/{client_id}/appointments"]["post"]["responses"]
