"""Start of multi-sector cooperation (monialaisen yhteistyön käynnistäminen): the municipality
asks the welfare area to take part in a multi-sector assessment or plan; the welfare area names a
responsible person, or declines with a reason. REQUESTED → ACCEPTED | DECLINED; the municipality
may end a requested or accepted cooperation. Only an accepted one opens the multi-sector data, and
only for the categories it covers, on a basis that holds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Final

from kotopolku.welfare.domain.basis import Basis, holding_basis
from kotopolku.welfare.domain.codes import CooperationState, DataCategory
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError

MULTI_SECTOR: Final = frozenset(
    {DataCategory.MULTI_SECTOR_ASSESSMENT, DataCategory.MULTI_SECTOR_PLAN}
)
MAX_TEXT: Final = 2000


def check_scope(scope: Iterable[DataCategory]) -> tuple[DataCategory, ...]:
    chosen = tuple(sorted(set(scope)))
    if not chosen:
        raise WelfareDomainError("scope", "name the multi-sector assessment, plan or both")
    if any(category not in MULTI_SECTOR for category in chosen):
        raise WelfareDomainError("scope", "only a multi-sector assessment or plan")
    return chosen


def check_may_answer(state: CooperationState) -> None:
    if state is not CooperationState.REQUESTED:
        raise InvalidTransition(f"The cooperation request is {state}, not waiting for an answer")


def check_may_end(state: CooperationState) -> None:
    if state not in (CooperationState.REQUESTED, CooperationState.ACCEPTED):
        raise InvalidTransition(f"The cooperation is {state}; there is nothing to end")


def check_text(value: str, field: str, *, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise WelfareDomainError(field, "is required")
    if len(text) > MAX_TEXT:
        raise WelfareDomainError(field, f"must be at most {MAX_TEXT} characters")
    return text


def disclosure_basis(
    state: CooperationState,
    scope: Iterable[DataCategory],
    category: DataCategory,
    bases: Iterable[Basis],
    today: date,
) -> Basis | None:
    """The basis on which ``category`` may cross today, or None: the cooperation is accepted,
    covers the category, and a basis for it holds."""
    if state is not CooperationState.ACCEPTED or category not in set(scope):
        return None
    return holding_basis(bases, category, today)
