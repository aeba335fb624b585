"""Rows of the contracts service's tables as API messages (derived fields computed for today)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kotopolku.common.clock import to_timestamp
from kotopolku.contracts.domain.accounts import AccountCode, CompensationType
from kotopolku.contracts.domain.claim import ClaimStatus
from kotopolku.contracts.domain.contract import (
    AmountBasis,
    ContractKind,
    ContractStatus,
    PartyRole,
    RenewalType,
    current_term_end,
    is_in_force,
    next_deadline,
)
from kotopolku.contracts.domain.cost_entry import CostEntryStatus
from kotopolku.contracts.domain.deadline import claim_deadline, deadline_passed
from kotopolku.contracts.enums import AttachmentOwner, to_proto
from kotopolku.contracts.v1 import contracts_pb2 as pb
from kotopolku.contracts.validation import stored_terms

CONTRACT_FIELDS = (
    "kind",
    "title",
    "description",
    "reference",
    "parties",
    "valid_from",
    "valid_until",
    "renewal",
    "status",
    "amount_cents",
    "responsible_officer",
    "client_id",
)
COST_ENTRY_FIELDS = (
    "client_id",
    "contract_id",
    "account_code",
    "amount_cents",
    "activity_date",
    "description",
    "invoice_reference",
    "status",
)
CLAIM_FIELDS = ("lines", "claimed_cents", "eligibility", "status")


def iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _party(stored: dict[str, Any]) -> pb.Party:
    return pb.Party(
        role=to_proto(PartyRole(stored["role"])),
        name=stored["name"],
        business_id=stored["business_id"],
        is_person=stored["is_person"],
        contact_name=stored["contact_name"],
        contact_email=stored["contact_email"],
        contact_phone=stored["contact_phone"],
    )


def contract_message(row: Any, today: date, attachment_count: int = 0) -> pb.Contract:
    terms = stored_terms(dict(row._mapping))
    status = ContractStatus(row.status)
    message = pb.Contract(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        kind=to_proto(ContractKind(row.kind)),
        title=row.title,
        description=row.description,
        reference=row.reference,
        parties=[_party(p) for p in row.parties or []],
        valid_from=iso(row.valid_from),
        valid_until=iso(row.valid_until),
        renewal=pb.RenewalTerms(
            type=to_proto(RenewalType(row.renewal_type)),
            renewal_period_months=row.renewal_period_months,
            notice_period_days=row.notice_period_days,
        ),
        status=to_proto(status),
        amount_cents=row.amount_cents,
        amount_basis=to_proto(AmountBasis(row.amount_basis) if row.amount_basis else None),
        responsible_officer=row.responsible_officer,
        client_id=row.client_id,
        notice_given_on=iso(row.notice_given_on),
        termination_date=iso(row.termination_date),
        current_term_end=iso(current_term_end(terms, today)),
        in_force=is_in_force(terms, status, row.termination_date, today),
        attachment_count=attachment_count,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )
    deadline = next_deadline(terms, status, row.termination_date, today)
    if deadline is not None:
        message.next_deadline.CopyFrom(
            pb.ContractDeadline(
                kind=to_proto(deadline.kind), date=iso(deadline.day), days_left=deadline.days_left
            )
        )
    return message


def attachment_message(row: Any) -> pb.Attachment:
    return pb.Attachment(
        id=row.id,
        owner=to_proto(AttachmentOwner(row.owner_kind)),
        owner_id=row.owner_id,
        filename=row.filename,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=to_timestamp(row.uploaded_at),
    )


def cost_entry_message(row: Any, today: date, attachment_count: int = 0) -> pb.CostEntry:
    return pb.CostEntry(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        client_id=row.client_id,
        contract_id=row.contract_id,
        account_code=row.account_code,
        compensation_type=to_proto(CompensationType(row.compensation_type)),
        amount_cents=row.amount_cents,
        activity_date=iso(row.activity_date),
        description=row.description,
        invoice_reference=row.invoice_reference,
        status=to_proto(CostEntryStatus(row.status)),
        claim_id=row.claim_id or "",
        void_reason=row.void_reason,
        claim_deadline=iso(claim_deadline(row.activity_date)),
        claim_deadline_passed=deadline_passed(row.activity_date, today),
        attachment_count=attachment_count,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


def account_code_message(code: AccountCode) -> pb.AccountCode:
    return pb.AccountCode(
        code=code.code,
        name_fi=code.name_fi,
        name_en=code.name_en,
        compensation_type=to_proto(code.compensation_type),
        legal_basis=code.legal_basis,
        eligibility=code.eligibility,
        time_limit_years=code.time_limit_years,
    )


def _line(row: Any) -> pb.ClaimLine:
    facts = row.eligibility or {}
    return pb.ClaimLine(
        line_number=row.line_number,
        cost_entry_id=row.cost_entry_id,
        client_id=row.client_id,
        contract_id=row.contract_id,
        account_code=row.account_code,
        activity_date=iso(row.activity_date),
        amount_cents=row.amount_cents,
        description=row.description,
        invoice_reference=row.invoice_reference,
        eligibility=pb.EligibilityBasis(
            segment=facts.get("segment", ""),
            residence_permit_type=facts.get("residence_permit_type", ""),
            first_permit_date=facts.get("first_permit_date", ""),
        ),
        decided=row.approved_cents is not None,
        approved_cents=row.approved_cents or 0,
        decision_note=row.decision_note,
    )


def _event(row: Any) -> pb.ClaimEvent:
    return pb.ClaimEvent(
        kind=row.kind,
        date=iso(row.day),
        note=row.note,
        reference=row.reference,
        recorded_by=row.recorded_by,
        recorded_at=to_timestamp(row.recorded_at),
    )


def claim_message(row: Any, lines: Sequence[Any] = (), events: Sequence[Any] = ()) -> pb.Claim:
    return pb.Claim(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        compensation_type=to_proto(CompensationType(row.compensation_type)),
        period_start=iso(row.period_start),
        period_end=iso(row.period_end),
        status=to_proto(ClaimStatus(row.status)),
        lines=[_line(line) for line in lines],
        claimed_cents=row.claimed_cents,
        approved_cents=row.approved_cents or 0,
        paid_cents=row.paid_cents or 0,
        submission_reference=row.submission_reference,
        decision_reference=row.decision_reference,
        additions_due_date=iso(row.additions_due_date)
        if row.status == ClaimStatus.ADDITIONS_REQUESTED
        else "",
        submitted_document_sha256=row.submitted_document_sha256,
        events=[_event(event) for event in events],
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )
