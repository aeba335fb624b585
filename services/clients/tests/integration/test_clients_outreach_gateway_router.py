"""The REST router of outreach (kotopolku.gateway.routers.outreach) against the real clients
service: raw-body uploads, size and media-type limits, problem+json naming the line,
Idempotency-Key, ETag/If-Match and the routes. Token validation is the gateway suite's concern;
here the caller is chosen by a test header, and calls go through the real ``GatewayState.call``
with real assertions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from outreach_testkit import (
    MANAGER,
    OFFICER,
    OFFICER_837,
    Clock,
    Outreach,
    csv_list,
    people,
    start_outreach,
)

from kotopolku.common import testing
from kotopolku.common.identity import Caller
from kotopolku.gateway.auth.dependencies import authenticated, gateway_state
from kotopolku.gateway.problems import install_handlers
from kotopolku.gateway.routers import outreach
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.gateway.state import AssertionCache, GatewayState

CALLERS = {"officer": OFFICER, "manager": MANAGER, "tampere": OFFICER_837}
PROBLEM = "application/problem+json"
CSV = {"Content-Type": "text/csv; charset=utf-8"}
LIMIT = 64 * 1024


class RouterState:
    """What the router uses of the gateway's state: the real ``call``, and the stub."""

    call = GatewayState.call

    def __init__(self, keys: testing.TestKeys, stub: Any) -> None:
        self.settings = GatewaySettings(backend_timeout_seconds=10, outreach_import_max_bytes=LIMIT)
        self.assertions = AssertionCache(keys.gateway_signer())
        self.outreach = stub


@dataclass
class Api:
    http: httpx.AsyncClient
    svc: Outreach

    async def upload(
        self, content: bytes, key: str, source: str = "kela", **headers: str
    ) -> httpx.Response:
        return await self.http.post(
            f"/v1/outreach/imports?source={source}",
            content=content,
            headers={**CSV, "Idempotency-Key": key, **headers},
        )


@pytest.fixture
async def api(keys: testing.TestKeys, tmp_path: Path) -> AsyncIterator[Api]:
    svc = await start_outreach(keys, f"sqlite:///{tmp_path / 'clients.db'}", Clock())
    state = RouterState(keys, svc.stub)
    app = FastAPI()
    install_handlers(app)
    app.include_router(outreach.router)

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


async def test_a_bad_row_is_a_422_naming_its_line_and_nothing_is_imported(api: Api) -> None:
    everyone = people(17)
    rows = [p.row() for p in everyone]
    rows[15] = everyone[15].row(first_permit="2099-01-01")
    response = await api.upload(csv_list(*rows), "k1")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"] == "urn:kotopolku:problem:validation-error"
    assert [e["field"] for e in problem["errors"]] == ["rows[17].first_permit_date"]
    assert "nothing was imported" in problem["detail"]
    listed = await api.http.get("/v1/outreach/targets")
    assert listed.json() == {"items": [], "next_page_token": None}
    assert (await api.http.get("/v1/outreach/imports")).json()["items"] == []


async def test_upload_import_and_work_on_a_target(api: Api) -> None:
    amina, omar = people(2)
    content = csv_list(amina.row(first_permit="2023-04-01"), omar.row())
    created = await api.upload(content, "k2")
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/outreach/imports/{body['id']}"
    assert (body["source"], body["rows"], body["targets_created"]) == ("kela", 2, 2)
    again = await api.upload(content, "k2")
    assert again.status_code == 201
    assert again.json()["id"] == body["id"]
    assert (await api.http.get(f"/v1/outreach/imports/{body['id']}")).json() == body

    leaving = await api.http.get("/v1/outreach/targets/window-ending?within_days=60")
    assert leaving.status_code == 200
    [soon] = leaving.json()["items"]
    assert (soon["henkilotunnus"], soon["window_ends_on"]) == (amina.code, "2026-04-01")
    assert soon["groups"][0]["target_group"] == "social-assistance"
    read = await api.http.get(f"/v1/outreach/targets/{soon['id']}")
    assert read.headers["etag"] == '"1"'
    assert read.json()["status"] == "open"

    path = f"/v1/outreach/targets/{soon['id']}"
    contact = {"outcome": "not-reached", "channel": "phone", "note": "Ei vastannut"}
    assert (await api.http.post(f"{path}/contacts", json=contact)).status_code == 428
    stale = await api.http.post(f"{path}/contacts", json=contact, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    tried = await api.http.post(f"{path}/contacts", json=contact, headers={"If-Match": '"1"'})
    assert tried.status_code == 200, tried.text
    assert tried.headers["etag"] == '"2"'
    assert tried.json()["status"] == "not-reached"
    assert tried.json()["attempts"][0]["note"] == "Ei vastannut"
    bad = await api.http.post(
        f"{path}/contacts",
        json={"outcome": "maybe", "channel": "phone"},
        headers={"If-Match": '"2"'},
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["outcome"]

    assigned = await api.http.put(
        f"{path}/assignee",
        json={"subject": OFFICER.subject, "display_name": "Outi Ohjaaja"},
        headers={"If-Match": '"2"'},
    )
    assert assigned.status_code == 200
    mine = await api.http.get("/v1/outreach/targets?assignee=me")
    assert [t["id"] for t in mine.json()["items"]] == [soon["id"]]
    unassigned = await api.http.get("/v1/outreach/targets?assignee=none&status=open")
    assert [t["henkilotunnus"] for t in unassigned.json()["items"]] == [omar.code]

    reached = await api.http.post(
        f"{path}/contacts",
        json={"outcome": "reached", "channel": "visit"},
        headers={"If-Match": '"3"'},
    )
    assert reached.json()["status"] == "reached"
    client = await api.http.post(
        f"{path}/client", json={"segment": "self-moved"}, headers={"If-Match": '"4"'}
    )
    assert client.status_code == 200, client.text
    assert client.json()["status"] == "client"
    assert client.json()["client_id"]
    again_client = await api.http.post(f"{path}/client", json={}, headers={"If-Match": '"5"'})
    assert again_client.status_code == 409
    assert again_client.json()["type"] == "urn:kotopolku:problem:invalid-state"

    history = await api.http.get(f"{path}/history")
    assert [e["kind"] for e in history.json()["items"]] == [
        "listed",
        "contact",
        "assigned",
        "contact",
        "client-created",
    ]
    assert history.json()["items"][1]["contact"]["outcome"] == "not-reached"

    coverage = (
        await api.http.get("/v1/outreach/coverage", headers={"x-test-caller": "manager"})
    ).json()
    [social] = [g for g in coverage["groups"] if g["target_group"] == "social-assistance"]
    assert (social["targets"], social["reached"], social["clients"]) == (2, 1, 1)

    other = await api.http.get(path, headers={"x-test-caller": "tampere"})
    assert other.status_code == 404
    assert other.headers["content-type"].startswith(PROBLEM)
    read_only = await api.http.post(
        f"{path}/contacts", json=contact, headers={"If-Match": '"5"', "x-test-caller": "manager"}
    )
    assert read_only.status_code == 403


async def test_a_json_upload(api: Api) -> None:
    [olena] = people(1)
    row = {
        "henkilotunnus": olena.code,
        "first_names": "Olena",
        "last_name": "K",
        "date_of_birth": olena.born.isoformat(),
        "target_group": "international-protection",
        "first_permit_date": "2025-05-20",
    }
    document = json.dumps({"rows": [row]})
    response = await api.upload(
        document.encode(), "k3", source="migri", **{"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == "application/json"


async def test_upload_limits_and_required_headers(api: Api) -> None:
    content = csv_list(people(1)[0].row())
    no_key = await api.http.post("/v1/outreach/imports?source=kela", content=content, headers=CSV)
    assert no_key.status_code == 422
    assert [e["field"] for e in no_key.json()["errors"]] == ["Idempotency-Key"]
    no_source = await api.http.post(
        "/v1/outreach/imports", content=content, headers={**CSV, "Idempotency-Key": "k"}
    )
    assert no_source.status_code == 422
    assert [e["field"] for e in no_source.json()["errors"]] == ["source"]
    wrong_type = await api.upload(content, "k4", **{"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    assert wrong_type.headers["content-type"].startswith(PROBLEM)
    too_large = await api.upload(b"x" * (LIMIT + 1), "k5")
    assert too_large.status_code == 413
    assert too_large.json()["type"] == "urn:kotopolku:problem:payload-too-large"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(LIMIT // 1024 + 2):
            yield b"x" * 1024

    streamed = await api.http.post(
        "/v1/outreach/imports?source=kela",
        content=chunks(),
        headers={**CSV, "Idempotency-Key": "k6"},
    )
    assert streamed.status_code == 413
    latin = await api.upload("henkilötunnus".encode("latin-1"), "k7")
    assert latin.status_code == 422
    assert [e["field"] for e in latin.json()["errors"]] == ["content"]
