"""Turns API messages into validated values, reporting every offending field at once.

Validation runs in two passes. :func:`plan_input` checks what the message alone can tell (dates,
texts, enums, ids). :func:`resolve_goals` and :func:`resolve_services` then check the content
against the plan it belongs to (its kind, the goals and services it already has).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, TypeVar

from kotopolku.common.errors import FieldViolation, InvalidArgument
from kotopolku.plans import enums
from kotopolku.plans.domain import content, family
from kotopolku.plans.domain.errors import InvalidPlanContent, PlanDomainError
from kotopolku.plans.domain.model import (
    GoalCategory,
    PlanKind,
    PlanServiceStatus,
    ResponsibleAuthority,
)
from kotopolku.plans.v1 import plans_pb2

T = TypeVar("T")

# The period and the family are agreed once; the content may change while the plan is in force.
TERMS_PATHS = frozenset(
    {"start_date", "end_date", "family", "family.member_client_ids"}
    | {"family.guardian_consent_reference"}
)
CONTENT_PATHS = frozenset(
    {
        "goals",
        "services",
        "obligations",
        "obligations.receives_social_assistance",
        "obligations.receives_unemployment_benefit",
        "follow_up_plan",
        "welfare_area",
    }
)
UPDATABLE_PATHS = TERMS_PATHS | CONTENT_PATHS


class Collector:
    """Runs validators and keeps every violation, so one response names all bad fields."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, field: str, validate: Callable[[], T]) -> T | None:
        try:
            return validate()
        except PlanDomainError as error:
            self.add(error.field or field, error.message)
        except ValueError as error:
            self.add(field, str(error))
        return None

    def add(self, field: str, description: str) -> None:
        self.violations.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if self.violations:
            fields = ", ".join(v.field for v in self.violations)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.violations)


def parse_date(value: str, field: str, *, required: bool = False) -> date | None:
    if not value:
        if required:
            raise InvalidPlanContent(field, "is required (YYYY-MM-DD)")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidPlanContent(field, "must be a date in the form YYYY-MM-DD") from None


def parse_id(value: str, field: str) -> str:
    """A client or plan id: a UUID in canonical form."""
    if not value:
        raise InvalidPlanContent(field, "is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidPlanContent(field, "must be an id (UUID)") from None


@dataclass(slots=True)
class GoalInput:
    id: str | None
    category: GoalCategory
    text: str
    target_date: date | None

    def columns(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category.value,
            "text": self.text,
            "target_date": self.target_date,
        }


@dataclass(slots=True)
class ServiceInput:
    id: str | None
    programme_service_id: str | None
    other_service: str | None
    welfare_area_service: bool
    planned_start: date | None
    planned_end: date | None
    # None: keep the current status (PLANNED for a new service).
    status: PlanServiceStatus | None
    completion_date: date | None
    outcome_summary: str


@dataclass(slots=True)
class PlanInput:
    """The validated fields of a Plan message that were asked for (the others stay unset)."""

    paths: frozenset[str]
    client_id: str = ""
    kind: PlanKind | None = None
    authority: ResponsibleAuthority | None = None
    start_date: date | None = None
    end_date: date | None = None
    goals: list[GoalInput] = field(default_factory=list)
    services: list[ServiceInput] = field(default_factory=list)
    receives_social_assistance: bool = False
    receives_unemployment_benefit: bool = False
    follow_up_plan: str = ""
    welfare_area: str = ""
    member_client_ids: list[str] = field(default_factory=list)
    guardian_consent_reference: str = ""

    def has(self, *paths: str) -> bool:
        return any(path in self.paths for path in paths)


def _goal(message: plans_pb2.Goal, at: str, collector: Collector) -> GoalInput | None:
    category = collector.check(
        f"{at}.category", lambda: enums.GOAL_CATEGORY.decode(message.category)
    )
    if category is None and not any(v.field == f"{at}.category" for v in collector.violations):
        collector.add(f"{at}.category", "is required")
    text = collector.check(
        f"{at}.text", lambda: content.text(message.text, f"{at}.text", content.MAX_GOAL_TEXT)
    )
    target = collector.check(
        f"{at}.target_date", lambda: parse_date(message.target_date, f"{at}.target_date")
    )
    goal_id = (
        collector.check(f"{at}.id", lambda: parse_id(message.id, f"{at}.id"))
        if message.id
        else None
    )
    if category is None or text is None or (message.target_date and target is None):
        return None
    return GoalInput(goal_id, category, text, target)


def _service(message: plans_pb2.PlanService, at: str, collector: Collector) -> ServiceInput | None:
    before = len(collector.violations)
    choice = collector.check(
        at,
        lambda: content.check_service_choice(
            message.programme_service_id, message.other_service, field=at
        ),
    )
    start = collector.check(
        f"{at}.planned_start", lambda: parse_date(message.planned_start, f"{at}.planned_start")
    )
    end = collector.check(
        f"{at}.planned_end", lambda: parse_date(message.planned_end, f"{at}.planned_end")
    )
    collector.check(at, lambda: content.check_schedule(start, end, field=at))
    status = collector.check(f"{at}.status", lambda: enums.SERVICE_STATUS.decode(message.status))
    completion = collector.check(
        f"{at}.completion_date",
        lambda: parse_date(message.completion_date, f"{at}.completion_date"),
    )
    summary = collector.check(
        f"{at}.outcome_summary",
        lambda: content.text(
            message.outcome_summary, f"{at}.outcome_summary", content.MAX_SUMMARY, required=False
        ),
    )
    service_id = (
        collector.check(f"{at}.id", lambda: parse_id(message.id, f"{at}.id"))
        if message.id
        else None
    )
    if len(collector.violations) > before or choice is None:
        return None
    return ServiceInput(
        id=service_id,
        programme_service_id=choice[0],
        other_service=choice[1],
        welfare_area_service=message.welfare_area_service,
        planned_start=start,
        planned_end=end,
        status=status,
        completion_date=completion,
        outcome_summary=summary or "",
    )


def plan_input(
    message: plans_pb2.Plan, paths: Iterable[str], collector: Collector, *, creating: bool
) -> PlanInput:
    """The fields of ``message`` named in ``paths`` (a create names all of them)."""
    wanted = frozenset(paths)
    result = PlanInput(paths=wanted)
    if creating:
        result.client_id = (
            collector.check("client_id", lambda: parse_id(message.client_id, "client_id")) or ""
        )
        result.kind = collector.check("kind", lambda: enums.KIND.decode(message.kind))
        if result.kind is None and not any(v.field == "kind" for v in collector.violations):
            collector.add("kind", "is required: INDIVIDUAL, MULTI_SECTOR or FAMILY")
        result.authority = collector.check(
            "responsible_authority",
            lambda: enums.AUTHORITY.decode(message.responsible_authority),
        )
    if "start_date" in wanted:
        result.start_date = collector.check(
            "start_date", lambda: parse_date(message.start_date, "start_date", required=True)
        )
    if "end_date" in wanted:
        result.end_date = collector.check(
            "end_date", lambda: parse_date(message.end_date, "end_date", required=True)
        )
    if "goals" in wanted:
        if len(message.goals) > content.MAX_GOALS:
            collector.add("goals", f"at most {content.MAX_GOALS} goals")
        goals = [_goal(g, f"goals[{i}]", collector) for i, g in enumerate(message.goals)]
        result.goals = [g for g in goals if g is not None]
    if "services" in wanted:
        if len(message.services) > content.MAX_SERVICES:
            collector.add("services", f"at most {content.MAX_SERVICES} services")
        services = [
            _service(s, f"services[{i}]", collector) for i, s in enumerate(message.services)
        ]
        result.services = [s for s in services if s is not None]
    obligations = message.obligations
    if wanted & {"obligations", "obligations.receives_social_assistance"}:
        result.receives_social_assistance = obligations.receives_social_assistance
    if wanted & {"obligations", "obligations.receives_unemployment_benefit"}:
        result.receives_unemployment_benefit = obligations.receives_unemployment_benefit
    if "follow_up_plan" in wanted:
        result.follow_up_plan = (
            collector.check(
                "follow_up_plan",
                lambda: content.text(
                    message.follow_up_plan, "follow_up_plan", content.MAX_FOLLOW_UP, required=False
                ),
            )
            or ""
        )
    if "welfare_area" in wanted:
        result.welfare_area = message.welfare_area
    if wanted & {"family", "family.member_client_ids"}:
        ids = [
            collector.check(at, partial(parse_id, member, at))
            for at, member in (
                (f"family.member_client_ids[{i}]", m)
                for i, m in enumerate(message.family.member_client_ids)
            )
        ]
        result.member_client_ids = [m for m in ids if m is not None]
    if wanted & {"family", "family.guardian_consent_reference"}:
        result.guardian_consent_reference = message.family.guardian_consent_reference
    return result


def resolve_goals(
    goals: Sequence[GoalInput], existing_ids: Iterable[str], collector: Collector
) -> list[dict[str, Any]]:
    """Goal columns; an id must be one of the plan's goals (a create has none)."""
    known = set(existing_ids)
    for index, goal in enumerate(goals):
        if goal.id is not None and goal.id not in known:
            collector.add(f"goals[{index}].id", "is not a goal of this plan")
    return [goal.columns() for goal in goals]


def resolve_services(
    services: Sequence[ServiceInput],
    existing: Mapping[str, Any],
    kind: PlanKind,
    today: date,
    collector: Collector,
) -> list[dict[str, Any]]:
    """Service columns checked against the plan's kind and the services it already has.

    ``existing`` maps the plan's current service ids to their rows; a service left out of the
    list is removed, which only a PLANNED one may be.
    """
    columns: list[dict[str, Any]] = []
    kept: set[str] = set()
    for index, service in enumerate(services):
        at = f"services[{index}]"
        current = existing.get(service.id) if service.id is not None else None
        if service.id is not None and current is None:
            collector.add(f"{at}.id", "is not a service of this plan")
            continue
        if service.id is not None:
            kept.add(service.id)
        status = service.status or (
            PlanServiceStatus(current.status) if current is not None else PlanServiceStatus.PLANNED
        )
        collector.check(
            at,
            partial(
                content.check_welfare_area_service, kind, service.welfare_area_service, field=at
            ),
        )
        collector.check(
            f"{at}.completion_date",
            partial(
                content.check_completion,
                status,
                service.completion_date,
                today,
                field=f"{at}.completion_date",
            ),
        )
        columns.append(
            {
                "id": service.id,
                "programme_service_id": service.programme_service_id,
                "other_service": service.other_service,
                "welfare_area_service": service.welfare_area_service,
                "planned_start": service.planned_start,
                "planned_end": service.planned_end,
                "status": status.value,
                "completion_date": service.completion_date,
                "outcome_summary": service.outcome_summary,
            }
        )
    for service_id, row in existing.items():
        if service_id not in kept:
            collector.check(
                "services", partial(content.check_removable, PlanServiceStatus(row.status))
            )
    return columns


def check_family(kind: PlanKind, client_id: str, plan: PlanInput, collector: Collector) -> None:
    """A family plan lists its other members and the guardians' consent; other plans neither."""
    if kind is PlanKind.FAMILY:
        if plan.has("family", "family.member_client_ids"):
            collector.check(
                "family.member_client_ids",
                lambda: family.validate_members(client_id, plan.member_client_ids),
            )
        if plan.has("family", "family.guardian_consent_reference"):
            plan.guardian_consent_reference = (
                collector.check(
                    "family.guardian_consent_reference",
                    lambda: family.validate_consent_reference(plan.guardian_consent_reference),
                )
                or ""
            )
        return
    if plan.member_client_ids or plan.guardian_consent_reference.strip():
        collector.add("family", "is given only for a family plan")
