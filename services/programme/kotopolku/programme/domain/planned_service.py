"""The agreed service of an integration plan that an enrolment is made from.

Enrolments are created from plans: the officer names the plan and its agreed service, and the
plans service tells what was agreed. The enrolment must be for the plan's own client and for the
programme service the plan agreed on, and the plan must be in force (ACTIVE). A planned service
that was already completed is not enrolled in again; whether it has an active enrolment is for
the programme service's own records to say (the plan hears of enrolments asynchronously).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kotopolku.programme.domain.errors import EnrolmentRefused, ProgrammeDomainError


class PlannedServiceStatus(enum.StrEnum):
    """The agreed service's status in the plan (the plans service's PlanServiceStatus)."""

    PLANNED = "PLANNED"
    ENROLLED = "ENROLLED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    INTERRUPTED = "INTERRUPTED"


@dataclass(frozen=True, slots=True)
class PlannedService:
    plan_id: str
    plan_service_id: str
    client_id: str
    # Empty for an "other service" described in words, which has no enrolments.
    programme_service_id: str
    status: PlannedServiceStatus
    plan_active: bool


def check_enrolment_matches_plan(
    planned: PlannedService, *, client_id: str, programme_service_id: str
) -> None:
    if not planned.plan_active:
        raise EnrolmentRefused(
            "plan_id", "the plan is not active: enrolments are made from active plans"
        )
    if not planned.programme_service_id:
        raise ProgrammeDomainError(
            "plan_service_id", "the agreed service is not a service of the integration programme"
        )
    if planned.programme_service_id != programme_service_id:
        raise ProgrammeDomainError(
            "programme_service_id", "is not the programme service agreed in the plan"
        )
    if planned.client_id != client_id:
        raise ProgrammeDomainError("client_id", "is not the client of the plan")
    if planned.status is PlannedServiceStatus.COMPLETED:
        raise EnrolmentRefused("plan_service_id", "the agreed service has already been completed")
