"""Access-token validation against Keycloak's signing keys.

Checks: algorithm from a fixed allow-list (RS256/ES256; ``none`` and HMAC are never accepted),
signature by a key from the realm's JWKS chosen by ``kid``, issuer, audience, expiry and
not-before with a small leeway. Keys are cached; an unknown ``kid`` triggers one refetch
(key rotation), rate-limited so that garbage tokens cannot hammer Keycloak. If Keycloak is
unreachable the cached keys keep working. Verified tokens are cached until they expire, which
takes the signature check (~0.1 ms) off the hot path of repeated calls.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from jwt import PyJWK
from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

JWKS_FAILURES = Counter("kotopolku_gateway_jwks_refresh_failures_total", "Failed JWKS fetches")
# Cached keys keep working through a Keycloak outage, so the failure counter alone does not say
# how stale they are; the alert compares this with the time now.
JWKS_LAST_SUCCESS = Gauge(
    "kotopolku_gateway_jwks_last_success_timestamp_seconds",
    "Unix time of the last successful JWKS fetch",
)
# Why tokens were refused. "unknown_key" in numbers means Keycloak signs with a key the gateway
# cannot fetch (rotation, or JWKS unreachable); "expired" is normal background.
TOKENS_REJECTED = Counter(
    "kotopolku_gateway_tokens_rejected_total", "Access tokens refused, by reason", ["reason"]
)

_MIN_REFETCH_INTERVAL_SECONDS = 10.0


class InvalidToken(Exception):
    """The token cannot be accepted; the message is safe to show (no token content)."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        # A metric label: one of a few fixed words.
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    subject: str
    claims: dict[str, Any] = field(repr=False)
    expires_at: float = 0.0


class JwksCache:
    def __init__(self, url: str, ttl_seconds: float, http: httpx.AsyncClient) -> None:
        self._url = url
        self._ttl = ttl_seconds
        self._http = http
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._last_attempt = 0.0
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None

    async def _refresh_in_background(self) -> None:
        try:
            await self._refresh(force=False)
        finally:
            self._background = None

    async def key(self, kid: str) -> PyJWK:
        known = self._keys.get(kid)
        if known is not None:
            if time.monotonic() - self._fetched_at >= self._ttl and self._background is None:
                # A known key keeps working while fresh keys are fetched beside the request, so a
                # slow Keycloak never stalls traffic.
                self._background = asyncio.create_task(self._refresh_in_background())
            return known
        await self._refresh(force=True)
        found = self._keys.get(kid)
        if found is None:
            raise InvalidToken("The token is signed with an unknown key", "unknown_key")
        return found

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            now = time.monotonic()
            fresh = now - self._fetched_at < self._ttl
            if (fresh and not force) or now - self._last_attempt < _MIN_REFETCH_INTERVAL_SECONDS:
                return
            self._last_attempt = now
            try:
                response = await self._http.get(self._url, timeout=3.0)
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError) as error:
                # Keep validating with what we have; the outage is visible in the logs/metrics.
                log.warning("JWKS refresh failed", extra={"error": type(error).__name__})
                JWKS_FAILURES.inc()
                return
            entries = document.get("keys") if isinstance(document, dict) else None
            if not isinstance(entries, list):
                # A proxy's error page or a broken document must not wipe the working keys.
                log.warning("JWKS refresh failed", extra={"error": "MalformedJwks"})
                JWKS_FAILURES.inc()
                return
            keys: dict[str, PyJWK] = {}
            for entry in entries:
                if (
                    not isinstance(entry, dict)
                    or entry.get("use", "sig") != "sig"
                    or not isinstance(entry.get("kid"), str)
                ):
                    continue
                try:
                    keys[entry["kid"]] = PyJWK(entry)
                except jwt.PyJWTError:
                    continue
            self._keys, self._fetched_at = keys, now
            JWKS_LAST_SUCCESS.set(time.time())

    async def warm(self) -> None:
        await self._refresh(force=True)


class TokenValidator:
    def __init__(
        self,
        jwks: JwksCache,
        *,
        issuer: str,
        audience: str,
        algorithms: Sequence[str],
        leeway_seconds: int,
        cache_size: int = 20_000,
    ) -> None:
        if any(a.lower() == "none" or a.upper().startswith("HS") for a in algorithms):
            raise ValueError("only asymmetric token algorithms may be allowed")
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        self._leeway = leeway_seconds
        self._verified: OrderedDict[bytes, VerifiedToken] = OrderedDict()
        self._cache_size = cache_size

    async def warm(self) -> None:
        """Fetches the keys at start-up so the first request does not wait for Keycloak."""
        await self._jwks.warm()

    async def validate(self, token: str) -> VerifiedToken:
        digest = hashlib.blake2b(token.encode(), digest_size=20).digest()
        cached = self._verified.get(digest)
        if cached is not None and cached.expires_at > time.time():
            return cached
        try:
            verified = await self._validate_uncached(token)
        except InvalidToken as error:
            TOKENS_REJECTED.labels(error.reason).inc()
            raise
        self._verified[digest] = verified
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return verified

    async def _validate_uncached(self, token: str) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken("The token is malformed", "malformed") from error
        algorithm = header.get("alg")
        if algorithm not in self._algorithms:
            raise InvalidToken("The token's signature algorithm is not accepted", "algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("The token names no signing key", "malformed")
        key = await self._jwks.key(kid)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("The token has expired", "expired") from error
        except jwt.InvalidAudienceError as error:
            raise InvalidToken("The token is not meant for this API", "audience") from error
        except jwt.InvalidIssuerError as error:
            raise InvalidToken("The token is from an unknown issuer", "issuer") from error
        except jwt.PyJWTError as error:
            raise InvalidToken("The token is not valid") from error
        if claims.get("typ", "Bearer") != "Bearer":
            # An ID token carries the same signature but is not an access credential.
            raise InvalidToken("Only access tokens are accepted", "not_access_token")
        return VerifiedToken(str(claims["sub"]), claims, float(claims["exp"]))
