"""The family plan (perheen kotoutumissuunnitelma).

It is made with the guardians' consent for the client (a guardian) and the other family members,
and it is valid at most until no member has a valid individual plan any more: its end date may
not be after the latest end among the members' valid individual plans. An individual plan (also
a multi-sector one) is valid when it is in force (ACTIVE or SUSPENDED) and has not ended by
``today``. A family plan in force whose members no longer have any valid individual plan has
lapsed and is ended by the service (:func:`has_lapsed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from kotopolku.plans.domain.errors import FamilyPlanLimitExceeded, InvalidPlanContent
from kotopolku.plans.domain.lifecycle import IN_FORCE
from kotopolku.plans.domain.model import PlanKind, PlanStatus

MAX_MEMBERS: Final = 20
MAX_CONSENT_REFERENCE_LENGTH: Final = 100


@dataclass(frozen=True, slots=True)
class MemberPlan:
    """An individual plan of a family member, as far as the family plan's limit needs it."""

    plan_id: str
    client_id: str
    kind: PlanKind
    status: PlanStatus
    end_date: date


def is_valid_individual_plan(plan: MemberPlan, today: date) -> bool:
    return plan.kind.is_individual and plan.status in IN_FORCE and plan.end_date >= today


def valid_member_plans(plans: Iterable[MemberPlan], today: date) -> list[MemberPlan]:
    return [plan for plan in plans if is_valid_individual_plan(plan, today)]


def family_plan_limit(plans: Iterable[MemberPlan], today: date) -> date | None:
    """The latest end among the valid individual plans, or None when there is none."""
    ends = [plan.end_date for plan in valid_member_plans(plans, today)]
    return max(ends) if ends else None


def has_lapsed(plans: Iterable[MemberPlan], today: date) -> bool:
    """The family plan ends: no member of the family has a valid individual plan any more."""
    return family_plan_limit(plans, today) is None


def check_family_plan_end(
    end: date, plans: Iterable[MemberPlan], today: date, *, field: str = "end_date"
) -> None:
    limit = family_plan_limit(plans, today)
    if limit is None:
        raise FamilyPlanLimitExceeded(field, "no member of the family has a valid individual plan")
    if end > limit:
        raise FamilyPlanLimitExceeded(
            field,
            "a family plan may not last longer than the members' valid individual plans: "
            f"the end date must be on or before {limit.isoformat()}",
        )


def validate_members(
    client_id: str, member_ids: Sequence[str], *, field: str = "family.member_client_ids"
) -> list[str]:
    """The other members: at least one, none twice, not the plan's own client."""
    if not member_ids:
        raise InvalidPlanContent(field, "a family plan needs at least one other family member")
    if len(member_ids) > MAX_MEMBERS:
        raise InvalidPlanContent(field, f"at most {MAX_MEMBERS} members")
    if len(set(member_ids)) != len(member_ids):
        raise InvalidPlanContent(field, "a member is listed twice")
    if client_id in member_ids:
        raise InvalidPlanContent(field, "the plan's client is a member already; list the others")
    return list(member_ids)


def validate_consent_reference(
    reference: str, *, field: str = "family.guardian_consent_reference"
) -> str:
    """The reference to the guardians' recorded consent, without which there is no family plan."""
    text = reference.strip()
    if not text:
        raise InvalidPlanContent(field, "the guardians' consent is required for a family plan")
    if len(text) > MAX_CONSENT_REFERENCE_LENGTH or not text.isprintable():
        raise InvalidPlanContent(
            field, f"must be printable text of at most {MAX_CONSENT_REFERENCE_LENGTH} characters"
        )
    return text
