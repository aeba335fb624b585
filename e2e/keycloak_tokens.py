"""Access tokens from the Kotopolku dev/test Keycloak, for e2e and load tests.

Users log in with the password grant through the test-only client
``kotopolku-test`` (it exists only in deploy/keycloak/kotopolku-realm.json);
service accounts use the client-credentials grant. Tokens are cached in-process
and fetched again 30 s before they expire, so load tests do not hammer Keycloak.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from keycloak import KeycloakOpenID

DEMO_PASSWORD = "kotopolku-demo"
GATEWAY_AUDIENCE = "kotopolku-gateway"
# Refresh this long before expiry so a token never expires mid-request.
REFRESH_MARGIN_S = 30.0

TokenKind = Literal["user", "service"]


@dataclass(frozen=True)
class KeycloakSettings:
    """Where the dev/test Keycloak is and which test client to use."""

    url: str = "http://127.0.0.1:8080"
    realm: str = "kotopolku"
    test_client_id: str = "kotopolku-test"
    test_client_secret: str = "kotopolku-test-secret"
    timeout_s: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KeycloakSettings:
        env = os.environ if env is None else env
        return cls(
            url=env.get("KOTOPOLKU_KEYCLOAK_URL", cls.url).rstrip("/"),
            realm=env.get("KOTOPOLKU_KEYCLOAK_REALM", cls.realm),
            test_client_id=env.get("KOTOPOLKU_KEYCLOAK_TEST_CLIENT_ID", cls.test_client_id),
            test_client_secret=env.get(
                "KOTOPOLKU_KEYCLOAK_TEST_CLIENT_SECRET", cls.test_client_secret
            ),
        )

    @property
    def realm_url(self) -> str:
        return f"{self.url}/realms/{self.realm}"

    @property
    def discovery_url(self) -> str:
        return f"{self.realm_url}/.well-known/openid-configuration"


@dataclass(frozen=True)
class _CachedToken:
    access_token: str
    expires_at: float  # time.monotonic() based
    credential_digest: str  # a different password/secret must not reuse the token


_cache: dict[tuple[str, str, KeycloakSettings], _CachedToken] = {}
_cache_lock = threading.Lock()


def _settings(settings: KeycloakSettings | None) -> KeycloakSettings:
    return settings if settings is not None else KeycloakSettings.from_env()


@lru_cache(maxsize=64)
def openid_client(
    settings: KeycloakSettings, client_id: str, client_secret: str | None
) -> KeycloakOpenID:
    """A python-keycloak OIDC client (cached: it holds an HTTP session)."""
    return KeycloakOpenID(
        server_url=f"{settings.url}/",
        realm_name=settings.realm,
        client_id=client_id,
        client_secret_key=client_secret,
        timeout=settings.timeout_s,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _cached(
    kind: TokenKind,
    name: str,
    secret: str,
    settings: KeycloakSettings,
    fetch: Callable[[], dict[str, Any]],
) -> str:
    key = (kind, name, settings)
    digest = _digest(secret)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and hit.credential_digest == digest and hit.expires_at - REFRESH_MARGIN_S > now:
            return hit.access_token
    # Fetch outside the lock: parallel load-test users must not serialise on it.
    response = fetch()
    token = str(response["access_token"])
    expires_in = float(response.get("expires_in", 0))
    with _cache_lock:
        _cache[key] = _CachedToken(token, now + expires_in, digest)
    return token


def user_token(
    username: str,
    password: str = DEMO_PASSWORD,
    settings: KeycloakSettings | None = None,
) -> str:
    """Access token of a realm user (password grant via the test client)."""
    s = _settings(settings)
    client = openid_client(s, s.test_client_id, s.test_client_secret)
    return _cached(
        "user",
        username,
        password,
        s,
        lambda: client.token(username=username, password=password, grant_type="password"),
    )


def service_token(
    client_id: str,
    secret: str,
    settings: KeycloakSettings | None = None,
) -> str:
    """Access token of a service-account client (client-credentials grant)."""
    s = _settings(settings)
    client = openid_client(s, client_id, secret)
    return _cached(
        "service", client_id, secret, s, lambda: client.token(grant_type="client_credentials")
    )


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _realm_client(settings: KeycloakSettings | None) -> KeycloakOpenID:
    s = _settings(settings)
    return openid_client(s, s.test_client_id, s.test_client_secret)


def jwks(settings: KeycloakSettings | None = None) -> dict[str, Any]:
    """The realm's JSON Web Key Set (signing keys for token verification)."""
    return dict(_realm_client(settings).certs())


def issuer(settings: KeycloakSettings | None = None) -> str:
    """The realm issuer as Keycloak announces it (compare with the token's ``iss``)."""
    return str(_realm_client(settings).well_known()["issuer"])
