"""The plan's life cycle and its approval.

DRAFT → AWAITING_APPROVAL (submitted) → ACTIVE (approved by both the client and the officer)
→ SUSPENDED / ENDED (by a review); SUSPENDED → ACTIVE / ENDED (by a review). A change of content
while the plan awaits approval returns it to DRAFT, because the approvals were of the content
that was submitted. ENDED is final.

Approval (hyväksyminen) is a separate step so that an electronic signature can later take the
place of either party's approval without touching the rest of the life cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kotopolku.plans.domain.errors import InvalidTransition, PlanStateError
from kotopolku.plans.domain.model import ApprovalParty, PlanStatus

_S = PlanStatus
TRANSITIONS: Final[frozenset[tuple[PlanStatus, PlanStatus]]] = frozenset(
    {
        (_S.DRAFT, _S.AWAITING_APPROVAL),
        (_S.AWAITING_APPROVAL, _S.DRAFT),
        (_S.AWAITING_APPROVAL, _S.ACTIVE),
        (_S.ACTIVE, _S.SUSPENDED),
        (_S.ACTIVE, _S.ENDED),
        (_S.SUSPENDED, _S.ACTIVE),
        (_S.SUSPENDED, _S.ENDED),
    }
)
# Content (goals, services, obligations, follow-up) may change until the plan has ended.
CONTENT_EDITABLE: Final = frozenset({_S.DRAFT, _S.AWAITING_APPROVAL, _S.ACTIVE, _S.SUSPENDED})
# The period and the family's members are agreed once; afterwards only an extension moves the end.
TERMS_EDITABLE: Final = frozenset({_S.DRAFT, _S.AWAITING_APPROVAL})
# Approved plans in force: reviewed, extended, reported on.
IN_FORCE: Final = frozenset({_S.ACTIVE, _S.SUSPENDED})
MIN_GOALS_TO_SUBMIT: Final = 1


def transition(current: PlanStatus, target: PlanStatus, *, field: str = "status") -> PlanStatus:
    """``target`` if the life cycle allows moving there from ``current``."""
    if (current, target) not in TRANSITIONS:
        if current is PlanStatus.ENDED:
            detail = "an ended plan is final"
        else:
            allowed = sorted(t.value for c, t in TRANSITIONS if c is current)
            detail = "allowed next: " + ", ".join(allowed)
        raise InvalidTransition(
            field, f"a plan cannot move from {current.value} to {target.value}: {detail}"
        )
    return target


def check_content_editable(status: PlanStatus) -> None:
    if status not in CONTENT_EDITABLE:
        raise PlanStateError("status", f"a plan that is {status.value} cannot be changed")


def check_terms_editable(status: PlanStatus, field: str) -> None:
    if status not in TERMS_EDITABLE:
        raise PlanStateError(
            field,
            f"{field} cannot change once the plan is approved "
            "(the end date moves only by an extension)",
        )


def status_after_edit(status: PlanStatus) -> PlanStatus:
    """An edit of a plan awaiting approval returns it to DRAFT; other states stay as they are."""
    if status is PlanStatus.AWAITING_APPROVAL:
        return transition(status, PlanStatus.DRAFT)
    return status


def check_in_force(status: PlanStatus, action: str) -> None:
    if status not in IN_FORCE:
        raise PlanStateError(
            "status",
            f"only an active or suspended plan can be {action}, this one is {status.value}",
        )


def check_submittable(status: PlanStatus, goal_count: int) -> None:
    transition(status, PlanStatus.AWAITING_APPROVAL)
    if goal_count < MIN_GOALS_TO_SUBMIT:
        raise PlanStateError("goals", "a plan needs at least one goal before it is submitted")


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    """What an approval leads to: the parties that have now approved and the new status."""

    approved_by: frozenset[ApprovalParty]
    status: PlanStatus

    @property
    def activates(self) -> bool:
        return self.status is PlanStatus.ACTIVE


def approve(
    status: PlanStatus, already: frozenset[ApprovalParty], party: ApprovalParty
) -> ApprovalDecision:
    """Records ``party``'s approval of a submitted plan; both parties' approvals activate it."""
    if status is not PlanStatus.AWAITING_APPROVAL:
        raise InvalidTransition(
            "status", f"only a plan awaiting approval can be approved, this one is {status.value}"
        )
    if party in already:
        raise PlanStateError("status", f"the {party.value.lower()} has already approved the plan")
    approved = already | {party}
    if approved >= set(ApprovalParty):
        return ApprovalDecision(approved, transition(status, PlanStatus.ACTIVE))
    return ApprovalDecision(approved, status)
