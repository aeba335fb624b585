"""The dev/test realm deploy/keycloak/kotopolku-realm.json, checked on a running Keycloak.

Start it with `scripts/keycloak.sh start`. Without Keycloak these tests skip,
unless KOTOPOLKU_REQUIRE_KEYCLOAK=1 (CI), where they fail.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from keycloak import KeycloakAdmin, KeycloakOpenID
from keycloak.exceptions import KeycloakError

from e2e import keycloak_tokens as kt

SETTINGS = kt.KeycloakSettings.from_env()
HETU_CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"

# username -> (fixed user id, realm role, expected custom claims)
USERS: dict[str, tuple[str, str, dict[str, str]]] = {
    "helsinki.officer": (
        "8bc9f459-7eed-5e62-9ece-da2c9dcafa06",
        "municipal-officer",
        {"municipality": "091"},
    ),
    "helsinki.employment": (
        "f4fde251-a2a7-5ae1-ba20-b24addb46e46",
        "employment-officer",
        {"municipality": "091"},
    ),
    "helsinki.manager": (
        "ddeafbaa-bc6c-5a1b-af5b-4c4170e16458",
        "manager",
        {"municipality": "091"},
    ),
    "helsinki.auditor": (
        "903d80a4-8647-52b5-b1d7-c038e1a61bd7",
        "auditor",
        {"municipality": "091"},
    ),
    "tampere.officer": (
        "a252a97f-9173-5ddf-88cb-e6a8772bfd92",
        "municipal-officer",
        {"municipality": "837"},
    ),
    "tampere.auditor": (
        "f2382bc2-f1af-55a5-a79a-4eec1d9ac70f",
        "auditor",
        {"municipality": "837"},
    ),
    "pirkanmaa.worker": (
        "d6b5b6f3-c21d-5948-8e0f-55a3aef58598",
        "welfare-area-worker",
        {"welfare_area": "pirkanmaa"},
    ),
    "provider.opisto": (
        "4fa0850b-34f3-56f6-a2da-f00df2aff54f",
        "service-provider",
        {"municipality": "091", "organisation": "opisto"},
    ),
    "client.amina": ("44aa6c3e-95cf-580f-bd5c-0b2501adc381", "client", {"hetu": "120394-936L"}),
    "client.oleksandr": (
        "659b7efe-cc2b-538d-9c9e-ac1d3b2a9601",
        "client",
        {"hetu": "070805A943N"},
    ),
    "platform.admin": ("cff22170-d96f-5284-b611-c6c6444fb8d1", "admin", {}),
    "interpreter.tulkki": (
        "95fc9625-20dd-50a3-83ce-948fd2e64033",
        "interpreter",
        {"municipality": "091", "organisation": "tulkkaus"},
    ),
    "helsinki.archivist": (
        "f2fd35cc-3563-5c7a-8622-43f358ab426c",
        "archivist",
        {"municipality": "091"},
    ),
    "vantaa.officer": (
        "c22b4fb0-54db-5026-a63c-9947a5c69ca7",
        "municipal-officer",
        {"municipality": "092"},
    ),
    "vantaakerava.worker": (
        "26c29dbc-2ac7-5dfc-acb0-409115d2dea7",
        "welfare-area-worker",
        {"welfare_area": "vantaa-kerava"},
    ),
}

# client id -> (secret, fixed service-account user id, realm role, expected claims)
SERVICE_ACCOUNTS: dict[str, tuple[str, str, str, dict[str, str]]] = {
    "referrer-migri": (
        "referrer-migri-secret",
        "75f7ac2f-7287-5541-bec5-8159bf3f9232",
        "referrer",
        {"referrer_org": "migri"},
    ),
    "welfare-pirkanmaa": (
        "welfare-pirkanmaa-secret",
        "7e2d5ffc-1136-5ca3-95da-a4745840adfa",
        "welfare-area-worker",
        {"welfare_area": "pirkanmaa"},
    ),
    "welfare-vantaa-kerava": (
        "welfare-vantaa-kerava-secret",
        "06ead0cc-c6b0-549e-92d3-032dca3fa784",
        "welfare-area-worker",
        {"welfare_area": "vantaa-kerava"},
    ),
}

CUSTOM_CLAIMS = ("municipality", "welfare_area", "hetu", "referrer_org", "organisation")


@pytest.fixture(scope="module", autouse=True)
def _keycloak_up() -> None:
    try:
        response = httpx.get(SETTINGS.discovery_url, timeout=5)
        reason = None if response.status_code == 200 else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        reason = f"{type(exc).__name__}: {exc}"
    if reason is None:
        return
    message = (
        f"Keycloak realm not reachable at {SETTINGS.discovery_url} ({reason}); "
        "start it with scripts/keycloak.sh start"
    )
    if os.environ.get("KOTOPOLKU_REQUIRE_KEYCLOAK") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    kt.clear_cache()
    yield
    kt.clear_cache()


@pytest.fixture(scope="module")
def admin() -> KeycloakAdmin:
    return KeycloakAdmin(
        server_url=f"{SETTINGS.url}/",
        username=os.environ.get("KOTOPOLKU_KEYCLOAK_ADMIN_USERNAME", "admin"),
        password=os.environ.get("KOTOPOLKU_KEYCLOAK_ADMIN_PASSWORD", "admin"),
        realm_name=SETTINGS.realm,
        user_realm_name="master",
    )


def claims(token: str) -> dict[str, Any]:
    """Claims without verification: these tests read, test_signature verifies."""
    return dict(jwt.decode(token, options={"verify_signature": False}))


def audiences(token_claims: dict[str, Any]) -> list[str]:
    # Keycloak writes a single audience as a string, several as a list.
    aud = token_claims.get("aud", [])
    return [aud] if isinstance(aud, str) else list(aud)


def hetu_is_valid(hetu: str) -> bool:
    if len(hetu) != 11 or hetu[6] not in "+-ABCDEFUVWXY":
        return False
    digits = hetu[:6] + hetu[7:10]
    return digits.isdigit() and HETU_CHECK_CHARS[int(digits) % 31] == hetu[10]


def test_issuer_is_realm_url() -> None:
    assert kt.issuer() == SETTINGS.realm_url


def test_officer_token() -> None:
    c = claims(kt.user_token("helsinki.officer"))
    assert "municipal-officer" in c["realm_access"]["roles"]
    assert c["municipality"] == "091"
    assert kt.GATEWAY_AUDIENCE in audiences(c)
    assert c["iss"] == kt.issuer()
    assert c["sub"] == USERS["helsinki.officer"][0]
    assert c["azp"] == SETTINGS.test_client_id
    assert c["exp"] - c["iat"] == 300


def test_short_lived_test_client() -> None:
    # kotopolku-test-short exists for expiry tests of the gateway.
    client = kt.openid_client(SETTINGS, "kotopolku-test-short", "kotopolku-test-short-secret")
    token = client.token(username="helsinki.officer", password=kt.DEMO_PASSWORD)["access_token"]
    c = claims(token)
    assert c["exp"] - c["iat"] == 5
    assert kt.GATEWAY_AUDIENCE in audiences(c)
    assert c["municipality"] == "091"


def test_tampere_officer_has_837() -> None:
    c = claims(kt.user_token("tampere.officer"))
    assert c["municipality"] == "837"
    assert "municipal-officer" in c["realm_access"]["roles"]


@pytest.mark.parametrize("username", sorted(USERS))
def test_every_user_logs_in_with_exactly_its_role_and_claims(username: str) -> None:
    user_id, role, expected = USERS[username]
    c = claims(kt.user_token(username))
    assert c["sub"] == user_id  # fixed ids in the realm JSON: stable subjects
    assert c["preferred_username"] == username
    # Imported users get no default roles, so the role list is exact.
    assert c["realm_access"]["roles"] == [role]
    assert kt.GATEWAY_AUDIENCE in audiences(c)
    assert {k: c[k] for k in CUSTOM_CLAIMS if k in c} == expected


def test_welfare_worker_has_welfare_area() -> None:
    c = claims(kt.user_token("pirkanmaa.worker"))
    assert c["welfare_area"] == "pirkanmaa"
    assert "municipality" not in c


@pytest.mark.parametrize(
    ("username", "century_sign"), [("client.amina", "-"), ("client.oleksandr", "A")]
)
def test_client_token_has_valid_test_hetu(username: str, century_sign: str) -> None:
    hetu = claims(kt.user_token(username))["hetu"]
    assert hetu_is_valid(hetu)
    assert hetu[6] == century_sign
    assert 900 <= int(hetu[7:10]) <= 999  # reserved range for test identity codes


def test_hetu_not_in_id_token() -> None:
    # Claims go to the access token only; the ID token (read by browsers) stays lean.
    client = kt.openid_client(SETTINGS, SETTINGS.test_client_id, SETTINGS.test_client_secret)
    response = client.token(username="client.amina", password=kt.DEMO_PASSWORD)
    assert claims(response["access_token"])["hetu"] == "120394-936L"
    assert "hetu" not in claims(response["id_token"])


@pytest.mark.parametrize("client_id", sorted(SERVICE_ACCOUNTS))
def test_service_account_token(client_id: str) -> None:
    secret, user_id, role, expected = SERVICE_ACCOUNTS[client_id]
    c = claims(kt.service_token(client_id, secret))
    assert c["realm_access"]["roles"] == [role]
    assert kt.GATEWAY_AUDIENCE in audiences(c)
    assert c["azp"] == client_id
    assert c["sub"] == user_id
    assert c["iss"] == SETTINGS.realm_url
    assert {k: c[k] for k in CUSTOM_CLAIMS if k in c} == expected


def test_signature_verifies_with_realm_jwks() -> None:
    token = kt.user_token("helsinki.officer")
    discovery = httpx.get(SETTINGS.discovery_url, timeout=5).json()
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    verified = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience=kt.GATEWAY_AUDIENCE,
        issuer=kt.issuer(),
    )
    assert verified["municipality"] == "091"
    kid = jwt.get_unverified_header(token)["kid"]
    assert kid in {key["kid"] for key in kt.jwks()["keys"]}


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [("kotopolku-ui", None), ("kotopolku-gateway", "kotopolku-gateway-secret")],
)
def test_password_grant_refused(client_id: str, secret: str | None) -> None:
    # Correct client credentials, so the refusal is about the grant type itself.
    client = KeycloakOpenID(
        server_url=f"{SETTINGS.url}/",
        realm_name=SETTINGS.realm,
        client_id=client_id,
        client_secret_key=secret,
    )
    with pytest.raises(KeycloakError) as excinfo:
        client.token(username="helsinki.officer", password=kt.DEMO_PASSWORD)
    assert excinfo.value.response_code is not None
    assert 400 <= excinfo.value.response_code < 500
    assert b"unauthorized_client" in (excinfo.value.response_body or b"")


def test_client_credentials_refused_for_test_client() -> None:
    with pytest.raises(KeycloakError) as excinfo:
        kt.service_token(SETTINGS.test_client_id, SETTINGS.test_client_secret)
    assert b"unauthorized_client" in (excinfo.value.response_body or b"")


def test_token_cache_reuses_token() -> None:
    first = kt.user_token("helsinki.manager")
    assert kt.user_token("helsinki.manager") == first
    kt.clear_cache()
    assert kt.user_token("helsinki.manager") != first


UI_REDIRECT = "http://127.0.0.1:8000/callback"


def _authorize(client: httpx.Client, **pkce: str) -> httpx.Response:
    params = {
        "client_id": "kotopolku-ui",
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": UI_REDIRECT,
        "state": secrets.token_urlsafe(8),
        **pkce,
    }
    return client.get(f"{SETTINGS.realm_url}/protocol/openid-connect/auth", params=params)


def _redirect_query(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.text[:500]
    location = response.headers["location"]
    assert location.startswith(UI_REDIRECT), location
    return parse_qs(urlsplit(location).query)


@pytest.mark.parametrize(
    "pkce",
    [
        {},
        {
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "plain",
        },
    ],
    ids=["no-pkce", "plain"],
)
def test_ui_authorization_without_s256_is_refused(pkce: dict[str, str]) -> None:
    with httpx.Client(timeout=10) as client:
        query = _redirect_query(_authorize(client, **pkce))
    assert query["error"] == ["invalid_request"]


def test_ui_code_flow_with_pkce_yields_gateway_token() -> None:
    # The browser flow the UI uses: login form, code, code_verifier exchange.
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    with httpx.Client(timeout=10) as client:
        page = _authorize(client, code_challenge=challenge, code_challenge_method="S256")
        assert page.status_code == 200
        match = re.search(r'<form id="kc-form-login"[^>]*action="([^"]+)"', page.text)
        assert match, "login form not found"
        # Keycloak marks its cookies Secure; browsers still send them to
        # http://127.0.0.1 (a trustworthy origin), httpx does not, so forward them.
        cookie = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
        login = client.post(
            html.unescape(match.group(1)),
            data={"username": "tampere.officer", "password": kt.DEMO_PASSWORD},
            headers={"Cookie": cookie},
        )
        code = _redirect_query(login)["code"][0]
        token = client.post(
            f"{SETTINGS.realm_url}/protocol/openid-connect/token",
            data={
                "grant_type": "authorization_code",
                "client_id": "kotopolku-ui",
                "code": code,
                "redirect_uri": UI_REDIRECT,
                "code_verifier": verifier,
            },
        )
    assert token.status_code == 200, token.text
    c = claims(token.json()["access_token"])
    assert c["azp"] == "kotopolku-ui"
    assert kt.GATEWAY_AUDIENCE in audiences(c)
    assert c["municipality"] == "837"
    assert c["realm_access"]["roles"] == ["municipal-officer"]


def _client(admin: KeycloakAdmin, client_id: str) -> dict[str, Any]:
    internal_id = admin.get_client_id(client_id)
    assert internal_id, f"client {client_id} missing"
    return dict(admin.get_client(internal_id))


def test_ui_client_is_public_with_pkce_s256(admin: KeycloakAdmin) -> None:
    ui = _client(admin, "kotopolku-ui")
    assert ui["publicClient"] is True
    assert ui["attributes"]["pkce.code.challenge.method"] == "S256"
    assert ui["standardFlowEnabled"] is True
    assert ui["directAccessGrantsEnabled"] is False
    assert ui["implicitFlowEnabled"] is False
    # The realm's own two, and the gateway this stack runs (scripts/keycloak.sh adds it).
    assert {"http://127.0.0.1:8000/*", "http://localhost:8000/*"} <= set(ui["redirectUris"])
    assert all(
        uri.startswith(("http://127.0.0.1:", "http://localhost:")) for uri in ui["redirectUris"]
    )
    assert len(ui["redirectUris"]) <= 3


def test_other_clients_have_no_browser_or_password_flows(admin: KeycloakAdmin) -> None:
    gateway = _client(admin, "kotopolku-gateway")
    assert gateway["publicClient"] is False
    for flow in (
        "standardFlowEnabled",
        "implicitFlowEnabled",
        "directAccessGrantsEnabled",
        "serviceAccountsEnabled",
    ):
        assert gateway[flow] is False, flow
    for test_client_id in ("kotopolku-test", "kotopolku-test-short"):
        test_client = _client(admin, test_client_id)
        assert test_client["directAccessGrantsEnabled"] is True
        assert test_client["standardFlowEnabled"] is False
        assert "dev/test realm" in test_client["description"]
    for client_id in SERVICE_ACCOUNTS:
        client = _client(admin, client_id)
        assert client["serviceAccountsEnabled"] is True
        assert client["standardFlowEnabled"] is False
        assert client["directAccessGrantsEnabled"] is False


def test_realm_settings(admin: KeycloakAdmin) -> None:
    realm = admin.get_realm(SETTINGS.realm)
    assert realm["accessTokenLifespan"] == 300
    assert realm["registrationAllowed"] is False
    roles = {role["name"] for role in admin.get_realm_roles()}
    assert {
        "municipal-officer",
        "employment-officer",
        "welfare-area-worker",
        "service-provider",
        "client",
        "referrer",
        "manager",
        "auditor",
        "admin",
        "interpreter",
        "archivist",
    } <= roles


def test_user_profile_declares_admin_only_attributes(admin: KeycloakAdmin) -> None:
    # Keycloak 26 drops undeclared ("unmanaged") attributes, so these must be declared.
    profile = admin.get_realm_users_profile()
    attributes = {a["name"]: a for a in profile["attributes"]}
    for name in ("municipality", "welfare_area", "organisation", "hetu"):
        assert attributes[name]["permissions"]["edit"] == ["admin"], name
    assert profile.get("unmanagedAttributePolicy") is None  # disabled: no stray attributes
