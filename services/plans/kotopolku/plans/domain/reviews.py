"""Reviews of the plan (tarkistaminen).

* A review is due at least every six months, counted from the activation (approval) or from the
  last review, whichever is later.
* A review is also due at once when the client asks for one, when the client's life situation or
  service needs change materially, and when the plan moves to the other authority (the receiving
  authority reviews it). Such a pending request makes the due date the day it was made, unless the
  six-month date is earlier; the next review clears it.
* A review may keep the plan going (and resume a suspended plan), suspend it or end it. Ending
  needs a follow-up plan (jatkosuunnitelma ja ohjaus) given before the end.
* Only plans in force (ACTIVE, SUSPENDED) have a review due; a review is overdue when its due date
  is before today.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from kotopolku.plans.domain.errors import InvalidPlanContent, PlanStateError
from kotopolku.plans.domain.lifecycle import IN_FORCE, transition
from kotopolku.plans.domain.model import PlanStatus, ReviewOutcome, ReviewReason
from kotopolku.plans.domain.periods import add_months

REVIEW_INTERVAL_MONTHS: Final = 6
# Reasons one may give when asking for a review (a transfer asks by itself).
REQUEST_REASONS: Final = frozenset({ReviewReason.CLIENT_REQUEST, ReviewReason.MATERIAL_CHANGE})
_OUTCOME_TARGET: Final = {
    ReviewOutcome.SUSPEND: PlanStatus.SUSPENDED,
    ReviewOutcome.END: PlanStatus.ENDED,
}


def review_due_date(
    activated_on: date, last_review_on: date | None, requested_on: date | None
) -> date:
    """When the next review is due for a plan in force."""
    base = activated_on if last_review_on is None else max(activated_on, last_review_on)
    due = add_months(base, REVIEW_INTERVAL_MONTHS)
    if requested_on is not None:
        due = min(due, requested_on)
    return due


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and due < today


def status_after_review(status: PlanStatus, outcome: ReviewOutcome) -> PlanStatus:
    """The plan's status after a review with ``outcome``."""
    if status not in IN_FORCE:
        raise PlanStateError(
            "status", f"only an active or suspended plan is reviewed, this one is {status.value}"
        )
    if outcome is ReviewOutcome.CONTINUE:
        return PlanStatus.ACTIVE if status is PlanStatus.SUSPENDED else status
    target = _OUTCOME_TARGET[outcome]
    if target is status:
        return status
    return transition(status, target)


def check_follow_up_before_end(outcome: ReviewOutcome, follow_up_plan: str) -> None:
    """A plan ends only once the follow-up plan and guidance have been recorded."""
    if outcome is ReviewOutcome.END and not follow_up_plan.strip():
        raise InvalidPlanContent(
            "follow_up_plan", "a follow-up plan is required before the plan ends"
        )


def check_request_reason(reason: ReviewReason, *, by_client: bool, field: str = "reason") -> None:
    """A client asks for a review for themselves; an officer records a material change too."""
    if reason not in REQUEST_REASONS:
        raise InvalidPlanContent(field, "must be CLIENT_REQUEST or MATERIAL_CHANGE")
    if by_client and reason is not ReviewReason.CLIENT_REQUEST:
        raise InvalidPlanContent(field, "a client asks for a review with CLIENT_REQUEST")
