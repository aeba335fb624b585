"""The evidence a signature carries: the approval record in its reason, and the strength and
freshness of the signer's authentication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kotopolku.esign.domain import authentication
from kotopolku.esign.domain.approval import ApprovalRecord, from_reason, to_reason
from kotopolku.esign.domain.errors import SigningStateError
from kotopolku.esign.domain.model import SignerParty

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_the_approval_record_round_trips_through_the_reason() -> None:
    record = ApprovalRecord(
        party=SignerParty.CLIENT,
        subject="5f1c; odd=subject",
        signed_at=AT,
        authentication_context="http://ftn.ficora.fi/2017/loa3",
        authenticated_at=AT - timedelta(minutes=5),
        signing_request_id="r-1",
    )
    reason = to_reason(record)
    assert reason.startswith("Kotopolku approval; party=CLIENT; subject=5f1c%3B")
    assert "acr=http://ftn.ficora.fi/2017/loa3" in reason
    assert "signed_at=2026-03-02T10:00:00Z" in reason
    assert from_reason(reason) == record


def test_an_approval_without_an_authentication_time_round_trips() -> None:
    record = ApprovalRecord(SignerParty.OFFICER, "o-1", AT, "", None, "r-2")
    assert from_reason(to_reason(record)) == record


@pytest.mark.parametrize(
    "reason",
    [
        "",
        "Signed in Helsinki",
        "Kotopolku approval; party=NOBODY; subject=x; signed_at=2026-03-02T10:00:00Z",
        "Kotopolku approval; party=CLIENT; subject=x",
        "Kotopolku approval; party=CLIENT; subject=x; signed_at=yesterday",
    ],
)
def test_other_reasons_are_not_approvals(reason: str) -> None:
    assert from_reason(reason) is None


@pytest.mark.parametrize(
    ("acr", "level"),
    [
        ("http://ftn.ficora.fi/2017/loa3", "high"),
        ("http://ftn.ficora.fi/2017/loa2", "substantial"),
        ("http://eidas.europa.eu/LoA/low", "low"),
        ("1", "unspecified"),
        ("", "unspecified"),
    ],
)
def test_levels_of_assurance(acr: str, level: str) -> None:
    assert authentication.assurance_level(acr) == level


def test_a_client_approves_soon_after_signing_in() -> None:
    hour = timedelta(hours=1)
    authentication.check_recent(AT - timedelta(minutes=59), AT, hour)
    with pytest.raises(SigningStateError, match="older than 60 minutes"):
        authentication.check_recent(AT - timedelta(minutes=61), AT, hour)
    with pytest.raises(SigningStateError, match="unknown"):
        authentication.check_recent(None, AT, hour)
    # A token without auth_time (password grant) approves when the time is not required.
    authentication.check_recent(None, AT, hour, required=False)
    assert authentication.authenticated_at(1_772_445_600) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert authentication.authenticated_at(None) is None
