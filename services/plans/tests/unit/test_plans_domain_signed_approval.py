"""Approval by electronic signature: every party, the version rendered, a plan awaiting approval."""

from __future__ import annotations

import pytest

from kotopolku.plans.domain.errors import InvalidPlanContent, InvalidTransition, PlanStateError
from kotopolku.plans.domain.model import ApprovalParty, PlanStatus
from kotopolku.plans.domain.signed_approval import record_signed, signed_reason

BOTH = frozenset(ApprovalParty)
NONE: frozenset[ApprovalParty] = frozenset()


def test_both_signatures_activate_a_plan_awaiting_approval() -> None:
    decision = record_signed(PlanStatus.AWAITING_APPROVAL, 3, 3, NONE, BOTH)
    assert decision.status is PlanStatus.ACTIVE
    assert decision.new_parties == BOTH


def test_a_party_who_approved_by_hand_keeps_that_approval() -> None:
    decision = record_signed(
        PlanStatus.AWAITING_APPROVAL, 3, 3, frozenset({ApprovalParty.OFFICER}), BOTH
    )
    assert decision.new_parties == {ApprovalParty.CLIENT}


@pytest.mark.parametrize("signed", [NONE, frozenset({ApprovalParty.CLIENT})])
def test_every_party_must_have_signed(signed: frozenset[ApprovalParty]) -> None:
    with pytest.raises(InvalidPlanContent, match="OFFICER") as info:
        record_signed(PlanStatus.AWAITING_APPROVAL, 3, 3, NONE, signed)
    assert info.value.field == "approvals"


@pytest.mark.parametrize("status", [s for s in PlanStatus if s is not PlanStatus.AWAITING_APPROVAL])
def test_only_a_plan_awaiting_approval_is_approved(status: PlanStatus) -> None:
    with pytest.raises(InvalidTransition):
        record_signed(status, 3, 3, NONE, BOTH)


def test_a_plan_changed_after_rendering_is_not_what_was_signed() -> None:
    with pytest.raises(PlanStateError, match="signed version 2, now 3") as info:
        record_signed(PlanStatus.AWAITING_APPROVAL, 3, 2, NONE, BOTH)
    assert info.value.field == "plan_version"


def test_the_reason_names_the_request_and_the_document() -> None:
    reason = signed_reason("r-1", "ab" * 32)
    assert "r-1" in reason
    assert "ab" * 32 in reason
