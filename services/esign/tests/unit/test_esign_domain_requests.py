"""Signing request rules: parties, order, turns, deadlines, expiry, declining, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kotopolku.esign.domain import requests as rules
from kotopolku.esign.domain.errors import EsignDomainError, NotASigner, SigningStateError
from kotopolku.esign.domain.model import (
    PlanKind,
    RequestStatus,
    Signer,
    SignerParty,
    SignerStatus,
    SigningOrder,
)

P = SignerParty
TODAY = date(2026, 3, 2)
DEADLINE = date(2026, 3, 16)


def _signers(*parties: SignerParty) -> list[Signer]:
    return [Signer(i + 1, p) for i, p in enumerate(parties)]


def test_a_plan_is_signed_by_the_officer_and_the_client_by_default() -> None:
    signers = rules.signers_for(PlanKind.INDIVIDUAL, [], "")
    assert [s.party for s in signers] == [P.OFFICER, P.CLIENT]
    assert [s.position for s in signers] == [1, 2]
    assert rules.required_parties(PlanKind.FAMILY) == (P.OFFICER, P.CLIENT)


def test_a_multi_sector_plan_also_by_its_welfare_area() -> None:
    signers = rules.signers_for(PlanKind.MULTI_SECTOR, [P.CLIENT, P.WELFARE_AREA, P.OFFICER], "x")
    assert [(s.party, s.welfare_area) for s in signers] == [
        (P.CLIENT, ""),
        (P.WELFARE_AREA, "x"),
        (P.OFFICER, ""),
    ]
    with pytest.raises(SigningStateError, match="no welfare area"):
        rules.signers_for(PlanKind.MULTI_SECTOR, [], "")


@pytest.mark.parametrize(
    ("requested", "field", "message"),
    [
        ([P.CLIENT, P.CLIENT, P.OFFICER], "signers[1]", "twice"),
        ([P.CLIENT], "signers", "missing required parties: OFFICER"),
        ([P.WELFARE_AREA, P.CLIENT, P.OFFICER], "signers[0]", "does not sign"),
    ],
)
def test_every_required_party_once_and_no_one_else(
    requested: list[SignerParty], field: str, message: str
) -> None:
    with pytest.raises(EsignDomainError, match=message) as info:
        rules.signers_for(PlanKind.INDIVIDUAL, requested, "")
    assert info.value.field == field


def test_deadline_defaults_to_two_weeks_and_stays_within_ninety_days() -> None:
    assert rules.deadline_for(None, TODAY) == date(2026, 3, 16)
    assert rules.deadline_for(TODAY, TODAY) == TODAY
    assert rules.deadline_for(date(2026, 5, 31), TODAY) == date(2026, 5, 31)
    with pytest.raises(EsignDomainError, match="past"):
        rules.deadline_for(date(2026, 3, 1), TODAY)
    with pytest.raises(EsignDomainError, match="90 days"):
        rules.deadline_for(date(2026, 6, 1), TODAY)


def test_a_pending_request_expires_the_day_after_its_deadline() -> None:
    assert rules.status_on(RequestStatus.PENDING, DEADLINE, DEADLINE) is RequestStatus.PENDING
    assert rules.status_on(RequestStatus.PENDING, DEADLINE, date(2026, 3, 17)) is (
        RequestStatus.EXPIRED
    )
    assert rules.status_on(RequestStatus.COMPLETED, DEADLINE, date(2026, 4, 1)) is (
        RequestStatus.COMPLETED
    )


def test_sequential_signers_take_turns_parallel_ones_do_not() -> None:
    signers = _signers(P.OFFICER, P.CLIENT, P.WELFARE_AREA)
    assert rules.signer_statuses(SigningOrder.SEQUENTIAL, signers) == [
        SignerStatus.PENDING,
        SignerStatus.WAITING,
        SignerStatus.WAITING,
    ]
    assert set(rules.signer_statuses(SigningOrder.PARALLEL, signers)) == {SignerStatus.PENDING}
    signers[0] = Signer(1, P.OFFICER, signed=True)
    assert rules.signer_statuses(SigningOrder.SEQUENTIAL, signers) == [
        SignerStatus.SIGNED,
        SignerStatus.PENDING,
        SignerStatus.WAITING,
    ]
    assert rules.pending_parties(SigningOrder.SEQUENTIAL, signers) == {P.CLIENT}


def test_signing_in_turn_until_complete() -> None:
    signers = _signers(P.OFFICER, P.CLIENT)
    with pytest.raises(SigningStateError, match="not yet the client's turn; waiting for OFFICER"):
        rules.sign(
            SigningOrder.SEQUENTIAL, RequestStatus.PENDING, DEADLINE, TODAY, signers, P.CLIENT
        )
    first = rules.sign(
        SigningOrder.SEQUENTIAL, RequestStatus.PENDING, DEADLINE, TODAY, signers, P.OFFICER
    )
    assert (first.signer.position, first.completes, first.status) == (
        1,
        False,
        RequestStatus.PENDING,
    )
    second = rules.sign(
        SigningOrder.SEQUENTIAL, RequestStatus.PENDING, DEADLINE, TODAY, first.signers, P.CLIENT
    )
    assert second.completes
    assert second.status is RequestStatus.COMPLETED
    with pytest.raises(SigningStateError, match="already signed"):
        rules.sign(
            SigningOrder.PARALLEL, RequestStatus.PENDING, DEADLINE, TODAY, first.signers, P.OFFICER
        )


def test_only_a_party_of_an_open_request_signs() -> None:
    signers = _signers(P.OFFICER, P.CLIENT)
    with pytest.raises(NotASigner):
        rules.sign(
            SigningOrder.PARALLEL, RequestStatus.PENDING, DEADLINE, TODAY, signers, P.WELFARE_AREA
        )
    for status in (RequestStatus.CANCELLED, RequestStatus.DECLINED, RequestStatus.COMPLETED):
        with pytest.raises(SigningStateError, match=status.value.lower()):
            rules.sign(SigningOrder.PARALLEL, status, DEADLINE, TODAY, signers, P.OFFICER)
    with pytest.raises(SigningStateError, match="deadline 2026-03-16 has passed"):
        rules.sign(
            SigningOrder.PARALLEL,
            RequestStatus.PENDING,
            DEADLINE,
            date(2026, 3, 17),
            signers,
            P.OFFICER,
        )


def test_declining_needs_a_reason() -> None:
    signers = _signers(P.OFFICER, P.CLIENT)
    declined = rules.decline(RequestStatus.PENDING, DEADLINE, TODAY, signers, P.CLIENT, "ei")
    assert (declined.position, declined.declined) == (2, True)
    with pytest.raises(EsignDomainError, match="required"):
        rules.decline(RequestStatus.PENDING, DEADLINE, TODAY, signers, P.CLIENT, "  ")
    with pytest.raises(EsignDomainError, match="1000"):
        rules.decline(RequestStatus.PENDING, DEADLINE, TODAY, signers, P.CLIENT, "x" * 1001)


def test_only_a_pending_request_is_cancelled() -> None:
    rules.check_cancellable(RequestStatus.PENDING, DEADLINE, TODAY, "")
    with pytest.raises(SigningStateError, match="expired"):
        rules.check_cancellable(RequestStatus.PENDING, DEADLINE, date(2026, 4, 1), "")
    with pytest.raises(SigningStateError, match="completed"):
        rules.check_cancellable(RequestStatus.COMPLETED, DEADLINE, TODAY, "")


def test_the_reminder_is_the_morning_before_the_deadline_if_still_ahead() -> None:
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    at = rules.reminder_at(DEADLINE, 3, now)
    assert at is not None
    assert at.astimezone(UTC) == datetime(2026, 3, 13, 7, 0, tzinfo=UTC)  # 9:00 in Helsinki
    assert rules.reminder_at(date(2026, 3, 4), 3, now) is None
