"""Tokens the gateway must refuse, made from real Keycloak tokens and keys we control."""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from e2e.conftest import Api
from e2e.keycloak_tokens import DEMO_PASSWORD, KeycloakSettings, openid_client


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _assert_rejected(http: httpx.Client, token: str) -> dict[str, Any]:
    response = http.get("/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    return dict(response.json())


def test_valid_token_is_accepted(officer: Api) -> None:
    assert officer.get("/v1/referrals").status_code == 200


def test_missing_token_is_401(http: httpx.Client) -> None:
    response = http.get("/v1/referrals")
    assert response.status_code == 401
    assert response.json()["type"] == "urn:kotopolku:problem:unauthenticated"


def test_alg_none_is_rejected(http: httpx.Client, officer: Api) -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(officer.claims)}."
    _assert_rejected(http, unsigned)


def test_hs256_signed_with_the_public_key_is_rejected(http: httpx.Client, officer: Api) -> None:
    header = jwt.get_unverified_header(officer.token or "")
    forged = jwt.encode(
        officer.claims,
        "public-key-as-hmac-secret-" * 2,
        algorithm="HS256",
        headers={"kid": header["kid"]},
    )
    _assert_rejected(http, forged)


def test_unknown_kid_is_rejected(http: httpx.Client, officer: Api) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(officer.claims, key, algorithm="RS256", headers={"kid": "not-a-realm-key"})
    _assert_rejected(http, forged)


def test_token_signed_by_another_key_under_the_realm_kid_is_rejected(
    http: httpx.Client, officer: Api
) -> None:
    kid = jwt.get_unverified_header(officer.token or "")["kid"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(officer.claims, key, algorithm="RS256", headers={"kid": kid})
    _assert_rejected(http, forged)


def test_changed_claims_break_the_signature(http: httpx.Client, officer: Api) -> None:
    header, _, signature = (officer.token or "").split(".")
    claims = {**officer.claims, "municipality": "837"}
    _assert_rejected(http, f"{header}.{_b64(claims)}.{signature}")


def test_wrong_audience_is_rejected(http: httpx.Client) -> None:
    # The ID token is signed by the realm but addressed to the test client, not to the API.
    settings = KeycloakSettings.from_env()
    client = openid_client(settings, settings.test_client_id, settings.test_client_secret)
    tokens = client.token(
        username="helsinki.officer", password=DEMO_PASSWORD, grant_type="password", scope="openid"
    )
    id_token = tokens["id_token"]
    assert (
        "kotopolku-gateway" not in jwt.decode(id_token, options={"verify_signature": False})["aud"]
    )
    problem = _assert_rejected(http, id_token)
    assert "not meant for this API" in problem["detail"]


def test_expired_token_is_rejected(http: httpx.Client) -> None:
    settings = KeycloakSettings.from_env()
    client = openid_client(settings, "kotopolku-test-short", "kotopolku-test-short-secret")
    token = client.token(
        username="helsinki.officer", password=DEMO_PASSWORD, grant_type="password"
    )["access_token"]
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    # Past the expiry plus the gateway's allowed clock skew (make test runs it with 2 s).
    leeway = float(os.environ.get("KOTOPOLKU_OIDC_LEEWAY_SECONDS", "10"))
    time.sleep(max(0.0, expires - time.time()) + leeway + 1)
    problem = _assert_rejected(http, token)
    assert "expired" in problem["detail"]
