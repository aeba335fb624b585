from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from kotopolku.common.errors import Unauthenticated
from kotopolku.common.identity import (
    AUDIENCE,
    GATEWAY_ISSUER,
    INTERNAL_SERVICE_ROLE,
    AssertionSigner,
    AssertionVerifier,
    Caller,
    generate_key_pair,
)
from kotopolku.common.testing import TestKeys, make_keys

OFFICER = Caller(
    subject="u-1",
    roles=frozenset({"municipal-officer"}),
    purpose="integration-services",
    municipality="091",
)


def test_gateway_assertion_round_trip(keys: TestKeys) -> None:
    token = keys.assertion(OFFICER)
    caller = keys.verifier().verify(token)
    assert caller == OFFICER
    assert caller.assertion == token


def test_client_identity_code_and_client_id_travel_but_are_not_in_repr(keys: TestKeys) -> None:
    client = Caller(
        "c-1", frozenset({"client"}), "self-service", henkilotunnus="010190-9999", client_id="abc"
    )
    verified = keys.verifier().verify(keys.assertion(client))
    assert verified.henkilotunnus == "010190-9999"
    assert verified.client_id == "abc"
    assert "010190" not in repr(verified)


def test_assertion_signed_with_another_key_is_refused(keys: TestKeys, tmp_path: Path) -> None:
    other = make_keys(tmp_path)
    with pytest.raises(Unauthenticated):
        keys.verifier().verify(other.assertion(OFFICER))


def test_expired_assertion_is_refused(keys: TestKeys) -> None:
    token = keys.gateway_signer().sign(OFFICER, lifetime=-30)
    with pytest.raises(Unauthenticated, match="expired"):
        keys.verifier().verify(token)


def test_wrong_audience_and_algorithm_are_refused(keys: TestKeys) -> None:
    claims = {
        "iss": GATEWAY_ISSUER,
        "aud": "elsewhere",
        "sub": "x",
        "iat": int(time.time()),
        "exp": int(time.time()) + 60,
    }
    signer = keys.gateway_signer()
    wrong_aud = jwt.encode(claims, signer._key, algorithm="EdDSA")
    with pytest.raises(Unauthenticated):
        keys.verifier().verify(wrong_aud)
    hmac = jwt.encode({**claims, "aud": AUDIENCE}, "secret", algorithm="HS256")
    with pytest.raises(Unauthenticated):
        keys.verifier().verify(hmac)
    with pytest.raises(Unauthenticated):
        keys.verifier().verify("not-a-token")


def test_gateway_key_cannot_mint_an_internal_service(keys: TestKeys) -> None:
    forged = Caller("svc", frozenset({INTERNAL_SERVICE_ROLE}), "system-operation")
    with pytest.raises(Unauthenticated, match="internal service"):
        keys.verifier().verify(keys.assertion(forged))


def test_service_key_can_mint_only_the_internal_service_role(keys: TestKeys) -> None:
    signer = AssertionSigner.from_file(keys.service_private, "kotopolku-service:clients")
    caller = keys.verifier().verify(signer.sign(signer.service_caller("clients")))
    assert caller.is_internal_service
    assert caller.subject == "kotopolku-service:clients"
    with pytest.raises(Unauthenticated, match="only carry"):
        keys.verifier().verify(signer.sign(OFFICER))


def test_service_assertions_need_the_service_public_key(keys: TestKeys, tmp_path: Path) -> None:
    verifier = AssertionVerifier.from_files(keys.gateway_public, None)
    signer = AssertionSigner.from_file(keys.service_private, "kotopolku-service:clients")
    with pytest.raises(Unauthenticated, match="unknown issuer"):
        verifier.verify(signer.sign(signer.service_caller("clients")))


def test_generated_private_key_is_private(tmp_path: Path) -> None:
    generate_key_pair(tmp_path / "k.pem", tmp_path / "k.pub")
    assert (tmp_path / "k.pem").stat().st_mode & 0o077 == 0


def test_service_assertion_is_reused_until_half_its_lifetime(keys: TestKeys) -> None:
    from kotopolku.common.identity import ServiceAssertion

    signer = AssertionSigner.from_file(keys.service_private, "kotopolku-service:clients")
    long_lived = ServiceAssertion(signer, "clients", lifetime=3600)
    assert long_lived() == long_lived()
    assert keys.verifier().verify(long_lived()).is_internal_service
    renewed_every_call = ServiceAssertion(signer, "clients", lifetime=0)
    first = renewed_every_call()
    assert renewed_every_call() != first


def test_strength_and_time_of_authentication_travel_in_the_assertion(keys: TestKeys) -> None:
    client = Caller(
        "c-1",
        frozenset({"client"}),
        "self-service",
        acr="http://ftn.ficora.fi/2017/loa3",
        auth_time=1_772_445_600,
    )
    verified = keys.verifier().verify(keys.assertion(client))
    assert verified.acr == "http://ftn.ficora.fi/2017/loa3"
    assert verified.auth_time == 1_772_445_600
    assert keys.verifier().verify(keys.assertion(OFFICER)).acr is None
