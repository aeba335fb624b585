"""The family plan: limited by the members' valid individual plans; members and consent."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.plans.domain.errors import FamilyPlanLimitExceeded, InvalidPlanContent
from kotopolku.plans.domain.family import (
    MAX_MEMBERS,
    MemberPlan,
    check_family_plan_end,
    family_plan_limit,
    has_lapsed,
    is_valid_individual_plan,
    valid_member_plans,
    validate_consent_reference,
    validate_members,
)
from kotopolku.plans.domain.model import PlanKind, PlanStatus

TODAY = date(2026, 3, 1)


def member_plan(
    end: date,
    status: PlanStatus = PlanStatus.ACTIVE,
    kind: PlanKind = PlanKind.INDIVIDUAL,
    client: str = "c1",
) -> MemberPlan:
    return MemberPlan(f"p-{client}-{end}", client, kind, status, end)


@pytest.mark.parametrize(
    ("plan", "valid"),
    [
        (member_plan(date(2026, 12, 31)), True),
        (member_plan(date(2026, 12, 31), PlanStatus.SUSPENDED), True),
        (member_plan(date(2026, 12, 31), kind=PlanKind.MULTI_SECTOR), True),
        (member_plan(TODAY), True),
        (member_plan(date(2026, 2, 28)), False),
        (member_plan(date(2026, 12, 31), PlanStatus.DRAFT), False),
        (member_plan(date(2026, 12, 31), PlanStatus.AWAITING_APPROVAL), False),
        (member_plan(date(2026, 12, 31), PlanStatus.ENDED), False),
        (member_plan(date(2026, 12, 31), kind=PlanKind.FAMILY), False),
    ],
)
def test_which_individual_plans_are_valid(plan: MemberPlan, valid: bool) -> None:
    assert is_valid_individual_plan(plan, TODAY) is valid
    assert valid_member_plans([plan], TODAY) == ([plan] if valid else [])


def test_the_limit_is_the_latest_end_among_valid_plans() -> None:
    plans = [
        member_plan(date(2026, 9, 30), client="parent"),
        member_plan(date(2027, 1, 31), client="child"),
        member_plan(date(2028, 1, 1), PlanStatus.ENDED, client="other"),
        member_plan(date(2029, 1, 1), kind=PlanKind.FAMILY, client="family"),
    ]
    assert family_plan_limit(plans, TODAY) == date(2027, 1, 31)
    check_family_plan_end(date(2027, 1, 31), plans, TODAY)
    check_family_plan_end(date(2026, 6, 1), plans, TODAY)
    with pytest.raises(FamilyPlanLimitExceeded) as info:
        check_family_plan_end(date(2027, 2, 1), plans, TODAY)
    assert info.value.field == "end_date"
    assert "on or before 2027-01-31" in info.value.message


def test_without_valid_individual_plans_there_is_no_family_plan() -> None:
    assert family_plan_limit([], TODAY) is None
    expired = [member_plan(date(2026, 1, 1)), member_plan(date(2027, 1, 1), PlanStatus.DRAFT)]
    assert family_plan_limit(expired, TODAY) is None
    with pytest.raises(FamilyPlanLimitExceeded, match="no member") as info:
        check_family_plan_end(date(2026, 6, 1), expired, TODAY, field="new_end_date")
    assert info.value.field == "new_end_date"


def test_the_limit_moves_with_today() -> None:
    plans = [member_plan(date(2026, 6, 30), client="a"), member_plan(date(2026, 4, 30), client="b")]
    assert family_plan_limit(plans, date(2026, 4, 30)) == date(2026, 6, 30)
    assert family_plan_limit(plans, date(2026, 7, 1)) is None


def test_members_are_the_other_family_members() -> None:
    assert validate_members("guardian", ["child-1", "child-2"]) == ["child-1", "child-2"]
    cases = [
        ([], "at least one"),
        (["c", "c"], "twice"),
        (["guardian", "c"], "the plan's client"),
        ([f"c{i}" for i in range(MAX_MEMBERS + 1)], f"at most {MAX_MEMBERS}"),
    ]
    for members, says in cases:
        with pytest.raises(InvalidPlanContent, match=says) as info:
            validate_members("guardian", members)
        assert info.value.field == "family.member_client_ids"
    assert len(validate_members("g", [f"c{i}" for i in range(MAX_MEMBERS)])) == MAX_MEMBERS


def test_the_guardians_consent_is_required() -> None:
    assert validate_consent_reference(" consent-123 ") == "consent-123"
    for bad, says in (
        ("", "consent is required"),
        ("x" * 101, "at most 100"),
        ("a\x07", "printable"),
    ):
        with pytest.raises(InvalidPlanContent, match=says) as info:
            validate_consent_reference(bad)
        assert info.value.field == "family.guardian_consent_reference"


@pytest.mark.parametrize(
    ("plans", "lapsed"),
    [
        ([], True),
        ([member_plan(TODAY)], False),
        ([member_plan(date(2026, 2, 28))], True),
        ([member_plan(date(2026, 12, 31), PlanStatus.ENDED)], True),
        ([member_plan(date(2026, 12, 31), PlanStatus.SUSPENDED)], False),
        ([member_plan(date(2026, 12, 31), PlanStatus.DRAFT)], True),
        (
            [
                member_plan(date(2026, 2, 1), client="c1"),
                member_plan(date(2026, 5, 1), PlanStatus.ACTIVE, client="c2"),
            ],
            False,
        ),
    ],
)
def test_a_family_plan_lapses_when_no_member_has_a_valid_plan(
    plans: list[MemberPlan], lapsed: bool
) -> None:
    assert has_lapsed(plans, TODAY) is lapsed
