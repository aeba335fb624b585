"""The statutory path through the gateway with real tokens: client → plan with a programme
service → approved by the client and the officer → enrolment → the provider records completion →
the plan sees it → review → extension → end. Plus the tenant and role boundaries around it."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from e2e.conftest import Api

TODAY = date.today()


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def provider(as_user: Any) -> Api:
    return as_user("provider.opisto")


@pytest.fixture(scope="module")
def catalogue_service(officer: Api) -> dict[str, Any]:
    """An integration-training service of the provider organisation of `provider.opisto`."""
    if officer.get("/v1/programme/providers/opisto").status_code == 404:
        _ok(
            officer.post(
                "/v1/programme/providers",
                json={"id": "opisto", "name": "Helsingin aikuisopisto", "business_id": "0112038-9"},
            ),
            201,
        )
    return _ok(
        officer.post(
            "/v1/programme/services",
            json={
                "type": "integration-training",
                "name": f"Kotoutumiskoulutus {uuid.uuid4().hex[:6]}",
                "provider_id": "opisto",
                "languages": ["fi", "ar"],
                "remote": True,
                "capacity": 20,
                "valid_from": TODAY.isoformat(),
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )


def _plan_body(service_id: str, *, days: int = 364) -> dict[str, Any]:
    return {
        "kind": "individual",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + timedelta(days=days)).isoformat(),
        "goals": [{"category": "employment-or-entrepreneurship", "text": "Työ logistiikassa"}],
        "services": [
            {
                "programme_service_id": service_id,
                "planned_start": TODAY.isoformat(),
                "planned_end": (TODAY + timedelta(days=180)).isoformat(),
            }
        ],
        "obligations": {"receives_unemployment_benefit": True},
    }


def _act(api: Api, path: str, etag: str, body: Any = None) -> tuple[dict[str, Any], str]:
    response = api.post(path, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    return dict(response.json()), response.headers["etag"]


def test_plan_longer_than_a_year_is_refused(
    officer: Api, own_record: dict[str, Any], catalogue_service: dict[str, Any]
) -> None:
    response = officer.post(
        f"/v1/clients/{own_record['id']}/plans", json=_plan_body(catalogue_service["id"], days=400)
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "end_date" in [e["field"] for e in response.json()["errors"]]


def test_the_journey_from_plan_to_end(
    officer: Api,
    tampere_officer: Api,
    client_user: Api,
    provider: Api,
    own_record: dict[str, Any],
    catalogue_service: dict[str, Any],
) -> None:
    created = officer.post(
        f"/v1/clients/{own_record['id']}/plans",
        json=_plan_body(catalogue_service["id"]),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    plan = _ok(created, 201)
    path, etag = f"/v1/plans/{plan['id']}", created.headers["etag"]
    assert plan["status"] == "draft"
    assert plan["obligations"]["participation_obligatory"] is True

    # Nobody outside the municipality, and no provider, sees the plan.
    assert tampere_officer.get(path).status_code == 404
    assert provider.get(path).status_code == 403

    plan, etag = _act(officer, f"{path}/submit", etag)
    assert plan["status"] == "awaiting-approval"
    assert plan["id"] in [p["id"] for p in _ok(client_user.get("/v1/me/plans"))["items"]]
    plan, etag = _act(client_user, f"{path}/approve", etag)
    plan, etag = _act(officer, f"{path}/approve", etag)
    assert plan["status"] == "active"
    assert {a["party"] for a in plan["approvals"]} == {"client", "officer"}

    service = plan["services"][0]
    enrolment_response = officer.post(
        "/v1/enrolments",
        json={
            "plan_id": plan["id"],
            "plan_service_id": service["id"],
            "programme_service_id": catalogue_service["id"],
            "client_id": own_record["id"],
            "participant_display_name": "Amina Test",
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    enrolment = _ok(enrolment_response, 201)
    assert tampere_officer.get(f"/v1/enrolments/{enrolment['id']}").status_code == 404

    # The provider sees the enrolment of its own service and records the completion.
    seen = _ok(provider.get(f"/v1/enrolments/{enrolment['id']}"))
    completion = provider.post(
        f"/v1/enrolments/{enrolment['id']}/completion",
        json={
            "completion_date": TODAY.isoformat(),
            "language_test": {
                "reading": "B1",
                "writing": "A2",
                "listening": "B1",
                "speaking": "A2",
            },
        },
        headers={"If-Match": enrolment_response.headers["etag"]},
    )
    assert completion.status_code == 200, completion.text
    assert seen["client_id"] == own_record["id"]

    # The completion reaches the plan through the programme service's outbox.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        current = officer.get(path)
        if current.json()["services"][0]["status"] == "completed":
            break
        time.sleep(0.3)
    plan, etag = current.json(), current.headers["etag"]
    assert plan["services"][0]["status"] == "completed"
    assert plan["services"][0]["completion_date"] == TODAY.isoformat()

    plan, etag = _act(
        officer, f"{path}/reviews", etag, {"reason": "client-request", "outcome": "continue"}
    )
    assert plan["status"] == "active"
    new_end = date.fromisoformat(plan["end_date"]) + timedelta(days=180)
    plan, etag = _act(
        officer,
        f"{path}/extensions",
        etag,
        {"new_end_date": new_end.isoformat(), "reason": "Kielikoulutus jatkuu"},
    )
    assert plan["end_date"] == new_end.isoformat()
    plan, etag = _act(
        officer,
        f"{path}/reviews",
        etag,
        {
            "reason": "material-change",
            "outcome": "end",
            "follow_up_plan": "Työnhaku TE-palveluissa; ohjaus jatkuu",
        },
    )
    assert plan["status"] == "ended"
