"""JSON shapes of the welfare-area collaboration API (IS services 5, 6 and 18) and their
conversion to and from the welfare service's messages.

Types and sizes are checked here; the rules (anonymisation, deadlines, who may answer, what may
be disclosed on which basis) are checked once, in the welfare service, and come back as field
violations or state problems. Enumerations are kebab-case words (``quota-refugee``,
``mental-health``); dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, Field

from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model
from kotopolku.welfare.v1 import welfare_pb2 as pb

MAX_TEXT = 4000
DATE = "YYYY-MM-DD"


class PlacementBasis(StrEnum):
    asylum = "asylum"
    temporary_protection = "temporary-protection"
    quota_refugee = "quota-refugee"


class FamilyRole(StrEnum):
    principal = "principal"
    spouse = "spouse"
    child = "child"
    parent = "parent"
    sibling = "sibling"
    other_relative = "other-relative"


class ServiceNeed(StrEnum):
    mental_health = "mental-health"
    trauma_support = "trauma-support"
    substance_use = "substance-use"
    chronic_illness = "chronic-illness"
    disability = "disability"
    mobility_aid = "mobility-aid"
    pregnancy = "pregnancy"
    medical_follow_up = "medical-follow-up"
    rehabilitation = "rehabilitation"
    child_welfare = "child-welfare"
    early_childhood_support = "early-childhood-support"
    elderly_care = "elderly-care"
    home_care = "home-care"
    social_work = "social-work"
    housing_support = "housing-support"


class AgeBand(StrEnum):
    age_0_2 = "0-2"
    age_3_6 = "3-6"
    age_7_12 = "7-12"
    age_13_17 = "13-17"
    age_18_29 = "18-29"
    age_30_49 = "30-49"
    age_50_64 = "50-64"
    age_65_74 = "65-74"
    age_75_plus = "75-plus"


class PlacementState(StrEnum):
    received = "received"
    accepted = "accepted"
    declined = "declined"


class Decision(StrEnum):
    accept = "accept"
    decline = "decline"


class ReceptionStage(StrEnum):
    not_applicable = "not-applicable"
    preparing = "preparing"
    ready = "ready"
    arrival_scheduled = "arrival-scheduled"
    received = "received"


class TaskKind(StrEnum):
    transport = "transport"
    first_groceries = "first-groceries"
    interpreter = "interpreter"
    initial_info = "initial-info"


class TaskStatus(StrEnum):
    open = "open"
    in_progress = "in-progress"
    done = "done"
    cancelled = "cancelled"


class ConsultationState(StrEnum):
    open = "open"
    answered = "answered"
    decided = "decided"


class Recommendation(StrEnum):
    supports = "supports"
    supports_with_conditions = "supports-with-conditions"
    has_concerns = "has-concerns"


class CooperationState(StrEnum):
    requested = "requested"
    accepted = "accepted"
    declined = "declined"
    ended = "ended"


class DataCategory(StrEnum):
    multi_sector_assessment = "multi-sector-assessment"
    multi_sector_plan = "multi-sector-plan"
    reception_transfer = "reception-transfer"


class BasisKind(StrEnum):
    legal = "legal"
    consent = "consent"


BASES = enum_map("PLACEMENT_BASIS_", PlacementBasis, pb.PlacementBasis)
ROLES = enum_map("FAMILY_ROLE_", FamilyRole, pb.FamilyRole)
NEEDS = enum_map("SERVICE_NEED_", ServiceNeed, pb.ServiceNeed)
AGE_BANDS = enum_map("AGE_BAND_", AgeBand, pb.AgeBand)
PLACEMENT_STATES = enum_map("PLACEMENT_STATE_", PlacementState, pb.PlacementState)
DECISIONS = enum_map("PLACEMENT_DECISION_", Decision, pb.PlacementDecision)
STAGES = enum_map("RECEPTION_STAGE_", ReceptionStage, pb.ReceptionStage)
TASK_KINDS = enum_map("RECEPTION_TASK_KIND_", TaskKind, pb.ReceptionTaskKind)
TASK_STATUSES = enum_map("TASK_STATUS_", TaskStatus, pb.TaskStatus)
CONSULTATION_STATES = enum_map("CONSULTATION_STATE_", ConsultationState, pb.ConsultationState)
RECOMMENDATIONS = enum_map("RECOMMENDATION_", Recommendation, pb.Recommendation)
COOPERATION_STATES = enum_map("COOPERATION_STATE_", CooperationState, pb.CooperationState)
CATEGORIES = enum_map("DATA_CATEGORY_", DataCategory, pb.DataCategory)
BASIS_KINDS = enum_map("BASIS_KIND_", BasisKind, pb.BasisKind)


def _time(message: Any, name: str) -> datetime | None:
    return from_timestamp(getattr(message, name)) if message.HasField(name) else None


def _needs(values: Any) -> list[ServiceNeed]:
    return [from_proto(NEEDS, v) for v in values]


def _categories(values: Any) -> list[DataCategory]:
    return [from_proto(CATEGORIES, v) for v in values]


# --- placement proposals -------------------------------------------------------------------------


class ProposedPerson(Model):
    role: FamilyRole
    first_names: str = Field(max_length=200, examples=["Hodan Abdi"])
    last_name: str = Field(max_length=200, examples=["Warsame"])
    date_of_birth: str = Field(description=DATE, examples=["1986-04-17"])
    henkilotunnus: str | None = Field(None, max_length=20)
    languages: list[str] = Field(default_factory=list, max_length=10, examples=[["so", "ar"]])
    service_needs: list[ServiceNeed] = Field(default_factory=list, max_length=15)
    unaccompanied_minor: bool = False

    def message(self) -> pb.ProposedPerson:
        return pb.ProposedPerson(
            role=ROLES[self.role],
            first_names=self.first_names,
            last_name=self.last_name,
            date_of_birth=self.date_of_birth,
            henkilotunnus=self.henkilotunnus or "",
            languages=self.languages,
            service_needs=[NEEDS[n] for n in self.service_needs],
            unaccompanied_minor=self.unaccompanied_minor,
        )

    @classmethod
    def of(cls, m: pb.ProposedPerson) -> ProposedPerson:
        return cls(
            role=from_proto(ROLES, m.role),
            first_names=m.first_names,
            last_name=m.last_name,
            date_of_birth=m.date_of_birth,
            henkilotunnus=m.henkilotunnus or None,
            languages=list(m.languages),
            service_needs=_needs(m.service_needs),
            unaccompanied_minor=m.unaccompanied_minor,
        )


class ProposalCreate(Model):
    """A placement proposal (kuntapaikkaesitys) as the ELY centre sent it."""

    ely_centre: str = Field(max_length=100, examples=["ely-pirkanmaa"])
    ely_reference: str = Field(max_length=100, examples=["ELY-PIR-2026-0042"])
    basis: PlacementBasis
    persons: list[ProposedPerson] = Field(max_length=30)
    evident_service_needs: bool = Field(
        False, description="Also true by itself when a person has a known need"
    )
    response_due: str | None = Field(None, description="The ELY centre's deadline; " + DATE)

    def message(self) -> pb.PlacementProposal:
        return pb.PlacementProposal(
            ely_centre=self.ely_centre,
            ely_reference=self.ely_reference,
            basis=BASES[self.basis],
            persons=[p.message() for p in self.persons],
            evident_service_needs=self.evident_service_needs,
            response_due=self.response_due or "",
        )


class ReceptionTask(Model):
    id: str
    version: int
    kind: TaskKind
    assignee: str | None
    status: TaskStatus
    due_at: datetime | None
    note: str | None

    @classmethod
    def of(cls, m: pb.ReceptionTask) -> ReceptionTask:
        return cls(
            id=m.id,
            version=m.version,
            kind=from_proto(TASK_KINDS, m.kind),
            assignee=m.assignee or None,
            status=from_proto(TASK_STATUSES, m.status),
            due_at=_time(m, "due_at"),
            note=m.note or None,
        )


class TaskPatch(Model):
    """Only the fields present are changed."""

    assignee: str | None = Field(None, max_length=200, examples=["Kaisa Kotoutus"])
    status: TaskStatus | None = None
    note: str | None = Field(None, max_length=2000)

    def message_and_mask(self) -> tuple[pb.ReceptionTask, list[str]]:
        message = pb.ReceptionTask(
            assignee=self.assignee or "",
            status=TASK_STATUSES.get(self.status, 0),
            note=self.note or "",
        )
        return message, sorted(self.model_fields_set)


class Housing(Model):
    contract_reference: str = Field(max_length=200, examples=["VUOKRA-2026-117"])
    available_from: str = Field(description=DATE, examples=["2026-04-01"])


class EarliestArrival(Model):
    date: str = Field(description=DATE, examples=["2026-04-15"])


class ArrivalIn(Model):
    arrives_at: AwareDatetime = Field(examples=["2026-04-20T13:40:00+03:00"])
    place: str = Field(max_length=200, examples=["Helsinki-Vantaa, terminaali 2"])


class DecisionIn(Model):
    decision: Decision
    reason: str = Field(min_length=1, max_length=2000, examples=["Asunto ja palvelut järjestyvät"])


class Proposal(Model):
    id: str
    version: int
    municipality_code: str
    welfare_area: str
    ely_centre: str
    ely_reference: str
    basis: PlacementBasis
    persons: list[ProposedPerson]
    evident_service_needs: bool
    response_due: str | None
    state: PlacementState
    decision: Decision | None
    decision_reason: str | None
    decided_at: datetime | None
    consultation_id: str | None
    housing: Housing | None
    earliest_arrival: str | None
    earliest_arrival_reported_at: datetime | None
    arrives_at: datetime | None
    arrival_place: str | None
    tasks: list[ReceptionTask]
    reception_stage: ReceptionStage
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.PlacementProposal) -> Proposal:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            welfare_area=m.welfare_area,
            ely_centre=m.ely_centre,
            ely_reference=m.ely_reference,
            basis=from_proto(BASES, m.basis),
            persons=[ProposedPerson.of(p) for p in m.persons],
            evident_service_needs=m.evident_service_needs,
            response_due=m.response_due or None,
            state=from_proto(PLACEMENT_STATES, m.state),
            decision=from_proto(DECISIONS, m.decision),
            decision_reason=m.decision_reason or None,
            decided_at=_time(m, "decided_at"),
            consultation_id=m.consultation_id or None,
            housing=Housing(
                contract_reference=m.housing.contract_reference,
                available_from=m.housing.available_from,
            )
            if m.HasField("housing")
            else None,
            earliest_arrival=m.earliest_arrival.date or None,
            earliest_arrival_reported_at=_time(m.earliest_arrival, "reported_at"),
            arrives_at=_time(m.arrival, "arrives_at"),
            arrival_place=m.arrival.place or None,
            tasks=[ReceptionTask.of(t) for t in m.tasks],
            reception_stage=from_proto(STAGES, m.reception_stage),
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class ProposalPage(Model):
    items: list[Proposal]
    next_page_token: str | None


# --- consultations -------------------------------------------------------------------------------


class ConsultationStart(Model):
    answer_due: str | None = Field(None, description="Default: in 14 days; " + DATE)
    note: str = Field(
        "",
        max_length=2000,
        description="Sent only when reviewed; refused if it looks like it identifies someone",
        examples=["Esteetön asunto tarpeen."],
    )
    note_reviewed: bool = False


class AnonymisedPerson(Model):
    role: FamilyRole
    age_band: AgeBand
    service_needs: list[ServiceNeed]
    unaccompanied_minor: bool


class Profile(Model):
    basis: PlacementBasis
    persons: list[AnonymisedPerson]
    languages: list[str]
    adults: int
    children: int
    note: str | None

    @classmethod
    def of(cls, m: pb.AnonymisedProfile) -> Profile:
        return cls(
            basis=from_proto(BASES, m.basis),
            persons=[
                AnonymisedPerson(
                    role=from_proto(ROLES, p.role),
                    age_band=from_proto(AGE_BANDS, p.age_band),
                    service_needs=_needs(p.service_needs),
                    unaccompanied_minor=p.unaccompanied_minor,
                )
                for p in m.persons
            ],
            languages=list(m.languages),
            adults=m.adults,
            children=m.children,
            note=m.note or None,
        )


class AnswerIn(Model):
    recommendation: Recommendation
    comments: str = Field("", max_length=MAX_TEXT, examples=["Neuvola ja traumaterapia varataan."])
    prepared_services: list[ServiceNeed] = Field(default_factory=list, max_length=15)

    def message(self) -> pb.ConsultationAnswer:
        return pb.ConsultationAnswer(
            recommendation=RECOMMENDATIONS[self.recommendation],
            comments=self.comments,
            prepared_services=[NEEDS[n] for n in self.prepared_services],
        )


class Answer(Model):
    recommendation: Recommendation
    comments: str | None
    prepared_services: list[ServiceNeed]
    answered_at: datetime | None
    late: bool


class Consultation(Model):
    id: str
    version: int
    municipality_code: str
    welfare_area: str
    state: ConsultationState
    profile: Profile
    answer_due: str
    answer_overdue: bool
    decision_due: str | None
    answer: Answer | None
    decision: Decision | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    proposal_id: str | None = Field(description="The municipality's side only")

    @classmethod
    def of(cls, m: pb.Consultation) -> Consultation:
        answer = None
        if m.HasField("answer"):
            answer = Answer(
                recommendation=from_proto(RECOMMENDATIONS, m.answer.recommendation),
                comments=m.answer.comments or None,
                prepared_services=_needs(m.answer.prepared_services),
                answered_at=_time(m.answer, "answered_at"),
                late=m.answer.late,
            )
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            welfare_area=m.welfare_area,
            state=from_proto(CONSULTATION_STATES, m.state),
            profile=Profile.of(m.profile),
            answer_due=m.answer_due,
            answer_overdue=m.answer_overdue,
            decision_due=m.decision_due or None,
            answer=answer,
            decision=from_proto(DECISIONS, m.decision),
            decided_at=_time(m, "decided_at"),
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
            proposal_id=m.proposal_id or None,
        )


class ConsultationPage(Model):
    items: list[Consultation]
    next_page_token: str | None


# --- reception transfers -------------------------------------------------------------------------


class ContactIn(Model):
    email: str = Field("", max_length=320)
    phone: str = Field("", max_length=40, examples=["040 5556667"])
    street_address: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=20)
    post_office: str = Field("", max_length=100)


class TransferConsent(Model):
    given_on: str = Field(description=DATE, examples=["2026-03-02"])
    inform_welfare_area: bool = False
    scope: str = Field(max_length=1000, examples=["Asiakkuuden siirto kuntaan"])
    valid_until: str | None = Field(None, description=DATE)


class TransferredPerson(Model):
    first_names: str = Field(max_length=200, examples=["Mariam"])
    last_name: str = Field(max_length=200, examples=["Haidari"])
    date_of_birth: str = Field(description=DATE, examples=["1994-08-30"])
    henkilotunnus: str | None = Field(None, max_length=20)
    languages: list[str] = Field(default_factory=list, max_length=10, examples=[["prs", "fa"]])
    contact: ContactIn = Field(default_factory=ContactIn)  # type: ignore[arg-type]
    first_permit_date: str | None = Field(None, description=DATE)


class TransferCreate(Model):
    """The written transfer data from a reception centre, with the person's consent."""

    reception_centre: str = Field(max_length=200, examples=["Joutsenon vastaanottokeskus"])
    received_on: str | None = Field(None, description="Default: today; " + DATE)
    basis: PlacementBasis
    consent: TransferConsent
    person: TransferredPerson
    service_needs: list[ServiceNeed] = Field(default_factory=list, max_length=15)
    proposal_id: str | None = None

    def message(self) -> pb.ReceptionTransfer:
        p = self.person
        return pb.ReceptionTransfer(
            reception_centre=self.reception_centre,
            received_on=self.received_on or "",
            basis=BASES[self.basis],
            consent=pb.TransferConsent(
                given_on=self.consent.given_on,
                inform_welfare_area=self.consent.inform_welfare_area,
                scope=self.consent.scope,
                valid_until=self.consent.valid_until or "",
            ),
            person=pb.TransferredPerson(
                first_names=p.first_names,
                last_name=p.last_name,
                date_of_birth=p.date_of_birth,
                henkilotunnus=p.henkilotunnus or "",
                languages=p.languages,
                contact=pb.ContactDetails(**p.contact.model_dump()),
                first_permit_date=p.first_permit_date or "",
            ),
            service_needs=[NEEDS[n] for n in self.service_needs],
            proposal_id=self.proposal_id or "",
        )


class Transfer(Model):
    id: str
    municipality_code: str
    reception_centre: str
    received_on: str
    basis: PlacementBasis
    client_id: str
    existing_client: bool
    carried_fields: list[str] = Field(description="Client fields filled from the transfer")
    still_to_ask: list[str] = Field(description="Client fields the transfer did not carry")
    service_needs: list[ServiceNeed]
    welfare_area: str
    notice_disclosure_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, m: pb.ReceptionTransfer) -> Transfer:
        return cls(
            id=m.id,
            municipality_code=m.municipality_code,
            reception_centre=m.reception_centre,
            received_on=m.received_on,
            basis=from_proto(BASES, m.basis),
            client_id=m.client_id,
            existing_client=m.existing_client,
            carried_fields=list(m.carried_fields),
            still_to_ask=list(m.still_to_ask),
            service_needs=_needs(m.service_needs),
            welfare_area=m.welfare_area,
            notice_disclosure_id=m.notice_disclosure_id or None,
            created_at=from_timestamp(m.created_at),
        )


# --- cooperation and bases -----------------------------------------------------------------------


class BasisIn(Model):
    kind: BasisKind
    categories: list[DataCategory] = Field(min_length=1, max_length=3)
    legal_reference: str = Field(
        "", max_length=300, examples=["Laki kotoutumisen edistämisestä 681/2023 18 §"]
    )
    consent_given_on: str | None = Field(None, description=DATE)
    consent_reference: str = Field(
        "", max_length=100, description="The consent's id in the clients service, if any"
    )
    valid_from: str | None = Field(None, description=DATE)
    valid_until: str | None = Field(None, description="Empty: until withdrawn; " + DATE)

    def message(self) -> pb.DisclosureBasis:
        return pb.DisclosureBasis(
            kind=BASIS_KINDS[self.kind],
            categories=[CATEGORIES[c] for c in self.categories],
            legal_reference=self.legal_reference,
            consent_given_on=self.consent_given_on or "",
            consent_reference=self.consent_reference,
            valid_from=self.valid_from or "",
            valid_until=self.valid_until or "",
        )


class Basis(Model):
    id: str
    cooperation_id: str | None
    transfer_id: str | None
    welfare_area: str
    kind: BasisKind
    categories: list[DataCategory]
    legal_reference: str | None
    consent_given_on: str | None
    consent_reference: str | None
    valid_from: str
    valid_until: str | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    valid_now: bool
    recorded_at: datetime | None

    @classmethod
    def of(cls, m: pb.DisclosureBasis) -> Basis:
        return cls(
            id=m.id,
            cooperation_id=m.cooperation_id or None,
            transfer_id=m.transfer_id or None,
            welfare_area=m.welfare_area,
            kind=from_proto(BASIS_KINDS, m.kind),
            categories=_categories(m.categories),
            legal_reference=m.legal_reference or None,
            consent_given_on=m.consent_given_on or None,
            consent_reference=m.consent_reference or None,
            valid_from=m.valid_from,
            valid_until=m.valid_until or None,
            withdrawn_at=_time(m, "withdrawn_at"),
            withdrawal_reason=m.withdrawal_reason or None,
            valid_now=m.valid_now,
            recorded_at=_time(m, "recorded_at"),
        )


class Contact(Model):
    name: str = Field(max_length=200, examples=["Kaisa Kotoutus"])
    phone: str = Field("", max_length=40, examples=["040 1234567"])
    email: str = Field("", max_length=320, examples=["kaisa.kotoutus@tampere.example.fi"])


class Responsible(Model):
    name: str = Field(max_length=200, examples=["Sari Sosiaalityöntekijä"])
    title: str = Field("", max_length=200, examples=["sosiaalityöntekijä"])
    phone: str = Field("", max_length=40, examples=["040 7654321"])
    email: str = Field("", max_length=320, examples=["sari@pirha.example.fi"])


class CooperationCreate(Model):
    scope: list[DataCategory] = Field(
        min_length=1, max_length=2, examples=[["multi-sector-assessment", "multi-sector-plan"]]
    )
    welfare_area: str | None = Field(
        None, max_length=100, description="Default: the welfare area of the municipality"
    )
    assessment_id: str | None = None
    plan_id: str | None = None
    reason: str = Field(max_length=2000, examples=["Monialainen arviointi kiintiöpakolaiselle"])
    municipal_contact: Contact
    answer_due: str | None = Field(None, description="Default: in 14 days; " + DATE)
    basis: BasisIn

    def message(self, client_id: str, key: str) -> pb.RequestCooperationRequest:
        return pb.RequestCooperationRequest(
            client_id=client_id,
            welfare_area=self.welfare_area or "",
            scope=[CATEGORIES[c] for c in self.scope],
            assessment_id=self.assessment_id or "",
            plan_id=self.plan_id or "",
            reason=self.reason,
            municipal_contact=pb.MunicipalContact(**self.municipal_contact.model_dump()),
            answer_due=self.answer_due or "",
            basis=self.basis.message(),
            idempotency_key=key,
        )


class CooperationAnswerIn(Model):
    accept: bool
    responsible: Responsible | None = Field(None, description="Required when accepting")
    decline_reason: str = Field("", max_length=2000)

    def message(self, cooperation_id: str, key: str) -> pb.AnswerCooperationRequest:
        request = pb.AnswerCooperationRequest(
            cooperation_id=cooperation_id,
            accept=self.accept,
            decline_reason=self.decline_reason,
            idempotency_key=key,
        )
        if self.responsible is not None:
            request.responsible.CopyFrom(pb.ResponsiblePerson(**self.responsible.model_dump()))
        return request


class EndIn(Model):
    reason: str = Field(min_length=1, max_length=2000)


class WithdrawIn(Model):
    reason: str = Field("", max_length=2000, examples=["Asiakas perui suostumuksensa"])


class PersonIdentification(Model):
    first_names: str
    last_name: str
    date_of_birth: str
    henkilotunnus: str | None
    languages: list[str]


class Cooperation(Model):
    id: str
    version: int
    municipality_code: str
    welfare_area: str
    client_id: str | None = Field(description="The municipality's side only")
    scope: list[DataCategory]
    assessment_id: str | None
    plan_id: str | None
    reason: str
    municipal_contact: Contact
    state: CooperationState
    answer_due: str
    answer_overdue: bool
    responsible: Responsible | None
    decline_reason: str | None
    answered_at: datetime | None
    end_reason: str | None
    ended_at: datetime | None
    bases: list[Basis]
    person: PersonIdentification | None = Field(
        description="For the welfare area only while a disclosure basis holds"
    )
    disclosure_allowed: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.Cooperation) -> Cooperation:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            welfare_area=m.welfare_area,
            client_id=m.client_id or None,
            scope=_categories(m.scope),
            assessment_id=m.assessment_id or None,
            plan_id=m.plan_id or None,
            reason=m.reason,
            municipal_contact=Contact(
                name=m.municipal_contact.name,
                phone=m.municipal_contact.phone,
                email=m.municipal_contact.email,
            ),
            state=from_proto(COOPERATION_STATES, m.state),
            answer_due=m.answer_due,
            answer_overdue=m.answer_overdue,
            responsible=Responsible(
                **MessageToDict(m.responsible, preserving_proto_field_name=True)
            )
            if m.HasField("responsible")
            else None,
            decline_reason=m.decline_reason or None,
            answered_at=_time(m, "answered_at"),
            end_reason=m.end_reason or None,
            ended_at=_time(m, "ended_at"),
            bases=[Basis.of(b) for b in m.bases],
            person=PersonIdentification(
                first_names=m.person.first_names,
                last_name=m.person.last_name,
                date_of_birth=m.person.date_of_birth,
                henkilotunnus=m.person.henkilotunnus or None,
                languages=list(m.person.languages),
            )
            if m.HasField("person")
            else None,
            disclosure_allowed=m.disclosure_allowed,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


def _responsible(m: pb.Cooperation) -> Responsible:
    return Responsible(
        name=m.responsible.name,
        title=m.responsible.title,
        phone=m.responsible.phone,
        email=m.responsible.email,
    )


class CooperationPage(Model):
    items: list[Cooperation]
    next_page_token: str | None


# --- disclosures, the log and the feed -----------------------------------------------------------


class DisclosureCreate(Model):
    category: DataCategory
    resource_id: str = Field(description="The multi-sector assessment or plan")
    fields: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="A subset of the disclosable fields; empty: all of them",
        examples=[["goals", "services"]],
    )


class Disclosure(Model):
    id: str
    municipality_code: str
    welfare_area: str
    cooperation_id: str | None
    transfer_id: str | None
    category: DataCategory
    resource: str
    fields: list[str]
    content: dict[str, Any] | None
    created_at: datetime
    first_delivered_at: datetime | None

    @classmethod
    def of(cls, m: pb.Disclosure) -> Disclosure:
        return cls(
            id=m.id,
            municipality_code=m.municipality_code,
            welfare_area=m.welfare_area,
            cooperation_id=m.cooperation_id or None,
            transfer_id=m.transfer_id or None,
            category=from_proto(CATEGORIES, m.category),
            resource=m.resource,
            fields=list(m.fields),
            content=MessageToDict(m.content) if m.HasField("content") else None,
            created_at=from_timestamp(m.created_at),
            first_delivered_at=_time(m, "first_delivered_at"),
        )


class DisclosurePage(Model):
    items: list[Disclosure]
    next_page_token: str | None


class DisclosureLogEntry(Model):
    id: str
    municipality_code: str
    welfare_area: str = Field(description="Who received the data")
    category: DataCategory
    resource: str
    fields: list[str]
    basis_kind: BasisKind
    basis_id: str
    legal_reference: str | None
    purpose: str
    channel: str
    disclosed_at: datetime

    @classmethod
    def of(cls, m: pb.DisclosureLogEntry) -> DisclosureLogEntry:
        return cls(
            id=m.id,
            municipality_code=m.municipality_code,
            welfare_area=m.welfare_area,
            category=from_proto(CATEGORIES, m.category),
            resource=m.resource,
            fields=list(m.fields),
            basis_kind=from_proto(BASIS_KINDS, m.basis_kind),
            basis_id=m.basis_id,
            legal_reference=m.legal_reference or None,
            purpose=m.purpose,
            channel=m.channel,
            disclosed_at=from_timestamp(m.disclosed_at),
        )


class DisclosureLogPage(Model):
    items: list[DisclosureLogEntry]
    next_page_token: str | None


class FeedEvent(Model):
    event_id: str = Field(description="Stable: deduplicate by it")
    position: int = Field(description="1, 2, 3, … per welfare area, in commit order, no gaps")
    type: str = Field(examples=["consultation.opened"])
    occurred_at: datetime
    resource: str = Field(examples=["consultations/6f0c…"])
    data: dict[str, Any]

    @classmethod
    def of(cls, m: pb.FeedEvent) -> FeedEvent:
        return cls(
            event_id=m.event_id,
            position=m.position,
            type=m.type,
            occurred_at=from_timestamp(m.occurred_at),
            resource=m.resource,
            data=MessageToDict(m.data),
        )


class FeedPage(Model):
    events: list[FeedEvent]
    next_cursor: str = Field(description="Send it back as `cursor`; store it after processing")
    more: bool = Field(description="More events are waiting beyond this page")


def timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp
