"""The consultation's states: OPEN → ANSWERED → DECIDED (or OPEN → DECIDED once the answer is
overdue). The welfare area answers once; the municipality's placement decision closes it."""

from __future__ import annotations

from datetime import date
from typing import Final

from kotopolku.welfare.domain.codes import ConsultationState, PlacementState, ServiceNeed
from kotopolku.welfare.domain.deadlines import overdue
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError

MAX_COMMENTS: Final = 4000


def check_may_start(placement: PlacementState, existing: str | None) -> None:
    if placement is not PlacementState.RECEIVED:
        raise InvalidTransition("The placement was already decided; there is nothing to consult")
    if existing:
        raise InvalidTransition("The welfare area has already been consulted on this proposal")


def check_may_answer(state: ConsultationState) -> None:
    if state is ConsultationState.ANSWERED:
        raise InvalidTransition("The consultation has already been answered")
    if state is ConsultationState.DECIDED:
        raise InvalidTransition("The municipality has already decided the placement")


def check_answer(comments: str, prepared: tuple[ServiceNeed, ...]) -> str:
    text = comments.strip()
    if len(text) > MAX_COMMENTS:
        raise WelfareDomainError("answer.comments", f"must be at most {MAX_COMMENTS} characters")
    if len(set(prepared)) != len(prepared):
        raise WelfareDomainError("answer.prepared_services", "names a service twice")
    return text


def answer_overdue(state: ConsultationState, due: date, today: date) -> bool:
    return state is ConsultationState.OPEN and overdue(due, today)
