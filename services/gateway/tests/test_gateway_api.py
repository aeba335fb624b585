"""The whole gateway in-process against the real clients and audit services.

The tests run on SQLite and on PostgreSQL; tokens come from a real JWKS endpoint; the app runs
inside its lifespan and is driven over ASGI with ``httpx``. They share one stack per database
kind (``shared_gateway``), so each uses names and identity codes of its own.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from gateway_testkit import GatewayStack, hetu, wait_until, with_bad_checksum

from kotopolku.common.identity import Role
from kotopolku.gateway.settings import GatewaySettings

PROBLEM = "application/problem+json"


@pytest.fixture
def gateway(shared_gateway: GatewayStack) -> GatewayStack:
    return shared_gateway


VALIDATION = "urn:kotopolku:problem:validation-error"


def person(
    first_names: str = "Aino",
    last_name: str = "Virtanen",
    birth: date = date(1985, 3, 14),
    individual: int | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A client body; with ``individual`` it gets a valid henkilötunnus matching ``birth``."""
    body: dict[str, Any] = {
        "first_names": first_names,
        "last_name": last_name,
        "date_of_birth": birth.isoformat(),
        "languages": ["ar", "fi"],
    }
    if individual is not None:
        body["henkilotunnus"] = hetu(birth, individual)
    body.update(fields)
    return body


def assert_problem(
    response: httpx.Response, status: int, kind: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("urn:kotopolku:problem:")
    if kind is not None:
        assert body["type"] == f"urn:kotopolku:problem:{kind}"
    return body


async def create(stack: GatewayStack, body: dict[str, Any], **headers: str) -> httpx.Response:
    return await stack.http.post("/v1/clients", json=body, headers=stack.officer(**headers))


# --- authentication ----------------------------------------------------------------------


async def test_requests_without_a_valid_token_get_401_with_a_bearer_challenge(
    gateway: GatewayStack,
) -> None:
    expired = gateway.token(iat=1_600_000_000, exp=1_600_000_300)
    forged = gateway.signing_key.sign(
        {"sub": "x", "iss": gateway.issuer.issuer, "aud": "kotopolku-gateway"}, kid="nope"
    )
    attempts: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic b2ZmaWNlcjpzZWNyZXQ="},
        {"Authorization": gateway.token()},  # no scheme
        gateway.auth("not-a-token"),
        gateway.auth(expired),
        gateway.auth(forged),
    ]
    for headers in attempts:
        for method, path in (("GET", f"/v1/clients/{uuid.uuid4()}"), ("GET", "/v1/me")):
            response = await gateway.http.request(method, path, headers=headers)
            body = assert_problem(response, 401, "unauthenticated")
            assert response.headers["www-authenticate"].startswith("Bearer"), headers
            assert body["instance"] == path
    # The token's content never comes back in the answer.
    response = await gateway.http.get("/v1/me", headers=gateway.auth(expired))
    assert expired not in response.text
    assert "expired" in response.json()["detail"]


async def test_the_token_is_checked_before_the_body_is_read(gateway: GatewayStack) -> None:
    """FastAPI parses a JSON body before a route's dependencies run; the authentication gate
    answers 401 first, so an anonymous caller never learns how bodies are judged."""
    for headers in ({}, gateway.auth("not-a-token")):
        for method, path, content in (
            ("POST", "/v1/clients", b"{not json"),
            ("PATCH", f"/v1/clients/{uuid.uuid4()}", b"[1, 2"),
            ("POST", "/v1/clients/search", b'{"name": 5}'),
            ("GET", "/v1/no-such-operation", b""),
        ):
            response = await gateway.http.request(
                method,
                path,
                content=content,
                headers={"Content-Type": "application/json", **headers},
            )
            assert_problem(response, 401, "unauthenticated")
            assert response.headers["www-authenticate"].startswith("Bearer")
    # With a valid token the same malformed body is the caller's mistake.
    response = await gateway.http.post(
        "/v1/clients",
        content=b"{not json",
        headers={"Content-Type": "application/json", **gateway.officer()},
    )
    assert response.status_code in (400, 422), response.text
    # A route that needs no token (a calendar feed: its URL is the secret) stays reachable.
    assert (await gateway.http.get("/v1/calendar-feeds/unknown-secret.ics")).status_code == 404


async def test_an_anonymous_401_is_counted_under_its_route_template(
    gateway: GatewayStack,
) -> None:
    client_id = str(uuid.uuid4())
    response = await gateway.http.get(f"/v1/clients/{client_id}")
    assert response.status_code == 401
    metrics = (await gateway.http.get("/metrics")).text
    assert 'route="/v1/clients/{client_id}",status="401"' in metrics
    assert client_id not in metrics


# --- clients: create, validate, idempotency, optimistic concurrency ----------------------


async def test_create_returns_201_with_etag_and_location_and_reads_back(
    gateway: GatewayStack,
) -> None:
    code = hetu(date(1985, 3, 14), 901)
    response = await create(gateway, person(henkilotunnus=code, segment="placed"))

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["version"] == 1
    assert created["municipality_code"] == "091"
    assert created["henkilotunnus"] == code
    assert created["segment"] == "placed"
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/clients/{created['id']}"

    read = await gateway.http.get(response.headers["location"], headers=gateway.officer())
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == created


async def test_invalid_henkilotunnus_is_a_422_problem_naming_the_field(
    gateway: GatewayStack,
) -> None:
    bad = with_bad_checksum(hetu(date(1985, 3, 14), 902))
    response = await create(gateway, person(henkilotunnus=bad))

    body = assert_problem(response, 422)
    assert body["type"] == VALIDATION
    assert body["errors"][0]["field"] == "henkilotunnus"
    assert body["errors"][0]["pointer"] == "#/henkilotunnus"
    assert body["errors"][0]["detail"]
    # The problem explains; it does not echo the rejected identity code.
    assert bad not in response.text


async def test_unknown_json_fields_and_wrong_types_are_422_problems(gateway: GatewayStack) -> None:
    unknown = await create(gateway, person(favourite_colour="blue"))
    body = assert_problem(unknown, 422)
    assert body["type"] == VALIDATION
    assert [e["field"] for e in body["errors"]] == ["favourite_colour"]

    wrong = await create(gateway, person(languages="fi", segment="tourist"))
    body = assert_problem(wrong, 422)
    assert {e["field"] for e in body["errors"]} >= {"languages", "segment"}

    not_json = await gateway.http.post(
        "/v1/clients",
        content=b"{not json",
        headers=gateway.officer() | {"Content-Type": "application/json"},
    )
    assert_problem(not_json, 422, "validation-error")


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/v1/clients", "henkilotunnus", "\ud800"),
        ("/v1/clients", "date_of_birth", "1985-03-14\udfff"),
        ("/v1/clients", "languages", ["fi", "\ud800"]),
        ("/v1/clients/search", "henkilotunnus", "\ud800"),
        ("/v1/clients/search", "page_token", "x" * 10_001),
        ("/v1/referrals", "municipality_code", "\ud800"),
    ],
)
async def test_unencodable_or_oversized_text_is_a_422_not_a_500(
    gateway: GatewayStack, path: str, field: str, value: Any
) -> None:
    """JSON may carry unpaired surrogates (the escape ``\\ud800``); protobuf cannot encode them,
    so they must be refused as invalid input."""
    if path == "/v1/referrals":
        body: dict[str, Any] = {
            "municipality_code": "091",
            "first_names": "Omar",
            "last_name": "Ali",
            "date_of_birth": "1992-02-02",
            "reason": "x",
        }
        headers = gateway.referrer()
    elif path == "/v1/clients":
        body, headers = person(), gateway.officer()
    else:
        body, headers = {}, gateway.officer()
    raw = json.dumps(body | {field: value})  # ensure_ascii: the surrogate travels as an escape
    response = await gateway.http.post(
        path, content=raw.encode(), headers=headers | {"Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"][0]["field"].split(".")[0] == field


async def test_the_same_idempotency_key_returns_the_same_client(gateway: GatewayStack) -> None:
    body = person("Leila", "Korhonen", date(1990, 5, 6), 903)
    first = await create(gateway, body, **{"Idempotency-Key": "create-leila-1"})
    again = await create(gateway, body, **{"Idempotency-Key": "create-leila-1"})
    assert first.status_code == 201, first.text
    assert again.status_code in (200, 201), again.text
    assert again.json()["id"] == first.json()["id"]

    other = await create(
        gateway,
        person("Leila", "Korhonen", date_of_birth="1991-01-01"),
        **{"Idempotency-Key": "k2"},
    )
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]

    found = await gateway.http.post(
        "/v1/clients/search", json={"name": "Korhonen"}, headers=gateway.officer()
    )
    assert found.status_code == 200
    assert sorted(c["id"] for c in found.json()["items"]) == sorted(
        [first.json()["id"], other.json()["id"]]
    )

    # The key bound to a different request body is refused, not silently reused.
    reused = await create(
        gateway, person("Someone", "Else"), **{"Idempotency-Key": "create-leila-1"}
    )
    assert_problem(reused, 422, "idempotency-key-reused")


async def test_updates_need_a_current_if_match(gateway: GatewayStack) -> None:
    created = await create(gateway, person("Matti", "Nieminen"))
    location = created.headers["location"]

    missing = await gateway.http.patch(
        location, json={"last_name": "Laine"}, headers=gateway.officer()
    )
    assert_problem(missing, 428, "precondition-required")

    good = await gateway.http.patch(
        location, json={"last_name": "Laine"}, headers=gateway.officer(**{"If-Match": '"1"'})
    )
    assert good.status_code == 200, good.text
    assert good.headers["etag"] == '"2"'
    assert good.json()["last_name"] == "Laine"
    assert good.json()["first_names"] == "Matti"  # untouched: only sent fields change

    stale = await gateway.http.patch(
        location, json={"last_name": "Lahtinen"}, headers=gateway.officer(**{"If-Match": '"1"'})
    )
    assert_problem(stale, 412, "stale-version")
    not_a_version = await gateway.http.patch(
        location, json={"last_name": "Lahtinen"}, headers=gateway.officer(**{"If-Match": '"abc"'})
    )
    assert_problem(not_a_version, 412, "stale-version")

    weak = await gateway.http.patch(
        location, json={"last_name": "Lahtinen"}, headers=gateway.officer(**{"If-Match": 'W/"2"'})
    )
    assert weak.status_code == 200, weak.text
    assert weak.headers["etag"] == '"3"'
    read = await gateway.http.get(location, headers=gateway.officer())
    assert (read.json()["last_name"], read.headers["etag"]) == ("Lahtinen", '"3"')


async def test_another_municipality_sees_404_not_the_record(gateway: GatewayStack) -> None:
    created = (await create(gateway, person("Sanna", "Mäkinen"))).json()
    path = f"/v1/clients/{created['id']}"

    other = await gateway.http.get(path, headers=gateway.officer("837"))
    body = assert_problem(other, 404, "not-found")
    assert "Mäkinen" not in other.text
    missing = await gateway.http.get(f"/v1/clients/{uuid.uuid4()}", headers=gateway.officer("837"))
    assert_problem(missing, 404, "not-found")
    assert body["title"] == missing.json()["title"]

    patch = await gateway.http.patch(
        path, json={"last_name": "X"}, headers=gateway.officer("837", **{"If-Match": '"1"'})
    )
    assert_problem(patch, 404, "not-found")
    search = await gateway.http.post(
        "/v1/clients/search", json={"name": "Mäkinen"}, headers=gateway.officer("837")
    )
    assert search.json()["items"] == []


# --- roles -------------------------------------------------------------------------------


async def test_a_referrer_may_only_create_referrals(gateway: GatewayStack) -> None:
    referral = {
        "municipality_code": "091",
        "first_names": "Omar",
        "last_name": "Ali",
        "date_of_birth": "1992-02-02",
        "languages": ["so"],
        "reason": "Muuttanut kuntaan, tarvitsee alkukartoituksen",
    }
    created = await gateway.http.post("/v1/referrals", json=referral, headers=gateway.referrer())
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "received"
    assert created.json()["referrer_organisation"] == "migri"

    client_id = (await create(gateway, person())).json()["id"]
    forbidden = [
        ("POST", "/v1/clients", person()),
        ("POST", "/v1/clients/search", {"name": "Virtanen"}),
        ("GET", "/v1/referrals", None),
        ("GET", f"/v1/referrals/{created.json()['id']}", None),
        ("GET", "/v1/audit/events", None),
        ("POST", "/v1/audit/verify", None),
        ("GET", "/v1/me", None),
        ("POST", f"/v1/clients/{client_id}/consents", {"purpose": "p", "scope": "s"}),
        ("GET", f"/v1/clients/{client_id}", None),
    ]
    for method, path, body in forbidden:
        response = await gateway.http.request(method, path, json=body, headers=gateway.referrer())
        assert_problem(response, 403, "forbidden")

    # The municipality sees the referral.
    listed = await gateway.http.get("/v1/referrals", headers=gateway.officer())
    assert [r["id"] for r in listed.json()["items"]] == [created.json()["id"]]


async def test_auditors_read_the_trail_after_delivery_and_others_may_not(
    gateway: GatewayStack,
) -> None:
    created = (await create(gateway, person("Eero", "Salo"))).json()
    await gateway.http.get(f"/v1/clients/{created['id']}", headers=gateway.officer())
    query = {"subject_client_id": created["id"]}

    async def trail() -> list[dict[str, Any]]:
        response = await gateway.http.get(
            "/v1/audit/events", params=query, headers=gateway.auditor()
        )
        assert response.status_code == 200, response.text
        # Newest first; the auditor's own queries are on the trail as well.
        return [e for e in reversed(response.json()["items"]) if e["service"] == "clients"]

    async def delivered() -> bool:
        return len(await trail()) >= 2

    await wait_until(delivered, 5, "the clients service's audit events at the audit service")
    events = await trail()
    assert [e["action"] for e in events] == ["client.create", "client.read"]
    for event in events:
        assert event["actor_subject"] == "officer-091"
        assert event["actor_roles"] == [Role.MUNICIPAL_OFFICER]
        assert event["subject_client_id"] == created["id"]
        assert event["municipality_code"] == "091"
        assert event["purpose"] == "integration-services"
        assert "Salo" not in str(event)

    for headers in (gateway.officer(), gateway.referrer(), gateway.client_user("010190-999W")):
        denied = await gateway.http.get("/v1/audit/events", params=query, headers=headers)
        assert_problem(denied, 403, "forbidden")
    # An auditor of another municipality sees none of 091's entries.
    other = await gateway.http.get("/v1/audit/events", params=query, headers=gateway.auditor("837"))
    assert other.status_code == 200
    assert other.json()["items"] == []


async def test_purpose_of_use_is_recorded_and_checked(gateway: GatewayStack) -> None:
    created = (await create(gateway, person("Ilona", "Heikkinen"))).json()
    path = f"/v1/clients/{created['id']}"
    unknown = await gateway.http.get(
        path, headers=gateway.officer(**{"X-Purpose-Of-Use": "curiosity"})
    )
    assert_problem(unknown, 422, "validation-error")
    chosen = await gateway.http.get(
        path, headers=gateway.officer(**{"X-Purpose-Of-Use": "welfare-cooperation"})
    )
    assert chosen.status_code == 200

    async def recorded() -> list[str]:
        response = await gateway.http.get(
            "/v1/audit/events",
            params={"subject_client_id": created["id"]},
            headers=gateway.auditor(),
        )
        return [e["purpose"] for e in response.json()["items"] if e["action"] == "client.read"]

    async def arrived() -> bool:
        return bool(await recorded())

    await wait_until(arrived, 5, "the read's audit event")
    assert await recorded() == ["welfare-cooperation"]


async def test_xroad_headers_are_checked_and_kept_in_the_audit_record(
    gateway: GatewayStack,
) -> None:
    created = (await create(gateway, person("Saara", "Lindqvist"))).json()
    path = f"/v1/clients/{created['id']}"
    xroad = {
        "X-Road-Client": "FI-TEST/GOV/0245437-2/kotopolku-client",
        "X-Road-Id": "6f0d2a1e-1111-4c4c-8b8b-000000000042",
        "X-Road-UserId": "FI-officer-42",
        "X-Road-Issue": "HEL-2026-0042",
    }
    malformed = await gateway.http.get(
        path, headers=gateway.officer(**{**xroad, "X-Road-Client": "not-a-subsystem"})
    )
    problem = assert_problem(malformed, 422, "validation-error")
    assert [e["field"] for e in problem["errors"]] == ["X-Road-Client"]
    without_client = await gateway.http.get(
        path, headers=gateway.officer(**{"X-Road-Id": "only-an-id"})
    )
    assert_problem(without_client, 422, "validation-error")
    assert (await gateway.http.get(path, headers=gateway.officer(**xroad))).status_code == 200

    async def reads() -> list[dict[str, Any]]:
        response = await gateway.http.get(
            "/v1/audit/events",
            params={"subject_client_id": created["id"]},
            headers=gateway.auditor(),
        )
        return [e for e in response.json()["items"] if e["action"] == "client.read"]

    async def arrived() -> bool:
        return bool(await reads())

    await wait_until(arrived, 5, "the read's audit event")
    [read] = await reads()
    assert read["context"] == {
        "x-road-client": xroad["X-Road-Client"],
        "x-road-id": xroad["X-Road-Id"],
        "x-road-user-id": xroad["X-Road-UserId"],
        "x-road-issue": xroad["X-Road-Issue"],
    }


async def test_me_returns_the_clients_own_record(gateway: GatewayStack) -> None:
    code = hetu(date(1979, 11, 30), 904)
    created = (await create(gateway, person("Hodan", "Warsame", date(1979, 11, 30), 904))).json()

    own = await gateway.http.get("/v1/me", headers=gateway.client_user(code))
    assert own.status_code == 200, own.text
    assert own.json()["id"] == created["id"]
    assert own.json()["henkilotunnus"] == code

    stranger = await gateway.http.get(
        "/v1/me", headers=gateway.client_user(hetu(date(1979, 11, 30), 905))
    )
    assert_problem(stranger, 404, "not-found")
    # The hetu claim counts only for the client role.
    staff = gateway.auth(gateway.token(hetu=code))
    assert_problem(await gateway.http.get("/v1/me", headers=staff), 403, "forbidden")
    # A client user cannot read records by id (not even their own is looked up that way).
    assert_problem(
        await gateway.http.get(f"/v1/clients/{uuid.uuid4()}", headers=gateway.client_user(code)),
        404,
    )


# --- operations --------------------------------------------------------------------------


async def test_health_readiness_and_metrics(gateway: GatewayStack) -> None:
    assert (await gateway.http.get("/healthz")).json() == {"status": "ok"}
    ready = await gateway.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "backends": {
            # Every backend the gateway knows: the test stack starts them all.
            name: "serving"
            for name in GatewaySettings().backend_addresses()
        },
    }

    client_id = (await create(gateway, person())).json()["id"]
    await gateway.http.get(f"/v1/clients/{client_id}", headers=gateway.officer())
    await gateway.http.get(f"/v1/clients/{uuid.uuid4()}", headers=gateway.officer())
    await gateway.http.get("/no/such/path")

    metrics = await gateway.http.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert "http_server_requests_total" in text
    assert re.search(
        r'http_server_requests_total\{method="GET",route="/v1/clients/\{client_id\}",'
        r'status="200"\} [1-9]',
        text,
    ), text
    assert 'route="/v1/clients/{client_id}",status="404"' in text
    assert 'method="POST",route="/v1/clients",status="201"' in text
    assert 'route="unmatched"' in text
    assert "http_server_request_duration_seconds_bucket" in text
    # Identifiers never become label values.
    assert client_id not in text
    assert "/no/such/path" not in text


async def test_openapi_documents_problems_and_examples(gateway: GatewayStack) -> None:
    response = await gateway.http.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    schemas = document["components"]["schemas"]

    problem = schemas["Problem"]
    assert problem["required"] == ["type", "title", "status"]
    assert problem["properties"]["type"]["example"] == VALIDATION
    assert problem["properties"]["errors"]["items"]["properties"]["field"]["example"]

    create_op = document["paths"]["/v1/clients"]["post"]
    for status in ("401", "403", "404", "422", "503"):
        content = create_op["responses"][status]["content"]
        assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    patch_op = document["paths"]["/v1/clients/{client_id}"]["patch"]
    assert {"412", "428"} <= set(patch_op["responses"])
    assert document["components"]["securitySchemes"]["keycloak"]["type"] == "openIdConnect"
    assert document["components"]["securitySchemes"]["keycloak"]["openIdConnectUrl"].startswith(
        gateway.issuer.issuer
    )

    # The documented examples are accepted by the real services.
    properties = schemas["ClientCreate"]["properties"]
    example = {
        name: properties[name]["examples"][0]
        for name in ("first_names", "last_name", "date_of_birth", "henkilotunnus", "languages")
    }
    contact = schemas["ContactDetails"]["properties"]
    example["contact"] = {name: contact[name]["examples"][0] for name in ("email", "phone")}
    accepted = await create(gateway, example)
    assert accepted.status_code == 201, accepted.text
