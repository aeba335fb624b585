"""The claim deadline: 31 December of the second year after the activity, on the Finnish
calendar, at the boundaries of years and of the Helsinki day (the clock is injected)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kotopolku.contracts.domain.accounts import CompensationType
from kotopolku.contracts.domain.claim import (
    ClaimPeriod,
    ClaimProblems,
    CostCandidate,
    assemble_claim,
    late_costs,
)
from kotopolku.contracts.domain.deadline import claim_deadline, deadline_passed, finnish_day
from kotopolku.contracts.domain.eligibility import ClientFacts


@pytest.mark.parametrize(
    ("activity", "deadline"),
    [
        (date(2023, 1, 1), date(2025, 12, 31)),
        (date(2023, 12, 31), date(2025, 12, 31)),
        (date(2024, 1, 1), date(2026, 12, 31)),
        (date(2024, 2, 29), date(2026, 12, 31)),
    ],
)
def test_deadline_is_the_end_of_the_second_following_year(activity: date, deadline: date) -> None:
    assert claim_deadline(activity) == deadline
    assert not deadline_passed(activity, deadline)
    assert deadline_passed(activity, deadline + timedelta(days=1))


def test_a_whole_year_shares_one_deadline() -> None:
    day = date(2022, 1, 1)
    while day.year == 2022:
        assert claim_deadline(day) == date(2024, 12, 31)
        day += timedelta(days=1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_the_deadline_turns_at_midnight_helsinki_time_not_utc() -> None:
    # 31 Dec 2025 23:59:59 in Helsinki (UTC+2) is 21:59:59 UTC; a second later it is 2026.
    clock = Clock(datetime(2025, 12, 31, 21, 59, 59, tzinfo=UTC))
    activity = date(2023, 12, 31)
    assert finnish_day(clock()) == date(2025, 12, 31)
    assert not deadline_passed(activity, finnish_day(clock()))
    clock.now += timedelta(seconds=1)
    assert finnish_day(clock()) == date(2026, 1, 1)
    assert deadline_passed(activity, finnish_day(clock()))
    # In summer Helsinki is UTC+3.
    assert finnish_day(datetime(2026, 6, 30, 21, 0, tzinfo=UTC)) == date(2026, 7, 1)


QUOTA = ClientFacts("QUOTA_REFUGEE", "INTERNATIONAL_PROTECTION", date(2023, 1, 10))


def cost(entry_id: str, day: date, cents: int = 10_000) -> CostCandidate:
    return CostCandidate(entry_id, "c1", "", "4391", day, cents, "OPEN", "", "Tulkkaus", "L-1")


def test_assembly_refuses_a_cost_past_its_deadline_and_names_it() -> None:
    costs = [cost("e-ok", date(2024, 3, 1)), cost("e-old", date(2023, 11, 30), 12_345)]
    period = ClaimPeriod(date(2023, 7, 1), date(2024, 6, 30))
    with pytest.raises(ClaimProblems) as refused:
        assemble_claim(
            CompensationType.INTERPRETING, period, costs, {"c1": QUOTA}, date(2026, 1, 1)
        )
    [problem] = refused.value.problems
    assert problem.field == "cost_entries"
    assert "cost entry e-old (activity 2023-11-30, 123.45 EUR)" in problem.message
    assert "claim deadline 2025-12-31 has passed" in problem.message
    # One day earlier both are claimable.
    claim = assemble_claim(
        CompensationType.INTERPRETING, period, costs, {"c1": QUOTA}, date(2025, 12, 31)
    )
    assert [line.cost.id for line in claim.lines] == ["e-old", "e-ok"]


def test_submission_rechecks_the_deadline_on_the_day_of_submission() -> None:
    lines = [("e1", date(2023, 12, 31), 100), ("e2", date(2024, 1, 1), 200)]
    assert late_costs(lines, date(2025, 12, 31)) is None
    late = late_costs(lines, date(2026, 1, 1))
    assert late is not None
    [problem] = late.problems
    assert problem.field == "submitted_on"
    assert "cost entry e1" in problem.message
    assert "2025-12-31" in problem.message
