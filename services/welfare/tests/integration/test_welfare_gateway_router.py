"""The REST routers of the welfare-area collaboration (kotopolku.gateway.routers.welfare and
.welfare_area) against the real welfare and clients services: JSON ↔ messages, status codes,
problem+json naming fields, ETag/If-Match, Location, Idempotency-Key, the feed's cursor and the
client's own disclosure log. Token validation is the gateway suite's concern; here the caller is
chosen by a test header, and calls go through the real ``GatewayState.call`` with real
assertions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from welfare_testkit import (
    PIRKANMAA,
    PIRKANMAA_SYSTEM,
    TAMPERE,
    TODAY,
    VANTAA_KERAVA,
    Clock,
    World,
    start_world,
)

from kotopolku.common import testing
from kotopolku.common.identity import Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.gateway.auth.dependencies import authenticated, gateway_state
from kotopolku.gateway.problems import install_handlers
from kotopolku.gateway.routers import welfare, welfare_area
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.gateway.state import AssertionCache, GatewayState

PROBLEM = "application/problem+json"


class RouterState:
    """What the routers use of the gateway's state: the real ``call``, and the stubs."""

    call = GatewayState.call
    with_client = GatewayState.with_client

    def __init__(self, keys: testing.TestKeys, world: World) -> None:
        self.settings = GatewaySettings(backend_timeout_seconds=10)
        self.assertions = AssertionCache(keys.gateway_signer())
        self.welfare = world.welfare
        self.clients = world.clients


@dataclass
class Api:
    http: httpx.AsyncClient
    world: World
    callers: dict[str, Caller]

    def headers(self, caller: str, **extra: str) -> dict[str, str]:
        return {"x-test-caller": caller, **extra}


@pytest.fixture
async def api(
    keys: testing.TestKeys, clients_service: ServiceHost, tmp_path: Path
) -> AsyncIterator[Api]:
    world, _ = await start_world(
        keys, f"sqlite:///{tmp_path / 'welfare.db'}", clients_service.port, Clock(), tmp_path
    )
    callers: dict[str, Caller] = {
        "officer": TAMPERE,
        "pirkanmaa": PIRKANMAA,
        "system": PIRKANMAA_SYSTEM,
        "vantaa-kerava": VANTAA_KERAVA,
    }
    state = RouterState(keys, world)
    app = FastAPI()
    install_handlers(app)
    app.include_router(welfare.router)
    app.include_router(welfare_area.router)

    async def caller(request: Request) -> Caller:
        return callers[request.headers.get("x-test-caller", "officer")]

    async def the_state() -> Any:
        return state

    app.dependency_overrides[authenticated] = caller
    app.dependency_overrides[gateway_state] = the_state
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client, world, callers)
    finally:
        await world.stop()


PROPOSAL = {
    "ely_centre": "ely-pirkanmaa",
    "ely_reference": "ELY-PIR-2026-0042",
    "basis": "quota-refugee",
    "persons": [
        {
            "role": "principal",
            "first_names": "Hodan",
            "last_name": "Warsame",
            "date_of_birth": "1986-04-17",
            "languages": ["so"],
            "service_needs": ["trauma-support"],
        },
        {
            "role": "child",
            "first_names": "Idil",
            "last_name": "Warsame",
            "date_of_birth": "2024-01-28",
            "languages": ["so"],
        },
    ],
}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


async def test_the_consultation_round_trip_over_rest(api: Api) -> None:
    http = api.http
    created = await http.post(
        "/v1/placement-proposals", json=PROPOSAL, headers=api.headers("officer")
    )
    assert created.status_code == 201, created.text
    proposal = created.json()
    assert created.headers["location"] == f"/v1/placement-proposals/{proposal['id']}"
    assert created.headers["etag"] == '"1"'
    assert proposal["evident_service_needs"] is True
    assert proposal["reception_stage"] == "not-applicable"

    started = await http.post(
        f"/v1/placement-proposals/{proposal['id']}/consultation",
        json={"note": "Esteetön asunto tarpeen.", "note_reviewed": True},
        headers=api.headers("officer", **{"Idempotency-Key": "c-1"}),
    )
    assert started.status_code == 201, started.text
    consultation = started.json()
    assert consultation["profile"]["persons"][0] == {
        "role": "principal",
        "age_band": "30-49",
        "service_needs": ["trauma-support"],
        "unaccompanied_minor": False,
    }
    assert consultation["proposal_id"] == proposal["id"]

    seen = await http.get(
        f"/v1/welfare-area/consultations/{consultation['id']}", headers=api.headers("system")
    )
    assert seen.status_code == 200
    assert seen.json()["proposal_id"] is None
    assert "Warsame" not in seen.text
    other = await http.get(
        f"/v1/welfare-area/consultations/{consultation['id']}",
        headers=api.headers("vantaa-kerava"),
    )
    problem(other, 404)

    bad = await http.post(
        f"/v1/welfare-area/consultations/{consultation['id']}/answer",
        json={"recommendation": "maybe"},
        headers=api.headers("pirkanmaa"),
    )
    assert [e["field"] for e in problem(bad, 422)["errors"]] == ["recommendation"]
    answer = {"recommendation": "supports", "prepared_services": ["trauma-support"]}
    answered = await http.post(
        f"/v1/welfare-area/consultations/{consultation['id']}/answer",
        json=answer,
        headers=api.headers("pirkanmaa", **{"Idempotency-Key": "a-1"}),
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "answered"
    again = await http.post(
        f"/v1/welfare-area/consultations/{consultation['id']}/answer",
        json=answer,
        headers=api.headers("pirkanmaa", **{"Idempotency-Key": "a-1"}),
    )
    assert again.json() == answered.json()
    problem(
        await http.post(
            f"/v1/welfare-area/consultations/{consultation['id']}/answer",
            json=answer,
            headers=api.headers("pirkanmaa"),
        ),
        409,
    )

    decision = {"decision": "accept", "reason": "Asunto järjestyy"}
    path = f"/v1/placement-proposals/{proposal['id']}/decision"
    problem(await http.post(path, json=decision, headers=api.headers("officer")), 428)
    current = await http.get(
        f"/v1/placement-proposals/{proposal['id']}", headers=api.headers("officer")
    )
    decided = await http.post(
        path, json=decision, headers=api.headers("officer", **{"If-Match": current.headers["etag"]})
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["reception_stage"] == "preparing"
    problem(
        await http.post(
            path,
            json=decision,
            headers=api.headers("officer", **{"If-Match": current.headers["etag"]}),
        ),
        409,
    )

    feed = await http.get(
        "/v1/welfare-area/feed", params={"limit": 2}, headers=api.headers("system")
    )
    assert feed.status_code == 200
    page = feed.json()
    assert [e["type"] for e in page["events"]] == ["consultation.opened", "consultation.answered"]
    assert page["more"] is True
    rest = await http.get(
        "/v1/welfare-area/feed",
        params={"cursor": page["next_cursor"]},
        headers=api.headers("system"),
    )
    assert [(e["position"], e["type"]) for e in rest.json()["events"]] == [
        (3, "consultation.decided")
    ]
    foreign = await http.get(
        "/v1/welfare-area/feed",
        params={"cursor": page["next_cursor"]},
        headers=api.headers("vantaa-kerava"),
    )
    assert [e["field"] for e in problem(foreign, 422)["errors"]] == ["cursor"]


async def test_cooperation_and_the_clients_own_disclosure_log_over_rest(api: Api) -> None:
    http = api.http
    client = await api.world.new_client()
    body = {
        "scope": ["multi-sector-assessment", "multi-sector-plan"],
        "reason": "Monialainen arviointi",
        "municipal_contact": {"name": "Kaisa Kotoutus", "phone": "040 1234567"},
        "basis": {
            "kind": "consent",
            "categories": ["multi-sector-plan"],
            "consent_given_on": TODAY.isoformat(),
        },
    }
    created = await http.post(
        f"/v1/clients/{client.id}/cooperations", json=body, headers=api.headers("officer")
    )
    assert created.status_code == 201, created.text
    cooperation = created.json()
    assert cooperation["state"] == "requested"
    assert cooperation["client_id"] == client.id

    listed = await http.get("/v1/welfare-area/cooperations", headers=api.headers("pirkanmaa"))
    [item] = listed.json()["items"]
    assert item["person"] is None  # lists do not identify; the read does, and logs it
    read = await http.get(
        f"/v1/welfare-area/cooperations/{cooperation['id']}", headers=api.headers("pirkanmaa")
    )
    assert read.json()["person"]["henkilotunnus"] == client.henkilotunnus
    assert read.json()["client_id"] is None

    missing = await http.post(
        f"/v1/welfare-area/cooperations/{cooperation['id']}/answer",
        json={"accept": True},
        headers=api.headers("pirkanmaa"),
    )
    assert [e["field"] for e in problem(missing, 422)["errors"]] == ["responsible.name"]
    accepted = await http.post(
        f"/v1/welfare-area/cooperations/{cooperation['id']}/answer",
        json={"accept": True, "responsible": {"name": "Sari S", "email": "sari@pirha.example.fi"}},
        headers=api.headers("pirkanmaa", **{"Idempotency-Key": "ans-1"}),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["disclosure_allowed"] is True

    me = replace(
        Caller("client-x", frozenset({Role.CLIENT}), "self-service"),
        henkilotunnus=client.henkilotunnus,
    )
    api.callers["me"] = me
    own = await http.get("/v1/me/disclosures", headers=api.headers("me"))
    assert own.status_code == 200, own.text
    # The read of the request and the answer's response each showed who it is about.
    entries = own.json()["items"]
    assert len(entries) == 2
    for entry in entries:
        assert (entry["welfare_area"], entry["channel"], entry["basis_kind"]) == (
            "pirkanmaa",
            "cooperation-request",
            "consent",
        )
        assert "person.henkilotunnus" in entry["fields"]
    basis_id = cooperation["bases"][0]["id"]
    withdrawn = await http.post(
        f"/v1/me/disclosure-bases/{basis_id}/withdraw", json={}, headers=api.headers("me")
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["valid_now"] is False
    after = await http.get(
        f"/v1/welfare-area/cooperations/{cooperation['id']}", headers=api.headers("pirkanmaa")
    )
    assert after.json()["person"] is None
    assert after.json()["disclosure_allowed"] is False
    # An officer sees the client's log too; a welfare area does not.
    log = await http.get(f"/v1/clients/{client.id}/disclosures", headers=api.headers("officer"))
    assert len(log.json()["items"]) == 2
    problem(
        await http.get(f"/v1/clients/{client.id}/disclosures", headers=api.headers("pirkanmaa")),
        403,
    )
    problem(await http.get("/v1/me/disclosures", headers=api.headers("officer")), 403)


async def test_the_reception_and_transfer_routes(api: Api) -> None:
    http = api.http
    persons = [dict(p, service_needs=[]) for p in PROPOSAL["persons"]]  # type: ignore[arg-type]
    created = await http.post(
        "/v1/placement-proposals",
        json={**PROPOSAL, "persons": persons},
        headers=api.headers("officer"),
    )
    proposal = created.json()
    decided = await http.post(
        f"/v1/placement-proposals/{proposal['id']}/decision",
        json={"decision": "accept", "reason": "Sopii"},
        headers=api.headers("officer", **{"If-Match": created.headers["etag"]}),
    )
    etag = decided.headers["etag"]
    base = f"/v1/placement-proposals/{proposal['id']}"
    housed = await http.post(
        f"{base}/housing",
        json={"contract_reference": "VUOKRA-1", "available_from": TODAY.isoformat()},
        headers=api.headers("officer", **{"If-Match": etag}),
    )
    assert housed.status_code == 200, housed.text
    arrival_day = TODAY.replace(day=20)
    ready = await http.post(
        f"{base}/earliest-arrival",
        json={"date": arrival_day.isoformat()},
        headers=api.headers("officer", **{"If-Match": housed.headers["etag"]}),
    )
    assert ready.json()["reception_stage"] == "ready"
    naive = await http.post(
        f"{base}/arrival",
        json={"arrives_at": f"{arrival_day}T13:40:00", "place": "Helsinki-Vantaa"},
        headers=api.headers("officer", **{"If-Match": ready.headers["etag"]}),
    )
    assert [e["field"] for e in problem(naive, 422)["errors"]] == ["arrives_at"]
    scheduled = await http.post(
        f"{base}/arrival",
        json={"arrives_at": f"{arrival_day}T13:40:00+02:00", "place": "Helsinki-Vantaa"},
        headers=api.headers("officer", **{"If-Match": ready.headers["etag"]}),
    )
    assert scheduled.status_code == 200, scheduled.text
    tasks = scheduled.json()["tasks"]
    assert {t["kind"] for t in tasks} == {
        "transport",
        "first-groceries",
        "interpreter",
        "initial-info",
    }
    task = tasks[0]
    patched = await http.patch(
        f"/v1/reception-tasks/{task['id']}",
        json={"assignee": "Kaisa", "status": "in-progress"},
        headers=api.headers("officer", **{"If-Match": f'"{task["version"]}"'}),
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["assignee"], patched.json()["status"]) == ("Kaisa", "in-progress")

    transfer = {
        "reception_centre": "Joutsenon vastaanottokeskus",
        "basis": "temporary-protection",
        "consent": {"given_on": TODAY.isoformat(), "scope": "Siirto kuntaan"},
        "person": {"first_names": "Olena", "last_name": "Kovalenko", "date_of_birth": "1979-02-11"},
    }
    recorded = await http.post(
        "/v1/reception-transfers", json=transfer, headers=api.headers("officer")
    )
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert "henkilotunnus" in body["still_to_ask"]
    assert recorded.headers["location"] == f"/v1/reception-transfers/{body['id']}"
    problem(
        await http.post(
            "/v1/reception-transfers",
            json={**transfer, "consent": {"given_on": "", "scope": "x"}},
            headers=api.headers("officer"),
        ),
        422,
    )


async def test_each_side_has_its_own_routes(api: Api) -> None:
    """The municipality's routes refuse a welfare area and /v1/welfare-area refuses municipal
    staff (found by the authorisation matrix: a welfare area's list under a client's
    cooperations answered with all its cooperations, whatever the client)."""
    http = api.http
    proposal = (
        await http.post("/v1/placement-proposals", json=PROPOSAL, headers=api.headers("officer"))
    ).json()
    consultation = (
        await http.post(
            f"/v1/placement-proposals/{proposal['id']}/consultation",
            json={},
            headers=api.headers("officer"),
        )
    ).json()
    for path in (
        "/v1/consultations",
        f"/v1/consultations/{consultation['id']}",
        f"/v1/placement-proposals/{proposal['id']}",
        f"/v1/clients/{proposal['id']}/cooperations",
    ):
        for caller in ("pirkanmaa", "system", "vantaa-kerava"):
            problem(await http.get(path, headers=api.headers(caller)), 403)
    for path in (
        "/v1/welfare-area/consultations",
        f"/v1/welfare-area/consultations/{consultation['id']}",
        "/v1/welfare-area/cooperations",
        "/v1/welfare-area/feed",
    ):
        problem(await http.get(path, headers=api.headers("officer")), 403)
    seen = await http.get(
        f"/v1/welfare-area/consultations/{consultation['id']}", headers=api.headers("system")
    )
    assert seen.status_code == 200, seen.text
