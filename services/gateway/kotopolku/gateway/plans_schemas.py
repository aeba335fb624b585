"""JSON shapes of the integration-plan API (IS service 3) and their conversion to and from messages.

Types and sizes are checked here; the domain rules (the one-year first plan, extensions, review
due dates, the family plan's limit, who may approve) are checked once, in the plans service, and
come back as field violations or state problems. Enumerations are kebab-case words
(``multi-sector``, ``awaiting-approval``); dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import Field, model_validator

from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model
from kotopolku.plans.v1 import plans_pb2 as pb

MAX_TEXT = 4000


class PlanKind(StrEnum):
    individual = "individual"
    multi_sector = "multi-sector"
    family = "family"


class PlanState(StrEnum):
    draft = "draft"
    awaiting_approval = "awaiting-approval"
    active = "active"
    suspended = "suspended"
    ended = "ended"


class Authority(StrEnum):
    municipality = "municipality"
    employment_authority = "employment-authority"


class GoalCategory(StrEnum):
    integration = "integration"
    employment_or_entrepreneurship = "employment-or-entrepreneurship"
    education = "education"
    health_and_wellbeing = "health-and-wellbeing"
    societal = "societal"


class ServiceState(StrEnum):
    planned = "planned"
    enrolled = "enrolled"
    in_progress = "in-progress"
    completed = "completed"
    interrupted = "interrupted"


class ApprovalParty(StrEnum):
    client = "client"
    officer = "officer"


class ReviewReason(StrEnum):
    scheduled = "scheduled"
    client_request = "client-request"
    material_change = "material-change"
    transfer = "transfer"


class ReviewOutcome(StrEnum):
    continue_ = "continue"
    suspend = "suspend"
    end = "end"


KINDS = enum_map("PLAN_KIND_", PlanKind, pb.PlanKind)
STATES = enum_map("PLAN_STATUS_", PlanState, pb.PlanStatus)
AUTHORITIES = enum_map("RESPONSIBLE_AUTHORITY_", Authority, pb.ResponsibleAuthority)
CATEGORIES = enum_map("GOAL_CATEGORY_", GoalCategory, pb.GoalCategory)
SERVICE_STATES = enum_map("PLAN_SERVICE_STATUS_", ServiceState, pb.PlanServiceStatus)
PARTIES = enum_map("APPROVAL_PARTY_", ApprovalParty, pb.ApprovalParty)
REVIEW_REASONS = enum_map("REVIEW_REASON_", ReviewReason, pb.ReviewReason)
REVIEW_OUTCOMES = enum_map("REVIEW_OUTCOME_", ReviewOutcome, pb.ReviewOutcome)


def _time(ts: Timestamp) -> datetime:
    return from_timestamp(ts)


def _date(value: str) -> str | None:
    return value or None


# --- content -------------------------------------------------------------------------------


class GoalIn(Model):
    id: str | None = Field(
        None, max_length=36, description="Give the id of a goal the plan has to keep it"
    )
    category: GoalCategory = Field(examples=["employment-or-entrepreneurship"])
    text: str = Field(max_length=2000, examples=["Työllistyä logistiikka-alalle"])
    target_date: str | None = Field(None, description="YYYY-MM-DD", max_length=10)

    def message(self) -> pb.Goal:
        return pb.Goal(
            id=self.id or "",
            category=CATEGORIES[self.category],
            text=self.text,
            target_date=self.target_date or "",
        )


class Goal(Model):
    id: str
    category: GoalCategory
    text: str
    target_date: str | None

    @classmethod
    def of(cls, m: pb.Goal) -> Goal:
        return cls(
            id=m.id,
            category=from_proto(CATEGORIES, m.category),
            text=m.text,
            target_date=_date(m.target_date),
        )


class PlanServiceIn(Model):
    """An agreed service: give ``programme_service_id`` (from the programme catalogue) or
    ``other_service`` (in words), not both."""

    id: str | None = Field(
        None,
        max_length=36,
        description="Give the id of a service the plan has to keep it (and its enrolments)",
    )
    programme_service_id: str | None = Field(None, max_length=64)
    other_service: str | None = Field(None, max_length=500, examples=["Vapaaehtoistyö järjestössä"])
    welfare_area_service: bool = Field(
        False, description="A welfare-area service (multi-sector plans only)"
    )
    planned_start: str | None = Field(None, description="YYYY-MM-DD", max_length=10)
    planned_end: str | None = Field(None, description="YYYY-MM-DD", max_length=10)
    status: ServiceState | None = Field(
        None, description="Omitted: the current status is kept (planned for a new service)"
    )
    completion_date: str | None = Field(
        None, description="YYYY-MM-DD; required when completed or interrupted", max_length=10
    )
    outcome_summary: str = Field("", max_length=2000)

    def message(self) -> pb.PlanService:
        message = pb.PlanService(
            id=self.id or "",
            welfare_area_service=self.welfare_area_service,
            planned_start=self.planned_start or "",
            planned_end=self.planned_end or "",
            status=SERVICE_STATES.get(self.status, 0),
            completion_date=self.completion_date or "",
            outcome_summary=self.outcome_summary,
        )
        if self.programme_service_id:
            message.programme_service_id = self.programme_service_id
        elif self.other_service:
            message.other_service = self.other_service
        return message

    @model_validator(mode="after")
    def _one_kind_of_service(self) -> PlanServiceIn:
        # The message holds one of the two (a oneof); both would silently lose one.
        if self.programme_service_id and self.other_service:
            raise ValueError("give either programme_service_id or other_service, not both")
        return self


class PlanService(Model):
    id: str
    programme_service_id: str | None
    other_service: str | None
    welfare_area_service: bool
    planned_start: str | None
    planned_end: str | None
    status: ServiceState
    completion_date: str | None
    outcome_summary: str

    @classmethod
    def of(cls, m: pb.PlanService) -> PlanService:
        return cls(
            id=m.id,
            programme_service_id=m.programme_service_id or None,
            other_service=m.other_service or None,
            welfare_area_service=m.welfare_area_service,
            planned_start=_date(m.planned_start),
            planned_end=_date(m.planned_end),
            status=from_proto(SERVICE_STATES, m.status),
            completion_date=_date(m.completion_date),
            outcome_summary=m.outcome_summary,
        )


class ObligationsIn(Model):
    """Participation is obligatory when the client receives social assistance
    (toimeentulotuki) or an unemployment benefit (työttömyysetuus)."""

    receives_social_assistance: bool = False
    receives_unemployment_benefit: bool = False

    def message(self) -> pb.Obligations:
        return pb.Obligations(**self.model_dump())


class Obligations(ObligationsIn):
    participation_obligatory: bool = Field(description="Derived from the benefit flags")

    @classmethod
    def of(cls, m: pb.Obligations) -> Obligations:
        return cls(
            receives_social_assistance=m.receives_social_assistance,
            receives_unemployment_benefit=m.receives_unemployment_benefit,
            participation_obligatory=m.participation_obligatory,
        )


class FamilyIn(Model):
    member_client_ids: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="The other family members; the plan's client is the consenting guardian",
    )
    guardian_consent_reference: str = Field(
        "", max_length=100, description="The guardians' recorded consent", examples=["consent-42"]
    )

    def message(self) -> pb.FamilyDetails:
        return pb.FamilyDetails(
            member_client_ids=self.member_client_ids,
            guardian_consent_reference=self.guardian_consent_reference,
        )


class Family(FamilyIn):
    linked_plan_ids: list[str] = Field(
        description="Valid individual plans of the client and the members"
    )
    valid_until: str | None = Field(
        description="The family plan may not end later; none: no member has a valid plan"
    )

    @classmethod
    def of(cls, m: pb.FamilyDetails) -> Family:
        return cls(
            member_client_ids=list(m.member_client_ids),
            guardian_consent_reference=m.guardian_consent_reference,
            linked_plan_ids=list(m.linked_plan_ids),
            valid_until=_date(m.valid_until),
        )


# --- plans ---------------------------------------------------------------------------------


class PlanCreate(Model):
    kind: PlanKind = Field(examples=["individual"])
    responsible_authority: Authority | None = Field(
        None, description="Omit when the caller acts for one authority only"
    )
    start_date: str = Field(description="YYYY-MM-DD", max_length=10, examples=["2026-02-01"])
    end_date: str = Field(
        description="YYYY-MM-DD; the first plan lasts at most one year",
        max_length=10,
        examples=["2027-01-31"],
    )
    goals: list[GoalIn] = Field(default_factory=list, max_length=30)
    services: list[PlanServiceIn] = Field(default_factory=list, max_length=50)
    obligations: ObligationsIn = Field(default_factory=ObligationsIn)  # type: ignore[arg-type]
    follow_up_plan: str = Field("", max_length=MAX_TEXT)
    welfare_area: str = Field(
        "", max_length=100, description="Required for a multi-sector plan", examples=[""]
    )
    family: FamilyIn | None = Field(None, description="Required for a family plan")

    def message(self, client_id: str) -> pb.Plan:
        return pb.Plan(
            client_id=client_id,
            kind=KINDS[self.kind],
            responsible_authority=AUTHORITIES.get(self.responsible_authority, 0),
            start_date=self.start_date,
            end_date=self.end_date,
            goals=[goal.message() for goal in self.goals],
            services=[service.message() for service in self.services],
            obligations=self.obligations.message(),
            follow_up_plan=self.follow_up_plan,
            welfare_area=self.welfare_area,
            family=self.family.message() if self.family is not None else None,
        )


class PlanPatch(Model):
    """Only the fields present change; lists (goals, services) are replaced as a whole. The
    period and the family change only before the plan is approved."""

    start_date: str | None = Field(None, max_length=10)
    end_date: str | None = Field(None, max_length=10)
    goals: list[GoalIn] | None = Field(None, max_length=30)
    services: list[PlanServiceIn] | None = Field(None, max_length=50)
    obligations: ObligationsIn | None = None
    follow_up_plan: str | None = Field(None, max_length=MAX_TEXT)
    welfare_area: str | None = Field(None, max_length=100)
    family: FamilyIn | None = None

    def message_and_mask(self) -> tuple[pb.Plan, list[str]]:
        present = self.model_fields_set
        message = pb.Plan(
            start_date=self.start_date or "",
            end_date=self.end_date or "",
            goals=[goal.message() for goal in self.goals or []],
            services=[service.message() for service in self.services or []],
            follow_up_plan=self.follow_up_plan or "",
            welfare_area=self.welfare_area or "",
        )
        nested = {"obligations": self.obligations, "family": self.family}
        mask = [name for name in type(self).model_fields if name in present and name not in nested]
        for name, part in nested.items():
            if name not in present:
                continue
            if part is None:
                mask.append(name)
                continue
            getattr(message, name).CopyFrom(part.message())
            mask += [f"{name}.{field}" for field in sorted(part.model_fields_set)] or [name]
        return message, mask


class Approval(Model):
    party: ApprovalParty
    subject: str
    approved_at: datetime
    plan_version: int


class StatusChange(Model):
    from_status: PlanState | None
    to_status: PlanState
    actor_subject: str
    changed_at: datetime
    reason: str


class Review(Model):
    reviewed_on: str
    reason: ReviewReason
    outcome: ReviewOutcome
    notes: str
    actor_subject: str
    authority: Authority
    recorded_at: datetime


class ReviewRequest(Model):
    reason: ReviewReason
    description: str
    requested_on: str
    actor_subject: str


class Extension(Model):
    previous_end_date: str
    new_end_date: str
    reason: str
    actor_subject: str
    recorded_at: datetime


class Transfer(Model):
    from_authority: Authority
    to_authority: Authority
    reason: str
    actor_subject: str
    transferred_at: datetime


class Plan(Model):
    id: str
    version: int
    client_id: str
    municipality_code: str
    kind: PlanKind
    status: PlanState
    responsible_authority: Authority
    start_date: str
    end_date: str
    original_end_date: str | None = Field(description="The first plan's end, before extensions")
    goals: list[Goal]
    services: list[PlanService]
    obligations: Obligations
    follow_up_plan: str
    welfare_area: str | None
    family: Family | None
    activated_on: str | None
    review_due_date: str | None
    review_overdue: bool
    pending_review_request: ReviewRequest | None
    approvals: list[Approval]
    history: list[StatusChange]
    reviews: list[Review]
    extensions: list[Extension]
    transfers: list[Transfer]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.Plan) -> Plan:
        request = m.pending_review_request
        return cls(
            id=m.id,
            version=m.version,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            kind=from_proto(KINDS, m.kind),
            status=from_proto(STATES, m.status),
            responsible_authority=from_proto(AUTHORITIES, m.responsible_authority),
            start_date=m.start_date,
            end_date=m.end_date,
            original_end_date=_date(m.original_end_date),
            goals=[Goal.of(g) for g in m.goals],
            services=[PlanService.of(s) for s in m.services],
            obligations=Obligations.of(m.obligations),
            follow_up_plan=m.follow_up_plan,
            welfare_area=m.welfare_area or None,
            family=Family.of(m.family) if m.HasField("family") else None,
            activated_on=_date(m.activated_on),
            review_due_date=_date(m.review_due_date),
            review_overdue=m.review_overdue,
            pending_review_request=(
                ReviewRequest(
                    reason=from_proto(REVIEW_REASONS, request.reason),
                    description=request.description,
                    requested_on=request.requested_on,
                    actor_subject=request.actor_subject,
                )
                if m.HasField("pending_review_request")
                else None
            ),
            approvals=[
                Approval(
                    party=from_proto(PARTIES, a.party),
                    subject=a.subject,
                    approved_at=_time(a.approved_at),
                    plan_version=a.plan_version,
                )
                for a in m.approvals
            ],
            history=[
                StatusChange(
                    from_status=from_proto(STATES, h.from_status),
                    to_status=from_proto(STATES, h.to_status),
                    actor_subject=h.actor_subject,
                    changed_at=_time(h.changed_at),
                    reason=h.reason,
                )
                for h in m.history
            ],
            reviews=[
                Review(
                    reviewed_on=r.reviewed_on,
                    reason=from_proto(REVIEW_REASONS, r.reason),
                    outcome=from_proto(REVIEW_OUTCOMES, r.outcome),
                    notes=r.notes,
                    actor_subject=r.actor_subject,
                    authority=from_proto(AUTHORITIES, r.authority),
                    recorded_at=_time(r.recorded_at),
                )
                for r in m.reviews
            ],
            extensions=[
                Extension(
                    previous_end_date=e.previous_end_date,
                    new_end_date=e.new_end_date,
                    reason=e.reason,
                    actor_subject=e.actor_subject,
                    recorded_at=_time(e.recorded_at),
                )
                for e in m.extensions
            ],
            transfers=[
                Transfer(
                    from_authority=from_proto(AUTHORITIES, t.from_authority),
                    to_authority=from_proto(AUTHORITIES, t.to_authority),
                    reason=t.reason,
                    actor_subject=t.actor_subject,
                    transferred_at=_time(t.transferred_at),
                )
                for t in m.transfers
            ],
            created_at=_time(m.created_at),
            updated_at=_time(m.updated_at),
        )


class PlanPage(Model):
    items: list[Plan]
    next_page_token: str | None


# --- actions -------------------------------------------------------------------------------


class ReviewCreate(Model):
    reason: ReviewReason = Field(examples=["scheduled"])
    outcome: ReviewOutcome = Field(
        examples=["continue"], description="continue (resumes a suspended plan), suspend or end"
    )
    notes: str = Field("", max_length=MAX_TEXT)
    follow_up_plan: str = Field(
        "", max_length=MAX_TEXT, description="Required to end a plan that has none yet"
    )


class ReviewRequestCreate(Model):
    reason: ReviewReason = Field(
        examples=["client-request"],
        description="client-request, or material-change (officers only)",
    )
    description: str = Field(max_length=2000, examples=["Aloitin kokoaikatyön"])


class ExtensionCreate(Model):
    new_end_date: str = Field(
        description="YYYY-MM-DD; at most a year after the current end, two years in all",
        max_length=10,
        examples=["2028-01-31"],
    )
    reason: str = Field(max_length=2000, examples=["Kotoutumiskoulutus jatkuu"])


class TransferCreate(Model):
    target_authority: Authority = Field(examples=["employment-authority"])
    reason: str = Field(max_length=2000, examples=["Asiakas on työnhakija"])
