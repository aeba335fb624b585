"""The plan's life cycle, editing rules and the approval by both parties."""

from __future__ import annotations

import itertools

import pytest

from kotopolku.plans.domain.errors import InvalidTransition, PlanStateError
from kotopolku.plans.domain.lifecycle import (
    CONTENT_EDITABLE,
    IN_FORCE,
    TERMS_EDITABLE,
    TRANSITIONS,
    approve,
    check_content_editable,
    check_in_force,
    check_submittable,
    check_terms_editable,
    status_after_edit,
    transition,
)
from kotopolku.plans.domain.model import ApprovalParty, PlanStatus

S = PlanStatus
ALLOWED = {
    (S.DRAFT, S.AWAITING_APPROVAL),
    (S.AWAITING_APPROVAL, S.DRAFT),
    (S.AWAITING_APPROVAL, S.ACTIVE),
    (S.ACTIVE, S.SUSPENDED),
    (S.ACTIVE, S.ENDED),
    (S.SUSPENDED, S.ACTIVE),
    (S.SUSPENDED, S.ENDED),
}


def test_the_transition_table_is_the_documented_one() -> None:
    assert set(TRANSITIONS) == ALLOWED


@pytest.mark.parametrize(
    ("current", "target"), list(itertools.product(PlanStatus, PlanStatus)), ids=str
)
def test_every_pair_of_statuses(current: PlanStatus, target: PlanStatus) -> None:
    if (current, target) in ALLOWED:
        assert transition(current, target) is target
        return
    with pytest.raises(InvalidTransition) as info:
        transition(current, target)
    assert info.value.field == "status"
    assert f"from {current.value} to {target.value}" in info.value.message
    if current is S.ENDED:
        assert "final" in info.value.message
    else:
        assert "allowed next" in info.value.message


def test_editing_rules_per_status() -> None:
    assert {S.DRAFT, S.AWAITING_APPROVAL, S.ACTIVE, S.SUSPENDED} == CONTENT_EDITABLE
    assert {S.DRAFT, S.AWAITING_APPROVAL} == TERMS_EDITABLE
    assert {S.ACTIVE, S.SUSPENDED} == IN_FORCE
    for status in PlanStatus:
        if status in CONTENT_EDITABLE:
            check_content_editable(status)
        else:
            with pytest.raises(PlanStateError, match="cannot be changed"):
                check_content_editable(status)
        if status in TERMS_EDITABLE:
            check_terms_editable(status, "end_date")
        else:
            with pytest.raises(PlanStateError) as info:
                check_terms_editable(status, "end_date")
            assert info.value.field == "end_date"
            assert "extension" in info.value.message
        if status in IN_FORCE:
            check_in_force(status, "extended")
        else:
            with pytest.raises(PlanStateError, match="can be extended"):
                check_in_force(status, "extended")


@pytest.mark.parametrize("status", list(PlanStatus), ids=str)
def test_an_edit_returns_only_a_submitted_plan_to_draft(status: PlanStatus) -> None:
    expected = S.DRAFT if status is S.AWAITING_APPROVAL else status
    assert status_after_edit(status) is expected


def test_a_draft_with_goals_is_submittable() -> None:
    check_submittable(S.DRAFT, 1)
    with pytest.raises(PlanStateError) as info:
        check_submittable(S.DRAFT, 0)
    assert info.value.field == "goals"
    for status in set(PlanStatus) - {S.DRAFT}:
        with pytest.raises(InvalidTransition):
            check_submittable(status, 3)


NONE: frozenset[ApprovalParty] = frozenset()
CLIENT = frozenset({ApprovalParty.CLIENT})
OFFICER = frozenset({ApprovalParty.OFFICER})


@pytest.mark.parametrize(
    ("already", "party", "approved", "status"),
    [
        (NONE, ApprovalParty.CLIENT, CLIENT, S.AWAITING_APPROVAL),
        (NONE, ApprovalParty.OFFICER, OFFICER, S.AWAITING_APPROVAL),
        (CLIENT, ApprovalParty.OFFICER, CLIENT | OFFICER, S.ACTIVE),
        (OFFICER, ApprovalParty.CLIENT, CLIENT | OFFICER, S.ACTIVE),
    ],
)
def test_the_plan_is_active_once_both_have_approved(
    already: frozenset[ApprovalParty],
    party: ApprovalParty,
    approved: frozenset[ApprovalParty],
    status: PlanStatus,
) -> None:
    decision = approve(S.AWAITING_APPROVAL, already, party)
    assert decision.approved_by == approved
    assert decision.status is status
    assert decision.activates is (status is S.ACTIVE)


@pytest.mark.parametrize("party", list(ApprovalParty), ids=str)
def test_a_party_approves_once(party: ApprovalParty) -> None:
    with pytest.raises(PlanStateError, match="already approved"):
        approve(S.AWAITING_APPROVAL, frozenset({party}), party)


@pytest.mark.parametrize("status", sorted(set(PlanStatus) - {S.AWAITING_APPROVAL}), ids=str)
def test_only_a_submitted_plan_is_approved(status: PlanStatus) -> None:
    with pytest.raises(InvalidTransition, match="awaiting approval"):
        approve(status, NONE, ApprovalParty.CLIENT)
