"""The REST router of the programme (kotopolku.gateway.routers.programme) against the real
programme service: JSON ↔ messages, status codes, problem+json, ETag/If-Match, Location and
Idempotency-Key. Token validation is the gateway suite's concern; here the caller is chosen by a
test header, and calls go through the real ``GatewayState.call`` with real assertions. The
plans and clients services run for real too: enrolments are made from plans."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from programme_testkit import TODAY, Clock, Programme, start_programme

from kotopolku.common import testing
from kotopolku.common.identity import Caller, Role
from kotopolku.gateway.auth.dependencies import authenticated, gateway_state
from kotopolku.gateway.problems import install_handlers
from kotopolku.gateway.routers import programme
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.gateway.state import AssertionCache, GatewayState

PURPOSE = "integration-services"
CALLERS = {
    "officer": Caller("officer-091", frozenset({Role.MUNICIPAL_OFFICER}), PURPOSE, "091"),
    "opisto": Caller(
        "user-opisto", frozenset({Role.SERVICE_PROVIDER}), PURPOSE, "091", organisation="opisto"
    ),
    "other-provider": Caller(
        "user-muu", frozenset({Role.SERVICE_PROVIDER}), PURPOSE, "091", organisation="muu"
    ),
}


class RouterState:
    """What the router uses of the gateway's state: the real ``call``, and the stub."""

    call = GatewayState.call

    def __init__(self, keys: testing.TestKeys, programme_stub: Any) -> None:
        self.settings = GatewaySettings(backend_timeout_seconds=10)
        self.assertions = AssertionCache(keys.gateway_signer())
        self.programme = programme_stub


@dataclass
class Api:
    http: httpx.AsyncClient
    svc: Programme


@pytest.fixture
async def served(keys: testing.TestKeys, tmp_path: Path) -> AsyncIterator[Api]:
    svc = await start_programme(keys, f"sqlite:///{tmp_path / 'programme.db'}", Clock(), tmp_path)
    state = RouterState(keys, svc.stub)
    app = FastAPI()
    install_handlers(app)
    app.include_router(programme.router)

    async def caller(request: Request) -> Caller:
        return CALLERS[request.headers.get("x-test-caller", "officer")]

    async def the_state() -> Any:
        return state

    app.dependency_overrides[authenticated] = caller
    app.dependency_overrides[gateway_state] = the_state
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client, svc)
    finally:
        await svc.stop()


@pytest.fixture
def api(served: Api) -> httpx.AsyncClient:
    return served.http


PROVIDER = {
    "id": "opisto",
    "name": "Helsingin aikuisopisto",
    "business_id": "0112038-9",
    "contacts": [{"name": "Outi Opettaja", "email": "outi@opisto.example.fi"}],
}
SERVICE = {
    "type": "integration-training",
    "name": "Kotoutumiskoulutus",
    "provider_id": "opisto",
    "languages": ["fi"],
    "location": "Opistotie 1",
    "capacity": 2,
    "intake_dates": ["2020-01-13"],
    "valid_from": "2020-01-01",
}
ENROLMENT = {
    "participant_display_name": "Amina Hassan",
    "start_date": "2020-01-13",
}
TEST = {"reading": "B1", "writing": "A2", "listening": "B1", "speaking": "below-A1"}


def as_(who: str, **headers: str) -> dict[str, str]:
    return {"x-test-caller": who, **headers}


async def test_the_catalogue_over_rest(api: httpx.AsyncClient) -> None:
    created = await api.post("/v1/programme/providers", json=PROVIDER)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/programme/providers/opisto"
    assert created.headers["etag"] == '"1"'
    assert created.json()["contacts"] == [
        {"name": "Outi Opettaja", "email": "outi@opisto.example.fi", "phone": ""}
    ]
    assert (await api.get("/v1/programme/providers/opisto")).json() == created.json()
    listed = (await api.get("/v1/programme/providers", params={"page_size": 10})).json()
    assert [p["id"] for p in listed["items"]] == ["opisto"]
    assert listed["next_page_token"] is None

    patch = {"name": "Aikuisopisto"}
    assert (await api.patch("/v1/programme/providers/opisto", json=patch)).status_code == 428
    stale = await api.patch(
        "/v1/programme/providers/opisto", json=patch, headers={"If-Match": '"9"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    changed = await api.patch(
        "/v1/programme/providers/opisto", json=patch, headers={"If-Match": '"1"'}
    )
    assert (changed.status_code, changed.headers["etag"], changed.json()["name"]) == (
        200,
        '"2"',
        "Aikuisopisto",
    )

    service = await api.post(
        "/v1/programme/services", json=SERVICE, headers={"Idempotency-Key": "s1"}
    )
    assert service.status_code == 201, service.text
    body = service.json()
    assert (body["type"], body["free_places"], body["valid_until"]) == (
        "integration-training",
        2,
        None,
    )
    assert service.headers["location"] == f"/v1/programme/services/{body['id']}"
    again = await api.post(
        "/v1/programme/services", json=SERVICE, headers={"Idempotency-Key": "s1"}
    )
    assert again.json()["id"] == body["id"]

    moved = await api.patch(
        f"/v1/programme/services/{body['id']}",
        json={"capacity": 5, "valid_until": None},
        headers={"If-Match": service.headers["etag"]},
    )
    assert (moved.status_code, moved.json()["capacity"], moved.json()["version"]) == (200, 5, 2)
    found = await api.post(
        "/v1/programme/services/search",
        json={"type": "integration-training", "language": "fi", "has_free_places": True},
    )
    assert [s["id"] for s in found.json()["items"]] == [body["id"]]
    assert (
        await api.get(f"/v1/programme/services/{body['id']}", headers=as_("opisto"))
    ).status_code == 200
    assert (
        await api.get(f"/v1/programme/services/{body['id']}", headers=as_("other-provider"))
    ).status_code == 404


async def test_problems_name_the_bad_fields(api: httpx.AsyncClient) -> None:
    bad = {**PROVIDER, "business_id": "0112038-8", "contacts": [{"name": "X", "email": "nope"}]}
    response = await api.post("/v1/programme/providers", json=bad)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:kotopolku:problem:validation-error"
    assert {e["field"] for e in problem["errors"]} == {"business_id", "contacts[0].email"}

    unknown = await api.post("/v1/programme/services", json={**SERVICE, "type": "yoga"})
    assert unknown.status_code == 422
    extra = await api.post("/v1/programme/providers", json={**PROVIDER, "colour": "red"})
    assert extra.status_code == 422
    forbidden = await api.post("/v1/programme/providers", json=PROVIDER, headers=as_("opisto"))
    assert forbidden.status_code == 403


async def test_enrolments_and_reports_over_rest(api: httpx.AsyncClient, served: Api) -> None:
    await api.post("/v1/programme/providers", json=PROVIDER)
    service_id = (await api.post("/v1/programme/services", json=SERVICE)).json()["id"]
    planned = await served.svc.world.active_plan([service_id], TODAY)
    request = {
        **ENROLMENT,
        "programme_service_id": service_id,
        "plan_id": planned.plan_id,
        "plan_service_id": planned.plan_service_ids[0],
        "client_id": planned.client_id,
    }
    created = await api.post("/v1/enrolments", json=request, headers={"Idempotency-Key": "e1"})
    assert created.status_code == 201, created.text
    enrolment = created.json()
    assert created.headers["location"] == f"/v1/enrolments/{enrolment['id']}"
    assert (enrolment["status"], enrolment["plan_id"], enrolment["interruption"]) == (
        "enrolled",
        planned.plan_id,
        None,
    )
    replay = await api.post("/v1/enrolments", json=request, headers={"Idempotency-Key": "e1"})
    assert replay.json()["id"] == enrolment["id"]
    duplicate = await api.post("/v1/enrolments", json=request)
    assert duplicate.status_code == 409

    mine = (
        await api.get("/v1/enrolments", params={"service_id": service_id}, headers=as_("opisto"))
    ).json()
    assert [(e["id"], e["plan_id"], e["participant_display_name"]) for e in mine["items"]] == [
        (enrolment["id"], None, "Amina Hassan")
    ]
    other = await api.get(f"/v1/enrolments/{enrolment['id']}", headers=as_("other-provider"))
    assert other.status_code == 404
    assert (await api.get("/v1/enrolments", params={"status": "completed"})).json()["items"] == []

    marked = await api.post(
        f"/v1/enrolments/{enrolment['id']}/attendance",
        json={"date": "2020-01-14", "mark": "absent"},
        headers=as_("opisto"),
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["mark"] == "absent"
    days = (await api.get(f"/v1/enrolments/{enrolment['id']}/attendance")).json()
    assert [(d["date"], d["mark"]) for d in days] == [("2020-01-14", "absent")]

    url = f"/v1/enrolments/{enrolment['id']}"
    completion = {"completion_date": "2020-06-01", "language_test": TEST}
    assert (
        await api.post(f"{url}/completion", json=completion, headers=as_("opisto"))
    ).status_code == 428
    missing = await api.post(
        f"{url}/completion",
        json={"completion_date": "2020-06-01"},
        headers=as_("opisto", **{"If-Match": '"1"'}),
    )
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["language_test"]
    done = await api.post(
        f"{url}/completion", json=completion, headers=as_("opisto", **{"If-Match": '"1"'})
    )
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == '"2"'
    assert (done.json()["status"], done.json()["completion"]) == ("completed", completion)
    assert done.json()["days_absent"] == 1
    interrupted = await api.post(
        f"{url}/interruption",
        json={"date": "2020-06-01", "reason": "employment"},
        headers=as_("opisto", **{"If-Match": '"2"'}),
    )
    assert interrupted.status_code == 409
    assert interrupted.json()["type"] == "urn:kotopolku:problem:invalid-state"
