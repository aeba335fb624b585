"""Answer deadlines of consultations and cooperation requests, visible to both sides."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from kotopolku.welfare.domain.errors import WelfareDomainError

DEFAULT_ANSWER_DAYS: Final = 14
MAX_ANSWER_DAYS: Final = 90


def answer_due(requested: date | None, today: date, field: str = "answer_due") -> date:
    """The deadline the municipality gives: by default two weeks, at most three months ahead,
    and never today or earlier (the other side must have a day to answer)."""
    if requested is None:
        return today + timedelta(days=DEFAULT_ANSWER_DAYS)
    if requested <= today:
        raise WelfareDomainError(field, "must be after today")
    if requested > today + timedelta(days=MAX_ANSWER_DAYS):
        raise WelfareDomainError(field, f"must be at most {MAX_ANSWER_DAYS} days ahead")
    return requested


def overdue(due: date | None, today: date) -> bool:
    """Past the deadline: the last day to answer is the due date itself."""
    return due is not None and today > due
