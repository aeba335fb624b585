"""Exactly which fields of multi-sector data may cross to the welfare area, and picking them.

Only the multi-sector parts go: of an assessment its four multi-sector sections, the team, the
outcome and the next step (not the basic interview areas, measures or corrections); of a plan its
goals, the agreed services, the period and the follow-up (not the obligations, approvals or
history). A transfer may send fewer fields than these, never others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kotopolku.welfare.domain.codes import DataCategory
from kotopolku.welfare.domain.errors import WelfareDomainError

DISCLOSABLE: Final[Mapping[DataCategory, tuple[str, ...]]] = {
    DataCategory.MULTI_SECTOR_ASSESSMENT: (
        "state",
        "multi_sector.mental_health_and_rehabilitation_needs",
        "multi_sector.employment_and_education_service_needs",
        "multi_sector.social_and_health_service_needs",
        "multi_sector.other_needs_and_wishes",
        "multi_sector.team",
        "multi_sector.written_exchange",
        "outcome",
        "next_step",
        "completed_at",
    ),
    DataCategory.MULTI_SECTOR_PLAN: (
        "status",
        "start_date",
        "end_date",
        "goals",
        "services",
        "welfare_area",
        "review_due_date",
        "follow_up_plan",
    ),
    DataCategory.RECEPTION_TRANSFER: (
        "reception_centre",
        "received_on",
        "municipality_code",
        "basis",
        "person.first_names",
        "person.last_name",
        "person.date_of_birth",
        "person.languages",
        "service_needs",
    ),
}


def chosen_fields(category: DataCategory, requested: Sequence[str]) -> tuple[str, ...]:
    """The fields a transfer sends: the requested ones (all when none), in the list's order."""
    allowed = DISCLOSABLE[category]
    unknown = [path for path in requested if path not in allowed]
    if unknown:
        raise WelfareDomainError(
            "fields", "not disclosable in this category: " + ", ".join(unknown[:10])
        )
    wanted = set(requested) or set(allowed)
    return tuple(path for path in allowed if path in wanted)


def pick(source: Mapping[str, Any], paths: Sequence[str]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The values at ``paths`` (dotted) as a nested dict, and the paths that had a value."""
    picked: dict[str, Any] = {}
    present: list[str] = []
    for path in paths:
        *parents, leaf = path.split(".")
        node: Any = source
        for part in parents:
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping) or leaf not in node:
            continue
        target = picked
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = node[leaf]
        present.append(path)
    return picked, tuple(present)
