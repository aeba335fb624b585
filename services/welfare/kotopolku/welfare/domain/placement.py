"""Placement proposals from the ELY centre and the reception of quota refugees: the rules.

§3.2.3-3.2.4 and §3.4.8-3.4.9: the ELY centre proposes, the municipality consults its welfare
area when a person has evident social or health service needs, then accepts or declines. For an
accepted quota refugee placement the municipality reserves housing, reports the earliest possible
arrival date (agreed with the welfare area) to the ELY centre, and when the Red Cross announces the
exact arrival it arranges transport, the first groceries, an interpreter and the initial info.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from kotopolku.welfare.domain.anonymise import ADULT_AGE, ProposedPerson, age_on
from kotopolku.welfare.domain.codes import (
    ConsultationState,
    FamilyRole,
    PlacementBasis,
    PlacementDecision,
    PlacementState,
    ReceptionStage,
    ReceptionTaskKind,
    TaskStatus,
)
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError

MAX_PERSONS: Final = 30
MAX_REASON: Final = 2000
# The first groceries are in the flat before the family is; the interpreter meets the transport.
_TASK_LEAD: Final = {
    ReceptionTaskKind.FIRST_GROCERIES: timedelta(hours=4),
    ReceptionTaskKind.TRANSPORT: timedelta(0),
    ReceptionTaskKind.INTERPRETER: timedelta(0),
    ReceptionTaskKind.INITIAL_INFO: timedelta(hours=-3),
}
_TASK_MOVES: Final = {
    TaskStatus.OPEN: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset({TaskStatus.IN_PROGRESS}),
    TaskStatus.CANCELLED: frozenset({TaskStatus.OPEN}),
}


def check_persons(persons: Sequence[ProposedPerson], today: date) -> None:
    """A family is proposed together: one principal, everyone born, minors flagged correctly."""
    if not persons:
        raise WelfareDomainError("persons", "a proposal names at least one person")
    if len(persons) > MAX_PERSONS:
        raise WelfareDomainError("persons", f"at most {MAX_PERSONS} persons")
    principals = [i for i, p in enumerate(persons) if p.role is FamilyRole.PRINCIPAL]
    if len(principals) != 1:
        raise WelfareDomainError("persons", "exactly one person is the principal")
    for index, person in enumerate(persons):
        if person.date_of_birth > today:
            raise WelfareDomainError(f"persons[{index}].date_of_birth", "is in the future")
        if person.unaccompanied_minor and age_on(person.date_of_birth, today) >= ADULT_AGE:
            raise WelfareDomainError(
                f"persons[{index}].unaccompanied_minor", "only a minor can be unaccompanied"
            )


def evident_service_needs(persons: Iterable[ProposedPerson], declared: bool) -> bool:
    """Evident needs (ilmeiset palvelutarpeet) whenever a person has a known need, or the
    officer says so; an unaccompanied minor always has them."""
    return declared or any(p.service_needs or p.unaccompanied_minor for p in persons)


def check_may_decide(
    state: PlacementState,
    evident_needs: bool,
    consultation: ConsultationState | None,
    answer_due: date | None,
    today: date,
) -> None:
    """The municipality decides once, and with evident needs only after hearing the welfare
    area: an answer, or an answer deadline that has passed."""
    if state is not PlacementState.RECEIVED:
        raise InvalidTransition("The placement has already been decided")
    if not evident_needs:
        return
    if consultation is None:
        raise InvalidTransition(
            "The persons have evident service needs: consult the welfare area first"
        )
    if consultation is ConsultationState.OPEN and (answer_due is None or today <= answer_due):
        raise InvalidTransition(
            "The welfare area has not answered and its answer is not yet overdue"
        )


def decided_state(decision: PlacementDecision) -> PlacementState:
    return (
        PlacementState.ACCEPTED if decision is PlacementDecision.ACCEPT else PlacementState.DECLINED
    )


def check_reason(reason: str, field: str = "reason") -> str:
    text = reason.strip()
    if not text:
        raise WelfareDomainError(field, "is required")
    if len(text) > MAX_REASON:
        raise WelfareDomainError(field, f"must be at most {MAX_REASON} characters")
    return text


@dataclass(frozen=True, slots=True)
class Reception:
    """What is known of a quota refugee reception (municipality side)."""

    basis: PlacementBasis
    state: PlacementState
    housing_from: date | None
    earliest_arrival: date | None
    arrives_at: datetime | None
    task_statuses: tuple[TaskStatus, ...] = ()


def _require_reception(reception: Reception) -> None:
    if reception.basis is not PlacementBasis.QUOTA_REFUGEE:
        raise InvalidTransition("Reception is prepared for quota refugee placements")
    if reception.state is not PlacementState.ACCEPTED:
        raise InvalidTransition("Reception is prepared once the placement is accepted")


def check_housing(reception: Reception, available_from: date, today: date) -> None:
    _require_reception(reception)
    if reception.arrives_at is not None:
        raise InvalidTransition("The arrival was already announced; the housing is settled")
    if available_from < today - timedelta(days=365):
        raise WelfareDomainError("available_from", "is more than a year in the past")


def check_earliest_arrival(reception: Reception, earliest: date, today: date) -> None:
    """Reported once the housing is reserved; not before the flat is available, not in the past."""
    _require_reception(reception)
    if reception.housing_from is None:
        raise InvalidTransition("Reserve the housing before reporting the earliest arrival")
    if reception.arrives_at is not None:
        raise InvalidTransition("The arrival was already announced")
    if earliest < today:
        raise WelfareDomainError("date", "is in the past")
    if earliest < reception.housing_from:
        raise WelfareDomainError("date", "is before the reserved housing is available")


def check_arrival(reception: Reception, arrives_at: datetime, arrival_day: date) -> None:
    """The Red Cross announces a time on or after the reported earliest date."""
    _require_reception(reception)
    if reception.earliest_arrival is None:
        raise InvalidTransition("Report the earliest possible arrival date first")
    if arrival_day < reception.earliest_arrival:
        raise WelfareDomainError("arrives_at", "is before the reported earliest arrival date")
    if reception.task_statuses and all(
        s in (TaskStatus.DONE, TaskStatus.CANCELLED) for s in reception.task_statuses
    ):
        raise InvalidTransition("The family has already been received")


def arrival_tasks(arrives_at: datetime) -> list[tuple[ReceptionTaskKind, datetime]]:
    """The arrival-day tasks and when each is due.

    They live in the welfare service for now; once the appointments service (IS service 9)
    exists, this is where an integration would create them as its tasks, with the assignees.
    """
    return [(kind, arrives_at - lead) for kind, lead in _TASK_LEAD.items()]


def transition_task(current: TaskStatus, wanted: TaskStatus) -> TaskStatus:
    if wanted is current:
        return current
    if wanted not in _TASK_MOVES[current]:
        raise InvalidTransition(f"A task that is {current} cannot become {wanted}", "status")
    return wanted


def reception_stage(reception: Reception) -> ReceptionStage:
    if (
        reception.basis is not PlacementBasis.QUOTA_REFUGEE
        or reception.state is not PlacementState.ACCEPTED
    ):
        return ReceptionStage.NOT_APPLICABLE
    if reception.arrives_at is not None:
        finished = all(
            s in (TaskStatus.DONE, TaskStatus.CANCELLED) for s in reception.task_statuses
        )
        if reception.task_statuses and finished:
            return ReceptionStage.RECEIVED
        return ReceptionStage.ARRIVAL_SCHEDULED
    if reception.earliest_arrival is not None:
        return ReceptionStage.READY
    return ReceptionStage.PREPARING
