"""Contracts and compensation claims through the gateway with real Keycloak tokens: a contract
with an attachment, cost entries of an eligible client, a claim to KEHA-keskus and its export,
a claim with a too-old cost refused with a clear error, and another municipality kept out."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from e2e.conftest import Api, finnish_today, new_client

TODAY = finnish_today() - timedelta(days=1)  # a day of margin for the Helsinki/UTC date change
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def _digest(content: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode()}:"


def _new(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return _ok(api.post(path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())}), 201)


def _activate(api: Api, contract: dict[str, Any]) -> dict[str, Any]:
    return _ok(
        api.post(
            f"/v1/contracts/{contract['id']}/activate",
            headers={"If-Match": f'"{contract["version"]}"'},
        )
    )


@pytest.fixture(scope="module")
def placement_agreement(officer: Api) -> dict[str, Any]:
    """Helsinki's agreement with the ELY centre, which compensation requires."""
    return _activate(
        officer,
        _new(
            officer,
            "/v1/contracts",
            {
                "kind": "placement-agreement",
                "title": "Sopimus kuntaan osoittamisesta ja kotoutumisen edistämisestä",
                "parties": [
                    {
                        "role": "ely-centre",
                        "name": "Uudenmaan ELY-keskus",
                        "business_id": "0245437-2",
                    }
                ],
                "valid_from": "2020-01-01",
                "renewal": {"type": "open-ended", "notice_period_days": 180},
            },
        ),
    )


@pytest.fixture(scope="module")
def quota_refugee(officer: Api) -> dict[str, Any]:
    return new_client(
        officer,
        segment="quota-refugee",
        residence_permit_type="international-protection",
        first_permit_date="2023-01-10",
    )


def _cost(api: Api, client_id: str, day: date, cents: int, **extra: Any) -> dict[str, Any]:
    return _new(
        api,
        "/v1/cost-entries",
        {
            "client_id": client_id,
            "account_code": "4391",
            "amount_cents": cents,
            "activity_date": day.isoformat(),
            "description": "Tulkkaus, arabia",
            "invoice_reference": f"LASKU-{uuid.uuid4().hex[:8]}",
            **extra,
        },
    )


def test_a_contract_with_an_attachment(officer: Api, tampere_officer: Api) -> None:
    contract = _activate(
        officer,
        _new(
            officer,
            "/v1/contracts",
            {
                "kind": "interpreting",
                "title": f"Tulkkauspalvelut {uuid.uuid4().hex[:6]}",
                "parties": [
                    {"role": "provider", "name": "Tulkkaus Oy", "business_id": "0112038-9"}
                ],
                "valid_from": (TODAY - timedelta(days=30)).isoformat(),
                "valid_until": (TODAY + timedelta(days=20)).isoformat(),
                "renewal": {"type": "fixed-term"},
                "amount_cents": 6500,
                "amount_basis": "per-hour",
            },
        ),
    )
    assert contract["in_force"]
    assert contract["next_deadline"]["kind"] == "expiry"
    path = f"/v1/contracts/{contract['id']}"
    attachment = _ok(
        officer.post(
            f"{path}/attachments",
            params={"filename": "Puitesopimus allekirjoitettu.pdf"},
            content=PDF,
            headers={
                "Content-Type": "application/pdf",
                "Content-Digest": _digest(PDF),
                "Idempotency-Key": str(uuid.uuid4()),
            },
        ),
        201,
    )
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest()
    download = officer.get(f"{path}/attachments/{attachment['id']}/content")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["repr-digest"] == _digest(PDF)
    expiring = _ok(officer.get("/v1/contracts/expiring", params={"within_days": 30}))
    assert contract["id"] in [c["id"] for c in expiring["items"]]

    assert tampere_officer.get(path).status_code == 404
    assert tampere_officer.get(f"{path}/attachments/{attachment['id']}/content").status_code == 404
    assert all(
        c["id"] != contract["id"] for c in _ok(tampere_officer.get("/v1/contracts"))["items"]
    )


def test_cost_entries_and_a_claim_to_keha(
    officer: Api,
    tampere_officer: Api,
    auditor: Api,
    placement_agreement: dict[str, Any],
    quota_refugee: dict[str, Any],
) -> None:
    client_id = quota_refugee["id"]
    first = _cost(officer, client_id, TODAY - timedelta(days=20), 12_345)
    second = _cost(officer, client_id, TODAY - timedelta(days=5), 4_000)
    assert first["status"] == "open"
    assert first["claim_deadline"] == f"{int(first['activity_date'][:4]) + 2}-12-31"
    period_start = min(date(TODAY.year, 1, 1), TODAY - timedelta(days=20))
    claim = _new(
        officer,
        "/v1/compensation-claims",
        {
            "compensation_type": "interpreting",
            "period_start": period_start.isoformat(),
            "period_end": TODAY.isoformat(),
            "cost_entry_ids": [first["id"], second["id"]],
        },
    )
    assert (claim["status"], claim["claimed_cents"]) == ("draft", 16_345)
    assert [line["cost_entry_id"] for line in claim["lines"]] == [first["id"], second["id"]]
    assert claim["lines"][0]["eligibility"]["segment"] == "QUOTA_REFUGEE"
    path = f"/v1/compensation-claims/{claim['id']}"
    exported = officer.get(f"{path}/export")
    assert exported.status_code == 200
    assert exported.headers["repr-digest"] == _digest(exported.content)
    assert exported.json()["total"] == "163.45"
    submitted = _ok(
        officer.post(
            f"{path}/submit",
            json={"submission_reference": "KEHA/E2E"},
            headers={"If-Match": f'"{claim["version"]}"'},
        )
    )
    assert submitted["status"] == "submitted"
    frozen = officer.get(f"{path}/export")
    assert hashlib.sha256(frozen.content).hexdigest() == submitted["submitted_document_sha256"]
    again = officer.post(
        "/v1/compensation-claims",
        json={
            "compensation_type": "interpreting",
            "period_start": period_start.isoformat(),
            "period_end": TODAY.isoformat(),
            "cost_entry_ids": [first["id"]],
        },
    )
    assert again.status_code == 422
    assert "one claim only" in again.json()["errors"][0]["detail"]

    assert tampere_officer.get(path).status_code == 404
    assert tampere_officer.get(f"/v1/cost-entries/{first['id']}").status_code == 404

    deadline = time.monotonic() + 10
    while True:
        trail = _ok(auditor.get("/v1/audit/events", params={"subject_client_id": client_id}))
        actions = {(e["service"], e["action"]) for e in trail["items"]}
        if ("contracts", "claim.submitted") in actions or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert ("contracts", "cost-entry.create") in actions
    assert ("contracts", "claim.submitted") in actions


def test_a_claim_with_a_too_old_cost_is_refused(
    officer: Api, placement_agreement: dict[str, Any], quota_refugee: dict[str, Any]
) -> None:
    year = TODAY.year - 3
    old = _cost(officer, quota_refugee["id"], date(year, 6, 1), 25_000)
    assert old["claim_deadline"] == f"{year + 2}-12-31"
    assert old["claim_deadline_passed"] is True
    refused = officer.post(
        "/v1/compensation-claims",
        json={
            "compensation_type": "interpreting",
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-12-31",
            "cost_entry_ids": [old["id"]],
        },
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "urn:kotopolku:problem:validation-error"
    [error] = problem["errors"]
    assert error["field"] == "cost_entry_ids[0]"
    assert f"cost entry {old['id']}" in error["detail"]
    assert f"claim deadline {year + 2}-12-31 has passed" in error["detail"]
    assert f"cost entry {old['id']}" in problem["detail"]
    still_open = _ok(officer.get(f"/v1/cost-entries/{old['id']}"))
    assert still_open["status"] == "open"
