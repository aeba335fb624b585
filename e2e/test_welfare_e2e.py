"""Welfare-area collaboration through the gateway with real Keycloak tokens: two municipalities
(Tampere 837 → Pirkanmaa, Vantaa 092 → Vantaa-Kerava) and the two welfare areas' systems
connecting with their service accounts (client credentials).

The consultation round trip, the start of cooperation, the change feed consumed with a restart
in the middle, isolation between the welfare areas, a withdrawn consent that stops disclosure,
anonymisation, X-Road headers in the audit record, and the client's own view of disclosures."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from e2e.conftest import API_URL, Api, finnish_today, new_client
from e2e.keycloak_tokens import service_token
from e2e.welfare_support import cooperation_body, start_cooperation

PIRKANMAA_XROAD = "KOTOPOLKU-DEV/GOV/PIRHA/kotopolku-client"
VANTAA_XROAD = "KOTOPOLKU-DEV/GOV/VAKEHYVA/kotopolku-client"


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def system_api(http: httpx.Client, area: str) -> Api:
    """A welfare area's system: its own service account."""
    return Api(http, service_token(f"welfare-{area}", f"welfare-{area}-secret"))


@pytest.fixture(scope="module")
def tampere(as_user: Callable[[str], Api]) -> Api:
    return as_user("tampere.officer")


@pytest.fixture(scope="module")
def vantaa(as_user: Callable[[str], Api]) -> Api:
    return as_user("vantaa.officer")


@pytest.fixture(scope="module")
def pirkanmaa(http: httpx.Client) -> Api:
    return system_api(http, "pirkanmaa")


@pytest.fixture(scope="module")
def vantaa_kerava(http: httpx.Client) -> Api:
    return system_api(http, "vantaa-kerava")


def family(tag: str) -> list[dict[str, Any]]:
    """A quota refugee family whose every identifier carries ``tag`` (so a test can look for it)."""
    return [
        {
            "role": "principal",
            "first_names": f"Hodan{tag}",
            "last_name": f"Warsame{tag}",
            "date_of_birth": "1986-04-17",
            "languages": ["so", "ar"],
            "service_needs": ["trauma-support", "chronic-illness"],
        },
        {
            "role": "child",
            "first_names": f"Idil{tag}",
            "last_name": f"Warsame{tag}",
            "date_of_birth": "2024-01-28",
            "languages": ["so"],
            "service_needs": ["early-childhood-support"],
        },
    ]


def propose(officer: Api, tag: str) -> dict[str, Any]:
    body = {
        "ely_centre": "ely-e2e",
        "ely_reference": f"ELY-E2E-{tag}",
        "basis": "quota-refugee",
        "persons": family(tag),
        "response_due": (finnish_today() + timedelta(days=30)).isoformat(),
    }
    return _ok(officer.post("/v1/placement-proposals", json=body), 201)


def consult(officer: Api, proposal: dict[str, Any]) -> dict[str, Any]:
    return _ok(
        officer.post(
            f"/v1/placement-proposals/{proposal['id']}/consultation",
            json={},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )


def feed_end(api: Api) -> str:
    """The cursor after everything the feed holds now (the system may hold earlier runs')."""
    cursor = ""
    while True:
        page = _ok(api.get("/v1/welfare-area/feed", params={"cursor": cursor, "limit": 500}))
        cursor = page["next_cursor"]
        if not page["more"]:
            return str(cursor)


def feed_since(api: Api, cursor: str, limit: int = 500) -> tuple[list[dict[str, Any]], str]:
    events: list[dict[str, Any]] = []
    while True:
        page = _ok(api.get("/v1/welfare-area/feed", params={"cursor": cursor, "limit": limit}))
        events += page["events"]
        cursor = page["next_cursor"]
        if not page["more"]:
            return events, cursor


def test_consultation_round_trip_with_isolation_and_anonymisation(
    tampere: Api, vantaa: Api, pirkanmaa: Api, vantaa_kerava: Api
) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    start_p, start_v = feed_end(pirkanmaa), feed_end(vantaa_kerava)
    proposal = propose(tampere, tag)
    assert proposal["welfare_area"] == "pirkanmaa"
    consultation = consult(tampere, proposal)
    theirs = consult(vantaa, propose(vantaa, tag + "V"))
    assert theirs["welfare_area"] == "vantaa-kerava"

    # Each system learns of its own consultation from its feed, and only of that.
    events, _ = feed_since(pirkanmaa, start_p)
    assert f"consultations/{consultation['id']}" in [e["resource"] for e in events]
    assert f"consultations/{theirs['id']}" not in [e["resource"] for e in events]
    their_events, _ = feed_since(vantaa_kerava, start_v)
    assert [e["resource"] for e in their_events] == [f"consultations/{theirs['id']}"]

    path = f"/v1/welfare-area/consultations/{consultation['id']}"
    seen = _ok(pirkanmaa.get(path))
    assert seen["proposal_id"] is None
    assert seen["profile"]["children"] == 1
    assert {p["age_band"] for p in seen["profile"]["persons"]} == {"30-49", "0-2"}
    assert vantaa_kerava.get(path).status_code == 404
    assert pirkanmaa.get(f"/v1/welfare-area/consultations/{theirs['id']}").status_code == 404
    assert pirkanmaa.get(f"/v1/placement-proposals/{proposal['id']}").status_code == 403

    # The welfare area answers once; a retry with the same key is the same answer.
    key = {"Idempotency-Key": str(uuid.uuid4())}
    answer = {"recommendation": "supports-with-conditions", "prepared_services": ["trauma-support"]}
    answered = _ok(pirkanmaa.post(f"{path}/answer", json=answer, headers=key))
    assert answered["state"] == "answered"
    assert _ok(pirkanmaa.post(f"{path}/answer", json=answer, headers=key)) == answered
    assert pirkanmaa.post(f"{path}/answer", json=answer).status_code == 409

    current = tampere.get(f"/v1/placement-proposals/{proposal['id']}")
    decided = _ok(
        tampere.post(
            f"/v1/placement-proposals/{proposal['id']}/decision",
            json={"decision": "accept", "reason": f"E2e {tag}: asunto järjestyy"},
            headers={"If-Match": current.headers["etag"]},
        )
    )
    assert decided["reception_stage"] == "preparing"
    after = _ok(pirkanmaa.get(path))
    assert (after["state"], after["decision"]) == ("decided", "accept")
    officer_view = _ok(tampere.get(f"/v1/consultations/{consultation['id']}"))
    assert officer_view["answer"]["recommendation"] == "supports-with-conditions"

    # Anonymisation holds: nothing the welfare area read names the family or links to it.
    events, _ = feed_since(pirkanmaa, start_p)
    listed = _ok(pirkanmaa.get("/v1/welfare-area/consultations", params={"state": "decided"}))
    readable = "\n".join(
        [seen.__repr__(), answered.__repr__(), after.__repr__(), repr(events), repr(listed)]
    )
    for identifier in (tag, "1986-04-17", "2024-01-28", proposal["id"], "ELY-E2E"):
        assert identifier not in readable, identifier


def test_cooperation_start_and_a_withdrawn_consent_stops_disclosure(
    tampere: Api, pirkanmaa: Api, vantaa_kerava: Api, as_user: Callable[[str], Api]
) -> None:
    client = new_client(tampere)
    worker = as_user("pirkanmaa.worker")
    plan = _ok(
        tampere.post(
            f"/v1/clients/{client['id']}/plans",
            json={
                "kind": "multi-sector",
                "welfare_area": "pirkanmaa",
                "start_date": finnish_today().isoformat(),
                "end_date": (finnish_today() + timedelta(days=300)).isoformat(),
                "goals": [{"category": "integration", "text": "E2e: arki sujuu"}],
                "services": [{"other_service": "E2e traumaterapia", "welfare_area_service": True}],
            },
        ),
        201,
    )
    assert worker.get(f"/v1/plans/{plan['id']}").status_code == 404

    consent = {
        "kind": "consent",
        "categories": ["multi-sector-plan"],
        "consent_given_on": finnish_today().isoformat(),
    }
    requested = _ok(
        tampere.post(
            f"/v1/clients/{client['id']}/cooperations",
            json=cooperation_body(None, ["multi-sector-plan"], consent),
        ),
        201,
    )
    assert requested["welfare_area"] == "pirkanmaa"
    request_path = f"/v1/welfare-area/cooperations/{requested['id']}"
    seen = _ok(pirkanmaa.get(request_path))
    assert seen["person"]["last_name"] == client["last_name"]
    assert vantaa_kerava.get(request_path).status_code == 404
    accepted = _ok(
        pirkanmaa.post(
            f"{request_path}/answer",
            json={
                "accept": True,
                "responsible": {"name": "E2e Vastuuhenkilö", "phone": "0401112223"},
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    )
    assert accepted["state"] == "accepted"
    officer_view = _ok(tampere.get(f"/v1/cooperations/{requested['id']}"))
    assert officer_view["responsible"]["name"] == "E2e Vastuuhenkilö"
    assert officer_view["disclosure_allowed"] is True

    # The municipality sends the plan's goals and services; the welfare area receives them.
    start = feed_end(pirkanmaa)
    sent = _ok(
        tampere.post(
            f"/v1/cooperations/{requested['id']}/disclosures",
            json={
                "category": "multi-sector-plan",
                "resource_id": plan["id"],
                "fields": ["goals", "services"],
            },
        ),
        201,
    )
    events, _ = feed_since(pirkanmaa, start)
    assert [e["data"].get("disclosure_id") for e in events] == [sent["id"]]
    received = _ok(pirkanmaa.get(f"/v1/welfare-area/disclosures/{sent['id']}"))
    assert set(received["content"]) == {"goals", "services"}
    assert vantaa_kerava.get(f"/v1/welfare-area/disclosures/{sent['id']}").status_code == 404
    assert _ok(worker.get(f"/v1/plans/{plan['id']}"))["id"] == plan["id"]

    # The consent is withdrawn: nothing more crosses, by any path.
    basis_id = requested["bases"][0]["id"]
    withdrawn = _ok(
        tampere.post(f"/v1/disclosure-bases/{basis_id}/withdraw", json={"reason": "E2e peruttu"})
    )
    assert withdrawn["valid_now"] is False
    assert pirkanmaa.get(f"/v1/welfare-area/disclosures/{sent['id']}").status_code == 404
    assert worker.get(f"/v1/plans/{plan['id']}").status_code == 404
    assert _ok(pirkanmaa.get(request_path))["person"] is None
    events, _ = feed_since(pirkanmaa, start)
    assert "disclosure-basis.withdrawn" in [e["type"] for e in events]
    log = _ok(tampere.get(f"/v1/clients/{client['id']}/disclosures"))["items"]
    assert {e["channel"] for e in log} == {"cooperation-request", "data-transfer", "plans-service"}
    assert {e["welfare_area"] for e in log} == {"pirkanmaa"}


def test_feed_consumption_with_a_restart_in_the_middle(
    tampere: Api, pirkanmaa: Api, http: httpx.Client
) -> None:
    start = feed_end(pirkanmaa)
    made = [consult(tampere, propose(tampere, uuid.uuid4().hex[:6]))["id"] for _ in range(4)]
    page = _ok(pirkanmaa.get("/v1/welfare-area/feed", params={"cursor": start, "limit": 2}))
    first = page["events"]
    assert len(first) == 2
    assert page["more"] is True
    saved = page["next_cursor"]
    # The consumer stops here; the municipality keeps working meanwhile.
    made += [consult(tampere, propose(tampere, uuid.uuid4().hex[:6]))["id"] for _ in range(3)]

    # Restart: a new process with a new connection and a new token resumes from the saved cursor.
    with httpx.Client(base_url=API_URL, timeout=15.0) as fresh:
        restarted = system_api(fresh, "pirkanmaa")
        rest, end = feed_since(restarted, saved, limit=3)
    consumed = first + rest
    positions = [e["position"] for e in consumed]
    assert positions == list(range(positions[0], positions[0] + len(positions)))
    assert len({e["event_id"] for e in consumed}) == len(consumed)
    seen = {e["resource"] for e in consumed}
    assert {f"consultations/{c}" for c in made} <= seen
    # At-least-once: reading again from the saved cursor gives the same events, same ids.
    again, _ = feed_since(pirkanmaa, saved)
    assert [e["event_id"] for e in again][: len(rest)] == [e["event_id"] for e in rest]
    # Long polling: a reader waiting at the end wakes when the next event arrives.
    started = time.monotonic()
    proposal = propose(tampere, uuid.uuid4().hex[:6])
    consult(tampere, proposal)
    woke = _ok(pirkanmaa.get("/v1/welfare-area/feed", params={"cursor": end, "wait_seconds": 10}))
    assert woke["events"]
    assert time.monotonic() - started < 10


def test_xroad_headers_are_checked_and_kept_in_the_audit_record(
    tampere: Api, pirkanmaa: Api, as_user: Callable[[str], Api]
) -> None:
    consultation = consult(tampere, propose(tampere, uuid.uuid4().hex[:6]))
    path = f"/v1/welfare-area/consultations/{consultation['id']}"
    message_id = str(uuid.uuid4())
    headers = {
        "X-Road-Client": PIRKANMAA_XROAD,
        "X-Road-Id": message_id,
        "X-Road-UserId": "PIRHA-e2e-user",
        "X-Road-Issue": "PIRHA-E2E-1",
    }
    assert pirkanmaa.get(path, headers=headers).status_code == 200
    assert (
        pirkanmaa.get(path, headers={**headers, "X-Road-Client": VANTAA_XROAD}).status_code == 403
    )
    assert pirkanmaa.get(path, headers={"X-Road-Client": "not-a-subsystem"}).status_code == 422

    auditor = as_user("tampere.auditor")
    subject = pirkanmaa.claims["sub"]
    deadline = time.monotonic() + 15
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not found:
        page = _ok(auditor.get("/v1/audit/events", params={"actor": subject, "page_size": 200}))
        found = [e for e in page["items"] if e["context"].get("x-road-id") == message_id]
        if not found:
            time.sleep(0.5)
    assert found, "the X-Road call's audit event did not arrive"
    assert found[0]["context"]["x-road-client"] == PIRKANMAA_XROAD
    assert found[0]["context"]["x-road-issue"] == "PIRHA-E2E-1"
    assert found[0]["resource"] == f"consultations/{consultation['id']}"


def test_the_client_sees_which_welfare_area_received_what(
    officer: Api,
    client_user: Api,
    own_record: dict[str, Any],
    as_user: Callable[[str], Api],
) -> None:
    worker = as_user("pirkanmaa.worker")
    cooperation = start_cooperation(officer, worker, own_record["id"], "pirkanmaa")
    assert cooperation["person"]["last_name"] == own_record["last_name"]
    mine = _ok(client_user.get("/v1/me/disclosures", params={"page_size": 200}))["items"]
    ours = [e for e in mine if e["resource"] == f"cooperations/{cooperation['id']}"]
    assert ours
    assert ours[0]["welfare_area"] == "pirkanmaa"
    assert ours[0]["basis_kind"] == "legal"
    assert "person.last_name" in ours[0]["fields"]
    assert officer.get("/v1/me/disclosures").status_code == 403
