"""The content of a plan: goals, agreed services with their schedule, obligations, follow-up.

* A goal has a category, a text of at most 2000 characters and an optional target date.
* An agreed service is either a service of the municipality's programme catalogue or another
  service described in words (not both); its planned end is not before its planned start; a
  welfare-area service belongs only in a multi-sector plan.
* A service that is COMPLETED or INTERRUPTED has a completion date, which is not in the future;
  other statuses have none.
* Only a PLANNED service may be removed from a plan: the others have enrolments and history.
* Participation in the plan is obligatory when the client receives social assistance
  (toimeentulotuki) or an unemployment benefit (työttömyysetuus).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from kotopolku.plans.domain.errors import InvalidPlanContent, PlanStateError
from kotopolku.plans.domain.model import PlanKind, PlanServiceStatus, PlanStatus

MAX_GOALS: Final = 30
MAX_SERVICES: Final = 50
MAX_GOAL_TEXT: Final = 2000
MAX_SERVICE_TEXT: Final = 500
MAX_SUMMARY: Final = 2000
MAX_FOLLOW_UP: Final = 4000
MAX_WELFARE_AREA: Final = 100
MAX_CATALOGUE_ID: Final = 64
# The statuses a provider's report (through the programme service) may set.
REPORTED_STATUSES: Final = frozenset(
    {
        PlanServiceStatus.ENROLLED,
        PlanServiceStatus.IN_PROGRESS,
        PlanServiceStatus.COMPLETED,
        PlanServiceStatus.INTERRUPTED,
    }
)


def text(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    """Free text with whitespace runs kept as typed inside lines, trimmed, printable."""
    stripped = value.strip()
    if not stripped:
        if required:
            raise InvalidPlanContent(field, "is required")
        return ""
    if len(stripped) > max_length:
        raise InvalidPlanContent(field, f"must be at most {max_length} characters")
    if not stripped.replace("\n", " ").replace("\t", " ").isprintable():
        raise InvalidPlanContent(field, "must not contain control characters")
    return stripped


def participation_obligatory(
    receives_social_assistance: bool, receives_unemployment_benefit: bool
) -> bool:
    return receives_social_assistance or receives_unemployment_benefit


def check_service_choice(
    programme_service_id: str, other_service: str, *, field: str
) -> tuple[str | None, str | None]:
    """Exactly one of a catalogue service id and an "other service" description."""
    catalogue = programme_service_id.strip()
    other = other_service.strip()
    if catalogue and other:
        raise InvalidPlanContent(
            field, "give either programme_service_id or other_service, not both"
        )
    if not catalogue and not other:
        raise InvalidPlanContent(
            field, "give programme_service_id (a programme service) or other_service"
        )
    if catalogue:
        if len(catalogue) > MAX_CATALOGUE_ID or not catalogue.isprintable():
            raise InvalidPlanContent(
                f"{field}.programme_service_id", "is not an id of the programme catalogue"
            )
        return catalogue, None
    return None, text(other, f"{field}.other_service", MAX_SERVICE_TEXT)


def check_schedule(start: date | None, end: date | None, *, field: str) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidPlanContent(f"{field}.planned_end", "must not be before planned_start")


def check_welfare_area_service(kind: PlanKind, welfare_area_service: bool, *, field: str) -> None:
    if welfare_area_service and kind is not PlanKind.MULTI_SECTOR:
        raise InvalidPlanContent(
            f"{field}.welfare_area_service", "welfare-area services belong in a multi-sector plan"
        )


def check_completion(
    status: PlanServiceStatus, completion_date: date | None, today: date, *, field: str
) -> None:
    """A finished service has a completion date in the past or today; others have none."""
    if status.is_finished and completion_date is None:
        raise InvalidPlanContent(field, f"is required when the service is {status.value}")
    if not status.is_finished and completion_date is not None:
        raise InvalidPlanContent(
            field, "is given only when the service is completed or interrupted"
        )
    if completion_date is not None and completion_date > today:
        raise InvalidPlanContent(field, "must not be in the future")


def check_reported_status(status: PlanServiceStatus, *, field: str = "status") -> None:
    if status not in REPORTED_STATUSES:
        raise InvalidPlanContent(
            field, "a report sets ENROLLED, IN_PROGRESS, COMPLETED or INTERRUPTED"
        )


def check_reportable(plan_status: PlanStatus) -> None:
    """Outcomes are reported for plans that were approved (also after they have ended)."""
    if plan_status in (PlanStatus.DRAFT, PlanStatus.AWAITING_APPROVAL):
        raise PlanStateError(
            "plan_id", f"the plan is {plan_status.value}: its services have no enrolments yet"
        )


def check_removable(status: PlanServiceStatus, *, field: str = "services") -> None:
    if status is not PlanServiceStatus.PLANNED:
        raise InvalidPlanContent(
            field,
            f"a service that is {status.value} cannot be removed from the plan "
            "(only planned ones can)",
        )


def check_welfare_area(kind: PlanKind, welfare_area: str, *, field: str = "welfare_area") -> str:
    """A multi-sector plan names the welfare area taking part; other plans name none."""
    if kind is PlanKind.MULTI_SECTOR:
        return text(welfare_area, field, MAX_WELFARE_AREA)
    if welfare_area.strip():
        raise InvalidPlanContent(field, "is given only for a multi-sector plan")
    return ""
