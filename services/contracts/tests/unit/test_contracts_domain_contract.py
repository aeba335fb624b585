"""Contract terms, deadlines (expiry and notice before renewal), termination and status."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest

from kotopolku.contracts.domain.contract import (
    ContractKind,
    ContractStatus,
    DeadlineKind,
    Party,
    PartyRole,
    RenewalType,
    Terms,
    add_months,
    check_parties,
    check_terms,
    choose_termination_date,
    current_term_end,
    earliest_termination,
    is_in_force,
    next_deadline,
    transition_contract,
    validate_party,
    was_in_force_during,
)
from kotopolku.contracts.domain.errors import ContractsDomainError, InvalidTransition

FIXED = Terms(date(2026, 1, 1), date(2026, 12, 31), RenewalType.FIXED_TERM)
# First term to 31 Jan 2027, then a month at a time; notice 14 days before a term ends.
AUTO = Terms(date(2026, 2, 1), date(2027, 1, 31), RenewalType.AUTO_RENEWAL, 1, 14)
OPEN = Terms(date(2026, 3, 1), None, RenewalType.OPEN_ENDED, 0, 90)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 1, 31), 2, date(2027, 3, 31)),
        (date(2027, 1, 31), 13, date(2028, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_add_months_clamps_without_drift(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_valid_terms() -> None:
    for terms in (FIXED, AUTO, OPEN):
        check_terms(terms)
    check_terms(Terms(date(2026, 1, 1), date(2026, 1, 1), RenewalType.FIXED_TERM, 0, 30))


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        (
            Terms(date(2026, 1, 2), date(2026, 1, 1), RenewalType.FIXED_TERM),
            "valid_until",
            "before",
        ),
        (Terms(date(2026, 1, 1), None, RenewalType.FIXED_TERM), "valid_until", "required"),
        (
            Terms(date(2026, 1, 1), None, RenewalType.AUTO_RENEWAL, 12, 30),
            "valid_until",
            "required",
        ),
        (
            Terms(date(2026, 1, 1), date(2026, 6, 1), RenewalType.OPEN_ENDED, 0, 30),
            "valid_until",
            "no end date",
        ),
        (
            Terms(date(2026, 1, 1), date(2026, 6, 1), RenewalType.AUTO_RENEWAL, 0, 30),
            "renewal.renewal_period_months",
            "1..60",
        ),
        (
            Terms(date(2026, 1, 1), date(2026, 6, 1), RenewalType.AUTO_RENEWAL, 61, 30),
            "renewal.renewal_period_months",
            "1..60",
        ),
        (
            Terms(date(2026, 1, 1), date(2026, 6, 1), RenewalType.FIXED_TERM, 12, 0),
            "renewal.renewal_period_months",
            "only to auto-renewing",
        ),
        (
            Terms(date(2026, 1, 1), date(2026, 6, 1), RenewalType.AUTO_RENEWAL, 12, 0),
            "renewal.notice_period_days",
            "required",
        ),
        (
            Terms(date(2026, 1, 1), None, RenewalType.OPEN_ENDED, 0, 366),
            "renewal.notice_period_days",
            "0..365",
        ),
        (
            Terms(date(2026, 1, 1), date(2026, 1, 20), RenewalType.AUTO_RENEWAL, 1, 30),
            "renewal.notice_period_days",
            "longer than the first term",
        ),
    ],
)
def test_invalid_terms_name_the_field(terms: Terms, field: str, message: str) -> None:
    with pytest.raises(ContractsDomainError, match=message) as raised:
        check_terms(terms)
    assert raised.value.field == field


def test_fixed_term_deadline_is_its_end() -> None:
    deadline = next_deadline(FIXED, ContractStatus.ACTIVE, None, date(2026, 11, 1))
    assert deadline is not None
    assert (deadline.kind, deadline.day, deadline.days_left) == (
        DeadlineKind.EXPIRY,
        date(2026, 12, 31),
        60,
    )
    assert next_deadline(FIXED, ContractStatus.ACTIVE, None, date(2027, 1, 1)) is None
    assert current_term_end(FIXED, date(2030, 1, 1)) == date(2026, 12, 31)


def test_auto_renewal_notice_deadlines_roll_with_the_terms() -> None:
    expected_notice = [
        (date(2026, 6, 1), date(2027, 1, 17)),  # first term: 31 Jan 2027 - 14 days
        (date(2027, 1, 17), date(2027, 1, 17)),
        (date(2027, 1, 18), date(2027, 2, 14)),  # too late for January: the February term
        (date(2027, 2, 15), date(2027, 3, 17)),  # term to 31 March
        (date(2028, 2, 1), date(2028, 2, 15)),  # term to 29 Feb 2028 (leap year)
    ]
    for today, notice_day in expected_notice:
        deadline = next_deadline(AUTO, ContractStatus.ACTIVE, None, today)
        assert deadline is not None
        assert (deadline.kind, deadline.day) == (DeadlineKind.NOTICE, notice_day), today
        assert deadline.days_left == (notice_day - today).days


def test_auto_renewal_current_term() -> None:
    assert current_term_end(AUTO, date(2026, 5, 1)) == date(2027, 1, 31)
    assert current_term_end(AUTO, date(2027, 1, 31)) == date(2027, 1, 31)
    assert current_term_end(AUTO, date(2027, 2, 1)) == date(2027, 2, 28)
    assert current_term_end(AUTO, date(2031, 7, 31)) == date(2031, 7, 31)
    assert current_term_end(AUTO, date(2031, 8, 1)) == date(2031, 8, 31)
    assert current_term_end(OPEN, date(2031, 8, 1)) is None


def test_auto_renewal_deadlines_are_consistent_over_years() -> None:
    day = date(2026, 2, 1)
    while day < date(2031, 1, 1):
        deadline = next_deadline(AUTO, ContractStatus.ACTIVE, None, day)
        assert deadline is not None
        assert deadline.day >= day
        term_end = deadline.day + timedelta(days=14)
        assert term_end == current_term_end(AUTO, term_end)
        # The deadline is the first one not yet passed: the previous term's was before today.
        assert earliest_termination(AUTO, day) == term_end
        day += timedelta(days=3)


def test_open_ended_has_no_deadline_until_terminated() -> None:
    assert next_deadline(OPEN, ContractStatus.ACTIVE, None, date(2026, 4, 1)) is None
    terminated = next_deadline(OPEN, ContractStatus.TERMINATED, date(2026, 9, 1), date(2026, 6, 1))
    assert terminated is not None
    assert (terminated.kind, terminated.day) == (DeadlineKind.EXPIRY, date(2026, 9, 1))
    assert next_deadline(FIXED, ContractStatus.CANCELLED, None, date(2026, 6, 1)) is None


def test_termination_dates() -> None:
    notice = date(2026, 6, 1)
    assert choose_termination_date(OPEN, notice, None, notice) == date(2026, 8, 30)
    with pytest.raises(ContractsDomainError, match="2026-08-30 or later") as early:
        choose_termination_date(OPEN, notice, date(2026, 8, 29), notice)
    assert early.value.field == "termination_date"
    assert choose_termination_date(OPEN, notice, date(2026, 12, 31), notice) == date(2026, 12, 31)
    # Auto-renewal: notice in time ends the current term, late notice the next one.
    assert choose_termination_date(AUTO, date(2027, 1, 17), None, date(2027, 1, 17)) == date(
        2027, 1, 31
    )
    assert choose_termination_date(AUTO, date(2027, 1, 18), None, date(2027, 1, 18)) == date(
        2027, 2, 28
    )
    # Fixed term: the same day, or the clause's notice, never past the end.
    assert choose_termination_date(FIXED, notice, None, notice) == notice
    with pytest.raises(ContractsDomainError, match="after the end"):
        choose_termination_date(FIXED, notice, date(2027, 1, 1), notice)
    with pytest.raises(ContractsDomainError, match="future"):
        choose_termination_date(OPEN, date(2026, 6, 2), None, notice)


def test_in_force() -> None:
    assert not is_in_force(FIXED, ContractStatus.DRAFT, None, date(2026, 6, 1))
    assert is_in_force(FIXED, ContractStatus.ACTIVE, None, date(2026, 6, 1))
    assert not is_in_force(FIXED, ContractStatus.ACTIVE, None, date(2025, 12, 31))
    assert not is_in_force(FIXED, ContractStatus.ACTIVE, None, date(2027, 1, 1))
    assert is_in_force(AUTO, ContractStatus.ACTIVE, None, date(2035, 1, 1))
    assert is_in_force(OPEN, ContractStatus.TERMINATED, date(2026, 9, 1), date(2026, 9, 1))
    assert not is_in_force(OPEN, ContractStatus.TERMINATED, date(2026, 9, 1), date(2026, 9, 2))
    assert was_in_force_during(
        FIXED, ContractStatus.ACTIVE, None, date(2026, 12, 31), date(2027, 3, 1)
    )
    assert not was_in_force_during(
        FIXED, ContractStatus.ACTIVE, None, date(2027, 1, 1), date(2027, 3, 1)
    )
    assert not was_in_force_during(
        FIXED, ContractStatus.DRAFT, None, date(2026, 1, 1), date(2026, 3, 1)
    )


ALLOWED = {
    (ContractStatus.DRAFT, "activate"): ContractStatus.ACTIVE,
    (ContractStatus.DRAFT, "cancel"): ContractStatus.CANCELLED,
    (ContractStatus.ACTIVE, "terminate"): ContractStatus.TERMINATED,
}


@pytest.mark.parametrize(
    ("status", "action"), list(product(ContractStatus, ("activate", "cancel", "terminate")))
)
def test_contract_transitions(status: ContractStatus, action: str) -> None:
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            transition_contract(status, action)
    else:
        assert transition_contract(status, action) is expected


def test_parties() -> None:
    organisation = validate_party(
        PartyRole.PROVIDER, " Tulkkaus  Oy ", " 112038-9 ", False, ("", "", ""), field="parties[0]"
    )
    assert (organisation.name, organisation.business_id) == ("Tulkkaus Oy", "0112038-9")
    person = validate_party(
        PartyRole.LESSOR,
        "Maija Vuokranantaja",
        "",
        True,
        ("", "maija@example.fi", "040 1234567"),
        field="parties[1]",
    )
    assert (person.business_id, person.contact_phone) == ("", "+358401234567")
    with pytest.raises(ContractsDomainError, match="check digit") as wrong:
        validate_party(PartyRole.PROVIDER, "X Oy", "0112038-8", False, ("", "", ""), field="p[2]")
    assert wrong.value.field == "p[2].business_id"
    with pytest.raises(ContractsDomainError, match="is required") as missing:
        validate_party(PartyRole.PROVIDER, "X Oy", "", False, ("", "", ""), field="p[0]")
    assert missing.value.field == "p[0].business_id"
    with pytest.raises(ContractsDomainError, match="no Y-tunnus"):
        validate_party(PartyRole.LESSOR, "A B", "0112038-9", True, ("", "", ""), field="p[0]")
    with pytest.raises(ContractsDomainError) as email:
        validate_party(PartyRole.LESSOR, "A B", "", True, ("", "not-an-email", ""), field="p[3]")
    assert email.value.field == "p[3].contact_email"
    with pytest.raises(ContractsDomainError, match="is required") as role:
        validate_party(None, "A B", "", True, ("", "", ""), field="p[0]")
    assert role.value.field == "p[0].role"


def test_kinds_that_need_a_role() -> None:
    provider = Party(PartyRole.PROVIDER, "X", "0112038-9", False)
    lessor = Party(PartyRole.LESSOR, "Y", "", True)
    check_parties(ContractKind.INTERPRETING, [provider])
    check_parties(ContractKind.HOUSING_LEASE, [lessor])
    with pytest.raises(ContractsDomainError, match="LESSOR"):
        check_parties(ContractKind.HOUSING_LEASE, [provider])
    with pytest.raises(ContractsDomainError, match="ELY_CENTRE"):
        check_parties(ContractKind.PLACEMENT_AGREEMENT, [provider])
    with pytest.raises(ContractsDomainError, match="at least one"):
        check_parties(ContractKind.TRAINING, [])
    with pytest.raises(ContractsDomainError, match="at most 20"):
        check_parties(ContractKind.TRAINING, [provider] * 21)
