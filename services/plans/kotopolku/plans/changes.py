"""The column values of a new plan or of a change, checked against the plan they belong to.

Both take a :class:`~kotopolku.plans.validation.PlanInput` (the message already checked on its
own) and add every violation to the collector, so one response names all bad fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from kotopolku.plans.domain import content, lifecycle, periods
from kotopolku.plans.domain.authority import choose_authority
from kotopolku.plans.domain.model import PlanKind, PlanStatus, ResponsibleAuthority
from kotopolku.plans.repository import PlanRecord
from kotopolku.plans.validation import (
    TERMS_PATHS,
    Collector,
    PlanInput,
    check_family,
    resolve_goals,
    resolve_services,
)


@dataclass(slots=True)
class PlanChanges:
    values: dict[str, Any] = field(default_factory=dict)
    goals: list[dict[str, Any]] | None = None
    services: list[dict[str, Any]] | None = None
    members: list[str] | None = None


def _period(plan: PlanInput, start: date | None, end: date | None, collector: Collector) -> None:
    if start is None or end is None:
        return
    where = "start_date" if plan.has("start_date") and not plan.has("end_date") else "end_date"
    collector.check(where, partial(periods.check_first_plan_period, start, end, field=where))


def _obligations(plan: PlanInput, values: dict[str, Any]) -> None:
    if plan.has("obligations", "obligations.receives_social_assistance"):
        values["receives_social_assistance"] = plan.receives_social_assistance
    if plan.has("obligations", "obligations.receives_unemployment_benefit"):
        values["receives_unemployment_benefit"] = plan.receives_unemployment_benefit


def for_new_plan(
    plan: PlanInput,
    acting_for: frozenset[ResponsibleAuthority],
    today: date,
    collector: Collector,
) -> PlanChanges:
    """Everything a new plan is made of; its kind and authority are in ``values``."""
    authority = collector.check(
        "responsible_authority", partial(choose_authority, plan.authority, acting_for)
    )
    _period(plan, plan.start_date, plan.end_date, collector)
    changes = PlanChanges(
        values={
            "client_id": plan.client_id,
            "kind": plan.kind,
            "responsible_authority": authority,
            "start_date": plan.start_date,
            "end_date": plan.end_date,
            "follow_up_plan": plan.follow_up_plan,
            "receives_social_assistance": plan.receives_social_assistance,
            "receives_unemployment_benefit": plan.receives_unemployment_benefit,
            "welfare_area": "",
            "guardian_consent_reference": "",
        },
        goals=resolve_goals(plan.goals, (), collector),
        members=[],
    )
    if plan.kind is None:
        return changes
    changes.services = resolve_services(plan.services, {}, plan.kind, today, collector)
    changes.values["welfare_area"] = collector.check(
        "welfare_area", partial(content.check_welfare_area, plan.kind, plan.welfare_area)
    )
    check_family(plan.kind, plan.client_id, plan, collector)
    if plan.kind is PlanKind.FAMILY:
        changes.members = plan.member_client_ids
        changes.values["guardian_consent_reference"] = plan.guardian_consent_reference
    return changes


def for_update(
    plan: PlanInput, record: PlanRecord, today: date, collector: Collector
) -> PlanChanges:
    """The changes ``plan`` asks for, checked against the stored plan ``record``.

    Raises :class:`PlanStateError` when the plan's state does not allow them at all.
    """
    row = record.row
    status = PlanStatus(row.status)
    kind = PlanKind(row.kind)
    lifecycle.check_content_editable(status)
    for path in sorted(plan.paths & TERMS_PATHS):
        lifecycle.check_terms_editable(status, path.split(".")[0])
    changes = PlanChanges()
    values = changes.values
    if plan.has("start_date", "end_date"):
        start = plan.start_date if plan.has("start_date") else row.start_date
        end = plan.end_date if plan.has("end_date") else row.end_date
        _period(plan, start, end, collector)
        values.update(start_date=start, end_date=end)
    if plan.has("goals"):
        changes.goals = resolve_goals(plan.goals, (g.id for g in record.goals), collector)
    if plan.has("services"):
        existing = {service.id: service for service in record.services}
        changes.services = resolve_services(plan.services, existing, kind, today, collector)
    _obligations(plan, values)
    if plan.has("follow_up_plan"):
        values["follow_up_plan"] = plan.follow_up_plan
    if plan.has("welfare_area"):
        values["welfare_area"] = collector.check(
            "welfare_area", partial(content.check_welfare_area, kind, plan.welfare_area)
        )
    check_family(kind, row.client_id, plan, collector)
    if plan.has("family", "family.member_client_ids"):
        changes.members = plan.member_client_ids
    if plan.has("family", "family.guardian_consent_reference"):
        values["guardian_consent_reference"] = plan.guardian_consent_reference
    return changes
