"""Eligibility of a client's cost, rule by rule, for every account code."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.contracts.domain.accounts import CHART, CompensationType, TargetGroup, account
from kotopolku.contracts.domain.eligibility import ClientFacts, add_years, ineligibility_reasons

FIRST = date(2022, 5, 15)
SEGMENTS = (None, "SELF_MOVED", "PLACED", "QUOTA_REFUGEE")
PERMITS = (
    None,
    "CONTINUOUS",
    "TEMPORARY",
    "PERMANENT",
    "EU_REGISTRATION",
    "TEMPORARY_PROTECTION",
    "INTERNATIONAL_PROTECTION",
    "OTHER",
)


def expected_in_group(rule: TargetGroup, segment: str | None, permit: str | None) -> bool:
    if rule is TargetGroup.QUOTA_REFUGEES:
        return segment == "QUOTA_REFUGEE"
    return segment in ("PLACED", "QUOTA_REFUGEE") or permit in (
        "TEMPORARY_PROTECTION",
        "INTERNATIONAL_PROTECTION",
    )


@pytest.mark.parametrize("code", [a.code for a in CHART])
@pytest.mark.parametrize("segment", SEGMENTS)
@pytest.mark.parametrize("permit", PERMITS)
def test_target_group_for_every_code_segment_and_permit(
    code: str, segment: str | None, permit: str | None
) -> None:
    chart_entry = account(code)
    facts = ClientFacts(segment, permit, FIRST)
    reasons = ineligibility_reasons(chart_entry, facts, FIRST)
    assert (not reasons) == expected_in_group(chart_entry.target_group, segment, permit)


def test_unknown_segment_and_permit_cannot_be_decided() -> None:
    reasons = ineligibility_reasons(account("4391"), ClientFacts(None, None, FIRST), FIRST)
    assert reasons == [
        "eligibility cannot be established: record the client's segment or residence permit type"
    ]
    quota_only = ineligibility_reasons(account("4393"), ClientFacts(None, None, FIRST), FIRST)
    assert "segment is not recorded" in quota_only[0]


@pytest.mark.parametrize(("code", "years"), [("4392", 10), ("4393", 3), ("4394", 1), ("4395", 1)])
def test_time_limits_end_on_the_anniversary(code: str, years: int) -> None:
    entry = account(code)
    facts = ClientFacts("QUOTA_REFUGEE", None, FIRST)
    last_day = date(FIRST.year + years, 5, 14)
    assert ineligibility_reasons(entry, facts, last_day) == []
    [reason] = ineligibility_reasons(entry, facts, date(FIRST.year + years, 5, 15))
    assert f"more than {years} years" in reason


def test_interpreting_has_no_time_limit_and_needs_no_permit_date() -> None:
    facts = ClientFacts("PLACED", None, None)
    assert ineligibility_reasons(account("4391"), facts, date(2040, 1, 1)) == []


def test_a_time_limit_needs_the_first_permit_date() -> None:
    [reason] = ineligibility_reasons(
        account("4392"), ClientFacts("PLACED", None, None), date(2025, 1, 1)
    )
    assert "first residence permit or registration is not recorded" in reason


def test_costs_before_the_first_permit_only_for_reception_preparation() -> None:
    facts = ClientFacts("QUOTA_REFUGEE", None, FIRST)
    before = date(2022, 4, 1)
    assert ineligibility_reasons(account("4395"), facts, before) == []
    [reason] = ineligibility_reasons(account("4391"), facts, before)
    assert "precedes" in reason


def test_several_reasons_are_all_reported() -> None:
    reasons = ineligibility_reasons(
        account("4393"), ClientFacts("SELF_MOVED", "CONTINUOUS", None), date(2025, 1, 1)
    )
    assert len(reasons) == 2


def test_add_years_keeps_leap_days_in_range() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_chart_is_consistent() -> None:
    codes = [a.code for a in CHART]
    assert len(codes) == len(set(codes))
    assert {a.compensation_type for a in CHART} == set(CompensationType)
    for entry in CHART:
        assert entry.name_fi
        assert entry.name_en
        assert "681/2023" in entry.legal_basis
        assert entry.eligibility
    with pytest.raises(ValueError, match="not an account code"):
        account("9999")
