"""Assessments of service need through the gateway with real Keycloak tokens: the officer's
multi-sector assessment, the welfare area's own sections and notes, and a provider's measure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from e2e.conftest import Api, finnish_today, new_client
from e2e.welfare_support import start_cooperation

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
NOTE = "E2e: welfare-area only note"


def basic_areas() -> dict[str, Any]:
    basic: dict[str, Any] = {name: {"summary": f"E2e {name}"} for name in AREAS}
    basic["language_proficiencies"] = [{"language": "fi", "reading": "A2", "speaking": "A1"}]
    return basic


def plan_needed(reason: str = "Kielitaito A1") -> dict[str, Any]:
    """The outcome of a basic assessment: an integration plan is needed, drawn up in a week."""
    return {
        "outcome": {"kind": "integration-plan-needed", "reason": reason},
        "next_step": {
            "date": (finnish_today() + timedelta(days=7)).isoformat(),
            "description": "Kotoutumissuunnitelman laadinta",
        },
    }


def test_multi_sector_assessment_with_the_welfare_area_and_a_provider(
    officer: Api, as_user: Callable[[str], Api]
) -> None:
    worker = as_user("pirkanmaa.worker")
    manager = as_user("helsinki.manager")
    provider = as_user("provider.opisto")
    client = new_client(officer)

    created = officer.post(
        f"/v1/clients/{client['id']}/assessments",
        json={
            "kind": "multi-sector",
            "basic": basic_areas(),
            "multi_sector": {
                "team": [
                    {"name": "E2e Ohjaaja", "role": "kotoutumisohjaaja"},
                    {
                        "name": "E2e Sosiaali",
                        "role": "sosiaalityöntekijä",
                        "welfare_area_code": "pirkanmaa",
                    },
                ]
            },
        },
    )
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    # The team's welfare area sees the assessment once it accepted the cooperation.
    assert worker.get(location).status_code == 404
    start_cooperation(officer, worker, client["id"], "pirkanmaa")

    # The welfare area's worker writes its sections and a note only its area sees.
    written = worker.patch(
        location,
        json={
            "multi_sector": {"mental_health_and_rehabilitation_needs": "E2e terapia"},
            "sensitive_welfare_note": NOTE,
        },
        headers={"If-Match": created.headers["etag"]},
    )
    assert written.status_code == 200, written.text
    assert written.json()["sensitive_welfare_note"]["welfare_area_code"] == "pirkanmaa"
    for reader in (officer, manager):
        seen = reader.get(location)
        assert seen.status_code == 200, seen.text
        section = seen.json()["multi_sector"]["mental_health_and_rehabilitation_needs"]
        assert section["recorded_by_welfare_area"] == "pirkanmaa"
        assert seen.json()["sensitive_welfare_note"] is None
        assert NOTE not in seen.text

    # A language test from the provider: it sees the measure and the client id, nothing else.
    ordered = officer.post(
        f"{location}/measures",
        json={
            "kind": "language-level-test",
            "provider_organisation": "opisto",
            "due_date": (finnish_today() + timedelta(days=30)).isoformat(),
        },
    )
    assert ordered.status_code == 201, ordered.text
    measure_id = ordered.json()["id"]
    mine = provider.get("/v1/measures", params={"mine": "true", "status": "ordered"})
    assert mine.status_code == 200, mine.text
    seen_measure = next(m for m in mine.json()["items"] if m["id"] == measure_id)
    assert seen_measure["client_id"] == client["id"]
    assert seen_measure["assessment_id"] is None
    assert provider.get(location).status_code == 403
    recorded = provider.post(
        f"/v1/measures/{measure_id}/result",
        json={
            "proficiency": {"language": "fi", "reading": "A2", "listening": "A2"},
            "summary": "E2e tulos",
            "completed_on": finnish_today().isoformat(),
        },
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "completed"

    # Completion: an outcome, the next step, and the welfare area in the team.
    current = officer.get(location)
    completed = officer.post(f"{location}/complete", headers={"If-Match": current.headers["etag"]})
    assert completed.status_code == 409
    fields = {e["field"] for e in completed.json()["errors"]}
    assert fields == {"outcome"}
    patched = officer.patch(
        location,
        json={
            "outcome": {"kind": "multi-sector-plan-needed", "reason": "E2e peruste"},
            "next_step": {
                "date": (finnish_today() + timedelta(days=7)).isoformat(),
                "description": "Monialaisen suunnitelman laadinta",
            },
        },
        headers={"If-Match": current.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    completed = officer.post(f"{location}/complete", headers={"If-Match": patched.headers["etag"]})
    assert completed.status_code == 200, completed.text
    assert completed.json()["state"] == "completed"
    assert completed.json()["measures"][0]["result"]["summary"] == "E2e tulos"

    listed = manager.get(f"/v1/clients/{client['id']}/assessments")
    assert [a["state"] for a in listed.json()["items"]] == ["completed"]
