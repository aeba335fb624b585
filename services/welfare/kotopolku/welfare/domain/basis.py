"""Disclosure bases (luovutusperuste): a provision of law or the client's consent, with the data
it covers and its validity. A basis holds from its first day through its last, until withdrawn;
withdrawal or expiry stops every further disclosure on it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from kotopolku.welfare.domain.codes import BasisKind, DataCategory
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError

MAX_REFERENCE: Final = 300


@dataclass(frozen=True, slots=True)
class Basis:
    id: str
    kind: BasisKind
    categories: frozenset[DataCategory]
    valid_from: date
    valid_until: date | None
    withdrawn: bool
    legal_reference: str = ""

    def holds(self, category: DataCategory, today: date) -> bool:
        return (
            not self.withdrawn
            and category in self.categories
            and self.valid_from <= today
            and (self.valid_until is None or today <= self.valid_until)
        )

    def valid_on(self, today: date) -> bool:
        return any(self.holds(category, today) for category in self.categories)


@dataclass(frozen=True, slots=True)
class BasisInput:
    kind: BasisKind | None
    categories: tuple[DataCategory, ...]
    legal_reference: str
    consent_given_on: date | None
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class CheckedBasis:
    kind: BasisKind
    categories: tuple[DataCategory, ...]
    legal_reference: str
    consent_given_on: date | None
    valid_from: date
    valid_until: date | None


def check_basis(
    given: BasisInput, allowed: Iterable[DataCategory], today: date, prefix: str = "basis"
) -> CheckedBasis:
    """A basis as it may be recorded: its kind's evidence present, covering only ``allowed``
    data, and a sensible validity (by default from today, or from the consent's day)."""
    if given.kind is None:
        raise WelfareDomainError(f"{prefix}.kind", "is required: legal or consent")
    allowed_set = frozenset(allowed)
    if not given.categories:
        raise WelfareDomainError(f"{prefix}.categories", "name the data the basis covers")
    outside = [c for c in given.categories if c not in allowed_set]
    if outside:
        raise WelfareDomainError(
            f"{prefix}.categories", "covers data this cooperation does not: " + ", ".join(outside)
        )
    reference = given.legal_reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise WelfareDomainError(
            f"{prefix}.legal_reference", f"must be at most {MAX_REFERENCE} characters"
        )
    given_on = given.consent_given_on
    if given.kind is BasisKind.LEGAL:
        if not reference:
            raise WelfareDomainError(f"{prefix}.legal_reference", "name the provision of law")
        given_on = None
    else:
        if given_on is None:
            raise WelfareDomainError(f"{prefix}.consent_given_on", "is required for a consent")
        if given_on > today:
            raise WelfareDomainError(f"{prefix}.consent_given_on", "is in the future")
    valid_from = given.valid_from or given_on or today
    if given_on is not None and valid_from < given_on:
        raise WelfareDomainError(f"{prefix}.valid_from", "is before the consent was given")
    if given.valid_until is not None:
        if given.valid_until < valid_from:
            raise WelfareDomainError(f"{prefix}.valid_until", "is before valid_from")
        if given.valid_until < today:
            raise WelfareDomainError(f"{prefix}.valid_until", "has already passed")
    return CheckedBasis(
        kind=given.kind,
        categories=tuple(sorted(set(given.categories))),
        legal_reference=reference,
        consent_given_on=given_on,
        valid_from=valid_from,
        valid_until=given.valid_until,
    )


def check_may_withdraw(withdrawn: bool) -> None:
    if withdrawn:
        raise InvalidTransition("The basis has already been withdrawn")


def holding_basis(bases: Iterable[Basis], category: DataCategory, today: date) -> Basis | None:
    """The basis a disclosure of ``category`` rests on today: a law before a consent (a consent
    can be withdrawn), then the one recorded first."""
    holding = [b for b in bases if b.holds(category, today)]
    holding.sort(key=lambda b: (b.kind is not BasisKind.LEGAL, b.valid_from, b.id))
    return holding[0] if holding else None
