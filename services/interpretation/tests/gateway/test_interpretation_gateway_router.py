"""The REST router of interpretation (kotopolku.gateway.routers.interpretation) against the real
interpretation, appointments and clients services: bookings with ETag/If-Match, the interpreter's
view, translations with revisions as ETags, and read-aloud as audio/wav with a 422 naming an
unsupported language. The caller is chosen by a test header; calls go through the real
``GatewayState.call``."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from fastapi import FastAPI, Request

from kotopolku.appointments.service import DEFINITION as APPOINTMENTS_DEFINITION
from kotopolku.appointments.service import AppointmentsSettings
from kotopolku.appointments.v1 import appointments_pb2 as apb
from kotopolku.appointments.v1 import appointments_pb2_grpc
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.service import ClientsSettings
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.gateway.auth.dependencies import authenticated, gateway_state
from kotopolku.gateway.problems import install_handlers
from kotopolku.gateway.routers import interpretation
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.gateway.state import AssertionCache, GatewayState
from kotopolku.interpretation.service import DEFINITION, InterpretationSettings
from kotopolku.interpretation.v1 import interpretation_pb2_grpc

OFFICER = Caller("officer-1", frozenset({Role.MUNICIPAL_OFFICER}), "integration-services", "091")
CALLERS = {
    "officer": OFFICER,
    "tulkki": Caller(
        "tulkki-1", frozenset({Role.INTERPRETER}), "interpretation", "091", organisation="tulkkaus"
    ),
    "muu": Caller(
        "muu-1", frozenset({Role.INTERPRETER}), "interpretation", "091", organisation="muu"
    ),
}


class RouterState:
    call = GatewayState.call

    def __init__(self, keys: testing.TestKeys, stub: Any) -> None:
        self.settings = GatewaySettings(backend_timeout_seconds=10)
        self.assertions = AssertionCache(keys.gateway_signer())
        self.interpretation = stub


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
    hosts: list[ServiceHost] = []
    clients = ServiceHost(
        CLIENTS_DEFINITION,
        ClientsSettings(database_url=f"sqlite:///{tmp_path / 'c.db'}", **common),
        verifier=keys.verifier(),
    )
    hosts.append(clients)
    clients_port = await clients.start()
    appointments = ServiceHost(
        APPOINTMENTS_DEFINITION,
        AppointmentsSettings(
            database_url=f"sqlite:///{tmp_path / 'a.db'}",
            clients_address=f"127.0.0.1:{clients_port}",
            messaging_address="127.0.0.1:1",
            **common,
        ),
        verifier=keys.verifier(),
        run_background=False,
    )
    hosts.append(appointments)
    appointments_port = await appointments.start()
    host = ServiceHost(
        DEFINITION,
        InterpretationSettings(
            database_url=f"sqlite:///{tmp_path / 'i.db'}",
            appointments_address=f"127.0.0.1:{appointments_port}",
            **common,
        ),
        verifier=keys.verifier(),
    )
    hosts.append(host)
    port = await host.start()
    channels = [
        grpc.aio.insecure_channel(f"127.0.0.1:{p}") for p in (port, appointments_port, clients_port)
    ]
    md = ((METADATA_KEY, keys.assertion(OFFICER)),)
    client = await clients_pb2_grpc.ClientsServiceStub(channels[2]).CreateClient(  # type: ignore[arg-type]
        clients_pb2.CreateClientRequest(
            client=clients_pb2.Client(first_names="A", last_name="H", date_of_birth="1990-01-01")
        ),
        metadata=md,
    )
    appointment = await appointments_pb2_grpc.AppointmentsServiceStub(
        channels[1]
    ).CreateAppointment(  # type: ignore[arg-type]
        apb.CreateAppointmentRequest(
            client_id=client.id,
            appointment=apb.AppointmentInput(
                kind=apb.APPOINTMENT_KIND_APPOINTMENT,
                title="Tapaaminen",
                location="Toinen linja 4",
                start="2030-03-05T10:00",
                end="2030-03-05T11:00",
                assignees=[apb.Assignee(kind=apb.ASSIGNEE_KIND_CLIENT)],
            ),
        ),
        metadata=md,
    )
    state = RouterState(keys, interpretation_pb2_grpc.InterpretationServiceStub(channels[0]))
    app = FastAPI()
    install_handlers(app)
    app.include_router(interpretation.router)

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
            yield http, appointment.id
    finally:
        for channel in channels:
            await channel.close()
        for started in reversed(hosts):
            await started.stop(0)


async def test_bookings_over_rest(api: tuple[httpx.AsyncClient, str]) -> None:
    http, appointment_id = api
    body = {
        "appointment_id": appointment_id,
        "language": "ar",
        "mode": "on-site",
        "provider_organisation": "tulkkaus",
    }
    created = await http.post(
        "/v1/interpreter-bookings", json=body, headers={"Idempotency-Key": "b1"}
    )
    assert created.status_code == 201, created.text
    booking = created.json()
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/v1/interpreter-bookings/{booking['id']}"
    assert (booking["status"], booking["start"], booking["duration_minutes"]) == (
        "requested",
        "2030-03-05T10:00:00+02:00",
        60,
    )
    bad = await http.post("/v1/interpreter-bookings", json={**body, "mode": "telepathy"})
    assert bad.status_code == 422
    as_tulkki = {"x-test-caller": "tulkki"}
    listed = await http.get("/v1/interpreter-bookings", headers=as_tulkki)
    assert [b["id"] for b in listed.json()["items"]] == [booking["id"]]
    assert listed.json()["items"][0]["client_id"] is None
    path = f"/v1/interpreter-bookings/{booking['id']}"
    assert (await http.get(path, headers={"x-test-caller": "muu"})).status_code == 404
    confirm = f"{path}/confirm"
    assert (await http.post(confirm, json={}, headers=as_tulkki)).status_code == 428
    stale = await http.post(confirm, json={}, headers={**as_tulkki, "If-Match": '"5"'})
    assert stale.status_code == 412
    done = await http.post(confirm, json={}, headers={**as_tulkki, "If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed"
    assert done.headers["etag"] == '"2"'
    early = await http.post(f"{path}/complete", headers={"If-Match": '"2"'})
    assert early.status_code == 409
    assert early.json()["type"] == "urn:kotopolku:problem:invalid-state"


async def test_translations_and_read_aloud_over_rest(api: tuple[httpx.AsyncClient, str]) -> None:
    http, _ = api
    path = "/v1/translations/office.welcome/fi"
    saved = await http.put(path, json={"kind": "short-text", "text": "Tervetuloa toimistoon"})
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] == '"1"'
    again = await http.put(path, json={"text": "Tervetuloa"})
    assert again.status_code == 412
    second = await http.put(path, json={"text": "Tervetuloa!"}, headers={"If-Match": '"1"'})
    assert second.json()["revision"] == 2
    revisions = (await http.get(f"{path}/revisions")).json()["items"]
    assert [r["revision"] for r in revisions] == [2, 1]

    spoken = await http.post(
        "/v1/read-aloud", json={"translation_key": "office.welcome", "language": "fi"}
    )
    assert spoken.status_code == 200, spoken.text
    assert spoken.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(spoken.content), "rb") as reader:
        assert reader.getnframes() / reader.getframerate() > 0.5
    both = await http.post(
        "/v1/read-aloud", json={"text": "x", "translation_key": "office.welcome", "language": "fi"}
    )
    assert both.status_code == 422
    refused = await http.post("/v1/read-aloud", json={"text": "Soo dhawoow", "language": "so"})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "language"
    languages = (await http.get("/v1/read-aloud/languages")).json()
    assert "fi" in languages
    assert "so" not in languages
