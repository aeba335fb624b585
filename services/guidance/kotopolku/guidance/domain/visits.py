"""Rules of counselling visits (ohjaus- ja neuvontakäynnit), with a client or anonymous."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from kotopolku.guidance.domain.codes import ANONYMOUS_FOLLOW_UPS, FollowUp
from kotopolku.guidance.domain.errors import GuidanceDomainError

EARLIEST_VISIT = date(2000, 1, 1)
MAX_NOTES_LENGTH = 4000
E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class Interpretation:
    """Was an interpreter used, and in which language (ISO 639 code)."""

    used: bool
    language: str | None = None


def validate_visit_date(visited_on: date, today: date, *, field: str = "visited_on") -> date:
    if visited_on > today:
        raise GuidanceDomainError(field, "must not be in the future")
    if visited_on < EARLIEST_VISIT:
        raise GuidanceDomainError(field, "must be in 2000 or later")
    return visited_on


def _distinct(values: Sequence[E], field: str) -> tuple[E, ...]:
    seen: set[E] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise GuidanceDomainError(f"{field}[{index}]", "is listed twice")
        seen.add(value)
    return tuple(values)


def validate_topics(topics: Sequence[E], *, field: str = "topics") -> tuple[E, ...]:
    """At least one topic, each once."""
    if not topics:
        raise GuidanceDomainError(field, "name at least one topic")
    return _distinct(topics, field)


def validate_referrals(referrals: Sequence[E], *, field: str = "referrals") -> tuple[E, ...]:
    """Any number of referral targets (none is fine), each once."""
    return _distinct(referrals, field)


def validate_interpretation(
    used: bool, language: str | None, *, field: str = "interpreter"
) -> Interpretation:
    """The language is required when an interpreter was used and meaningless otherwise."""
    if used and not language:
        raise GuidanceDomainError(f"{field}.language", "is required when an interpreter was used")
    if not used and language:
        raise GuidanceDomainError(f"{field}.language", "must be empty when no interpreter was used")
    return Interpretation(used, language if used else None)


def validate_follow_up(
    kind: FollowUp,
    due: date | None,
    visited_on: date,
    *,
    anonymous: bool,
    field: str = "follow_up",
    due_field: str = "follow_up_due",
) -> tuple[FollowUp, date | None]:
    """A follow-up by staff needs a known client and a due date; other kinds take no date."""
    if anonymous and kind not in ANONYMOUS_FOLLOW_UPS:
        raise GuidanceDomainError(
            field, "an anonymous visitor cannot be contacted: use NONE or RETURN_VISIT"
        )
    if kind.needs_a_known_client:
        if due is None:
            raise GuidanceDomainError(due_field, "is required with a follow-up by staff")
        if due < visited_on:
            raise GuidanceDomainError(due_field, "must not be before the visit")
        return kind, due
    if due is not None:
        raise GuidanceDomainError(due_field, "is only given with a follow-up by staff")
    return kind, None
