"""The REST router of e-signature (kotopolku.gateway.routers.esign) against the real
e-signature, plans and clients services: JSON ↔ messages, problem+json, ETag/If-Match,
Idempotency-Key, the PDF download and the verification upload. Token validation is the gateway
suite's concern; the caller is chosen by a test header and calls go through the real
``GatewayState.call`` with real assertions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from esign_testkit import OFFICER, OFFICER_837, Esign
from fastapi import FastAPI, Request

from kotopolku.common import testing
from kotopolku.common.identity import Caller
from kotopolku.gateway.auth.dependencies import authenticated, gateway_state
from kotopolku.gateway.problems import install_handlers
from kotopolku.gateway.routers import esign
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.gateway.state import AssertionCache, GatewayState


class RouterState:
    call = GatewayState.call

    def __init__(self, keys: testing.TestKeys, stub: Any) -> None:
        self.settings = GatewaySettings(backend_timeout_seconds=10)
        self.assertions = AssertionCache(keys.gateway_signer())
        self.esign = stub


@dataclass
class Api:
    http: httpx.AsyncClient
    svc: Esign
    callers: dict[str, Caller]

    def as_(self, name: str) -> dict[str, str]:
        return {"x-test-caller": name}


@pytest.fixture
async def api(svc: Esign, keys: testing.TestKeys) -> AsyncIterator[Api]:
    callers: dict[str, Caller] = {"officer": OFFICER, "tampere": OFFICER_837}
    app = FastAPI()
    install_handlers(app)
    app.include_router(esign.router)
    state = RouterState(keys, svc.stub)

    async def caller(request: Request) -> Caller:
        return callers[request.headers.get("x-test-caller", "officer")]

    async def the_state() -> Any:
        return state

    app.dependency_overrides[authenticated] = caller
    app.dependency_overrides[gateway_state] = the_state
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client, svc, callers)


def _problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:kotopolku:problem:{kind}"
    return body


async def test_sign_approve_download_and_verify_over_rest(api: Api) -> None:
    client_id, client = await api.svc.new_client()
    api.callers["client"] = client
    plan = await api.svc.submitted_plan(client_id)
    key = str(uuid.uuid4())
    created = await api.http.post(
        f"/v1/plans/{plan.id}/signing-requests",
        json={"order": "sequential", "signers": ["officer", "client"]},
        headers={"Idempotency-Key": key},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/signing-requests/{body['id']}"
    assert created.headers["etag"] == '"1"'
    assert [(s["party"], s["status"]) for s in body["signers"]] == [
        ("officer", "pending"),
        ("client", "waiting"),
    ]
    assert body["status"] == "pending"
    assert body["document_kind"] == "integration-plan"
    again = await api.http.post(
        f"/v1/plans/{plan.id}/signing-requests",
        json={"order": "sequential", "signers": ["officer", "client"]},
        headers={"Idempotency-Key": key},
    )
    assert again.json()["id"] == body["id"]

    path = f"/v1/signing-requests/{body['id']}"
    _problem(await api.http.post(f"{path}/sign"), 428, "precondition-required")
    _problem(await api.http.post(f"{path}/sign", headers={"If-Match": '"9"'}), 412, "stale-version")
    signed = await api.http.post(f"{path}/sign", headers={"If-Match": created.headers["etag"]})
    assert signed.status_code == 200, signed.text

    mine = await api.http.get("/v1/me/signing-requests", headers=api.as_("client"))
    assert [r["id"] for r in mine.json()["items"]] == [body["id"]]
    _problem(await api.http.get("/v1/me/signing-requests"), 403, "forbidden")
    own = f"/v1/me/signing-requests/{body['id']}"
    pdf = await api.http.get(f"{own}/document", headers=api.as_("client"))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    approved = await api.http.post(
        f"{own}/approve", headers={**api.as_("client"), "If-Match": signed.headers["etag"]}
    )
    assert approved.status_code == 200, approved.text
    done = approved.json()
    assert done["status"] == "completed"
    assert done["signers"][1]["authentication_context"] == client.acr
    assert done["plan_activation"] == "queued"

    final = await api.http.get(f"{path}/document")
    assert final.headers["etag"] == f'"{done["document_sha256"]}"'
    verified = await api.http.post(
        "/v1/documents/verify", content=final.content, headers={"Content-Type": "application/pdf"}
    )
    assert verified.status_code == 200, verified.text
    result = verified.json()
    assert result["intact"] is True
    assert [s["party"] for s in result["signatures"]] == ["officer", "client"]
    tampered = bytearray(final.content)
    tampered[len(tampered) // 2] ^= 0x01
    bad = await api.http.post(
        "/v1/documents/verify", content=bytes(tampered), headers={"Content-Type": "application/pdf"}
    )
    assert bad.json()["intact"] is False
    assert bad.json()["problem"]

    _problem(
        await api.http.post("/v1/documents/verify", json={"pdf": "x"}),
        415,
        "unsupported-media-type",
    )
    _problem(await api.http.get(path, headers=api.as_("tampere")), 404, "not-found")


async def test_bad_requests_are_problems_naming_the_fields(api: Api) -> None:
    client_id, _ = await api.svc.new_client()
    plan = await api.svc.submitted_plan(client_id)
    url = f"/v1/plans/{plan.id}/signing-requests"
    wrong_type = _problem(
        await api.http.post(url, json={"order": "random"}), 422, "validation-error"
    )
    assert [e["field"] for e in wrong_type["errors"]] == ["order"]
    rule = _problem(
        await api.http.post(url, json={"deadline": "2000-01-01", "language": "xx"}),
        422,
        "validation-error",
    )
    assert [e["field"] for e in rule["errors"]] == ["deadline", "language"]
    draft = await api.svc.submitted_plan(client_id, submit=False)
    _problem(
        await api.http.post(f"/v1/plans/{draft.id}/signing-requests", json={}),
        409,
        "invalid-state",
    )
