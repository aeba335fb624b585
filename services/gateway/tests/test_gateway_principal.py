"""From token claims to the caller: roles, tenant claims and the strength of authentication."""

from __future__ import annotations

from typing import Any

import pytest

from kotopolku.gateway.auth.principal import caller_from_claims

AUDIENCE = "kotopolku-gateway"


def _claims(**extra: Any) -> dict[str, Any]:
    return {"sub": "u-1", "realm_access": {"roles": ["client"]}, "hetu": "010190-999W", **extra}


def test_acr_and_auth_time_are_taken_from_the_token() -> None:
    caller = caller_from_claims(_claims(acr="1", auth_time=1_772_445_600), AUDIENCE, None)
    assert caller.acr == "1"
    assert caller.auth_time == 1_772_445_600
    assert caller.henkilotunnus == "010190-999W"


@pytest.mark.parametrize("value", [None, "yesterday", True, [1]])
def test_an_auth_time_that_is_not_a_number_is_left_out(value: Any) -> None:
    caller = caller_from_claims(_claims(auth_time=value), AUDIENCE, None)
    assert caller.auth_time is None
    assert caller.acr is None


def test_a_fractional_auth_time_is_whole_seconds() -> None:
    assert caller_from_claims(_claims(auth_time=1.9), AUDIENCE, None).auth_time == 1
