"""Rows of the plans service's tables as API messages."""

from __future__ import annotations

from datetime import date
from typing import Any

from kotopolku.common.clock import to_timestamp
from kotopolku.plans import enums
from kotopolku.plans.domain import content, family, reviews
from kotopolku.plans.domain.model import PlanKind
from kotopolku.plans.repository import PlanRecord
from kotopolku.plans.v1 import plans_pb2

# Field names reported to the audit log when a whole plan is read.
PLAN_FIELDS = tuple(plans_pb2.Plan.DESCRIPTOR.fields_by_name)
SERVICE_FIELDS = tuple(plans_pb2.PlanService.DESCRIPTOR.fields_by_name)


def iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def goal_message(row: Any) -> plans_pb2.Goal:
    return plans_pb2.Goal(
        id=row.id,
        category=enums.GOAL_CATEGORY.encode(row.category),
        text=row.text,
        target_date=iso(row.target_date),
    )


def service_message(row: Any) -> plans_pb2.PlanService:
    message = plans_pb2.PlanService(
        id=row.id,
        welfare_area_service=row.welfare_area_service,
        planned_start=iso(row.planned_start),
        planned_end=iso(row.planned_end),
        status=enums.SERVICE_STATUS.encode(row.status),
        completion_date=iso(row.completion_date),
        outcome_summary=row.outcome_summary,
    )
    if row.programme_service_id:
        message.programme_service_id = row.programme_service_id
    else:
        message.other_service = row.other_service or ""
    return message


def _family(record: PlanRecord, today: date) -> plans_pb2.FamilyDetails:
    valid = family.valid_member_plans(record.member_plans, today)
    limit = family.family_plan_limit(record.member_plans, today)
    return plans_pb2.FamilyDetails(
        member_client_ids=record.members,
        guardian_consent_reference=record.row.guardian_consent_reference,
        linked_plan_ids=[plan.plan_id for plan in valid],
        valid_until=iso(limit),
    )


def _pending_request(row: Any) -> plans_pb2.ReviewRequest | None:
    if row.review_request_reason is None:
        return None
    return plans_pb2.ReviewRequest(
        reason=enums.REVIEW_REASON.encode(row.review_request_reason),
        description=row.review_request_description or "",
        requested_on=iso(row.review_requested_on),
        actor_subject=row.review_requested_by or "",
    )


def plan_message(record: PlanRecord, today: date) -> plans_pb2.Plan:
    row = record.row
    return plans_pb2.Plan(
        id=row.id,
        version=row.version,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        kind=enums.KIND.encode(row.kind),
        status=enums.STATUS.encode(row.status),
        responsible_authority=enums.AUTHORITY.encode(row.responsible_authority),
        start_date=iso(row.start_date),
        end_date=iso(row.end_date),
        original_end_date=iso(row.original_end_date),
        goals=[goal_message(goal) for goal in record.goals],
        services=[service_message(service) for service in record.services],
        obligations=plans_pb2.Obligations(
            receives_social_assistance=row.receives_social_assistance,
            receives_unemployment_benefit=row.receives_unemployment_benefit,
            participation_obligatory=content.participation_obligatory(
                row.receives_social_assistance, row.receives_unemployment_benefit
            ),
        ),
        follow_up_plan=row.follow_up_plan,
        welfare_area=row.welfare_area,
        family=_family(record, today) if row.kind == PlanKind.FAMILY else None,
        activated_on=iso(row.activated_on),
        review_due_date=iso(row.review_due_date),
        review_overdue=reviews.is_overdue(row.review_due_date, today),
        pending_review_request=_pending_request(row),
        approvals=[
            plans_pb2.Approval(
                party=enums.APPROVAL_PARTY.encode(a.party),
                subject=a.subject,
                approved_at=to_timestamp(a.approved_at),
                plan_version=a.plan_version,
            )
            for a in record.approvals
        ],
        history=[
            plans_pb2.StatusChange(
                from_status=enums.STATUS.encode(h.from_status),
                to_status=enums.STATUS.encode(h.to_status),
                actor_subject=h.actor_subject,
                changed_at=to_timestamp(h.changed_at),
                reason=h.reason,
            )
            for h in record.history
        ],
        reviews=[
            plans_pb2.Review(
                reviewed_on=iso(r.reviewed_on),
                reason=enums.REVIEW_REASON.encode(r.reason),
                outcome=enums.REVIEW_OUTCOME.encode(r.outcome),
                notes=r.notes,
                actor_subject=r.actor_subject,
                authority=enums.AUTHORITY.encode(r.authority),
                recorded_at=to_timestamp(r.recorded_at),
            )
            for r in record.reviews
        ],
        extensions=[
            plans_pb2.Extension(
                previous_end_date=iso(e.previous_end_date),
                new_end_date=iso(e.new_end_date),
                reason=e.reason,
                actor_subject=e.actor_subject,
                recorded_at=to_timestamp(e.recorded_at),
            )
            for e in record.extensions
        ],
        transfers=[
            plans_pb2.Transfer(
                from_authority=enums.AUTHORITY.encode(t.from_authority),
                to_authority=enums.AUTHORITY.encode(t.to_authority),
                reason=t.reason,
                actor_subject=t.actor_subject,
                transferred_at=to_timestamp(t.transferred_at),
            )
            for t in record.transfers
        ],
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


def enrolment_message(row: Any, service: Any) -> plans_pb2.PlanServiceForEnrolment:
    return plans_pb2.PlanServiceForEnrolment(
        plan_id=row.id,
        plan_service_id=service.id,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        programme_service_id=service.programme_service_id or "",
        planned_start=iso(service.planned_start),
        planned_end=iso(service.planned_end),
        status=enums.SERVICE_STATUS.encode(service.status),
        plan_status=enums.STATUS.encode(row.status),
        responsible_authority=enums.AUTHORITY.encode(row.responsible_authority),
    )
