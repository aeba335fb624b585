"""Access-token validation (``auth/tokens.py``) against a real JWKS endpoint on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from gateway_testkit import (
    AUDIENCE,
    IssuerKeys,
    JwksServer,
    SigningKey,
    access_claims,
    b64url,
    hs256_token,
    unsigned_token,
)
from prometheus_client import REGISTRY

from kotopolku.gateway.auth import tokens
from kotopolku.gateway.auth.tokens import InvalidToken, JwksCache, TokenValidator

LEEWAY = 30


class Issuer:
    """The JWKS server, its keys, and validators built on it (closed by the fixture)."""

    def __init__(self, server: JwksServer, keys: IssuerKeys) -> None:
        self.server = server
        self.keys = keys
        self.http = httpx.AsyncClient()

    def claims(self, **changes: Any) -> dict[str, Any]:
        claims = access_claims(self.server.issuer)
        for name, value in changes.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def validator(
        self,
        *,
        ttl: float = 300,
        leeway: int = LEEWAY,
        algorithms: tuple[str, ...] = ("RS256", "ES256"),
    ) -> TokenValidator:
        return TokenValidator(
            JwksCache(self.server.url, ttl, self.http),
            issuer=self.server.issuer,
            audience=AUDIENCE,
            algorithms=algorithms,
            leeway_seconds=leeway,
        )

    async def warm_validator(self, **options: Any) -> TokenValidator:
        validator = self.validator(**options)
        await validator.warm()
        return validator


@pytest.fixture
async def issuer(jwks_server: JwksServer, issuer_keys: IssuerKeys) -> AsyncIterator[Issuer]:
    running = Issuer(jwks_server, issuer_keys)
    try:
        yield running
    finally:
        await running.http.aclose()


def failures() -> float:
    return REGISTRY.get_sample_value("kotopolku_gateway_jwks_refresh_failures_total") or 0.0


# --- accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rsa", "ec"])
async def test_valid_rs256_and_es256_tokens_are_accepted(issuer: Issuer, kind: str) -> None:
    key: SigningKey = getattr(issuer.keys, kind)
    validator = await issuer.warm_validator()
    claims = issuer.claims(sub=f"user-{kind}", municipality="091")

    verified = await validator.validate(key.sign(claims))

    assert verified.subject == f"user-{kind}"
    assert verified.claims["municipality"] == "091"
    assert verified.expires_at == float(claims["exp"])


async def test_a_single_string_audience_and_expiry_within_the_leeway_are_accepted(
    issuer: Issuer,
) -> None:
    validator = await issuer.warm_validator()
    now = int(time.time())
    token = issuer.keys.rsa.sign(issuer.claims(aud=AUDIENCE, iat=now - 300, exp=now - 5))
    assert (await validator.validate(token)).subject == "officer-091"


# --- rejected ----------------------------------------------------------------------------


def _garbage(issuer: Issuer) -> str:
    return "this.is-not.a-jwt"


REJECTED: dict[str, tuple[Callable[[Issuer], str], str]] = {
    "alg none": (
        lambda i: unsigned_token(i.claims(), kid=i.keys.rsa.kid),
        "algorithm is not accepted",
    ),
    "HS256 keyed with the RSA public key PEM": (
        lambda i: hs256_token(i.claims(), i.keys.rsa.public_pem(), kid=i.keys.rsa.kid),
        "algorithm is not accepted",
    ),
    "wrong issuer": (
        lambda i: i.keys.rsa.sign(i.claims(iss="http://127.0.0.1:1/realms/other")),
        "unknown issuer",
    ),
    "wrong audience": (
        lambda i: i.keys.rsa.sign(i.claims(aud=["account", "kotopolku-admin"])),
        "not meant for this API",
    ),
    "missing aud": (lambda i: i.keys.rsa.sign(i.claims(aud=None)), "not valid"),
    "missing exp": (lambda i: i.keys.rsa.sign(i.claims(exp=None)), "not valid"),
    "expired beyond the leeway": (
        lambda i: i.keys.rsa.sign(
            i.claims(iat=int(time.time()) - 900, exp=int(time.time()) - LEEWAY - 60)
        ),
        "expired",
    ),
    "nbf in the future": (
        lambda i: i.keys.ec.sign(i.claims(nbf=int(time.time()) + 3600)),
        "not valid",
    ),
    "unknown kid": (
        lambda i: i.keys.stranger.sign(i.claims(), kid="kid-the-server-does-not-have"),
        "unknown key",
    ),
    "no kid": (lambda i: i.keys.rsa.sign(i.claims(), kid=""), "names no signing key"),
    "different key under a known kid": (
        lambda i: i.keys.stranger.sign(i.claims(), kid=i.keys.rsa.kid),
        "not valid",
    ),
    "EC signature under the RSA key's kid": (
        lambda i: i.keys.ec.sign(i.claims(), kid=i.keys.rsa.kid),
        "not valid",
    ),
    "ID token": (lambda i: i.keys.rsa.sign(i.claims(typ="ID")), "Only access tokens"),
    "refresh token": (lambda i: i.keys.rsa.sign(i.claims(typ="Refresh")), "Only access tokens"),
    "garbage": (_garbage, "malformed"),
    "empty": (lambda i: "", "malformed"),
    "tampered payload": (
        lambda i: _tamper(i.keys.rsa.sign(i.claims()), i.claims(sub="admin")),
        "not valid",
    ),
}


def _tamper(token: str, claims: dict[str, Any]) -> str:
    import json

    header, _, signature = token.split(".")
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


@pytest.mark.parametrize("case", list(REJECTED))
async def test_bad_tokens_are_rejected(issuer: Issuer, case: str) -> None:
    make, reason = REJECTED[case]
    validator = await issuer.warm_validator()
    with pytest.raises(InvalidToken, match=reason):
        await validator.validate(make(issuer))


async def test_a_published_symmetric_key_cannot_verify_an_rs256_token(issuer: Issuer) -> None:
    """A JWKS that (wrongly) publishes an ``oct`` key must not turn its secret into a way to
    forge tokens whose header claims an allowed asymmetric algorithm."""
    secret = b"a-secret-that-the-jwks-made-public-0123456789"
    issuer.server.serve_document(
        {
            "keys": [
                issuer.keys.rsa.jwk(),
                {"kty": "oct", "kid": "hmac-1", "use": "sig", "k": b64url(secret)},
            ]
        }
    )
    validator = await issuer.warm_validator()
    forged = hs256_token(issuer.claims(), secret, kid="hmac-1", alg="RS256")
    with pytest.raises(InvalidToken):
        await validator.validate(forged)


@pytest.mark.parametrize(
    "algorithms",
    [("RS256", "HS256"), ("none",), ("NONE", "RS256"), ("hs512",), ("ES256", "HS384")],
)
def test_validator_refuses_symmetric_or_none_algorithms(
    issuer: Issuer, algorithms: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        issuer.validator(algorithms=algorithms)


# --- keys: rotation, outages, rate limits ------------------------------------------------


async def test_key_rotation_is_picked_up_with_one_refetch(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real refetch floor is 10 s; shortened so that the test need not wait for it.
    monkeypatch.setattr(tokens, "_MIN_REFETCH_INTERVAL_SECONDS", 0.2)
    validator = await issuer.warm_validator()
    assert issuer.server.requests == 1
    assert (await validator.validate(issuer.keys.rsa.sign(issuer.claims()))).subject

    issuer.server.publish(issuer.keys.rsa_next)
    await asyncio.sleep(0.25)

    rotated = await validator.validate(issuer.keys.rsa_next.sign(issuer.claims(sub="after")))
    assert rotated.subject == "after"
    assert issuer.server.requests == 2
    # The new key is cached now: more tokens under it need no request.
    for n in range(5):
        await validator.validate(issuer.keys.rsa_next.sign(issuer.claims(sub=f"u{n}")))
    assert issuer.server.requests == 2
    # The retired key is gone with the refetch.
    await asyncio.sleep(0.25)
    with pytest.raises(InvalidToken, match="unknown key"):
        await validator.validate(issuer.keys.rsa.sign(issuer.claims(sub="old")))


async def test_unknown_kids_do_not_hammer_the_jwks_endpoint(issuer: Issuer) -> None:
    """With the real 10 s floor: a flood of tokens naming made-up keys right after start-up
    causes no request beyond the warm-up one."""
    validator = await issuer.warm_validator()
    assert issuer.server.requests == 1

    async def attempt(n: int) -> None:
        token = issuer.keys.stranger.sign(issuer.claims(), kid=f"made-up-{n}")
        with pytest.raises(InvalidToken, match="unknown key"):
            await validator.validate(token)

    await asyncio.gather(*(attempt(n) for n in range(40)))
    assert issuer.server.requests == 1


async def test_unknown_kid_refetches_are_limited_to_one_per_interval(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_MIN_REFETCH_INTERVAL_SECONDS", 0.5)
    validator = await issuer.warm_validator()
    await asyncio.sleep(0.55)

    for n in range(20):
        with pytest.raises(InvalidToken):
            await validator.validate(issuer.keys.stranger.sign(issuer.claims(), kid=f"x-{n}"))
    assert issuer.server.requests == 2  # warm-up + one refetch

    await asyncio.sleep(0.55)
    with pytest.raises(InvalidToken):
        await validator.validate(issuer.keys.stranger.sign(issuer.claims(), kid="y"))
    assert issuer.server.requests == 3
    # Known keys never wait for the limiter.
    assert (await validator.validate(issuer.keys.ec.sign(issuer.claims()))).subject


async def test_cached_keys_keep_working_while_the_jwks_server_is_down(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_MIN_REFETCH_INTERVAL_SECONDS", 0.05)
    # A short key lifetime, so that validation does try to refresh against the dead server.
    validator = await issuer.warm_validator(ttl=0.05)
    before = failures()
    issuer.server.stop()

    for n in range(3):
        await asyncio.sleep(0.1)
        for key in (issuer.keys.rsa, issuer.keys.ec):
            fresh = key.sign(issuer.claims(sub=f"user-{n}"))  # new tokens: no verified cache
            assert (await validator.validate(fresh)).subject == f"user-{n}"

    assert failures() >= before + 1
    with pytest.raises(InvalidToken, match="unknown key"):
        await validator.validate(issuer.keys.rsa_next.sign(issuer.claims()))


@pytest.mark.parametrize(
    "document",
    [[], {"keys": "nope"}, {"keys": {"kid": "rsa-1"}}, {"no-keys": []}, "text", None],
    ids=["list", "keys-a-string", "keys-an-object", "no-keys", "string", "null"],
)
async def test_a_malformed_jwks_document_keeps_the_cached_keys(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch, document: Any
) -> None:
    monkeypatch.setattr(tokens, "_MIN_REFETCH_INTERVAL_SECONDS", 0.05)
    validator = await issuer.warm_validator(ttl=0.05)
    before = failures()
    issuer.server.serve_document(document)
    await asyncio.sleep(0.1)

    token = issuer.keys.rsa.sign(issuer.claims(sub="still-valid"))
    assert (await validator.validate(token)).subject == "still-valid"
    # The stale known key answered at once; the refresh runs beside the request.
    for _ in range(100):
        if failures() >= before + 1:
            break
        await asyncio.sleep(0.01)
    assert issuer.server.requests >= 2
    assert failures() >= before + 1
    await asyncio.sleep(0.1)
    with pytest.raises(InvalidToken, match="unknown key"):
        await validator.validate(issuer.keys.stranger.sign(issuer.claims(), kid="unknown"))


async def test_unusable_jwks_entries_are_skipped(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "_MIN_REFETCH_INTERVAL_SECONDS", 0.05)
    validator = await issuer.warm_validator(ttl=0.05)
    encryption_key = issuer.keys.rsa_next.jwk() | {"use": "enc"}
    issuer.server.serve_document(
        {
            "keys": [
                42,
                None,
                "rsa-2",
                {"kid": "broken", "kty": "RSA"},
                {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
                {"kid": 7, **issuer.keys.ec.jwk()} | {"kid": 7},
                encryption_key,
                issuer.keys.rsa.jwk(),
            ]
        }
    )
    await asyncio.sleep(0.1)

    assert (await validator.validate(issuer.keys.rsa.sign(issuer.claims()))).subject
    # The refetch replaced the key set: the EC key is listed only under a non-string kid and
    # the second RSA key only for encryption.
    for key in (issuer.keys.ec, issuer.keys.rsa_next):
        await asyncio.sleep(0.1)
        with pytest.raises(InvalidToken, match="unknown key"):
            await validator.validate(key.sign(issuer.claims()))


async def test_first_validation_fetches_keys_when_not_warmed(issuer: Issuer) -> None:
    validator = issuer.validator()
    assert issuer.server.requests == 0
    assert (await validator.validate(issuer.keys.ec.sign(issuer.claims()))).subject
    assert issuer.server.requests == 1


# --- verified-token cache ----------------------------------------------------------------


async def test_verified_tokens_are_served_from_the_cache(issuer: Issuer) -> None:
    validator = await issuer.warm_validator()
    token = issuer.keys.rsa.sign(issuer.claims())
    first = await validator.validate(token)

    started = time.perf_counter()
    for _ in range(2000):
        again = await validator.validate(token)
    elapsed = time.perf_counter() - started

    assert again is first
    # A signature check costs ~0.1 ms (RS256) and more; a cache hit is a hash and a lookup.
    assert elapsed < 0.2, f"2000 cached validations took {elapsed:.3f} s"


async def test_an_expired_cached_token_is_not_served(issuer: Issuer) -> None:
    validator = await issuer.warm_validator(leeway=0)
    expires = int(time.time()) + 1
    token = issuer.keys.rsa.sign(issuer.claims(exp=expires))
    assert (await validator.validate(token)).expires_at == expires

    await asyncio.sleep(max(0.0, expires - time.time()) + 0.1)
    with pytest.raises(InvalidToken, match="expired"):
        await validator.validate(token)


async def test_a_rejected_token_is_not_cached_as_valid(issuer: Issuer) -> None:
    validator = await issuer.warm_validator()
    token = issuer.keys.stranger.sign(issuer.claims(), kid=issuer.keys.rsa.kid)
    for _ in range(2):
        with pytest.raises(InvalidToken):
            await validator.validate(token)


async def test_a_slow_keycloak_does_not_stall_tokens_with_known_keys(issuer: Issuer) -> None:
    validator = await issuer.warm_validator(ttl=0.05)
    issuer.server.delay_seconds = 2.0
    await asyncio.sleep(0.1)  # the cached keys are now due for a refresh
    token = issuer.keys.rsa.sign(issuer.claims(sub="not-stalled"))
    started = time.perf_counter()
    assert (await validator.validate(token)).subject == "not-stalled"
    assert time.perf_counter() - started < 0.5
    issuer.server.delay_seconds = 0.0
