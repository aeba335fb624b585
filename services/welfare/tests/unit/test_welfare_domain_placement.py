"""Placement proposals and reception: every rule and every state."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from kotopolku.welfare.domain.anonymise import ProposedPerson
from kotopolku.welfare.domain.codes import (
    ConsultationState,
    FamilyRole,
    PlacementBasis,
    PlacementDecision,
    PlacementState,
    ReceptionStage,
    ReceptionTaskKind,
    ServiceNeed,
    TaskStatus,
)
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError
from kotopolku.welfare.domain.placement import (
    Reception,
    arrival_tasks,
    check_arrival,
    check_earliest_arrival,
    check_housing,
    check_may_decide,
    check_persons,
    check_reason,
    decided_state,
    evident_service_needs,
    reception_stage,
    transition_task,
)

TODAY = date(2026, 3, 2)


def person(role: FamilyRole, born: date = date(1990, 1, 1), **kw: object) -> ProposedPerson:
    values: dict[str, object] = {
        "role": role,
        "first_names": "A",
        "last_name": "B",
        "date_of_birth": born,
        "henkilotunnus": None,
        "languages": (),
        "service_needs": (),
    }
    values.update(kw)
    return ProposedPerson(**values)  # type: ignore[arg-type]


def test_a_family_has_exactly_one_principal_and_no_one_unborn() -> None:
    check_persons([person(FamilyRole.PRINCIPAL), person(FamilyRole.CHILD)], TODAY)
    for persons, field in (
        ([], "persons"),
        ([person(FamilyRole.CHILD)], "persons"),
        ([person(FamilyRole.PRINCIPAL), person(FamilyRole.PRINCIPAL)], "persons"),
        (
            [person(FamilyRole.PRINCIPAL), person(FamilyRole.CHILD, TODAY + timedelta(days=1))],
            "persons[1].date_of_birth",
        ),
        (
            [person(FamilyRole.PRINCIPAL, unaccompanied_minor=True)],
            "persons[0].unaccompanied_minor",
        ),
        ([person(FamilyRole.PRINCIPAL)] * 31, "persons"),
    ):
        with pytest.raises(WelfareDomainError) as caught:
            check_persons(persons, TODAY)
        assert caught.value.field == field
    check_persons([person(FamilyRole.PRINCIPAL, date(2012, 1, 1), unaccompanied_minor=True)], TODAY)


def test_evident_needs() -> None:
    plain = [person(FamilyRole.PRINCIPAL)]
    assert not evident_service_needs(plain, False)
    assert evident_service_needs(plain, True)
    assert evident_service_needs(
        [person(FamilyRole.PRINCIPAL, service_needs=(ServiceNeed.DISABILITY,))], False
    )
    assert evident_service_needs(
        [person(FamilyRole.PRINCIPAL, date(2012, 1, 1), unaccompanied_minor=True)], False
    )


DUE = TODAY + timedelta(days=5)


@pytest.mark.parametrize(
    ("evident", "consultation", "today", "allowed"),
    [
        (False, None, TODAY, True),
        (True, None, TODAY, False),
        (True, ConsultationState.OPEN, TODAY, False),
        (True, ConsultationState.OPEN, DUE, False),
        (True, ConsultationState.OPEN, DUE + timedelta(days=1), True),
        (True, ConsultationState.ANSWERED, TODAY, True),
        (False, ConsultationState.OPEN, TODAY, True),
    ],
)
def test_deciding_needs_the_welfare_area_heard(
    evident: bool, consultation: ConsultationState | None, today: date, allowed: bool
) -> None:
    due = DUE if consultation else None
    if allowed:
        check_may_decide(PlacementState.RECEIVED, evident, consultation, due, today)
    else:
        with pytest.raises(InvalidTransition):
            check_may_decide(PlacementState.RECEIVED, evident, consultation, due, today)


@pytest.mark.parametrize("state", [PlacementState.ACCEPTED, PlacementState.DECLINED])
def test_a_placement_is_decided_once(state: PlacementState) -> None:
    with pytest.raises(InvalidTransition):
        check_may_decide(state, False, None, None, TODAY)


def test_decided_state_and_reason() -> None:
    assert decided_state(PlacementDecision.ACCEPT) is PlacementState.ACCEPTED
    assert decided_state(PlacementDecision.DECLINE) is PlacementState.DECLINED
    assert check_reason("  syy ") == "syy"
    for bad in ("", "  ", "x" * 2001):
        with pytest.raises(WelfareDomainError):
            check_reason(bad)


ARRIVAL = datetime(2026, 4, 20, 11, 40, tzinfo=UTC)


def reception(**kw: object) -> Reception:
    values: dict[str, object] = {
        "basis": PlacementBasis.QUOTA_REFUGEE,
        "state": PlacementState.ACCEPTED,
        "housing_from": None,
        "earliest_arrival": None,
        "arrives_at": None,
    }
    values.update(kw)
    return Reception(**values)  # type: ignore[arg-type]


def test_reception_is_for_accepted_quota_refugees_only() -> None:
    for other in (
        reception(basis=PlacementBasis.ASYLUM),
        reception(state=PlacementState.RECEIVED),
        reception(state=PlacementState.DECLINED),
    ):
        with pytest.raises(InvalidTransition):
            check_housing(other, TODAY, TODAY)
        assert reception_stage(other) is ReceptionStage.NOT_APPLICABLE


def test_the_reception_steps_in_order() -> None:
    start = reception()
    assert reception_stage(start) is ReceptionStage.PREPARING
    check_housing(start, TODAY + timedelta(days=10), TODAY)
    with pytest.raises(WelfareDomainError):
        check_housing(start, TODAY - timedelta(days=400), TODAY)
    with pytest.raises(InvalidTransition):
        check_earliest_arrival(start, TODAY + timedelta(days=20), TODAY)
    housed = reception(housing_from=TODAY + timedelta(days=10))
    check_earliest_arrival(housed, TODAY + timedelta(days=10), TODAY)
    for bad in (TODAY - timedelta(days=1), TODAY + timedelta(days=9)):
        with pytest.raises(WelfareDomainError):
            check_earliest_arrival(housed, bad, TODAY)
    with pytest.raises(InvalidTransition):
        check_arrival(housed, ARRIVAL, ARRIVAL.date())
    ready = reception(housing_from=TODAY, earliest_arrival=date(2026, 4, 20))
    assert reception_stage(ready) is ReceptionStage.READY
    check_arrival(ready, ARRIVAL, ARRIVAL.date())
    with pytest.raises(WelfareDomainError):
        check_arrival(ready, ARRIVAL, date(2026, 4, 19))
    scheduled = reception(
        housing_from=TODAY,
        earliest_arrival=date(2026, 4, 20),
        arrives_at=ARRIVAL,
        task_statuses=(TaskStatus.OPEN, TaskStatus.DONE),
    )
    assert reception_stage(scheduled) is ReceptionStage.ARRIVAL_SCHEDULED
    with pytest.raises(InvalidTransition):
        check_housing(scheduled, TODAY, TODAY)
    with pytest.raises(InvalidTransition):
        check_earliest_arrival(scheduled, TODAY, TODAY)
    done = reception(
        housing_from=TODAY,
        earliest_arrival=date(2026, 4, 20),
        arrives_at=ARRIVAL,
        task_statuses=(TaskStatus.DONE, TaskStatus.CANCELLED),
    )
    assert reception_stage(done) is ReceptionStage.RECEIVED
    with pytest.raises(InvalidTransition):
        check_arrival(done, ARRIVAL, ARRIVAL.date())


def test_arrival_day_tasks() -> None:
    tasks = dict(arrival_tasks(ARRIVAL))
    assert set(tasks) == set(ReceptionTaskKind)
    assert tasks[ReceptionTaskKind.FIRST_GROCERIES] < tasks[ReceptionTaskKind.TRANSPORT]
    assert tasks[ReceptionTaskKind.TRANSPORT] == ARRIVAL
    assert tasks[ReceptionTaskKind.INTERPRETER] == ARRIVAL
    assert tasks[ReceptionTaskKind.INITIAL_INFO] > ARRIVAL


ALLOWED = {
    (TaskStatus.OPEN, TaskStatus.IN_PROGRESS),
    (TaskStatus.OPEN, TaskStatus.DONE),
    (TaskStatus.OPEN, TaskStatus.CANCELLED),
    (TaskStatus.IN_PROGRESS, TaskStatus.OPEN),
    (TaskStatus.IN_PROGRESS, TaskStatus.DONE),
    (TaskStatus.IN_PROGRESS, TaskStatus.CANCELLED),
    (TaskStatus.DONE, TaskStatus.IN_PROGRESS),
    (TaskStatus.CANCELLED, TaskStatus.OPEN),
}


@pytest.mark.parametrize(("current", "wanted"), list(itertools.product(TaskStatus, TaskStatus)))
def test_task_transitions(current: TaskStatus, wanted: TaskStatus) -> None:
    if current is wanted or (current, wanted) in ALLOWED:
        assert transition_task(current, wanted) is wanted
    else:
        with pytest.raises(InvalidTransition):
            transition_task(current, wanted)
