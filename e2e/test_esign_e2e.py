"""E-signature through the gateway with real tokens: a submitted plan is rendered to PDF,
signed by the officer and approved by the client (with the strength of their login recorded),
the signed document verifies, and the plan becomes ACTIVE; a tampered PDF fails verification;
another municipality sees nothing."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from e2e.conftest import Api, finnish_today

TODAY = finnish_today()
PDF = {"Content-Type": "application/pdf"}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def submitted_plan(officer: Api, own_record: dict[str, Any]) -> dict[str, Any]:
    created = officer.post(
        f"/v1/clients/{own_record['id']}/plans",
        json={
            "kind": "individual",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=300)).isoformat(),
            "goals": [{"category": "integration", "text": "Suomen kielen taso A2"}],
            "services": [
                {
                    "other_service": "Kotoutumiskoulutus, iltaryhmä",
                    "planned_start": TODAY.isoformat(),
                    "planned_end": (TODAY + timedelta(days=120)).isoformat(),
                }
            ],
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    plan = _ok(created, 201)
    submitted = officer.post(
        f"/v1/plans/{plan['id']}/submit", headers={"If-Match": created.headers["etag"]}
    )
    return _ok(submitted)


def _wait_until_active(officer: Api, plan_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        plan = _ok(officer.get(f"/v1/plans/{plan_id}"))
        if plan["status"] == "active" or time.monotonic() > deadline:
            return plan
        time.sleep(0.3)


def test_a_plan_is_signed_verified_and_becomes_active(
    officer: Api, tampere_officer: Api, client_user: Api, submitted_plan: dict[str, Any]
) -> None:
    plan_id = submitted_plan["id"]
    created = officer.post(
        f"/v1/plans/{plan_id}/signing-requests",
        json={"order": "sequential", "language": "ar"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    request = _ok(created, 201)
    path = f"/v1/signing-requests/{request['id']}"
    assert [s["party"] for s in request["signers"]] == ["officer", "client"]
    assert (request["language"], request["official_language"]) == ("ar", "fi")

    # Another municipality sees neither the request nor the document.
    assert tampere_officer.get(path).status_code == 404
    assert tampere_officer.get(f"{path}/document").status_code == 404

    signed = officer.post(f"{path}/sign", headers={"If-Match": created.headers["etag"]})
    _ok(signed)

    mine = _ok(client_user.get("/v1/me/signing-requests"))
    assert request["id"] in [r["id"] for r in mine["items"]]
    own = f"/v1/me/signing-requests/{request['id']}"
    to_read = client_user.get(f"{own}/document")
    assert to_read.status_code == 200
    assert to_read.headers["content-type"] == "application/pdf"
    approved = client_user.post(f"{own}/approve", headers={"If-Match": signed.headers["etag"]})
    done = _ok(approved)
    assert done["status"] == "completed"
    client_signer = done["signers"][1]
    assert client_signer["authentication_context"] == client_user.claims["acr"]
    # Keycloak's password grant gives no auth_time; a browser login does.
    assert (client_signer["authenticated_at"] is None) == ("auth_time" not in client_user.claims)

    plan = _wait_until_active(officer, plan_id)
    assert plan["status"] == "active"
    assert {a["party"] for a in plan["approvals"]} == {"client", "officer"}
    assert _ok(officer.get(path))["plan_activation"] == "recorded"

    document = officer.get(f"{path}/document")
    assert document.headers["etag"] == f'"{done["document_sha256"]}"'
    verified = _ok(officer.post("/v1/documents/verify", content=document.content, headers=PDF))
    assert verified["intact"] is True
    assert [(s["party"], s["trusted"]) for s in verified["signatures"]] == [
        ("officer", True),
        ("client", True),
    ]
    assert verified["signatures"][1]["authentication_context"] == client_user.claims["acr"]
    # The client may check it too.
    assert _ok(client_user.post("/v1/documents/verify", content=document.content, headers=PDF))[
        "intact"
    ]


def test_a_tampered_pdf_fails_verification(
    officer: Api, own_record: dict[str, Any], submitted_plan: dict[str, Any]
) -> None:
    found = _ok(officer.get(f"/v1/plans/{submitted_plan['id']}/signing-requests"))
    assert found["items"]
    content = officer.get(f"/v1/signing-requests/{found['items'][0]['id']}/document").content
    tampered = bytearray(content)
    tampered[len(tampered) // 2] ^= 0x01
    result = _ok(officer.post("/v1/documents/verify", content=bytes(tampered), headers=PDF))
    assert result["intact"] is False
    assert result["problem"]
    appended = content + b"\n1 0 obj\n(changed)\nendobj\n"
    assert not _ok(officer.post("/v1/documents/verify", content=appended, headers=PDF))["intact"]
    not_pdf = officer.post("/v1/documents/verify", json={"content": "x"})
    assert not_pdf.status_code == 415
    assert not_pdf.headers["content-type"].startswith("application/problem+json")
