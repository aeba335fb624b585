"""The REST router of contracts and claims (kotopolku.gateway.routers.contracts) against the real
contracts and clients services: JSON ↔ messages, money as integer cents, raw file uploads with
Content-Digest, downloads and exports with Repr-Digest, problem+json, ETag/If-Match. The caller
is chosen by a test header; calls go through the real ``GatewayState.call``."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest
from contracts_testkit import OFFICER, OFFICER_837, System
from fastapi import FastAPI, Request

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common import testing
from kotopolku.common.identity import Caller
from kotopolku.gateway.auth.dependencies import authenticated, gateway_state
from kotopolku.gateway.problems import install_handlers
from kotopolku.gateway.routers import contracts
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.gateway.state import AssertionCache, GatewayState

CALLERS = {"officer": OFFICER, "tampere": OFFICER_837}
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class RouterState:
    call = GatewayState.call

    def __init__(self, keys: testing.TestKeys, stub: Any) -> None:
        self.settings = GatewaySettings(backend_timeout_seconds=10)
        self.assertions = AssertionCache(keys.gateway_signer())
        self.contracts = stub


@pytest.fixture
async def api(svc: System) -> AsyncIterator[httpx.AsyncClient]:
    state = RouterState(svc.keys, svc.stub)
    app = FastAPI()
    install_handlers(app)
    app.include_router(contracts.router)

    async def caller(request: Request) -> Caller:
        return CALLERS[request.headers.get("x-test-caller", "officer")]

    async def the_state() -> Any:
        return state

    app.dependency_overrides[authenticated] = caller
    app.dependency_overrides[gateway_state] = the_state
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client


LEASE = {
    "kind": "housing-lease",
    "title": "Vuokrasopimus, Kontulantie 1 A 2",
    "parties": [{"role": "lessor", "name": "Maija Vuokranantaja", "is_person": True}],
    "valid_from": "2026-02-01",
    "renewal": {"type": "open-ended", "notice_period_days": 30},
    "amount_cents": 85000,
    "amount_basis": "per-month",
}
AGREEMENT = {
    "kind": "placement-agreement",
    "title": "Sopimus kuntaan osoittamisesta",
    "parties": [{"role": "ely-centre", "name": "Uudenmaan ELY-keskus", "business_id": "0245437-2"}],
    "valid_from": "2020-01-01",
    "renewal": {"type": "open-ended", "notice_period_days": 180},
}


def digest_header(content: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode()}:"


async def test_contracts_and_attachments_over_rest(api: httpx.AsyncClient, svc: System) -> None:
    created = await api.post("/v1/contracts", json=LEASE, headers={"Idempotency-Key": "l-1"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/contracts/{body['id']}"
    assert created.headers["etag"] == '"1"'
    assert (body["status"], body["amount_cents"], body["parties"][0]["business_id"]) == (
        "draft",
        85000,
        "",
    )
    assert body["next_deadline"] is None
    floats = await api.post("/v1/contracts", json={**LEASE, "amount_cents": 850.5})
    assert floats.status_code == 422
    assert floats.json()["errors"][0]["field"] == "amount_cents"
    bad = await api.post(
        "/v1/contracts", json={**LEASE, "parties": [{"role": "lessor", "name": "X Oy"}]}
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "parties[0].business_id"

    path = f"/v1/contracts/{body['id']}"
    assert (await api.post(f"{path}/activate")).status_code == 428
    assert (await api.post(f"{path}/activate", headers={"If-Match": '"7"'})).status_code == 412
    active = await api.post(f"{path}/activate", headers={"If-Match": '"1"'})
    assert (active.status_code, active.json()["in_force"]) == (200, True)
    again = await api.post(f"{path}/activate", headers={"If-Match": '"2"'})
    assert again.status_code == 409

    upload = await api.post(
        f"{path}/attachments",
        params={"filename": "Vuokrasopimus.pdf"},
        content=PDF,
        headers={"Content-Type": "application/pdf", "Content-Digest": digest_header(PDF)},
    )
    assert upload.status_code == 201, upload.text
    attachment = upload.json()
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest()
    corrupted = await api.post(
        f"{path}/attachments",
        params={"filename": "x.pdf"},
        content=PDF,
        headers={"Content-Type": "application/pdf", "Content-Digest": digest_header(b"other")},
    )
    assert corrupted.status_code == 422
    assert corrupted.json()["errors"][0]["field"] == "expected_sha256"
    wrong_type = await api.post(
        f"{path}/attachments",
        params={"filename": "x.pdf"},
        content=b"MZ\x90\x00",
        headers={"Content-Type": "application/pdf"},
    )
    assert wrong_type.json()["errors"][0]["field"] == "content"
    download = await api.get(f"{path}/attachments/{attachment['id']}/content")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["repr-digest"] == digest_header(PDF)
    assert "Vuokrasopimus.pdf" in download.headers["content-disposition"]
    assert [a["id"] for a in (await api.get(f"{path}/attachments")).json()] == [attachment["id"]]
    hidden = await api.get(path, headers={"x-test-caller": "tampere"})
    assert hidden.status_code == 404
    assert hidden.json()["type"] == "urn:kotopolku:problem:not-found"


async def test_costs_and_a_claim_over_rest(api: httpx.AsyncClient, svc: System) -> None:
    agreement = (await api.post("/v1/contracts", json=AGREEMENT)).json()
    await api.post(f"/v1/contracts/{agreement['id']}/activate", headers={"If-Match": '"1"'})
    client = await svc.new_client(segment=clients_pb2.CLIENT_SEGMENT_PLACED)
    codes = (await api.get("/v1/account-codes")).json()
    assert codes[0]["code"] == "4391"
    assert codes[0]["compensation_type"] == "interpreting"
    cost = {
        "client_id": client.id,
        "account_code": "4391",
        "amount_cents": 12345,
        "activity_date": "2026-02-10",
        "description": "Tulkkaus, arabia, 2 h",
        "invoice_reference": "LASKU-42",
    }
    assert (
        await api.post("/v1/cost-entries", json={**cost, "amount_cents": 123.45})
    ).status_code == 422
    created = await api.post("/v1/cost-entries", json=cost)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert (entry["status"], entry["claim_deadline"], entry["claim_deadline_passed"]) == (
        "open",
        "2028-12-31",
        False,
    )
    listed = await api.get("/v1/cost-entries", params={"client_id": client.id, "status": "open"})
    assert [e["id"] for e in listed.json()["items"]] == [entry["id"]]

    claim = await api.post(
        "/v1/compensation-claims",
        json={
            "compensation_type": "interpreting",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
        },
    )
    assert claim.status_code == 201, claim.text
    drafted = claim.json()
    assert (drafted["status"], drafted["claimed_cents"], drafted["approved_cents"]) == (
        "draft",
        12345,
        None,
    )
    assert drafted["lines"][0]["eligibility"]["segment"] == "PLACED"
    claim_path = f"/v1/compensation-claims/{drafted['id']}"
    exported = await api.get(f"{claim_path}/export")
    assert exported.headers["repr-digest"] == digest_header(exported.content)
    schema = (await api.get("/v1/compensation-claims/schema")).json()
    jsonschema.validate(json.loads(exported.content), schema)
    as_csv = await api.get(f"{claim_path}/export", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert (
        as_csv.content.decode()
        .splitlines()[1]
        .endswith(",PLACED,INTERNATIONAL_PROTECTION,2023-01-10")
    )
    submitted = await api.post(
        f"{claim_path}/submit",
        json={"submission_reference": "KEHA/1/2026"},
        headers={"If-Match": claim.headers["etag"]},
    )
    assert submitted.status_code == 200, submitted.text
    assert (
        submitted.json()["submitted_document_sha256"]
        == hashlib.sha256((await api.get(f"{claim_path}/export")).content).hexdigest()
    )
    decided = await api.post(
        f"{claim_path}/decision",
        json={"lines": [{"cost_entry_id": entry["id"], "approved_cents": 12000, "note": "Osin"}]},
        headers={"If-Match": submitted.headers["etag"]},
    )
    assert decided.json()["approved_cents"] == 12000
    paid = await api.post(
        f"{claim_path}/payment",
        json={"amount_cents": 12000},
        headers={"If-Match": decided.headers["etag"]},
    )
    assert (paid.json()["status"], paid.json()["paid_cents"]) == ("paid", 12000)
    listed_claims = (await api.get("/v1/compensation-claims", params={"status": "paid"})).json()
    assert [c["id"] for c in listed_claims["items"]] == [drafted["id"]]
    assert (await api.get(claim_path, headers={"x-test-caller": "tampere"})).status_code == 404
