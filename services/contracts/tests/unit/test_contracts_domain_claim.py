"""Claim assembly (totals, order, every refusal named), the state machine, decisions, payment."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from kotopolku.contracts.domain.accounts import CompensationType
from kotopolku.contracts.domain.claim import (
    ClaimAction,
    ClaimPeriod,
    ClaimProblems,
    ClaimStatus,
    CostCandidate,
    assemble_claim,
    check_decision,
    check_event_date,
    check_payment,
    check_period,
    transition_claim,
)
from kotopolku.contracts.domain.eligibility import ClientFacts
from kotopolku.contracts.domain.errors import ContractsDomainError, InvalidTransition
from kotopolku.contracts.domain.money import euros, validate_amount

TODAY = date(2025, 3, 1)
PERIOD = ClaimPeriod(date(2024, 1, 1), date(2024, 12, 31))
PLACED = ClientFacts("PLACED", "INTERNATIONAL_PROTECTION", date(2023, 6, 1))
SELF_MOVED = ClientFacts("SELF_MOVED", "CONTINUOUS", date(2023, 6, 1))


def cost(
    entry_id: str,
    client: str = "c1",
    day: date = date(2024, 5, 1),
    cents: int = 100,
    code: str = "4391",
    status: str = "OPEN",
) -> CostCandidate:
    return CostCandidate(entry_id, client, "", code, day, cents, status, "claim-x", "", "")


def test_lines_are_in_activity_order_and_the_total_is_exact() -> None:
    costs = [
        cost("b", day=date(2024, 9, 1), cents=1),
        cost("a", client="c2", day=date(2024, 2, 1), cents=10_000_000_00),
        cost("c", day=date(2024, 9, 1), cents=33_33),
    ]
    claim = assemble_claim(
        CompensationType.INTERPRETING, PERIOD, costs, {"c1": PLACED, "c2": PLACED}, TODAY
    )
    assert [(line.line_number, line.cost.id) for line in claim.lines] == [
        (1, "a"),
        (2, "b"),
        (3, "c"),
    ]
    assert claim.claimed_cents == 10_000_000_00 + 1 + 33_33
    assert isinstance(claim.claimed_cents, int)
    assert euros(claim.claimed_cents) == "10000033.34"
    assert claim.lines[0].facts == PLACED


def test_every_problem_of_every_cost_is_reported_with_its_field() -> None:
    costs = [
        cost("void", status="VOID"),
        cost("taken", status="CLAIMED"),
        cost("wrong-type", code="4392"),
        cost("outside", day=date(2025, 1, 5)),
        cost("ineligible", client="c3"),
        cost("unseen", client="c4"),
        cost("fine"),
    ]
    fields = {c.id: f"cost_entry_ids[{i}]" for i, c in enumerate(costs)}
    with pytest.raises(ClaimProblems) as refused:
        assemble_claim(
            CompensationType.INTERPRETING,
            PERIOD,
            costs,
            {"c1": PLACED, "c3": SELF_MOVED, "c4": None},
            TODAY,
            field_of=fields,
        )
    found = [(p.field, p.message) for p in refused.value.problems]
    assert [f for f, _ in found] == [f"cost_entry_ids[{i}]" for i in range(6)]
    messages = [m for _, m in found]
    assert "cost entry void" in messages[0]
    assert "is void" in messages[0]
    assert "already in claim claim-x" in messages[1]
    assert "one claim only" in messages[1]
    assert "SPECIAL_COSTS, not INTERPRETING" in messages[2]
    assert "outside the claim period" in messages[3]
    assert "not in the target group" in messages[4]
    assert "not visible" in messages[5]


def test_an_empty_selection_is_refused() -> None:
    with pytest.raises(ClaimProblems, match="no open cost entries"):
        assemble_claim(CompensationType.INTERPRETING, PERIOD, [], {}, TODAY)


def test_period_is_ordered_and_at_most_a_year() -> None:
    assert check_period(date(2024, 1, 1), date(2024, 12, 31)) == PERIOD
    assert check_period(date(2024, 3, 1), date(2025, 2, 28))
    with pytest.raises(ContractsDomainError, match="at most one year"):
        check_period(date(2024, 3, 1), date(2025, 3, 1))
    with pytest.raises(ContractsDomainError, match="before period_start"):
        check_period(date(2024, 3, 1), date(2024, 2, 28))


ALLOWED = {
    (ClaimStatus.DRAFT, ClaimAction.SUBMIT): ClaimStatus.SUBMITTED,
    (ClaimStatus.DRAFT, ClaimAction.CANCEL): ClaimStatus.CANCELLED,
    (ClaimStatus.SUBMITTED, ClaimAction.REQUEST_ADDITIONS): ClaimStatus.ADDITIONS_REQUESTED,
    (ClaimStatus.SUBMITTED, ClaimAction.DECIDE): ClaimStatus.DECIDED,
    (ClaimStatus.ADDITIONS_REQUESTED, ClaimAction.PROVIDE_ADDITIONS): ClaimStatus.SUBMITTED,
    (ClaimStatus.ADDITIONS_REQUESTED, ClaimAction.DECIDE): ClaimStatus.DECIDED,
    (ClaimStatus.DECIDED, ClaimAction.PAY): ClaimStatus.PAID,
}


@pytest.mark.parametrize(("status", "action"), list(product(ClaimStatus, ClaimAction)))
def test_every_transition(status: ClaimStatus, action: ClaimAction) -> None:
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition, match=status.value):
            transition_claim(status, action)
    else:
        assert transition_claim(status, action) is expected


def test_decision_covers_every_line_once_within_the_claimed_amount() -> None:
    claimed = {"a": 1000, "b": 500}
    decided = check_decision(claimed, [("a", 1000, ""), ("b", 250, "Osittain")])
    assert decided["b"].approved_cents == 250
    assert decided["b"].note == "Osittain"
    assert sum(d.approved_cents for d in decided.values()) == 1250
    with pytest.raises(ClaimProblems, match="missing: b"):
        check_decision(claimed, [("a", 1000, "")])
    with pytest.raises(ClaimProblems) as refused:
        check_decision(claimed, [("a", 1001, ""), ("x", 1, ""), ("b", -1, ""), ("a", 1, "")])
    assert [p.field for p in refused.value.problems] == [
        "lines[0].approved_cents",
        "lines[1].cost_entry_id",
        "lines[2].approved_cents",
    ]
    assert (
        check_decision(claimed, [("a", 0, ""), ("b", 0, "Ei korvattava")])["a"].approved_cents == 0
    )


def test_payment_must_equal_the_approved_total() -> None:
    assert check_payment(1250, 1250) == 1250
    with pytest.raises(ContractsDomainError, match=r"must equal the approved total 12\.50 EUR"):
        check_payment(1249, 1250)
    with pytest.raises(ContractsDomainError, match="nothing was approved"):
        check_payment(0, 0)


def test_event_dates() -> None:
    assert check_event_date(TODAY, after=date(2025, 1, 1), today=TODAY, field="paid_on") == TODAY
    with pytest.raises(ContractsDomainError, match="future"):
        check_event_date(date(2025, 3, 2), after=date(2025, 1, 1), today=TODAY, field="x")
    with pytest.raises(ContractsDomainError, match="before 2025-01-01"):
        check_event_date(date(2024, 12, 31), after=date(2025, 1, 1), today=TODAY, field="x")


@pytest.mark.parametrize("bad", [0, -1, 10_000_000_001, 1.5, True, "100"])
def test_amounts_are_positive_whole_cents(bad: object) -> None:
    with pytest.raises(ContractsDomainError):
        validate_amount(bad, field="amount_cents")  # type: ignore[arg-type]


def test_euros_are_exact_decimal_strings() -> None:
    assert [euros(c) for c in (0, 1, 10, 99, 100, 12345, -5)] == [
        "0.00",
        "0.01",
        "0.10",
        "0.99",
        "1.00",
        "123.45",
        "-0.05",
    ]
