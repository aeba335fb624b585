"""Contracts (sopimukset) with providers and partners: parties, validity, renewal terms, status,
and the deadlines that follow from them.

Renewal terms:

* **fixed term** (määräaikainen): in force from ``valid_from`` to ``valid_until``; a notice period
  of 0 days, or the days of an early-termination clause;
* **auto-renewal**: the first term ends on ``valid_until``; unless notice is given at least
  ``notice_period_days`` before a term ends, the contract renews for ``renewal_period_months``.
  Term ends are counted from ``valid_until`` (31 January + 1 month is 28/29 February, + 2 months
  is 31 March: no drift);
* **open-ended** (toistaiseksi voimassa oleva): no end date; ends ``notice_period_days`` after
  notice.

The *next deadline* is the day someone must act: the end of a fixed term or of a terminated
contract (expiry), or the last day to give notice before an automatic renewal.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from kotopolku.clients.domain import ClientDomainError, validate_email, validate_phone
from kotopolku.common.business_id import BusinessIdError, canonical_business_id
from kotopolku.contracts.domain.errors import ContractsDomainError, InvalidTransition
from kotopolku.contracts.domain.text import validate_text

MAX_PARTIES: Final = 20
MAX_RENEWAL_MONTHS: Final = 60
MAX_NOTICE_DAYS: Final = 365


class ContractKind(enum.StrEnum):
    INTERPRETING = "INTERPRETING"
    TRAINING = "TRAINING"
    HOUSING_LEASE = "HOUSING_LEASE"
    SERVICE_PURCHASE = "SERVICE_PURCHASE"
    PARTNERSHIP = "PARTNERSHIP"
    PLACEMENT_AGREEMENT = "PLACEMENT_AGREEMENT"


class ContractStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    TERMINATED = "TERMINATED"
    CANCELLED = "CANCELLED"


class RenewalType(enum.StrEnum):
    FIXED_TERM = "FIXED_TERM"
    AUTO_RENEWAL = "AUTO_RENEWAL"
    OPEN_ENDED = "OPEN_ENDED"


class PartyRole(enum.StrEnum):
    PROVIDER = "PROVIDER"
    LESSOR = "LESSOR"
    PARTNER = "PARTNER"
    ELY_CENTRE = "ELY_CENTRE"


class AmountBasis(enum.StrEnum):
    TOTAL = "TOTAL"
    PER_MONTH = "PER_MONTH"
    PER_HOUR = "PER_HOUR"
    PER_UNIT = "PER_UNIT"


class DeadlineKind(enum.StrEnum):
    EXPIRY = "EXPIRY"
    NOTICE = "NOTICE"


# The role a contract of a kind cannot do without.
REQUIRED_ROLE: Final = {
    ContractKind.HOUSING_LEASE: PartyRole.LESSOR,
    ContractKind.PLACEMENT_AGREEMENT: PartyRole.ELY_CENTRE,
}


@dataclass(frozen=True, slots=True)
class Party:
    role: PartyRole
    name: str
    business_id: str
    is_person: bool
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


@dataclass(frozen=True, slots=True)
class Terms:
    valid_from: date
    valid_until: date | None
    renewal: RenewalType
    renewal_period_months: int = 0
    notice_period_days: int = 0


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    day: date
    days_left: int


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


# --- parties -----------------------------------------------------------------------------------


def validate_party(
    role: PartyRole | None,
    name: str,
    business_id: str,
    is_person: bool,
    contact: tuple[str, str, str],
    *,
    field: str,
) -> Party:
    """One party; organisations need a valid Y-tunnus, persons have none."""
    if role is None:
        raise ContractsDomainError(f"{field}.role", "is required")
    checked_name = validate_text(name, field=f"{field}.name", max_length=200)
    if is_person:
        if business_id.strip():
            raise ContractsDomainError(f"{field}.business_id", "a person has no Y-tunnus")
        canonical = ""
    else:
        try:
            canonical = canonical_business_id(business_id)
        except BusinessIdError as error:
            raise ContractsDomainError(f"{field}.business_id", str(error)) from None
    contact_name = validate_text(
        contact[0], field=f"{field}.contact_name", max_length=200, required=False
    )
    try:
        email = (
            validate_email(contact[1], field=f"{field}.contact_email") if contact[1].strip() else ""
        )
        phone = (
            validate_phone(contact[2], field=f"{field}.contact_phone") if contact[2].strip() else ""
        )
    except ClientDomainError as error:
        raise ContractsDomainError(error.field, error.message) from None
    return Party(role, checked_name, canonical, is_person, contact_name, email, phone)


def check_parties(kind: ContractKind, parties: list[Party], *, field: str = "parties") -> None:
    if not parties:
        raise ContractsDomainError(field, "at least one party is required")
    if len(parties) > MAX_PARTIES:
        raise ContractsDomainError(field, f"at most {MAX_PARTIES} parties")
    needed = REQUIRED_ROLE.get(kind)
    if needed is not None and all(p.role is not needed for p in parties):
        raise ContractsDomainError(
            field, f"a {kind.value.lower()} contract needs a party with the role {needed.value}"
        )


# --- terms -------------------------------------------------------------------------------------


def check_terms(terms: Terms) -> None:
    """The validity and renewal terms fit together; raises on the first field that does not."""
    months, notice = terms.renewal_period_months, terms.notice_period_days
    if not 0 <= notice <= MAX_NOTICE_DAYS:
        raise ContractsDomainError(
            "renewal.notice_period_days", f"must be 0..{MAX_NOTICE_DAYS} days"
        )
    if terms.renewal is RenewalType.OPEN_ENDED:
        if terms.valid_until is not None:
            raise ContractsDomainError("valid_until", "an open-ended contract has no end date")
    elif terms.valid_until is None:
        raise ContractsDomainError("valid_until", "is required for a contract with a term")
    elif terms.valid_until < terms.valid_from:
        raise ContractsDomainError("valid_until", "must not be before valid_from")
    if terms.renewal is RenewalType.AUTO_RENEWAL:
        if not 1 <= months <= MAX_RENEWAL_MONTHS:
            raise ContractsDomainError(
                "renewal.renewal_period_months", f"must be 1..{MAX_RENEWAL_MONTHS} months"
            )
    elif months:
        raise ContractsDomainError(
            "renewal.renewal_period_months", "applies only to auto-renewing contracts"
        )
    if terms.renewal is not RenewalType.FIXED_TERM and notice == 0:
        raise ContractsDomainError("renewal.notice_period_days", "is required (1..365 days)")
    if (
        terms.renewal is RenewalType.AUTO_RENEWAL
        and terms.valid_until is not None
        and terms.valid_until - timedelta(days=notice) < terms.valid_from
    ):
        raise ContractsDomainError(
            "renewal.notice_period_days", "is longer than the first term of the contract"
        )


def _term_end(terms: Terms, k: int) -> date:
    assert terms.valid_until is not None
    return add_months(terms.valid_until, k * terms.renewal_period_months)


def _first_term_with_notice_on_or_after(terms: Terms, day: date) -> int:
    """The index of the first term whose notice deadline is ``day`` or later."""
    notice = timedelta(days=terms.notice_period_days)
    assert terms.valid_until is not None
    # Jump close, then step: terms are at least a month long.
    k = max(0, ((day - terms.valid_until).days // 31) // max(1, terms.renewal_period_months))
    while k > 0 and _term_end(terms, k - 1) - notice >= day:
        k -= 1
    while _term_end(terms, k) - notice < day:
        k += 1
    return k


def current_term_end(terms: Terms, today: date) -> date | None:
    """The end of the term running (or next to run) on ``today``; None for open-ended."""
    if terms.renewal is RenewalType.OPEN_ENDED:
        return None
    assert terms.valid_until is not None
    if terms.renewal is RenewalType.FIXED_TERM or today <= terms.valid_until:
        return terms.valid_until
    k = max(0, ((today - terms.valid_until).days // 31) // terms.renewal_period_months)
    while _term_end(terms, k) < today:
        k += 1
    while k > 0 and _term_end(terms, k - 1) >= today:
        k -= 1
    return _term_end(terms, k)


def next_deadline(
    terms: Terms, status: ContractStatus, termination_date: date | None, today: date
) -> Deadline | None:
    """The next day someone must act on the contract; None when there is none."""
    day: date | None = None
    kind = DeadlineKind.EXPIRY
    if status is ContractStatus.CANCELLED:
        return None
    if status is ContractStatus.TERMINATED:
        day = termination_date
    elif terms.renewal is RenewalType.FIXED_TERM:
        day = terms.valid_until
    elif terms.renewal is RenewalType.AUTO_RENEWAL:
        k = _first_term_with_notice_on_or_after(terms, today)
        day, kind = (
            _term_end(terms, k) - timedelta(days=terms.notice_period_days),
            (DeadlineKind.NOTICE),
        )
    if day is None or day < today:
        return None
    return Deadline(kind, day, (day - today).days)


def is_in_force(
    terms: Terms, status: ContractStatus, termination_date: date | None, today: date
) -> bool:
    if status is ContractStatus.ACTIVE:
        ends = terms.valid_until if terms.renewal is RenewalType.FIXED_TERM else None
    elif status is ContractStatus.TERMINATED:
        ends = termination_date
    else:
        return False
    return terms.valid_from <= today and (ends is None or today <= ends)


def was_in_force_during(
    terms: Terms, status: ContractStatus, termination_date: date | None, start: date, end: date
) -> bool:
    """Whether the contract was (or is) in force on some day of [start, end]."""
    if status is ContractStatus.ACTIVE:
        ends = terms.valid_until if terms.renewal is RenewalType.FIXED_TERM else None
    elif status is ContractStatus.TERMINATED:
        ends = termination_date
    else:
        return False
    return terms.valid_from <= end and (ends is None or ends >= start)


def earliest_termination(terms: Terms, notice_given_on: date) -> date:
    """The first day the contract may end when notice is given on ``notice_given_on``."""
    notice = timedelta(days=terms.notice_period_days)
    if terms.renewal is RenewalType.AUTO_RENEWAL:
        return _term_end(terms, _first_term_with_notice_on_or_after(terms, notice_given_on))
    earliest = notice_given_on + notice
    if terms.renewal is RenewalType.FIXED_TERM:
        assert terms.valid_until is not None
        return min(earliest, terms.valid_until)
    return earliest


def choose_termination_date(
    terms: Terms, notice_given_on: date, requested: date | None, today: date
) -> date:
    """The termination date: the requested one if the terms allow it, else the earliest."""
    if notice_given_on > today:
        raise ContractsDomainError("notice_given_on", "must not be in the future")
    if notice_given_on < terms.valid_from - timedelta(days=366):
        raise ContractsDomainError("notice_given_on", "is long before the contract started")
    earliest = earliest_termination(terms, notice_given_on)
    if requested is None:
        return earliest
    if requested < earliest:
        raise ContractsDomainError(
            "termination_date",
            f"must be {earliest.isoformat()} or later: the notice period of the terms",
        )
    if terms.renewal is RenewalType.FIXED_TERM:
        assert terms.valid_until is not None
        if requested > terms.valid_until:
            raise ContractsDomainError(
                "termination_date", "must not be after the end of the fixed term"
            )
    return requested


# --- status ------------------------------------------------------------------------------------

_TRANSITIONS: Final = {
    (ContractStatus.DRAFT, "activate"): ContractStatus.ACTIVE,
    (ContractStatus.DRAFT, "cancel"): ContractStatus.CANCELLED,
    (ContractStatus.ACTIVE, "terminate"): ContractStatus.TERMINATED,
}


def transition_contract(status: ContractStatus, action: str) -> ContractStatus:
    target = _TRANSITIONS.get((status, action))
    if target is None:
        raise InvalidTransition(
            "status", f"a {status.value.lower()} contract cannot be {_PAST[action]}"
        )
    return target


_PAST: Final = {"activate": "activated", "cancel": "cancelled", "terminate": "terminated"}
