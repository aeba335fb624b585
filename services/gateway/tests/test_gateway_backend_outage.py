"""A backend that goes away: the gateway answers 503 quickly (no hang) and recovers."""

from __future__ import annotations

import time
from datetime import date

import httpx
from gateway_testkit import GatewayStack, hetu, wait_until

PROBLEM = "application/problem+json"


async def test_a_stopped_clients_service_is_a_fast_503_and_the_gateway_recovers(
    gateway: GatewayStack,
) -> None:
    body = {
        "first_names": "Tuuli",
        "last_name": "Räsänen",
        "date_of_birth": "1988-08-08",
        "henkilotunnus": hetu(date(1988, 8, 8), 906),
    }
    created = await gateway.http.post("/v1/clients", json=body, headers=gateway.officer())
    assert created.status_code == 201, created.text
    location = created.headers["location"]

    await gateway.stop_clients()

    async def timed(method: str, path: str, **options: object) -> tuple[httpx.Response, float]:
        started = time.perf_counter()
        response = await gateway.http.request(
            method,
            path,
            headers=gateway.officer(),
            **options,  # type: ignore[arg-type]
        )
        return response, time.perf_counter() - started

    for method, path, payload in (
        ("GET", location, None),
        ("POST", "/v1/clients/search", {"name": "Räsänen"}),
        ("POST", "/v1/clients", {**body, "henkilotunnus": hetu(date(1988, 8, 8), 907)}),
    ):
        response, elapsed = await timed(method, path, json=payload)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["retry-after"] == "2"
        problem = response.json()
        assert problem["type"] == "urn:kotopolku:problem:service-unavailable"
        assert problem["status"] == 503
        assert elapsed < 2.0, f"{method} {path} took {elapsed:.2f} s with the backend down"

    ready = await gateway.http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "not-ready"
    backends = ready.json()["backends"]
    assert backends.pop("clients") == "unavailable"
    assert set(backends.values()) == {"serving"}
    # The audit service is still up: its routes keep working.
    audit = await gateway.http.get("/v1/audit/events", headers=gateway.auditor())
    assert audit.status_code == 200, audit.text

    await gateway.restart_clients()

    async def served() -> bool:
        response = await gateway.http.get(location, headers=gateway.officer())
        return response.status_code == 200

    await wait_until(served, 10, "the gateway to reach the restarted clients service", 0.1)
    read = await gateway.http.get(location, headers=gateway.officer())
    assert read.json()["henkilotunnus"] == body["henkilotunnus"]
    assert read.headers["etag"] == '"1"'
    assert (await gateway.http.get("/readyz")).status_code == 200
