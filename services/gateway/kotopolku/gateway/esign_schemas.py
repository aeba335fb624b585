"""JSON shapes of the e-signature API (IS service 12) and their conversion to and from the
e-signature service's messages.

Types and sizes are checked here; the rules (who signs, in which order, the deadline, the
client's fresh sign-in) are checked once, in the e-signature service, and come back as field
violations or state problems. Enumerations are kebab-case words (``welfare-area``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import Field

from kotopolku.common.clock import from_timestamp
from kotopolku.esign.v1 import esign_pb2 as pb
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model


class SigningOrder(StrEnum):
    sequential = "sequential"
    parallel = "parallel"


class SignerParty(StrEnum):
    client = "client"
    officer = "officer"
    welfare_area = "welfare-area"


class SigningState(StrEnum):
    pending = "pending"
    completed = "completed"
    declined = "declined"
    cancelled = "cancelled"
    expired = "expired"


class SignerState(StrEnum):
    waiting = "waiting"
    pending = "pending"
    signed = "signed"
    declined = "declined"


class PlanActivation(StrEnum):
    not_due = "not-due"
    queued = "queued"
    recorded = "recorded"
    refused = "refused"


class DocumentKind(StrEnum):
    integration_plan = "integration-plan"


ORDERS = enum_map("SIGNING_ORDER_", SigningOrder, pb.SigningOrder)
PARTIES = enum_map("SIGNER_PARTY_", SignerParty, pb.SignerParty)
STATES = enum_map("SIGNING_REQUEST_STATUS_", SigningState, pb.SigningRequestStatus)
SIGNER_STATES = enum_map("SIGNER_STATUS_", SignerState, pb.SignerStatus)
ACTIVATIONS = enum_map("PLAN_ACTIVATION_", PlanActivation, pb.PlanActivation)
KINDS = enum_map("DOCUMENT_KIND_", DocumentKind, pb.DocumentKind)


def _time(ts: Timestamp, present: bool) -> datetime | None:
    return from_timestamp(ts) if present else None


class SigningRequestCreate(Model):
    order: SigningOrder = Field(
        SigningOrder.sequential,
        description="sequential: one after another in the order of `signers`; parallel: any",
        examples=["sequential"],
    )
    signers: list[SignerParty] = Field(
        default_factory=list,
        max_length=3,
        description="The parties in signing order; empty: officer, client (and welfare-area "
        "for a multi-sector plan)",
        examples=[["officer", "client"]],
    )
    deadline: str | None = Field(
        None,
        max_length=10,
        description="Last day to sign, YYYY-MM-DD; default 14 days from today",
        examples=["2026-03-16"],
    )
    language: str | None = Field(
        None,
        max_length=8,
        description="The client's language of the document (ISO 639-1); default: the client's "
        "first language the document exists in (fi, sv, en, ar, fa, ru, uk, so)",
        examples=["ar"],
    )
    official_language: str | None = Field(
        None, max_length=2, description="fi or sv; default fi", examples=["fi"]
    )

    def message(self, plan_id: str, idempotency_key: str) -> pb.CreateSigningRequestRequest:
        return pb.CreateSigningRequestRequest(
            plan_id=plan_id,
            order=ORDERS[self.order],
            signers=[PARTIES[p] for p in self.signers],
            deadline=self.deadline or "",
            language=self.language or "",
            official_language=self.official_language or "",
            idempotency_key=idempotency_key,
        )


class ReasonIn(Model):
    reason: str = Field(max_length=1000, examples=["Haluan muuttaa tavoitteita"])


class Signer(Model):
    position: int
    party: SignerParty
    status: SignerState
    welfare_area: str | None
    subject: str | None
    signed_at: datetime | None
    authentication_context: str | None = Field(
        description="The signer's token's acr: how strongly they authenticated"
    )
    authenticated_at: datetime | None = Field(description="The signer's token's auth_time")
    decline_reason: str | None
    declined_at: datetime | None

    @classmethod
    def of(cls, m: pb.Signer) -> Signer:
        return cls(
            position=m.position,
            party=from_proto(PARTIES, m.party),
            status=from_proto(SIGNER_STATES, m.status),
            welfare_area=m.welfare_area or None,
            subject=m.subject or None,
            signed_at=_time(m.signed_at, m.HasField("signed_at")),
            authentication_context=m.authentication_context or None,
            authenticated_at=_time(m.authenticated_at, m.HasField("authenticated_at")),
            decline_reason=m.decline_reason or None,
            declined_at=_time(m.declined_at, m.HasField("declined_at")),
        )


class SigningRequest(Model):
    id: str
    version: int
    document_kind: DocumentKind
    plan_id: str
    plan_version: int
    client_id: str
    municipality_code: str
    order: SigningOrder
    signers: list[Signer]
    deadline: str
    status: SigningState
    language: str
    official_language: str
    original_document_sha256: str
    document_sha256: str
    plan_activation: PlanActivation
    plan_activation_error: str | None
    cancel_reason: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, m: pb.SigningRequest) -> SigningRequest:
        return cls(
            id=m.id,
            version=m.version,
            document_kind=from_proto(KINDS, m.document_kind),
            plan_id=m.plan_id,
            plan_version=m.plan_version,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            order=from_proto(ORDERS, m.order),
            signers=[Signer.of(s) for s in m.signers],
            deadline=m.deadline,
            status=from_proto(STATES, m.status),
            language=m.language,
            official_language=m.official_language,
            original_document_sha256=m.original_document_sha256,
            document_sha256=m.document_sha256,
            plan_activation=from_proto(ACTIVATIONS, m.plan_activation),
            plan_activation_error=m.plan_activation_error or None,
            cancel_reason=m.cancel_reason or None,
            created_by=m.created_by,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
            completed_at=_time(m.completed_at, m.HasField("completed_at")),
        )


class SigningRequestPage(Model):
    items: list[SigningRequest]
    next_page_token: str | None


class SignatureVerification(Model):
    field_name: str
    certificate_subject: str = Field(description="Subject of the signing certificate")
    signed_at: datetime | None
    intact: bool = Field(description="The signature's digest matches the bytes it covers")
    trusted: bool = Field(description="The certificate chains to a trusted root")
    unchanged_since: bool = Field(description="Nothing but later signatures follows it")
    party: SignerParty | None = Field(description="The approval the signature records")
    subject: str | None
    authentication_context: str | None
    authenticated_at: datetime | None
    signing_request_id: str | None
    reason: str

    @classmethod
    def of(cls, m: pb.SignatureVerification) -> SignatureVerification:
        return cls(
            field_name=m.field_name,
            certificate_subject=m.certificate_subject,
            signed_at=_time(m.signed_at, m.HasField("signed_at")),
            intact=m.intact,
            trusted=m.trusted,
            unchanged_since=m.unchanged_since,
            party=from_proto(PARTIES, m.party),
            subject=m.subject or None,
            authentication_context=m.authentication_context or None,
            authenticated_at=_time(m.authenticated_at, m.HasField("authenticated_at")),
            signing_request_id=m.signing_request_id or None,
            reason=m.reason,
        )


class DocumentVerification(Model):
    intact: bool = Field(
        description="Every signature is intact and trusted, only signatures were added after "
        "the first, and the last one covers the whole file"
    )
    sha256: str
    signatures: list[SignatureVerification]
    problem: str | None = Field(description="Why the document is not intact")

    @classmethod
    def of(cls, m: pb.DocumentVerification) -> DocumentVerification:
        return cls(
            intact=m.intact,
            sha256=m.sha256,
            signatures=[SignatureVerification.of(s) for s in m.signatures],
            problem=m.problem or None,
        )
