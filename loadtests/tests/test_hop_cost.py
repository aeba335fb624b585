"""The hop-cost tool measures real calls through each set of interceptors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kotopolku.common.identity import (
    GATEWAY_ISSUER,
    AssertionSigner,
    AssertionVerifier,
    Caller,
    Role,
)
from kotopolku.common.testing import make_keys
from loadtests.hop_cost import VARIANTS, measure


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_serves_calls_with_a_verified_caller(variant: str, tmp_path: Path) -> None:
    keys = make_keys(tmp_path)
    signer = AssertionSigner.from_file(keys.gateway_private, GATEWAY_ISSUER)
    verifier = AssertionVerifier.from_files(keys.gateway_public, keys.service_public)
    token = signer.sign(Caller(subject="t", roles=frozenset({Role.MUNICIPAL_OFFICER}), purpose="t"))
    cpu_ms, wall_ms = asyncio.run(measure(variant, verifier, token, calls=20))
    assert 0 < cpu_ms < 1000
    assert 0 < wall_ms < 1000


def test_a_call_without_a_valid_caller_is_refused(
    tmp_path: Path,
) -> None:
    keys = make_keys(tmp_path)
    verifier = AssertionVerifier.from_files(keys.gateway_public, keys.service_public)
    with pytest.raises(Exception, match="UNAUTHENTICATED"):
        asyncio.run(measure("all", verifier, "not-a-token", calls=1))
