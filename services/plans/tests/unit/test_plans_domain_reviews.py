"""Reviews: due at least every six months, at once on request or transfer; their outcomes."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from kotopolku.plans.domain.errors import InvalidPlanContent, PlanStateError
from kotopolku.plans.domain.model import PlanStatus, ReviewOutcome, ReviewReason
from kotopolku.plans.domain.reviews import (
    REQUEST_REASONS,
    check_follow_up_before_end,
    check_request_reason,
    is_overdue,
    review_due_date,
    status_after_review,
)

S = PlanStatus
O = ReviewOutcome  # noqa: E741
ACTIVATED = date(2026, 1, 15)


@pytest.mark.parametrize(
    ("last_review", "requested", "due"),
    [
        (None, None, date(2026, 7, 15)),
        (date(2026, 4, 1), None, date(2026, 10, 1)),
        (date(2026, 1, 10), None, date(2026, 7, 15)),
        (None, date(2026, 3, 3), date(2026, 3, 3)),
        (date(2026, 4, 1), date(2026, 5, 5), date(2026, 5, 5)),
        (None, date(2026, 12, 1), date(2026, 7, 15)),
        (date(2026, 8, 31), None, date(2027, 2, 28)),
    ],
)
def test_review_due_date(last_review: date | None, requested: date | None, due: date) -> None:
    assert review_due_date(ACTIVATED, last_review, requested) == due


@pytest.mark.parametrize(
    ("due", "today", "overdue"),
    [
        (date(2026, 7, 15), date(2026, 7, 14), False),
        (date(2026, 7, 15), date(2026, 7, 15), False),
        (date(2026, 7, 15), date(2026, 7, 16), True),
        (None, date(2030, 1, 1), False),
    ],
)
def test_a_review_is_overdue_after_its_due_date(
    due: date | None, today: date, overdue: bool
) -> None:
    assert is_overdue(due, today) is overdue


EXPECTED = {
    (S.ACTIVE, O.CONTINUE): S.ACTIVE,
    (S.ACTIVE, O.SUSPEND): S.SUSPENDED,
    (S.ACTIVE, O.END): S.ENDED,
    (S.SUSPENDED, O.CONTINUE): S.ACTIVE,
    (S.SUSPENDED, O.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, O.END): S.ENDED,
}


@pytest.mark.parametrize(
    ("status", "outcome"), list(itertools.product(PlanStatus, ReviewOutcome)), ids=str
)
def test_every_status_and_outcome(status: PlanStatus, outcome: ReviewOutcome) -> None:
    if (status, outcome) in EXPECTED:
        assert status_after_review(status, outcome) is EXPECTED[status, outcome]
        return
    with pytest.raises(PlanStateError, match="only an active or suspended plan is reviewed"):
        status_after_review(status, outcome)


@pytest.mark.parametrize("outcome", list(ReviewOutcome), ids=str)
def test_ending_needs_a_follow_up_plan(outcome: ReviewOutcome) -> None:
    check_follow_up_before_end(outcome, "Ohjaus TE-palveluihin, jatkokoulutus syksyllä")
    if outcome is O.END:
        for empty in ("", "   "):
            with pytest.raises(InvalidPlanContent) as info:
                check_follow_up_before_end(outcome, empty)
            assert info.value.field == "follow_up_plan"
    else:
        check_follow_up_before_end(outcome, "")


def test_reasons_one_may_ask_with() -> None:
    assert {ReviewReason.CLIENT_REQUEST, ReviewReason.MATERIAL_CHANGE} == REQUEST_REASONS


@pytest.mark.parametrize(
    ("reason", "by_client", "accepted"),
    [
        (ReviewReason.CLIENT_REQUEST, True, True),
        (ReviewReason.CLIENT_REQUEST, False, True),
        (ReviewReason.MATERIAL_CHANGE, False, True),
        (ReviewReason.MATERIAL_CHANGE, True, False),
        (ReviewReason.SCHEDULED, False, False),
        (ReviewReason.SCHEDULED, True, False),
        (ReviewReason.TRANSFER, False, False),
        (ReviewReason.TRANSFER, True, False),
    ],
)
def test_who_may_ask_for_a_review_and_why(
    reason: ReviewReason, by_client: bool, accepted: bool
) -> None:
    if accepted:
        check_request_reason(reason, by_client=by_client)
        return
    with pytest.raises(InvalidPlanContent) as info:
        check_request_reason(reason, by_client=by_client)
    assert info.value.field == "reason"
