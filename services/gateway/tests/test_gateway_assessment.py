"""The assessment API through the whole stack: the gateway, the assessment, clients and audit
services, on SQLite and PostgreSQL, with tokens from a real JWKS endpoint.

The tests share one stack per database kind; each creates clients of its own.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from gateway_testkit import GatewayStack, wait_until

from kotopolku.common.identity import Role

PROBLEM = "application/problem+json"
AREAS = (
    "literacy",
    "language_skills",
    "study_and_working_life_skills",
    "education_and_work_history",
    "special_skills_and_strengths",
    "own_goals",
    "societal_knowledge_and_participation",
    "life_situation_and_service_needs",
)
SECRET = "Lastensuojelun asiakkuus 2019, ei jaeta"


@pytest.fixture
def gateway(shared_gateway: GatewayStack) -> GatewayStack:
    return shared_gateway


def as_role(stack: GatewayStack, subject: str, role: str, **claims: str) -> dict[str, str]:
    return stack.auth(stack.token(subject=subject, roles=[role], **claims))


def manager(stack: GatewayStack) -> dict[str, str]:
    return as_role(stack, "manager-091", Role.MANAGER, municipality="091")


def worker(stack: GatewayStack, area: str = "pirkanmaa") -> dict[str, str]:
    return as_role(stack, f"worker-{area}", Role.WELFARE_AREA_WORKER, welfare_area=area)


def provider(stack: GatewayStack, organisation: str = "opisto") -> dict[str, str]:
    return as_role(
        stack,
        f"provider-{organisation}",
        Role.SERVICE_PROVIDER,
        municipality="091",
        organisation=organisation,
    )


def problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:kotopolku:problem:{kind}", body
    return body


async def new_client(stack: GatewayStack) -> str:
    response = await stack.http.post(
        "/v1/clients",
        json={"first_names": "Amina", "last_name": "Hassan", "date_of_birth": "1990-01-01"},
        headers=stack.officer(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def all_areas() -> dict[str, Any]:
    basic: dict[str, Any] = {name: {"summary": f"Havainto {name}"} for name in AREAS}
    basic["own_goals"] = {"not_assessed": True, "not_assessed_reason": "Ei tulkkia paikalla"}
    basic["language_proficiencies"] = [
        {"language": "fi", "reading": "A2", "writing": "A1", "speaking": "A2"}
    ]
    return basic


def outcome_and_next_step() -> dict[str, Any]:
    return {
        "outcome": {"kind": "integration-plan-needed", "reason": "Tarvitsee kielikoulutusta"},
        "next_step": {
            "date": (date.today() + timedelta(days=14)).isoformat(),
            "description": "Kotoutumissuunnitelman laadinta",
        },
    }


async def test_assessment_life_cycle_over_rest(gateway: GatewayStack) -> None:
    client_id = await new_client(gateway)
    officer = gateway.officer()
    key = str(uuid.uuid4())
    body = {"kind": "basic", "basic": {"literacy": {"summary": "Lukee arabiaa"}}}

    created = await gateway.http.post(
        f"/v1/clients/{client_id}/assessments",
        json=body,
        headers=officer | {"Idempotency-Key": key},
    )
    assert created.status_code == 201, created.text
    assessment = created.json()
    location = created.headers["location"]
    assert location == f"/v1/assessments/{assessment['id']}"
    assert created.headers["etag"] == '"1"'
    assert assessment["state"] == "draft"
    assert assessment["kind"] == "basic"
    assert assessment["multi_sector"] is None
    assert assessment["basic"]["literacy"]["summary"] == "Lukee arabiaa"
    assert assessment["basic"]["own_goals"] is None
    retried = await gateway.http.post(
        f"/v1/clients/{client_id}/assessments",
        json=body,
        headers=officer | {"Idempotency-Key": key},
    )
    assert retried.json()["id"] == assessment["id"]

    problem(
        await gateway.http.patch(location, json={"basic": {}}, headers=officer),
        428,
        "precondition-required",
    )
    stale = await gateway.http.patch(
        location, json={"basic": all_areas()}, headers=officer | {"If-Match": '"7"'}
    )
    problem(stale, 412, "stale-version")

    incomplete = await gateway.http.post(
        f"{location}/complete", headers=officer | {"If-Match": '"1"'}
    )
    fields = {e["field"] for e in problem(incomplete, 409, "invalid-state")["errors"]}
    assert fields == {f"basic.{a}" for a in AREAS if a != "literacy"} | {"outcome"}

    updated = await gateway.http.patch(
        location,
        json={"basic": all_areas(), **outcome_and_next_step()},
        headers=officer | {"If-Match": '"1"'},
    )
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] == '"2"'
    data = updated.json()
    assert data["basic"]["language_proficiencies"] == [
        {"language": "fi", "reading": "A2", "writing": "A1", "listening": None, "speaking": "A2"}
    ]
    assert data["basic"]["own_goals"]["not_assessed"] is True
    assert data["outcome"]["kind"] == "integration-plan-needed"

    completed = await gateway.http.post(
        f"{location}/complete", headers=officer | {"If-Match": '"2"'}
    )
    assert completed.status_code == 200, completed.text
    assert completed.json()["state"] == "completed"
    assert completed.json()["completed_by"] == "officer-091"
    frozen = await gateway.http.patch(
        location, json={"outcome": None}, headers=officer | {"If-Match": '"3"'}
    )
    problem(frozen, 409, "invalid-state")

    correction = {
        "reason": "Päätös kirjattiin väärin",
        "changes": {"outcome": {"kind": "no-plan", "reason": "Työllistynyt"}},
    }
    corrected = await gateway.http.post(
        f"{location}/corrections", json=correction, headers=officer | {"If-Match": '"3"'}
    )
    assert corrected.status_code == 200, corrected.text
    history = corrected.json()["corrections"]
    assert [(c["reason"], c["fields"], c["corrected_by"]) for c in history] == [
        ("Päätös kirjattiin väärin", ["outcome"], "officer-091")
    ]
    assert corrected.json()["outcome"]["kind"] == "no-plan"

    listed = await gateway.http.get(
        f"/v1/clients/{client_id}/assessments", headers=manager(gateway)
    )
    assert listed.status_code == 200, listed.text
    [summary] = listed.json()["items"]
    assert summary["id"] == assessment["id"]
    assert summary["outcome"] == "no-plan"
    assert summary["state"] == "completed"

    # The reads and writes reach the audit log with field names, never values.
    async def audited() -> bool:
        found = await gateway.http.get(
            "/v1/audit/events",
            params={"subject_client_id": client_id, "page_size": 200},
            headers=gateway.auditor(),
        )
        actions = {e["action"] for e in found.json()["items"]}
        return {"assessment.create", "assessment.complete", "assessment.correct"} <= actions

    await wait_until(audited, 10, "the assessment service's audit events")
    found = await gateway.http.get(
        "/v1/audit/events",
        params={"subject_client_id": client_id, "page_size": 200},
        headers=gateway.auditor(),
    )
    events = [e for e in found.json()["items"] if e["service"] == "assessment"]
    update = next(e for e in events if e["action"] == "assessment.update")
    assert "basic.own_goals" in update["fields"]
    assert "Tarvitsee" not in found.text


async def test_bad_input_is_a_problem_naming_the_fields(gateway: GatewayStack) -> None:
    client_id = await new_client(gateway)
    officer = gateway.officer()
    path = f"/v1/clients/{client_id}/assessments"

    shape = await gateway.http.post(
        path,
        json={"basic": {"language_proficiencies": [{"language": "fi", "reading": "D1"}]}},
        headers=officer,
    )
    problem(shape, 422, "validation-error")
    unknown = await gateway.http.post(path, json={"colour": "blue"}, headers=officer)
    problem(unknown, 422, "validation-error")
    rules = await gateway.http.post(
        path,
        json={
            "basic": {"literacy": {"not_assessed": True}},
            "next_step": {"date": "2026-13-01", "description": "x"},
        },
        headers=officer,
    )
    body = problem(rules, 422, "validation-error")
    assert {e["field"] for e in body["errors"]} == {
        "basic.literacy.not_assessed_reason",
        "next_step.date",
    }
    team = await gateway.http.post(path, json={"multi_sector": {"team": []}}, headers=officer)
    problem(team, 422, "validation-error")
    missing = await gateway.http.post(
        f"/v1/clients/{uuid.uuid4()}/assessments", json={}, headers=officer
    )
    problem(missing, 404, "not-found")
    foreign = await gateway.http.post(path, json={}, headers=gateway.officer("837"))
    problem(foreign, 404, "not-found")
    problem(await gateway.http.post(path, json={}, headers=manager(gateway)), 403, "forbidden")


async def cooperate(gateway: GatewayStack, client_id: str, area: str) -> None:
    """The welfare area's accepted cooperation in the client's multi-sector assessment."""
    requested = await gateway.http.post(
        f"/v1/clients/{client_id}/cooperations",
        json={
            "scope": ["multi-sector-assessment"],
            "welfare_area": area,
            "reason": "Monialainen arviointi",
            "municipal_contact": {"name": "Olli Ohjaaja", "phone": "040 1234567"},
            "basis": {
                "kind": "legal",
                "categories": ["multi-sector-assessment"],
                "legal_reference": "Laki kotoutumisen edistämisestä 681/2023",
            },
        },
        headers=gateway.officer(),
    )
    assert requested.status_code == 201, requested.text
    answered = await gateway.http.post(
        f"/v1/welfare-area/cooperations/{requested.json()['id']}/answer",
        json={"accept": True, "responsible": {"name": "Sari Sosiaali", "phone": "0407654321"}},
        headers=worker(gateway, area),
    )
    assert answered.status_code == 200, answered.text


async def test_multi_sector_sensitive_notes_stay_with_their_welfare_area(
    gateway: GatewayStack,
) -> None:
    client_id = await new_client(gateway)
    officer = gateway.officer()
    created = await gateway.http.post(
        f"/v1/clients/{client_id}/assessments",
        json={
            "kind": "multi-sector",
            "multi_sector": {
                "team": [
                    {"name": "Olli Ohjaaja", "role": "kotoutumisohjaaja"},
                    {
                        "name": "Sari Sosiaali",
                        "role": "sosiaalityöntekijä",
                        "welfare_area_code": "pirkanmaa",
                    },
                ],
                "written_exchange": True,
            },
        },
        headers=officer,
    )
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    # The team's welfare area sees the assessment once it accepted the cooperation.
    assert (await gateway.http.get(location, headers=worker(gateway))).status_code == 404
    await cooperate(gateway, client_id, "pirkanmaa")

    written = await gateway.http.patch(
        location,
        json={
            "multi_sector": {"social_and_health_service_needs": "Terveystarkastus tarpeen"},
            "sensitive_welfare_note": SECRET,
        },
        headers=worker(gateway) | {"If-Match": '"1"'},
    )
    assert written.status_code == 200, written.text
    section = written.json()["multi_sector"]["social_and_health_service_needs"]
    assert section["recorded_by_welfare_area"] == "pirkanmaa"
    assert written.json()["sensitive_welfare_note"]["text"] == SECRET

    for headers in (officer, manager(gateway)):
        seen = await gateway.http.get(location, headers=headers)
        assert seen.status_code == 200, seen.text
        assert seen.json()["sensitive_welfare_note"] is None
        assert seen.json()["multi_sector"]["social_and_health_service_needs"]["text"] == (
            "Terveystarkastus tarpeen"
        )
        assert SECRET not in seen.text
    own = await gateway.http.get(location, headers=worker(gateway))
    assert own.json()["sensitive_welfare_note"]["text"] == SECRET
    problem(
        await gateway.http.get(location, headers=worker(gateway, "vantaa-kerava")), 404, "not-found"
    )
    problem(await gateway.http.get(location, headers=provider(gateway)), 403, "forbidden")
    refused = await gateway.http.patch(
        location, json={"outcome": None}, headers=worker(gateway) | {"If-Match": '"2"'}
    )
    assert [e["field"] for e in problem(refused, 403, "forbidden")["errors"]] == ["outcome"]
    refused = await gateway.http.patch(
        location, json={"sensitive_welfare_note": "x"}, headers=officer | {"If-Match": '"2"'}
    )
    problem(refused, 403, "forbidden")


async def test_a_provider_sees_only_its_measures_and_records_results(
    gateway: GatewayStack,
) -> None:
    client_id = await new_client(gateway)
    officer = gateway.officer()
    created = await gateway.http.post(
        f"/v1/clients/{client_id}/assessments", json={"basic": all_areas()}, headers=officer
    )
    location = created.headers["location"]
    organisation = f"opisto{uuid.uuid4().hex[:8]}"
    ordered = await gateway.http.post(
        f"{location}/measures",
        json={
            "kind": "language-level-test",
            "provider_organisation": organisation,
            "instructions": "Suomen kielen lähtötason testi",
            "due_date": (date.today() + timedelta(days=30)).isoformat(),
        },
        headers=officer | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert ordered.status_code == 201, ordered.text
    measure = ordered.json()
    assert measure["assessment_id"] == created.json()["id"]
    assert ordered.headers["location"] == f"/v1/measures/{measure['id']}"

    opisto = provider(gateway, organisation)
    mine = await gateway.http.get("/v1/measures", params={"mine": "true"}, headers=opisto)
    assert mine.status_code == 200, mine.text
    [seen] = mine.json()["items"]
    assert seen["id"] == measure["id"]
    assert seen["client_id"] == client_id
    assert seen["assessment_id"] is None
    assert seen["ordered_by"] is None
    assert "Havainto" not in mine.text
    assert "Hassan" not in mine.text
    problem(await gateway.http.get("/v1/measures", headers=opisto), 422, "validation-error")
    problem(await gateway.http.get(location, headers=opisto), 403, "forbidden")
    problem(await gateway.http.get(f"{location}/measures", headers=opisto), 403, "forbidden")
    assert (
        await gateway.http.get(
            "/v1/measures", params={"mine": "true"}, headers=provider(gateway, "muu")
        )
    ).json()["items"] == []
    problem(
        await gateway.http.get(f"/v1/measures/{measure['id']}", headers=provider(gateway, "muu")),
        404,
        "not-found",
    )

    result = {
        "proficiency": {"language": "fi", "reading": "A2", "listening": "B1"},
        "summary": "Ymmärtää arkipuhetta",
        "completed_on": date.today().isoformat(),
    }
    recorded = await gateway.http.post(
        f"/v1/measures/{measure['id']}/result", json=result, headers=opisto | {"If-Match": '"1"'}
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "completed"
    assert recorded.json()["result"]["proficiency"]["listening"] == "B1"
    assert recorded.json()["assessment_id"] is None
    again = await gateway.http.post(
        f"/v1/measures/{measure['id']}/result", json=result, headers=opisto
    )
    problem(again, 409, "invalid-state")

    officer_view = await gateway.http.get(f"{location}/measures", headers=officer)
    [with_result] = officer_view.json()["items"]
    assert with_result["result"]["summary"] == "Ymmärtää arkipuhetta"
    assert with_result["ordered_by"] == "officer-091"
