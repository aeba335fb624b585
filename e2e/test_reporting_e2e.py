"""Feedback and reporting through the gateway with real Keycloak tokens: the reports match the
assessments, plans, enrolments and feedback made in the test (read before and after: other tests
share the system); anonymous feedback stores nothing of the person; another municipality sees
only its own figures; charts are real PNG and SVG images; the national extract is valid against
its schema and pseudonymised; a stakeholder answers once by a one-time link."""

from __future__ import annotations

import csv
import io
import json
import os
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import psycopg
import pytest
from PIL import Image
from sqlalchemy.engine import make_url

from e2e.conftest import Api, new_client
from e2e.test_assessment_e2e import basic_areas, plan_needed
from e2e.test_integration_journey_e2e import catalogue_service, provider  # noqa: F401

# The services count by Finnish calendar days.
TODAY = datetime.now(ZoneInfo("Europe/Helsinki")).date()
MONTH = TODAY.strftime("%Y-%m")
Totals = dict[tuple[str, ...], dict[str, float | None]]


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture(scope="module")
def manager(as_user: Any) -> Api:
    return as_user("helsinki.manager")


def totals(api: Api, report: str, **params: str) -> Totals:
    """This month's figures in total, by the report's categories."""
    found = _ok(
        api.get(
            f"/v1/reports/{report}",
            params={"period_start": MONTH, "period_end": MONTH, "group_by": "total", **params},
        )
    )
    return {
        tuple(v for k, v in row["dimensions"].items() if k != "period"): row["values"]
        for row in found["rows"]
    }


def grown(before: Totals, after: Totals, key: tuple[str, ...], measure: str) -> float:
    return (after.get(key, {}).get(measure) or 0) - (before.get(key, {}).get(measure) or 0)


def eventually(read: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 20) -> Any:
    """Facts travel through the services' outboxes: they arrive shortly, not at once."""
    deadline = time.monotonic() + seconds
    while True:
        found = read()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def _assessment(officer: Api, client_id: str, *, complete: bool) -> None:
    created = officer.post(
        f"/v1/clients/{client_id}/assessments",
        json={"kind": "basic", "basic": basic_areas()},
        headers=_key(),
    )
    _ok(created, 201)
    if not complete:
        return
    location = created.headers["location"]
    patched = officer.patch(
        location,
        json=plan_needed(),
        headers={"If-Match": created.headers["etag"]},
    )
    _ok(patched)
    _ok(officer.post(f"{location}/complete", headers={"If-Match": patched.headers["etag"]}))


def _active_plan_with_enrolment(
    officer: Api, client_user: Api, client_id: str, service_id: str
) -> dict[str, Any]:
    created = officer.post(
        f"/v1/clients/{client_id}/plans",
        json={
            "kind": "individual",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=300)).isoformat(),
            "goals": [{"category": "education", "text": "Kielitaito B1"}],
            "services": [
                {
                    "programme_service_id": service_id,
                    "planned_start": TODAY.isoformat(),
                    "planned_end": (TODAY + timedelta(days=120)).isoformat(),
                }
            ],
        },
        headers=_key(),
    )
    plan = _ok(created, 201)
    etag = created.headers["etag"]
    for api, step in ((officer, "submit"), (client_user, "approve"), (officer, "approve")):
        response = api.post(f"/v1/plans/{plan['id']}/{step}", headers={"If-Match": etag})
        plan, etag = _ok(response), response.headers["etag"]
    assert plan["status"] == "active"
    enrolment = officer.post(
        "/v1/enrolments",
        json={
            "plan_id": plan["id"],
            "plan_service_id": plan["services"][0]["id"],
            "programme_service_id": service_id,
            "client_id": client_id,
            "participant_display_name": "Amina Raportti",
        },
        headers=_key(),
    )
    _ok(enrolment, 201)
    return {"enrolment": enrolment.json(), "etag": enrolment.headers["etag"]}


def test_reports_match_the_records_created_in_the_test(
    officer: Api,
    manager: Api,
    as_user: Any,
    client_user: Api,
    own_record: dict[str, Any],
    provider: Api,  # noqa: F811
    catalogue_service: dict[str, Any],  # noqa: F811
) -> None:
    reports = ("assessments", "plans", "enrolments", "language-tests")
    before = {r: totals(manager, r) for r in reports}
    other = as_user("tampere.auditor")
    theirs_before = totals(other, "assessments")

    # Two clients who moved in 90 and 30 days ago; both assessed, one assessment completed.
    for days, complete in ((90, True), (30, False)):
        client = new_client(officer, first_permit_date=(TODAY - timedelta(days=days)).isoformat())
        _assessment(officer, client["id"], complete=complete)
    # The client user's plan, an enrolment in integration training, completed with a test.
    made = _active_plan_with_enrolment(
        officer, client_user, own_record["id"], catalogue_service["id"]
    )
    completion = provider.post(
        f"/v1/enrolments/{made['enrolment']['id']}/completion",
        json={
            "completion_date": TODAY.isoformat(),
            "language_test": {
                "reading": "B1",
                "writing": "A2",
                "listening": "B1",
                "speaking": "A2",
            },
        },
        headers={"If-Match": made["etag"]},
    )
    _ok(completion)

    # What the test made, report by report; facts from three services arrive independently.
    expected = {
        ("assessments", ("BASIC",), "started"): 2,
        ("assessments", ("BASIC",), "completed"): 1,
        ("assessments", ("BASIC",), "lead_time_cases"): 2,
        ("plans", ("INDIVIDUAL",), "created"): 1,
        ("plans", ("INDIVIDUAL",), "activated"): 1,
        ("enrolments", ("INTEGRATION_TRAINING",), "started"): 1,
        ("enrolments", ("INTEGRATION_TRAINING",), "completed"): 1,
        ("language-tests", ("reading", "B1"), "results"): 1,
        ("language-tests", ("writing", "A2"), "results"): 1,
        ("language-tests", ("listening", "B1"), "results"): 1,
        ("language-tests", ("speaking", "A2"), "results"): 1,
    }

    def changes() -> dict[tuple[str, tuple[str, ...], str], float]:
        now = {r: totals(manager, r) for r in reports}
        return {(r, k, m): grown(before[r], now[r], k, m) for r, k, m in expected}

    assert eventually(changes, lambda found: found == expected) == expected

    # Tampere sees its own figures, untouched by Helsinki's, and never Helsinki's.
    assert totals(other, "assessments") == theirs_before
    refused = other.get("/v1/reports/assessments", params={"municipality": "091"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    # Staff who are not management get no reports at all.
    assert officer.get("/v1/reports/assessments").status_code == 403


def test_reports_are_exported_as_csv_and_drawn_as_png_and_svg(manager: Api) -> None:
    params = {"period_start": MONTH, "period_end": MONTH, "group_by": "total"}
    table = manager.get("/v1/reports/enrolments", params={**params, "format": "csv"})
    assert table.status_code == 200, table.text
    assert table.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(table.text)))
    assert lines[0][:3] == ["period", "service_type", "started"]
    assert len(lines) == 1 + 7
    png = manager.get("/v1/reports/assessments", params={**params, "format": "png"})
    assert png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    image.verify()
    assert image.format == "PNG"
    svg = manager.get(
        "/v1/reports/plans", params={**params, "format": "svg", "measure": "activated"}
    )
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"
    bad = manager.get("/v1/reports/plans", params={**params, "kind": "HUGE"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["filters.kind"]
    assert manager.get("/v1/reports/salaries").status_code == 422


def test_anonymous_feedback_in_self_service_stores_no_personal_data(
    officer: Api, manager: Api, client_user: Api, own_record: dict[str, Any]
) -> None:
    survey = _ok(
        officer.post(
            "/v1/feedback/surveys",
            json={
                "name": f"E2e-palaute {uuid.uuid4().hex[:6]}",
                "title": {"fi": "Miten onnistuimme?", "en": "How did we do?"},
                "questions": [
                    {"id": "overall", "kind": "score", "text": {"fi": "Arvio"}, "required": True},
                    {"id": "comment", "kind": "text", "text": {"fi": "Terveiset"}},
                ],
                "audience": "client",
            },
            headers=_key(),
        ),
        201,
    )
    invitation = _ok(
        officer.post(
            f"/v1/clients/{own_record['id']}/feedback-invitations",
            json={"survey_id": survey["id"], "context_kind": "programme-service"},
            headers=_key(),
        ),
        201,
    )
    mine = _ok(client_user.get("/v1/me/feedback"))["items"]
    assert invitation["id"] in [i["id"] for i in mine]
    comment = f"Kiitos opettajalle {uuid.uuid4().hex[:6]}"
    receipt = _ok(
        client_user.post(
            f"/v1/me/feedback/{invitation['id']}/answer",
            json={
                "scores": [{"question_id": "overall", "score": 5}],
                "texts": [{"question_id": "comment", "text": comment}],
                "anonymous": True,
            },
        )
    )
    assert receipt == {"anonymous": True, "period": MONTH}
    again = client_user.post(
        f"/v1/me/feedback/{invitation['id']}/answer",
        json={"scores": [{"question_id": "overall", "score": 1}]},
    )
    assert again.status_code == 409
    listed = _ok(officer.get(f"/v1/clients/{own_record['id']}/feedback-invitations"))["items"]
    seen = next(i for i in listed if i["id"] == invitation["id"])
    assert (seen["status"], seen["answer"]) == ("answered", None)
    # One answer is below the minimum group: its score and comment are not shown.
    report = _ok(
        manager.get(
            "/v1/reports/feedback",
            params={"period_start": MONTH, "period_end": MONTH, "survey_id": survey["id"]},
        )
    )
    [row] = report["rows"]
    assert row["values"]["answers"] == 1
    assert row["suppressed"] == ["mean_score", "satisfied_percent"]
    assert comment not in json.dumps(report)

    database = os.environ.get("KOTOPOLKU_E2E_REPORTING_DATABASE_URL")
    if not database:
        pytest.skip("set KOTOPOLKU_E2E_REPORTING_DATABASE_URL to inspect the stored rows")
    url = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as connection:
        cursor = connection.execute(
            "SELECT * FROM anonymous_feedback_answers WHERE survey_id = %s", (survey["id"],)
        )
        columns = [c.name for c in cursor.description or ()]
        [stored] = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
        identified = connection.execute(
            "SELECT count(*) FROM feedback_answers WHERE invitation_id = %s", (invitation["id"],)
        ).fetchone()
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        ]
        linking = [
            table
            for table in tables
            # Any row holding both the answer's id and the client's id would link them.
            if connection.execute(
                f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE %s AND t::text LIKE %s',
                (f"%{stored['id']}%", f"%{own_record['id']}%"),
            ).fetchone()[0]  # type: ignore[index]
        ]
    assert set(stored) == {
        "id",
        "survey_id",
        "municipality_code",
        "respondent",
        "context_kind",
        "language",
        "scores",
        "texts",
        "period",
    }
    assert stored["scores"] == {"overall": 5}
    assert stored["texts"] == {"comment": comment}
    assert stored["period"] == MONTH
    text = json.dumps(stored, default=str)
    assert own_record["id"] not in text
    assert invitation["id"] not in text
    assert identified == (0,)
    assert linking == []


def test_a_stakeholder_answers_once_by_a_one_time_link(officer: Api, http: Any) -> None:
    survey = _ok(
        officer.post(
            "/v1/feedback/surveys",
            json={
                "name": "Yhteistyö palveluntuottajan kanssa",
                "title": {"fi": "Miten yhteistyö sujui?"},
                "questions": [{"id": "cooperation", "kind": "score", "text": {"fi": "Yhteistyö"}}],
                "audience": "stakeholder",
                "anonymity": "always",
            },
        ),
        201,
    )
    invitation = _ok(
        officer.post(
            "/v1/feedback/stakeholder-invitations",
            json={
                "survey_id": survey["id"],
                "context_kind": "programme-service",
                "stakeholder_organisation": "opisto",
            },
        ),
        201,
    )
    link = invitation["link"]
    path = link[link.index("/v1/") :]
    # No access token: the link's token is the only key, and it names nobody.
    shown = _ok(http.get(path))
    assert shown["survey"]["questions"][0]["id"] == "cooperation"
    assert shown["client_id"] is None
    answer = {"scores": [{"question_id": "cooperation", "score": 4}]}
    assert _ok(http.post(f"{path}/answer", json=answer)) == {"anonymous": True, "period": MONTH}
    assert http.post(f"{path}/answer", json=answer).status_code == 409
    assert http.get(path[:-4] + "abcd").status_code == 404


def test_the_national_extract_is_pseudonymised_and_matches_its_schema(
    manager: Api, own_record: dict[str, Any]
) -> None:
    schema = _ok(manager.get("/v1/national-extract/schema"))
    response = manager.get(
        "/v1/national-extract", params={"period_start": MONTH, "period_end": MONTH}
    )
    extract = _ok(response)
    jsonschema.validate(extract, schema)
    assert extract["municipalities"] == ["091"]
    assert extract["suppression"]["threshold"] == 5
    text = response.text
    assert own_record["id"] not in text
    assert own_record["henkilotunnus"] not in text
    assert "Amina" not in text
    cells = manager.get(
        "/v1/national-extract",
        params={"period_start": MONTH, "period_end": MONTH, "format": "csv", "part": "cells"},
    )
    assert cells.status_code == 200
    assert cells.text.splitlines()[0] == (
        "table,municipality,row_dimension,column_dimension,row,column,count,status"
    )
