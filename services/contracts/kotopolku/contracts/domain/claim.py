"""Compensation claims to KEHA-keskus (korvaushakemus): assembly from cost entries, the life cycle
of a claim, KEHA's decision per line and the payment.

A claim is for one compensation type and one period of at most a year. Each cost is in one
claim at most. Every cost of the claim must be open, of the claim's type, within the period,
within its claim deadline (:mod:`.deadline`) and of an eligible client (:mod:`.eligibility`);
otherwise the claim is refused with one error per offending cost entry, naming it.

Life cycle::

    DRAFT ──submit──▶ SUBMITTED ──request additions──▶ ADDITIONS_REQUESTED
      │                   ▲   │                              │
    cancel                └───┼──────provide additions───────┘
      ▼                       └──decide──▶ DECIDED ──pay──▶ PAID
    CANCELLED           (decide also from ADDITIONS_REQUESTED)

The deadline is checked again at submission, against the day of submission: a draft assembled
in December and submitted in January may have become too late.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from kotopolku.contracts.domain.accounts import CompensationType, account
from kotopolku.contracts.domain.deadline import claim_deadline, deadline_passed
from kotopolku.contracts.domain.eligibility import ClientFacts, add_years, ineligibility_reasons
from kotopolku.contracts.domain.errors import ClaimRefused, ContractsDomainError, InvalidTransition
from kotopolku.contracts.domain.money import euros, validate_amount
from kotopolku.contracts.domain.text import validate_text

MAX_LINES: Final = 5000


class ClaimStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    ADDITIONS_REQUESTED = "ADDITIONS_REQUESTED"
    DECIDED = "DECIDED"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


class ClaimAction(enum.StrEnum):
    SUBMIT = "submitted"
    REQUEST_ADDITIONS = "additions-requested"
    PROVIDE_ADDITIONS = "additions-provided"
    DECIDE = "decided"
    PAY = "paid"
    CANCEL = "cancelled"


_TRANSITIONS: Final = {
    (ClaimStatus.DRAFT, ClaimAction.SUBMIT): ClaimStatus.SUBMITTED,
    (ClaimStatus.DRAFT, ClaimAction.CANCEL): ClaimStatus.CANCELLED,
    (ClaimStatus.SUBMITTED, ClaimAction.REQUEST_ADDITIONS): ClaimStatus.ADDITIONS_REQUESTED,
    (ClaimStatus.SUBMITTED, ClaimAction.DECIDE): ClaimStatus.DECIDED,
    (ClaimStatus.ADDITIONS_REQUESTED, ClaimAction.PROVIDE_ADDITIONS): ClaimStatus.SUBMITTED,
    (ClaimStatus.ADDITIONS_REQUESTED, ClaimAction.DECIDE): ClaimStatus.DECIDED,
    (ClaimStatus.DECIDED, ClaimAction.PAY): ClaimStatus.PAID,
}


def transition_claim(status: ClaimStatus, action: ClaimAction) -> ClaimStatus:
    target = _TRANSITIONS.get((status, action))
    if target is None:
        raise InvalidTransition(
            "status",
            f"a claim in status {status.value} cannot be {action.value.replace('-', ' ')}",
        )
    return target


class ClaimProblems(Exception):
    """Every reason a claim cannot be assembled or submitted, each naming its field."""

    def __init__(self, problems: Iterable[ContractsDomainError]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))


@dataclass(frozen=True, slots=True)
class ClaimPeriod:
    start: date
    end: date


def check_period(start: date, end: date) -> ClaimPeriod:
    if end < start:
        raise ContractsDomainError("period_end", "must not be before period_start")
    if end >= add_years(start, 1):
        raise ContractsDomainError("period_end", "a claim period is at most one year")
    return ClaimPeriod(start, end)


@dataclass(frozen=True, slots=True)
class CostCandidate:
    """A cost entry as claim assembly sees it."""

    id: str
    client_id: str
    contract_id: str
    account_code: str
    activity_date: date
    amount_cents: int
    status: str
    claim_id: str
    description: str
    invoice_reference: str


@dataclass(frozen=True, slots=True)
class AssembledLine:
    line_number: int
    cost: CostCandidate
    facts: ClientFacts


@dataclass(frozen=True, slots=True)
class AssembledClaim:
    lines: tuple[AssembledLine, ...]

    @property
    def claimed_cents(self) -> int:
        return sum(line.cost.amount_cents for line in self.lines)


def _describe(cost: CostCandidate) -> str:
    return (
        f"cost entry {cost.id} (activity {cost.activity_date.isoformat()}, "
        f"{euros(cost.amount_cents)} EUR)"
    )


def cost_problems(
    cost: CostCandidate,
    compensation_type: CompensationType,
    period: ClaimPeriod,
    facts: ClientFacts | None,
    today: date,
) -> list[str]:
    """Why this cost cannot be in this claim; empty when it can."""
    if cost.status == "VOID":
        return ["is void"]
    if cost.status != "OPEN":
        return [f"is already in claim {cost.claim_id}: a cost can be in one claim only"]
    problems: list[str] = []
    code = account(cost.account_code)
    if code.compensation_type is not compensation_type:
        problems.append(
            f"is a cost of type {code.compensation_type.value}, not {compensation_type.value}"
        )
    if not period.start <= cost.activity_date <= period.end:
        problems.append("its activity date is outside the claim period")
    if deadline_passed(cost.activity_date, today):
        deadline = claim_deadline(cost.activity_date)
        problems.append(
            f"its claim deadline {deadline.isoformat()} has passed (two years after the end of "
            f"{cost.activity_date.year}, Integration Act / reference §3.4.12)"
        )
    if facts is None:
        problems.append("its client is not visible to the caller")
    else:
        problems.extend(ineligibility_reasons(code, facts, cost.activity_date))
    return problems


def assemble_claim(
    compensation_type: CompensationType,
    period: ClaimPeriod,
    costs: Sequence[CostCandidate],
    facts: Mapping[str, ClientFacts | None],
    today: date,
    *,
    field_of: Mapping[str, str] | None = None,
) -> AssembledClaim:
    """The claim's lines, in activity-date order; raises :class:`ClaimProblems` with one
    :class:`ClaimRefused` per reason a cost cannot be claimed, each naming the cost entry.

    ``field_of`` maps a cost entry id to the request field that named it (explicit selection);
    without it every problem is reported on ``cost_entries``.
    """
    if not costs:
        raise ClaimProblems(
            [
                ClaimRefused(
                    "cost_entry_ids" if field_of is not None else "period_start",
                    "there are no open cost entries of this type in the period",
                )
            ]
        )
    if len(costs) > MAX_LINES:
        raise ClaimProblems(
            [ClaimRefused("cost_entry_ids", f"a claim has at most {MAX_LINES} lines")]
        )
    refusals: list[ContractsDomainError] = []
    for cost in costs:
        for problem in cost_problems(
            cost, compensation_type, period, facts.get(cost.client_id), today
        ):
            field = (field_of or {}).get(cost.id, "cost_entries")
            refusals.append(ClaimRefused(field, f"{_describe(cost)} {problem}"))
    if refusals:
        raise ClaimProblems(refusals)
    ordered = sorted(costs, key=lambda c: (c.activity_date, c.id))
    lines = tuple(
        AssembledLine(number, cost, facts[cost.client_id])  # type: ignore[arg-type]
        for number, cost in enumerate(ordered, start=1)
    )
    return AssembledClaim(lines)


def late_costs(lines: Iterable[tuple[str, date, int]], submitted_on: date) -> ClaimProblems | None:
    """At submission: the lines (id, activity date, cents) whose deadline passed before it."""
    refusals: list[ContractsDomainError] = [
        ClaimRefused(
            "submitted_on",
            f"cost entry {entry_id} (activity {day.isoformat()}, {euros(cents)} EUR): its claim "
            f"deadline {claim_deadline(day).isoformat()} passed before the submission; cancel "
            "this draft and claim the other costs",
        )
        for entry_id, day, cents in lines
        if deadline_passed(day, submitted_on)
    ]
    return ClaimProblems(refusals) if refusals else None


def check_event_date(day: date, *, after: date, today: date, field: str) -> date:
    """The day of an event of the claim: not in the future, not before the previous event."""
    if day > today:
        raise ContractsDomainError(field, "must not be in the future")
    if day < after:
        raise ContractsDomainError(field, f"must not be before {after.isoformat()}")
    return day


@dataclass(frozen=True, slots=True)
class LineDecision:
    cost_entry_id: str
    approved_cents: int
    note: str


def check_decision(
    claimed: Mapping[str, int], decisions: Sequence[tuple[str, int, str]]
) -> dict[str, LineDecision]:
    """KEHA's approved amount for every line: each line once, 0 ≤ approved ≤ claimed."""
    problems: list[ContractsDomainError] = []
    result: dict[str, LineDecision] = {}
    for index, (entry_id, cents, note) in enumerate(decisions):
        field = f"lines[{index}]"
        if entry_id not in claimed:
            problems.append(ContractsDomainError(f"{field}.cost_entry_id", "is not in the claim"))
            continue
        if entry_id in result:
            problems.append(
                ContractsDomainError(f"{field}.cost_entry_id", "is decided twice in this request")
            )
            continue
        try:
            approved = validate_amount(cents, field=f"{field}.approved_cents", allow_zero=True)
            if approved > claimed[entry_id]:
                raise ContractsDomainError(
                    f"{field}.approved_cents", "must not exceed the claimed amount of the line"
                )
            checked_note = validate_text(
                note, field=f"{field}.note", max_length=1000, required=False
            )
        except ContractsDomainError as error:
            problems.append(error)
            continue
        result[entry_id] = LineDecision(entry_id, approved, checked_note)
    missing = [entry_id for entry_id in claimed if entry_id not in result]
    if missing and not problems:
        problems.append(
            ContractsDomainError(
                "lines", f"every line needs an approved amount; missing: {', '.join(missing)}"
            )
        )
    if problems:
        raise ClaimProblems(problems)
    return result


def check_payment(amount_cents: int, approved_cents: int) -> int:
    if approved_cents == 0:
        raise ContractsDomainError("amount_cents", "nothing was approved, so no payment is due")
    validate_amount(amount_cents, field="amount_cents")
    if amount_cents != approved_cents:
        raise ContractsDomainError(
            "amount_cents",
            f"must equal the approved total {euros(approved_cents)} EUR; a different payment "
            "needs KEHA's corrected decision",
        )
    return amount_cents
