"""Every read lands in the tamper-evident audit trail."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import sqlalchemy as sa

from e2e.conftest import Api, new_client


def _wait_for_events(auditor: Api, client_id: str, action: str, timeout: float = 10) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = auditor.get("/v1/audit/events", params={"subject_client_id": client_id})
        assert response.status_code == 200, response.text
        events = [e for e in response.json()["items"] if e["action"] == action]
        if events or time.monotonic() > deadline:
            return events
        time.sleep(0.2)


def test_reads_appear_in_the_audit_trail(officer: Api, auditor: Api) -> None:
    client = new_client(officer)
    officer.get(f"/v1/clients/{client['id']}", headers={"X-Purpose-Of-Use": "integration-services"})
    events = _wait_for_events(auditor, client["id"], "client.read")
    assert events, "the read was not audited"
    event = events[0]
    assert event["actor_subject"] == officer.claims["sub"]
    assert event["municipality_code"] == "091"
    assert event["purpose"] == "integration-services"
    assert "henkilotunnus" in event["fields"]
    assert client["last_name"] not in str(event)


def test_only_auditors_see_other_peoples_trails(officer: Api) -> None:
    assert officer.get("/v1/audit/events").status_code == 403


def test_client_sees_who_processed_their_data(
    officer: Api, client_user: Api, own_record: dict[str, Any]
) -> None:
    own_id = own_record["id"]
    officer.get(f"/v1/clients/{own_id}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        trail = client_user.get("/v1/me/audit-trail")
        assert trail.status_code == 200, trail.text
        actors = {e["actor_subject"] for e in trail.json()["items"]}
        if officer.claims["sub"] in actors:
            break
        time.sleep(0.2)
    assert officer.claims["sub"] in actors
    assert all(e["subject_client_id"] == own_id for e in trail.json()["items"])


def _audit_database_url() -> str:
    url = os.environ.get("KOTOPOLKU_E2E_AUDIT_DATABASE_URL")
    if not url:
        pytest.skip("set KOTOPOLKU_E2E_AUDIT_DATABASE_URL to tamper with the audit database")
    return url


def test_a_tampered_audit_row_is_detected(officer: Api, auditor: Api) -> None:
    url = _audit_database_url()
    client = new_client(officer)
    assert _wait_for_events(auditor, client["id"], "client.create")
    intact = auditor.post("/v1/audit/verify")
    assert intact.status_code == 200
    assert intact.json()["intact"] is True

    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT position, action FROM audit_entries "
                    "WHERE subject_client_id = :id ORDER BY position LIMIT 1"
                ),
                {"id": client["id"]},
            ).one()
            connection.execute(
                sa.text("UPDATE audit_entries SET action = 'client.nothing' WHERE position = :p"),
                {"p": row.position},
            )
        try:
            verdict = auditor.post("/v1/audit/verify").json()
            assert verdict["intact"] is False
            assert verdict["first_bad_position"] == row.position
        finally:
            with engine.begin() as connection:
                connection.execute(
                    sa.text("UPDATE audit_entries SET action = :a WHERE position = :p"),
                    {"a": row.action, "p": row.position},
                )
    finally:
        engine.dispose()
    assert auditor.post("/v1/audit/verify").json()["intact"] is True
