"""The token metrics behind the JWKS and key-rotation alerts, against a real JWKS endpoint."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from gateway_testkit import AUDIENCE, IssuerKeys, JwksServer, access_claims
from prometheus_client import REGISTRY

from kotopolku.gateway.auth.tokens import InvalidToken, JwksCache, TokenValidator


def rejected(reason: str) -> float:
    value = REGISTRY.get_sample_value("kotopolku_gateway_tokens_rejected_total", {"reason": reason})
    return value or 0.0


def last_success() -> float:
    return REGISTRY.get_sample_value("kotopolku_gateway_jwks_last_success_timestamp_seconds") or 0


@pytest.fixture
async def validator(jwks_server: JwksServer) -> AsyncIterator[TokenValidator]:
    async with httpx.AsyncClient() as http:
        yield TokenValidator(
            JwksCache(jwks_server.url, 300, http),
            issuer=jwks_server.issuer,
            audience=AUDIENCE,
            algorithms=("RS256", "ES256"),
            leeway_seconds=5,
        )


async def test_a_successful_fetch_sets_the_last_success_time(validator: TokenValidator) -> None:
    before = time.time()
    await validator.warm()
    assert before <= last_success() <= time.time()


async def test_a_failed_fetch_leaves_the_last_success_time(
    validator: TokenValidator, jwks_server: JwksServer
) -> None:
    await validator.warm()
    seen = last_success()
    jwks_server.stop()
    async with httpx.AsyncClient() as http:
        fresh = TokenValidator(
            JwksCache(jwks_server.url, 300, http),
            issuer=jwks_server.issuer,
            audience=AUDIENCE,
            algorithms=("RS256",),
            leeway_seconds=5,
        )
        await fresh.warm()
    assert last_success() == seen


async def test_refused_tokens_are_counted_by_reason(
    validator: TokenValidator, jwks_server: JwksServer, issuer_keys: IssuerKeys
) -> None:
    await validator.warm()
    claims = access_claims(jwks_server.issuer)
    cases = {
        "unknown_key": issuer_keys.stranger.sign(claims, kid="retired-key"),
        "expired": issuer_keys.rsa.sign({**claims, "exp": int(time.time()) - 600}),
        "audience": issuer_keys.rsa.sign({**claims, "aud": "someone-else"}),
        "malformed": "not-a-token",
    }
    for reason, token in cases.items():
        before = rejected(reason)
        with pytest.raises(InvalidToken):
            await validator.validate(token)
        assert rejected(reason) == before + 1, reason
    accepted_before = {reason: rejected(reason) for reason in cases}
    assert (await validator.validate(issuer_keys.rsa.sign(claims))).subject
    assert {reason: rejected(reason) for reason in cases} == accepted_before
