"""JSON shapes of the contracts and compensation-claims API (IS service 11, reference §3.4.12)
and their conversion to and from the contracts service's messages.

Money is integer euro cents (``*_cents``), never a JSON number with a fraction: a float is
refused (``StrictInt``). Types and sizes are checked here; the domain rules (Y-tunnus, terms,
account codes, deadlines, eligibility) are checked once, in the contracts service, and come back
as field violations named like the JSON fields (``parties[0].business_id``,
``cost_entry_ids[2]``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, StrictBool, StrictInt

from kotopolku.common.clock import from_timestamp
from kotopolku.contracts.v1 import contracts_pb2 as pb
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model

DATE = "YYYY-MM-DD"
MAX_CENTS = 10_000_000_000
Cents = StrictInt


class ContractKind(StrEnum):
    interpreting = "interpreting"
    training = "training"
    housing_lease = "housing-lease"
    service_purchase = "service-purchase"
    partnership = "partnership"
    placement_agreement = "placement-agreement"


class ContractState(StrEnum):
    draft = "draft"
    active = "active"
    terminated = "terminated"
    cancelled = "cancelled"


class RenewalType(StrEnum):
    fixed_term = "fixed-term"
    auto_renewal = "auto-renewal"
    open_ended = "open-ended"


class PartyRole(StrEnum):
    provider = "provider"
    lessor = "lessor"
    partner = "partner"
    ely_centre = "ely-centre"


class AmountBasis(StrEnum):
    total = "total"
    per_month = "per-month"
    per_hour = "per-hour"
    per_unit = "per-unit"


class DeadlineKind(StrEnum):
    expiry = "expiry"
    notice = "notice"


class CompensationType(StrEnum):
    interpreting = "interpreting"
    special_costs = "special-costs"
    quota_refugee_social_welfare = "quota-refugee-social-welfare"
    initial_phase = "initial-phase"
    reception_preparation = "reception-preparation"


class CostEntryState(StrEnum):
    open = "open"
    claimed = "claimed"
    void = "void"


class ClaimState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    additions_requested = "additions-requested"
    decided = "decided"
    paid = "paid"
    cancelled = "cancelled"


KINDS = enum_map("CONTRACT_KIND_", ContractKind, pb.ContractKind)
CONTRACT_STATES = enum_map("CONTRACT_STATUS_", ContractState, pb.ContractStatus)
RENEWALS = enum_map("RENEWAL_TYPE_", RenewalType, pb.RenewalType)
ROLES = enum_map("PARTY_ROLE_", PartyRole, pb.PartyRole)
BASES = enum_map("AMOUNT_BASIS_", AmountBasis, pb.AmountBasis)
DEADLINES = enum_map("KIND_", DeadlineKind, pb.ContractDeadline.Kind)
COMPENSATIONS = enum_map("COMPENSATION_TYPE_", CompensationType, pb.CompensationType)
COST_STATES = enum_map("COST_ENTRY_STATUS_", CostEntryState, pb.CostEntryStatus)
CLAIM_STATES = enum_map("CLAIM_STATUS_", ClaimState, pb.ClaimStatus)


def _mask(model: Model) -> list[str]:
    return [name for name in type(model).model_fields if name in model.model_fields_set]


def _time(value: object, present: bool) -> datetime | None:
    return from_timestamp(value) if present else None  # type: ignore[arg-type]


# --- contracts ---------------------------------------------------------------------------------


class Party(Model):
    role: PartyRole
    name: str = Field(max_length=200, examples=["Tulkkauspalvelu Oy"])
    business_id: str = Field(
        "", max_length=20, description="Y-tunnus; required unless is_person", examples=["0112038-9"]
    )
    is_person: StrictBool = Field(False, description="A private person (e.g. a lessor)")
    contact_name: str = Field("", max_length=200)
    contact_email: str = Field("", max_length=320)
    contact_phone: str = Field("", max_length=40)

    @classmethod
    def of(cls, m: pb.Party) -> Party:
        return cls(
            role=from_proto(ROLES, m.role),
            name=m.name,
            business_id=m.business_id,
            is_person=m.is_person,
            contact_name=m.contact_name,
            contact_email=m.contact_email,
            contact_phone=m.contact_phone,
        )

    def message(self) -> pb.Party:
        return pb.Party(
            role=ROLES[self.role],
            name=self.name,
            business_id=self.business_id,
            is_person=self.is_person,
            contact_name=self.contact_name,
            contact_email=self.contact_email,
            contact_phone=self.contact_phone,
        )


class RenewalTerms(Model):
    type: RenewalType
    renewal_period_months: StrictInt = Field(
        0, ge=0, le=60, description="auto-renewal: months per renewal"
    )
    notice_period_days: StrictInt = Field(
        0, ge=0, le=365, description="auto-renewal and open-ended: required; fixed-term: optional"
    )

    @classmethod
    def of(cls, m: pb.RenewalTerms) -> RenewalTerms:
        return cls(
            type=from_proto(RENEWALS, m.type),
            renewal_period_months=m.renewal_period_months,
            notice_period_days=m.notice_period_days,
        )

    def message(self) -> pb.RenewalTerms:
        return pb.RenewalTerms(
            type=RENEWALS[self.type],
            renewal_period_months=self.renewal_period_months,
            notice_period_days=self.notice_period_days,
        )


class ContractCreate(Model):
    kind: ContractKind
    title: str = Field(max_length=200, examples=["Tulkkauspalvelujen puitesopimus 2026"])
    description: str = Field("", max_length=4000)
    reference: str = Field("", max_length=100, examples=["HEL 2025-012345"])
    parties: list[Party] = Field(max_length=20)
    valid_from: str = Field(description=DATE, examples=["2026-01-01"])
    valid_until: str | None = Field(
        None, description=f"{DATE}; fixed-term: the end; auto-renewal: end of the first term"
    )
    renewal: RenewalTerms
    amount_cents: Cents = Field(0, ge=0, le=MAX_CENTS, description="Price in cents (0: none)")
    amount_basis: AmountBasis | None = None
    responsible_officer: str = Field(
        "", max_length=200, description="User id of the officer who answers; default: you"
    )
    client_id: str | None = Field(
        None, max_length=64, description="A client the contract concerns, once recorded"
    )

    def message(self) -> pb.Contract:
        return pb.Contract(
            kind=KINDS[self.kind],
            title=self.title,
            description=self.description,
            reference=self.reference,
            parties=[p.message() for p in self.parties],
            valid_from=self.valid_from,
            valid_until=self.valid_until or "",
            renewal=self.renewal.message(),
            amount_cents=self.amount_cents,
            amount_basis=BASES.get(self.amount_basis, 0),
            responsible_officer=self.responsible_officer,
            client_id=self.client_id or "",
        )


CONTRACT_EXAMPLES = {
    "interpreting": {
        "summary": "An interpreting framework agreement for a year",
        "value": {
            "kind": "interpreting",
            "title": "Tulkkauspalvelujen puitesopimus 2026",
            "reference": "HEL 2025-012345",
            "parties": [
                {"role": "provider", "name": "Tulkkauspalvelu Oy", "business_id": "0112038-9"}
            ],
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "renewal": {"type": "fixed-term"},
            "amount_cents": 6500,
            "amount_basis": "per-hour",
        },
    },
    "housing-lease": {
        "summary": "A flat leased for a quota refugee family before arrival",
        "value": {
            "kind": "housing-lease",
            "title": "Vuokrasopimus, Kontulantie 1 A 2",
            "parties": [
                {
                    "role": "lessor",
                    "name": "Maija Vuokranantaja",
                    "is_person": True,
                    "contact_phone": "040 1234567",
                }
            ],
            "valid_from": "2026-02-01",
            "renewal": {"type": "open-ended", "notice_period_days": 30},
            "amount_cents": 85000,
            "amount_basis": "per-month",
        },
    },
}


class ContractPatch(Model):
    """Only the fields present change; validity and renewal only while a draft."""

    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    reference: str | None = Field(None, max_length=100)
    parties: list[Party] | None = Field(None, max_length=20)
    valid_from: str | None = None
    valid_until: str | None = Field(None, description="null: none (open-ended)")
    renewal: RenewalTerms | None = None
    amount_cents: Cents | None = Field(None, ge=0, le=MAX_CENTS)
    amount_basis: AmountBasis | None = None
    responsible_officer: str | None = Field(None, max_length=200)
    client_id: str | None = Field(None, max_length=64, description="null: none")

    def message_and_mask(self) -> tuple[pb.Contract, list[str]]:
        message = pb.Contract(
            title=self.title or "",
            description=self.description or "",
            reference=self.reference or "",
            parties=[p.message() for p in self.parties or []],
            valid_from=self.valid_from or "",
            valid_until=self.valid_until or "",
            amount_cents=self.amount_cents or 0,
            amount_basis=BASES.get(self.amount_basis, 0),
            responsible_officer=self.responsible_officer or "",
            client_id=self.client_id or "",
        )
        if self.renewal is not None:
            message.renewal.CopyFrom(self.renewal.message())
        return message, _mask(self)


class Deadline(Model):
    kind: DeadlineKind
    date: str
    days_left: int


class Contract(Model):
    id: str
    version: int
    municipality_code: str
    kind: ContractKind
    title: str
    description: str
    reference: str
    parties: list[Party]
    valid_from: str
    valid_until: str | None
    renewal: RenewalTerms
    status: ContractState
    amount_cents: int
    amount_basis: AmountBasis | None
    responsible_officer: str
    client_id: str | None
    notice_given_on: str | None
    termination_date: str | None
    current_term_end: str | None
    next_deadline: Deadline | None
    in_force: bool
    attachment_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.Contract) -> Contract:
        deadline = (
            Deadline(
                kind=from_proto(DEADLINES, m.next_deadline.kind),
                date=m.next_deadline.date,
                days_left=m.next_deadline.days_left,
            )
            if m.HasField("next_deadline")
            else None
        )
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            kind=from_proto(KINDS, m.kind),
            title=m.title,
            description=m.description,
            reference=m.reference,
            parties=[Party.of(p) for p in m.parties],
            valid_from=m.valid_from,
            valid_until=m.valid_until or None,
            renewal=RenewalTerms.of(m.renewal),
            status=from_proto(CONTRACT_STATES, m.status),
            amount_cents=m.amount_cents,
            amount_basis=from_proto(BASES, m.amount_basis),
            responsible_officer=m.responsible_officer,
            client_id=m.client_id or None,
            notice_given_on=m.notice_given_on or None,
            termination_date=m.termination_date or None,
            current_term_end=m.current_term_end or None,
            next_deadline=deadline,
            in_force=m.in_force,
            attachment_count=m.attachment_count,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class ContractPage(Model):
    items: list[Contract]
    next_page_token: str | None


class Termination(Model):
    notice_given_on: str | None = Field(None, description=f"{DATE}; default today")
    termination_date: str | None = Field(
        None, description=f"{DATE}; default the earliest day the terms allow"
    )


class Attachment(Model):
    id: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str = Field(description="Lower-case hex SHA-256 of the content")
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, m: pb.Attachment) -> Attachment:
        return cls(
            id=m.id,
            filename=m.filename,
            media_type=m.media_type,
            size_bytes=m.size_bytes,
            sha256=m.sha256,
            uploaded_by=m.uploaded_by,
            uploaded_at=from_timestamp(m.uploaded_at),
        )


# --- account codes and cost entries ------------------------------------------------------------


class AccountCode(Model):
    code: str
    name_fi: str
    name_en: str
    compensation_type: CompensationType
    legal_basis: str
    eligibility: str
    time_limit_years: int

    @classmethod
    def of(cls, m: pb.AccountCode) -> AccountCode:
        return cls(
            code=m.code,
            name_fi=m.name_fi,
            name_en=m.name_en,
            compensation_type=from_proto(COMPENSATIONS, m.compensation_type),
            legal_basis=m.legal_basis,
            eligibility=m.eligibility,
            time_limit_years=m.time_limit_years,
        )


class CostEntryCreate(Model):
    client_id: str = Field(max_length=64)
    contract_id: str | None = Field(None, max_length=64)
    account_code: str = Field(max_length=10, examples=["4391"])
    amount_cents: Cents = Field(gt=0, le=MAX_CENTS, examples=[12345])
    activity_date: str = Field(description=DATE, examples=["2026-02-10"])
    description: str = Field(max_length=1000, examples=["Tulkkaus alkukartoituksessa, arabia, 2 h"])
    invoice_reference: str = Field(
        max_length=100, description="Invoice or voucher number (tosite)", examples=["LASKU-2026-42"]
    )

    def message(self) -> pb.CostEntry:
        return pb.CostEntry(
            client_id=self.client_id,
            contract_id=self.contract_id or "",
            account_code=self.account_code,
            amount_cents=self.amount_cents,
            activity_date=self.activity_date,
            description=self.description,
            invoice_reference=self.invoice_reference,
        )


class CostEntryPatch(Model):
    contract_id: str | None = Field(None, max_length=64)
    account_code: str | None = Field(None, max_length=10)
    amount_cents: Cents | None = Field(None, gt=0, le=MAX_CENTS)
    activity_date: str | None = None
    description: str | None = Field(None, max_length=1000)
    invoice_reference: str | None = Field(None, max_length=100)

    def message_and_mask(self) -> tuple[pb.CostEntry, list[str]]:
        message = pb.CostEntry(
            contract_id=self.contract_id or "",
            account_code=self.account_code or "",
            amount_cents=self.amount_cents or 0,
            activity_date=self.activity_date or "",
            description=self.description or "",
            invoice_reference=self.invoice_reference or "",
        )
        return message, _mask(self)


class CostEntry(Model):
    id: str
    version: int
    municipality_code: str
    client_id: str
    contract_id: str | None
    account_code: str
    compensation_type: CompensationType
    amount_cents: int
    activity_date: str
    description: str
    invoice_reference: str
    status: CostEntryState
    claim_id: str | None
    void_reason: str | None
    claim_deadline: str = Field(description="The last day a claim may include this cost")
    claim_deadline_passed: bool
    attachment_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.CostEntry) -> CostEntry:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            client_id=m.client_id,
            contract_id=m.contract_id or None,
            account_code=m.account_code,
            compensation_type=from_proto(COMPENSATIONS, m.compensation_type),
            amount_cents=m.amount_cents,
            activity_date=m.activity_date,
            description=m.description,
            invoice_reference=m.invoice_reference,
            status=from_proto(COST_STATES, m.status),
            claim_id=m.claim_id or None,
            void_reason=m.void_reason or None,
            claim_deadline=m.claim_deadline,
            claim_deadline_passed=m.claim_deadline_passed,
            attachment_count=m.attachment_count,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class CostEntryPage(Model):
    items: list[CostEntry]
    next_page_token: str | None


class VoidIn(Model):
    reason: str = Field(min_length=1, max_length=1000, examples=["Kirjattu väärälle asiakkaalle"])


# --- claims ------------------------------------------------------------------------------------


class ClaimCreate(Model):
    compensation_type: CompensationType
    period_start: str = Field(description=DATE, examples=["2026-01-01"])
    period_end: str = Field(description=f"{DATE}; at most a year after the start")
    cost_entry_ids: list[str] = Field(
        default_factory=list,
        max_length=5000,
        description="Empty: every open cost entry of the type in the period",
    )

    def message(self, idempotency_key: str) -> pb.CreateClaimRequest:
        return pb.CreateClaimRequest(
            compensation_type=COMPENSATIONS[self.compensation_type],
            period_start=self.period_start,
            period_end=self.period_end,
            cost_entry_ids=self.cost_entry_ids,
            idempotency_key=idempotency_key,
        )


class Eligibility(Model):
    segment: str | None
    residence_permit_type: str | None
    first_permit_date: str | None


class ClaimLine(Model):
    line_number: int
    cost_entry_id: str
    client_id: str
    contract_id: str | None
    account_code: str
    activity_date: str
    amount_cents: int
    description: str
    invoice_reference: str
    eligibility: Eligibility
    approved_cents: int | None = Field(description="Set by the decision")
    decision_note: str | None

    @classmethod
    def of(cls, m: pb.ClaimLine) -> ClaimLine:
        return cls(
            line_number=m.line_number,
            cost_entry_id=m.cost_entry_id,
            client_id=m.client_id,
            contract_id=m.contract_id or None,
            account_code=m.account_code,
            activity_date=m.activity_date,
            amount_cents=m.amount_cents,
            description=m.description,
            invoice_reference=m.invoice_reference,
            eligibility=Eligibility(
                segment=m.eligibility.segment or None,
                residence_permit_type=m.eligibility.residence_permit_type or None,
                first_permit_date=m.eligibility.first_permit_date or None,
            ),
            approved_cents=m.approved_cents if m.decided else None,
            decision_note=m.decision_note or None,
        )


class ClaimEvent(Model):
    kind: str
    date: str
    note: str | None
    reference: str | None
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, m: pb.ClaimEvent) -> ClaimEvent:
        return cls(
            kind=m.kind,
            date=m.date,
            note=m.note or None,
            reference=m.reference or None,
            recorded_by=m.recorded_by,
            recorded_at=from_timestamp(m.recorded_at),
        )


class Claim(Model):
    id: str
    version: int
    municipality_code: str
    compensation_type: CompensationType
    period_start: str
    period_end: str
    status: ClaimState
    lines: list[ClaimLine] = Field(description="Empty in lists; read the claim for them")
    claimed_cents: int
    approved_cents: int | None
    paid_cents: int | None
    submission_reference: str | None
    decision_reference: str | None
    additions_due_date: str | None
    submitted_document_sha256: str | None = Field(
        description="SHA-256 of the JSON document frozen at submission"
    )
    events: list[ClaimEvent]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.Claim) -> Claim:
        decided = m.status in (pb.CLAIM_STATUS_DECIDED, pb.CLAIM_STATUS_PAID)
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            compensation_type=from_proto(COMPENSATIONS, m.compensation_type),
            period_start=m.period_start,
            period_end=m.period_end,
            status=from_proto(CLAIM_STATES, m.status),
            lines=[ClaimLine.of(line) for line in m.lines],
            claimed_cents=m.claimed_cents,
            approved_cents=m.approved_cents if decided else None,
            paid_cents=m.paid_cents if m.status == pb.CLAIM_STATUS_PAID else None,
            submission_reference=m.submission_reference or None,
            decision_reference=m.decision_reference or None,
            additions_due_date=m.additions_due_date or None,
            submitted_document_sha256=m.submitted_document_sha256 or None,
            events=[ClaimEvent.of(e) for e in m.events],
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class ClaimPage(Model):
    items: list[Claim]
    next_page_token: str | None


class SubmissionIn(Model):
    submitted_on: str | None = Field(None, description=f"{DATE}; default today")
    submission_reference: str = Field(
        "",
        max_length=100,
        description="KEHA's case number in the e-service",
        examples=["KEHA/123/2026"],
    )


class AdditionsRequestIn(Model):
    requested_on: str | None = Field(None, description=f"{DATE}; default today")
    description: str = Field(
        min_length=1, max_length=4000, examples=["Toimittakaa tulkkauslaskujen erittelyt"]
    )
    due_date: str | None = Field(None, description=DATE)


class AdditionsProvidedIn(Model):
    provided_on: str | None = Field(None, description=f"{DATE}; default today")
    note: str = Field("", max_length=4000)


class LineDecision(Model):
    cost_entry_id: str = Field(max_length=64)
    approved_cents: Cents = Field(ge=0, le=MAX_CENTS)
    note: str = Field("", max_length=1000)


class DecisionIn(Model):
    decided_on: str | None = Field(None, description=f"{DATE}; default today")
    decision_reference: str = Field("", max_length=100)
    lines: list[LineDecision] = Field(max_length=5000, description="One per line of the claim")

    def message(self, claim_id: str, version: int) -> pb.RecordDecisionRequest:
        return pb.RecordDecisionRequest(
            claim_id=claim_id,
            expected_version=version,
            decided_on=self.decided_on or "",
            decision_reference=self.decision_reference,
            lines=[
                pb.LineDecision(
                    cost_entry_id=line.cost_entry_id,
                    approved_cents=line.approved_cents,
                    note=line.note,
                )
                for line in self.lines
            ],
        )


class PaymentIn(Model):
    paid_on: str | None = Field(None, description=f"{DATE}; default today")
    amount_cents: Cents = Field(gt=0, le=MAX_CENTS, description="The approved total")
    payment_reference: str = Field("", max_length=100)
