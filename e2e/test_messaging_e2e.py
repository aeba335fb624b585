"""Messaging through the gateway with real Keycloak tokens: an e-mail reaches the dev SMTP server
in the client's language, a campaign honours an opt-out, and a client reads and replies to a
thread in self-service. The dev sinks (scripts/dev_sinks.py, started by scripts/stack.sh) are
read over their HTTP API."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import httpx
import pytest

from e2e.conftest import Api, new_client

SINKS_URL = os.environ.get(
    "KOTOPOLKU_DEV_SINKS_URL",
    f"http://127.0.0.1:{int(os.environ.get('GRPC_PORT_BASE', '50050')) + 41}",
).rstrip("/")
FINAL = {"sent", "failed", "skipped", "cancelled"}
REMINDER = {
    "date": "12.3.2026",
    "time": "10.00",
    "location": "Kotoutumispalvelut, Kampinkuja 1",
    "organiser": "Helsingin kotoutumispalvelut",
}


@pytest.fixture(scope="module")
def sinks() -> httpx.Client:
    client = httpx.Client(base_url=SINKS_URL, timeout=10)
    try:
        client.get("/health").raise_for_status()
    except httpx.HTTPError as error:
        pytest.fail(f"the dev sinks at {SINKS_URL} are not running: {error}")
    return client


def _address() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}@example.fi"


def _wait(api: Api, path: str, done: Any, within: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        found = api.get(path)
        assert found.status_code == 200, found.text
        body = dict(found.json())
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def _mail(sinks: httpx.Client, address: str) -> list[dict[str, Any]]:
    return list(sinks.get("/mail", params={"to": address}).json()["messages"])


def test_a_reminder_email_arrives_in_the_clients_language(
    officer: Api, sinks: httpx.Client
) -> None:
    address = _address()
    client = new_client(officer, languages=["so", "fi"], contact={"email": address})
    created = officer.post(
        f"/v1/clients/{client['id']}/notifications",
        json={"template_key": "appointment-reminder", "variables": REMINDER, "channels": ["email"]},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"/v1/notifications/{created.json()['id']}"

    found = _wait(officer, created.headers["Location"], lambda n: n["status"] == "sent")
    assert found["status"] == "sent", found
    assert found["language"] == "so"
    assert found["deliveries"][0]["status"] == "sent"
    mail = _mail(sinks, address)
    assert len(mail) == 1
    assert mail[0]["subject"].startswith("Xusuusin: ballan 12.3.2026")
    assert mail[0]["content_language"] == "so"
    assert 'lang="so"' in mail[0]["html"]


def test_bad_variables_are_a_problem_naming_the_field(officer: Api) -> None:
    client = new_client(officer, contact={"email": _address()})
    refused = officer.post(
        f"/v1/clients/{client['id']}/notifications",
        json={"template_key": "appointment-reminder", "variables": {**REMINDER, "dtae": "x"}},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "variables.dtae"


def test_a_campaign_honours_an_opt_out(officer: Api, sinks: httpx.Client) -> None:
    reached_address, refused_address = _address(), _address()
    reached = new_client(officer, languages=["uk"], contact={"email": reached_address})
    refused = new_client(officer, languages=["ru"], contact={"email": refused_address})
    opted = officer.http.put(
        f"/v1/clients/{refused['id']}/opt-outs",
        json={"topic": "course-news", "opted_out": True},
        headers=officer.headers(),
    )
    assert opted.status_code == 200, opted.text

    draft = officer.post(
        "/v1/campaigns",
        json={
            "name": "Kevään kurssit",
            "topic": "course-news",
            "template_key": "appointment-reminder",
            "variables": REMINDER,
            "channels": ["email"],
            "client_ids": [reached["id"], refused["id"]],
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert draft.status_code == 201, draft.text
    assert officer.post(f"/v1/campaigns/{draft.json()['id']}/send").status_code == 428
    sent = officer.post(
        f"/v1/campaigns/{draft.json()['id']}/send", headers={"If-Match": draft.headers["ETag"]}
    )
    assert sent.status_code == 200, sent.text
    assert (sent.json()["queued_count"], sent.json()["skipped_count"]) == (1, 1)

    path = f"/v1/campaigns/{draft.json()['id']}/notifications"
    recipients = _wait(officer, path, lambda page: all(n["status"] in FINAL for n in page["items"]))
    status = {n["client_id"]: n["status"] for n in recipients["items"]}
    assert status == {reached["id"]: "sent", refused["id"]: "skipped"}
    assert len(_mail(sinks, reached_address)) == 1
    assert _mail(sinks, refused_address) == []


def test_a_client_reads_and_replies_to_a_thread(
    officer: Api, tampere_officer: Api, client_user: Api, own_record: dict[str, Any]
) -> None:
    subject = f"Kurssin aloitus {uuid.uuid4().hex[:6]}"
    thread = officer.post(
        f"/v1/clients/{own_record['id']}/threads",
        json={"subject": subject, "body": "Hei! Kurssi alkaa maanantaina klo 9."},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert thread.status_code == 201, thread.text
    thread_id = thread.json()["id"]

    mine = client_user.get("/v1/me/threads", params={"unread_only": True})
    assert mine.status_code == 200, mine.text
    listed = next(t for t in mine.json()["items"] if t["id"] == thread_id)
    assert listed["unread_count"] == 1
    messages = client_user.get(f"/v1/me/threads/{thread_id}/messages").json()["items"]
    assert [m["body"] for m in messages] == ["Hei! Kurssi alkaa maanantaina klo 9."]
    read = client_user.post(f"/v1/me/threads/{thread_id}/read", json={})
    assert read.status_code == 200
    assert read.json()["unread_count"] == 0
    reply = client_user.post(
        f"/v1/me/threads/{thread_id}/messages",
        json={"body": "Kiitos, tulen paikalle."},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["author_kind"] == "client"

    staff_view = officer.get(f"/v1/threads/{thread_id}").json()
    assert staff_view["message_count"] == 2
    assert staff_view["unread_count"] == 1
    # Another municipality's staff do not see it.
    assert tampere_officer.get(f"/v1/threads/{thread_id}").status_code == 404
