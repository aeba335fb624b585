"""Rows and domain values to the e-signature service's messages."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from kotopolku.common.clock import as_utc, to_timestamp
from kotopolku.esign.domain import requests as rules
from kotopolku.esign.domain.model import (
    RequestStatus,
    SignerParty,
    SigningOrder,
)
from kotopolku.esign.pades import DocumentCheck, SignatureCheck
from kotopolku.esign.repository import RequestRecord
from kotopolku.esign.v1 import esign_pb2 as pb

REQUEST_FIELDS: Final = ("plan_id", "signers", "status", "deadline", "document")


def enum_value(proto_enum: Any, prefix: str, member: str) -> Any:
    """The proto number of a domain value (typed as the proto enum's ValueType)."""
    return proto_enum.Value(prefix + member)


def enum_member(proto_enum: Any, prefix: str, number: int) -> str | None:
    """The domain value of a proto enum number; None for UNSPECIFIED, ValueError if unknown."""
    if number == 0:
        return None
    try:
        return str(proto_enum.Name(number)).removeprefix(prefix)
    except ValueError:
        raise ValueError("is not a known value") from None


def party_value(party: SignerParty | str) -> Any:
    return enum_value(pb.SignerParty, "SIGNER_PARTY_", str(party))


def request_message(record: RequestRecord, today: date) -> pb.SigningRequest:
    row = record.row
    order = SigningOrder(row.signing_order)
    statuses = rules.signer_statuses(order, record.domain_signers())
    status = rules.status_on(RequestStatus(row.status), row.deadline, today)
    message = pb.SigningRequest(
        id=row.id,
        version=row.version,
        document_kind=enum_value(pb.DocumentKind, "DOCUMENT_KIND_", row.document_kind),
        plan_id=row.plan_id,
        plan_version=row.plan_version,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        order=enum_value(pb.SigningOrder, "SIGNING_ORDER_", row.signing_order),
        deadline=row.deadline.isoformat(),
        status=enum_value(pb.SigningRequestStatus, "SIGNING_REQUEST_STATUS_", status),
        language=row.language,
        official_language=row.official_language,
        original_document_sha256=row.original_sha256,
        document_sha256=row.document_sha256,
        plan_activation=enum_value(pb.PlanActivation, "PLAN_ACTIVATION_", row.plan_activation),
        plan_activation_error=row.plan_activation_error,
        created_by=row.created_by,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
        completed_at=to_timestamp(row.completed_at),
        cancel_reason=row.cancel_reason,
    )
    for signer, signer_status in zip(record.signers, statuses, strict=True):
        message.signers.append(
            pb.Signer(
                position=signer.position,
                party=party_value(signer.party),
                status=enum_value(pb.SignerStatus, "SIGNER_STATUS_", signer_status),
                welfare_area=signer.welfare_area,
                subject=signer.subject or "",
                signed_at=to_timestamp(signer.signed_at),
                authentication_context=signer.authentication_context or "",
                authenticated_at=to_timestamp(signer.authenticated_at),
                decline_reason=signer.decline_reason or "",
                declined_at=to_timestamp(signer.declined_at),
            )
        )
    return message


def _signature(check: SignatureCheck) -> pb.SignatureVerification:
    message = pb.SignatureVerification(
        field_name=check.field_name,
        certificate_subject=check.certificate_subject,
        signed_at=to_timestamp(check.signed_at),
        intact=check.intact,
        trusted=check.trusted,
        unchanged_since=check.unchanged_since,
        reason=check.reason,
    )
    if check.approval is not None:
        message.party = party_value(check.approval.party)
        message.subject = check.approval.subject
        message.authentication_context = check.approval.authentication_context
        if check.approval.authenticated_at is not None:
            message.authenticated_at.FromDatetime(as_utc(check.approval.authenticated_at))
        message.signing_request_id = check.approval.signing_request_id
        message.signed_at.FromDatetime(as_utc(check.approval.signed_at))
    return message


def verification_message(check: DocumentCheck) -> pb.DocumentVerification:
    return pb.DocumentVerification(
        intact=check.intact,
        sha256=check.sha256,
        signatures=[_signature(s) for s in check.signatures],
        problem=check.problem,
    )
