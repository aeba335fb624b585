"""Goals, agreed services, obligations and the multi-sector details."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.plans.domain.content import (
    REPORTED_STATUSES,
    check_completion,
    check_removable,
    check_reportable,
    check_reported_status,
    check_schedule,
    check_service_choice,
    check_welfare_area,
    check_welfare_area_service,
    participation_obligatory,
    text,
)
from kotopolku.plans.domain.errors import InvalidPlanContent, PlanStateError
from kotopolku.plans.domain.model import PlanKind, PlanServiceStatus, PlanStatus

TODAY = date(2026, 3, 1)
SS = PlanServiceStatus


@pytest.mark.parametrize(
    ("social", "unemployment", "obligatory"),
    [(False, False, False), (True, False, True), (False, True, True), (True, True, True)],
)
def test_participation_is_obligatory_with_either_benefit(
    social: bool, unemployment: bool, obligatory: bool
) -> None:
    assert participation_obligatory(social, unemployment) is obligatory


def test_text_is_trimmed_limited_and_printable() -> None:
    assert text("  Tavoite\nrivi 2 ", "goals[0].text", 20) == "Tavoite\nrivi 2"
    assert text("", "notes", 10, required=False) == ""
    for value, says in (
        ("", "required"),
        ("  ", "required"),
        ("x" * 11, "at most 10"),
        ("a\x00", "control"),
    ):
        with pytest.raises(InvalidPlanContent, match=says) as info:
            text(value, "goals[0].text", 10)
        assert info.value.field == "goals[0].text"


def test_a_service_is_from_the_catalogue_or_described_in_words() -> None:
    assert check_service_choice(" svc-1 ", "", field="services[0]") == ("svc-1", None)
    assert check_service_choice("", " Kerho ", field="services[0]") == (None, "Kerho")
    for catalogue, other, says, where in (
        ("svc-1", "Kerho", "not both", "services[0]"),
        ("", "", "give programme_service_id", "services[0]"),
        ("x" * 65, "", "not an id", "services[0].programme_service_id"),
        ("", "x" * 501, "at most 500", "services[0].other_service"),
    ):
        with pytest.raises(InvalidPlanContent, match=says) as info:
            check_service_choice(catalogue, other, field="services[0]")
        assert info.value.field == where


def test_schedule_end_not_before_start() -> None:
    check_schedule(date(2026, 3, 1), date(2026, 3, 1), field="services[1]")
    check_schedule(None, date(2026, 3, 1), field="services[1]")
    check_schedule(date(2026, 3, 1), None, field="services[1]")
    with pytest.raises(InvalidPlanContent) as info:
        check_schedule(date(2026, 3, 2), date(2026, 3, 1), field="services[1]")
    assert info.value.field == "services[1].planned_end"


@pytest.mark.parametrize("kind", list(PlanKind), ids=str)
def test_welfare_area_services_only_in_multi_sector_plans(kind: PlanKind) -> None:
    check_welfare_area_service(kind, False, field="services[0]")
    if kind is PlanKind.MULTI_SECTOR:
        check_welfare_area_service(kind, True, field="services[0]")
        assert check_welfare_area(kind, " Länsi-Uusimaa ") == "Länsi-Uusimaa"
        with pytest.raises(InvalidPlanContent, match="required"):
            check_welfare_area(kind, "")
        return
    with pytest.raises(InvalidPlanContent) as info:
        check_welfare_area_service(kind, True, field="services[0]")
    assert info.value.field == "services[0].welfare_area_service"
    assert check_welfare_area(kind, "  ") == ""
    with pytest.raises(InvalidPlanContent, match="only for a multi-sector"):
        check_welfare_area(kind, "Vantaa-Kerava")


@pytest.mark.parametrize("status", list(PlanServiceStatus), ids=str)
def test_completion_date_goes_with_finished_services(status: PlanServiceStatus) -> None:
    finished = status in (SS.COMPLETED, SS.INTERRUPTED)
    assert status.is_finished is finished
    if finished:
        check_completion(status, TODAY, TODAY, field="completion_date")
        check_completion(status, date(2025, 1, 1), TODAY, field="completion_date")
        with pytest.raises(InvalidPlanContent, match="required"):
            check_completion(status, None, TODAY, field="completion_date")
        with pytest.raises(InvalidPlanContent, match="future"):
            check_completion(status, date(2026, 3, 2), TODAY, field="completion_date")
    else:
        check_completion(status, None, TODAY, field="completion_date")
        with pytest.raises(InvalidPlanContent, match="only when") as info:
            check_completion(status, TODAY, TODAY, field="services[2].completion_date")
        assert info.value.field == "services[2].completion_date"


@pytest.mark.parametrize("status", list(PlanServiceStatus), ids=str)
def test_reports_set_any_status_but_planned(status: PlanServiceStatus) -> None:
    if status is SS.PLANNED:
        assert status not in REPORTED_STATUSES
        with pytest.raises(InvalidPlanContent):
            check_reported_status(status)
    else:
        check_reported_status(status)


@pytest.mark.parametrize("status", list(PlanServiceStatus), ids=str)
def test_only_planned_services_are_removed(status: PlanServiceStatus) -> None:
    if status is SS.PLANNED:
        check_removable(status)
    else:
        with pytest.raises(InvalidPlanContent, match=f"is {status.value} cannot be removed"):
            check_removable(status)


@pytest.mark.parametrize("status", list(PlanStatus), ids=str)
def test_outcomes_are_reported_for_approved_plans(status: PlanStatus) -> None:
    if status in (PlanStatus.DRAFT, PlanStatus.AWAITING_APPROVAL):
        with pytest.raises(PlanStateError):
            check_reportable(status)
    else:
        check_reportable(status)
