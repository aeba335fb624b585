"""An enrolment must match what the plan agreed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kotopolku.programme.domain import (
    EnrolmentRefused,
    PlannedService,
    PlannedServiceStatus,
    ProgrammeDomainError,
    check_enrolment_matches_plan,
)

AGREED = PlannedService(
    plan_id="plan-1",
    plan_service_id="ps-1",
    client_id="client-1",
    programme_service_id="service-1",
    status=PlannedServiceStatus.PLANNED,
    plan_active=True,
)


def check(planned: PlannedService, client: str = "client-1", service: str = "service-1") -> None:
    check_enrolment_matches_plan(planned, client_id=client, programme_service_id=service)


@pytest.mark.parametrize(
    "status",
    [
        PlannedServiceStatus.PLANNED,
        PlannedServiceStatus.ENROLLED,
        PlannedServiceStatus.IN_PROGRESS,
        PlannedServiceStatus.INTERRUPTED,
    ],
)
def test_an_agreed_service_not_yet_completed_may_be_enrolled_in(
    status: PlannedServiceStatus,
) -> None:
    # Duplicates are for the programme service's own records to refuse: the plan lags behind.
    check(replace(AGREED, status=status))


@pytest.mark.parametrize(
    ("planned", "client", "service", "error", "field"),
    [
        (replace(AGREED, plan_active=False), "client-1", "service-1", EnrolmentRefused, "plan_id"),
        (
            replace(AGREED, status=PlannedServiceStatus.COMPLETED),
            "client-1",
            "service-1",
            EnrolmentRefused,
            "plan_service_id",
        ),
        (
            replace(AGREED, programme_service_id=""),
            "client-1",
            "service-1",
            ProgrammeDomainError,
            "plan_service_id",
        ),
        (AGREED, "client-1", "service-2", ProgrammeDomainError, "programme_service_id"),
        (AGREED, "client-2", "service-1", ProgrammeDomainError, "client_id"),
    ],
)
def test_mismatches_are_refused_naming_the_field(
    planned: PlannedService,
    client: str,
    service: str,
    error: type[ProgrammeDomainError],
    field: str,
) -> None:
    with pytest.raises(error) as raised:
        check(planned, client, service)
    assert raised.value.field == field
    assert "client-2" not in raised.value.message
