"""Small helpers the segment journeys share: checked responses, waiting for work handed over
through an outbox, the client user's record, ending a client's active use, and archiving."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from e2e.conftest import Api, finnish_today


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def act(
    api: Api, path: str, etag: str, body: Any = None, status: int = 200
) -> tuple[dict[str, Any], str]:
    """A state change guarded by If-Match: the new representation and its ETag."""
    response = api.post(path, json=body, headers={"If-Match": etag})
    return ok(response, status), response.headers["etag"]


def training_service(officer: Api, languages: list[str], **place: Any) -> dict[str, Any]:
    """A new integration-training service of the provider organisation of `provider.opisto`
    (the provider itself made once); ``place``: ``remote`` and ``location``."""
    if officer.get("/v1/programme/providers/opisto").status_code == 404:
        ok(
            officer.post(
                "/v1/programme/providers",
                json={"id": "opisto", "name": "Helsingin aikuisopisto", "business_id": "0112038-9"},
            ),
            201,
        )
    return ok(
        officer.post(
            "/v1/programme/services",
            json={
                "type": "integration-training",
                "name": f"Kotoutumiskoulutus {uuid.uuid4().hex[:6]}",
                "provider_id": "opisto",
                "languages": languages,
                "capacity": 20,
                "valid_from": finnish_today().isoformat(),
                **place,
            },
            headers=key(),
        ),
        201,
    )


def eventually(read: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 20) -> Any:
    """Reads until ``done``: work handed over through an outbox arrives shortly."""
    deadline = time.monotonic() + seconds
    while True:
        found = read()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def audit_actions(auditor: Api, client_id: str) -> set[str]:
    actions: set[str] = set()
    token = ""
    while True:
        page = ok(
            auditor.get(
                "/v1/audit/events",
                params={"subject_client_id": client_id, "page_size": 200, "page_token": token},
            )
        )
        actions |= {e["action"] for e in page["items"]}
        token = page.get("next_page_token") or ""
        if not token:
            return actions


def record_of(officer: Api, henkilotunnus: str) -> str | None:
    """The caller's municipality's record of a person, if any."""
    found = ok(officer.post("/v1/clients/search", json={"henkilotunnus": henkilotunnus}))
    return str(found["items"][0]["id"]) if found["items"] else None


def archive(archivist: Api, client_id: str, reason: str) -> dict[str, Any]:
    """Starts an archive job and waits until it is completed (or failed)."""
    started = archivist.post(
        "/v1/archive/jobs", json={"client_id": client_id, "reason": reason}, headers=key()
    )
    job = ok(started, 202)
    done: dict[str, Any] = eventually(
        lambda: ok(archivist.get(f"/v1/archive/jobs/{job['id']}")),
        lambda j: j["state"] in ("completed", "failed", "held"),
        seconds=60,
    )
    assert done["state"] == "completed", done
    return done


def end_plans_in_force(officer: Api, client_user: Api, client_id: str) -> None:
    """Ends the plans earlier runs left unfinished (awaiting approval, in force or suspended):
    while one is, the client's active use has not ended and the archive refuses the client. A
    submitted plan cannot be withdrawn, so one left awaiting approval first gets the approvals
    it lacks (the client's and the officer's), and then ends like a plan in force."""
    for listed in ok(officer.get(f"/v1/clients/{client_id}/plans"))["items"]:
        path = f"/v1/plans/{listed['id']}"
        if listed["status"] not in ("awaiting-approval", "active", "suspended"):
            continue
        current = officer.get(path)
        plan, etag = ok(current), current.headers["etag"]
        approved = {a["party"] for a in plan["approvals"]}
        for party, api in (("client", client_user), ("officer", officer)):
            if plan["status"] == "awaiting-approval" and party not in approved:
                plan, etag = act(api, f"{path}/approve", etag)
        act(
            officer,
            f"{path}/reviews",
            etag,
            {"reason": "material-change", "outcome": "end", "follow_up_plan": "E2e"},
        )


def open_cooperations(officer: Api, client_id: str) -> list[dict[str, Any]]:
    """The client's cooperations with the welfare area that are still requested or accepted
    (the first page of each: enough for a journey, whose clients have a few)."""
    return [
        cooperation
        for state in ("requested", "accepted")
        for cooperation in ok(
            officer.get(
                f"/v1/clients/{client_id}/cooperations", params={"state": state, "page_size": 200}
            )
        )["items"]
    ]


def end_open_cooperations(officer: Api, client_id: str, reason: str) -> list[dict[str, Any]]:
    """Ends the client's cooperations with the welfare area that are still requested or
    accepted: while one is, the welfare area may be working with the client's data, and the
    archive refuses to archive the client. Returns the ended cooperations."""
    ended: list[dict[str, Any]] = []
    for _ in range(20):
        still_open = open_cooperations(officer, client_id)
        if not still_open:
            return ended
        for cooperation in still_open:
            path = f"/v1/cooperations/{cooperation['id']}"
            current = officer.get(path)
            done, _ = act(officer, f"{path}/end", current.headers["etag"], {"reason": reason})
            assert done["state"] == "ended", done
            ended.append(done)
    raise AssertionError(f"cooperations of {client_id} are still open")


def end_active_use(officer: Api, client_user: Api, client_id: str) -> None:
    """What the municipality does when a client relationship ends: unfinished plans end (with a
    follow-up) and the cooperations with the welfare area end."""
    end_plans_in_force(officer, client_user, client_id)
    end_open_cooperations(officer, client_id, "E2e: asiakkuus päättyi")


def without_record(officer: Api, archivist: Api, client_user: Api) -> None:
    """A journey that makes a client user a client starts with no record of them. A record left
    by another test (or an earlier run), in whatever state, is archived first, as the
    municipality would once the active use ended; the journey's own record is a new one."""
    henkilotunnus = str(client_user.claims["hetu"])
    existing = record_of(officer, henkilotunnus)
    if existing is not None:
        end_active_use(officer, client_user, existing)
        archive(archivist, existing, "E2e: aiempi asiakkuus päättyi")
    assert record_of(officer, henkilotunnus) is None
