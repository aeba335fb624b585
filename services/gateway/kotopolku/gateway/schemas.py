"""JSON shapes of the REST API and their conversion to and from the services' messages.

Types are checked here; the domain rules (identity-code checksum, language codes, dates) are
checked once, in the owning service, and come back as field violations.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto


class Segment(StrEnum):
    self_moved = "self-moved"
    placed = "placed"
    quota_refugee = "quota-refugee"


class Status(StrEnum):
    active = "active"
    inactive = "inactive"
    archived = "archived"


class PermitType(StrEnum):
    continuous = "continuous"
    temporary = "temporary"
    permanent = "permanent"
    eu_registration = "eu-registration"
    temporary_protection = "temporary-protection"
    international_protection = "international-protection"
    other = "other"


class Relation(StrEnum):
    spouse = "spouse"
    child = "child"
    parent = "parent"
    guardian = "guardian"
    sibling = "sibling"
    other = "other"


class ReferralState(StrEnum):
    received = "received"
    accepted = "accepted"
    declined = "declined"


SEGMENTS = enum_map("CLIENT_SEGMENT_", Segment, clients_pb2.ClientSegment)
STATUSES = enum_map("CLIENT_STATUS_", Status, clients_pb2.ClientStatus)
PERMITS = enum_map("RESIDENCE_PERMIT_TYPE_", PermitType, clients_pb2.ResidencePermitType)
RELATIONS = enum_map("FAMILY_RELATION_", Relation, clients_pb2.FamilyRelation)
REFERRAL_STATES = enum_map("REFERRAL_STATUS_", ReferralState, clients_pb2.ReferralStatus)


def _time(ts: Timestamp, present: bool = True) -> datetime | None:
    return from_timestamp(ts) if present else None


class Model(BaseModel):
    # A bound on every string also makes pydantic check that it is valid Unicode: an unpaired
    # surrogate (legal in JSON, e.g. "\ud800") would otherwise reach protobuf and fail there
    # with a 500 instead of a 422. Fields declare tighter bounds where they have them.
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class ContactDetails(Model):
    email: str = Field("", max_length=320, examples=["amina@example.org"])
    phone: str = Field("", max_length=40, examples=["040 123 4567"])
    street_address: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=20)
    post_office: str = Field("", max_length=100)

    @classmethod
    def of(cls, m: clients_pb2.ContactDetails) -> ContactDetails:
        return cls(
            email=m.email,
            phone=m.phone,
            street_address=m.street_address,
            postal_code=m.postal_code,
            post_office=m.post_office,
        )

    def message(self) -> clients_pb2.ContactDetails:
        return clients_pb2.ContactDetails(**self.model_dump())


class ClientCreate(Model):
    first_names: str = Field(max_length=200, examples=["Amina"])
    last_name: str = Field(max_length=200, examples=["Hassan"])
    date_of_birth: str = Field(description="YYYY-MM-DD", examples=["1990-01-01"])
    henkilotunnus: str | None = Field(
        None,
        description="Finnish personal identity code; omit when the person has none",
        examples=["010190-999W"],
    )
    languages: list[str] = Field(
        default_factory=list,
        description="ISO 639 codes, preferred first",
        examples=[["so", "ar", "fi"]],
    )
    contact: ContactDetails = Field(default_factory=ContactDetails)  # type: ignore[arg-type]
    segment: Segment | None = None
    residence_permit_type: PermitType | None = None
    first_permit_date: str | None = Field(None, description="YYYY-MM-DD")
    status: Status = Status.active

    def message(self) -> clients_pb2.Client:
        return clients_pb2.Client(
            first_names=self.first_names,
            last_name=self.last_name,
            date_of_birth=self.date_of_birth,
            henkilotunnus=self.henkilotunnus or "",
            languages=self.languages,
            contact=self.contact.message(),
            segment=SEGMENTS.get(self.segment, 0),
            residence_permit_type=PERMITS.get(self.residence_permit_type, 0),
            first_permit_date=self.first_permit_date or "",
            status=STATUSES[self.status],
        )


class ClientPatch(Model):
    """Only the fields present are changed (JSON merge patch semantics for the top level)."""

    first_names: str | None = Field(None, max_length=200)
    last_name: str | None = Field(None, max_length=200)
    date_of_birth: str | None = None
    henkilotunnus: str | None = None
    languages: list[str] | None = None
    contact: ContactDetails | None = None
    segment: Segment | None = None
    residence_permit_type: PermitType | None = None
    first_permit_date: str | None = None
    status: Status | None = None

    def message_and_mask(self) -> tuple[clients_pb2.Client, list[str]]:
        present = self.model_fields_set
        message = clients_pb2.Client(
            first_names=self.first_names or "",
            last_name=self.last_name or "",
            date_of_birth=self.date_of_birth or "",
            henkilotunnus=self.henkilotunnus or "",
            languages=self.languages or [],
            segment=SEGMENTS.get(self.segment, 0),
            residence_permit_type=PERMITS.get(self.residence_permit_type, 0),
            first_permit_date=self.first_permit_date or "",
            status=STATUSES.get(self.status, 0),
        )
        mask = [name for name in type(self).model_fields if name in present and name != "contact"]
        if "contact" in present and self.contact is not None:
            message.contact.CopyFrom(self.contact.message())
            mask += [f"contact.{name}" for name in self.contact.model_fields_set]
        return message, mask


class Client(Model):
    id: str
    version: int
    municipality_code: str
    first_names: str
    last_name: str
    date_of_birth: str
    henkilotunnus: str | None
    system_identifier: str
    languages: list[str]
    contact: ContactDetails
    segment: Segment | None
    residence_permit_type: PermitType | None
    first_permit_date: str | None
    status: Status
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: clients_pb2.Client) -> Client:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            first_names=m.first_names,
            last_name=m.last_name,
            date_of_birth=m.date_of_birth,
            henkilotunnus=m.henkilotunnus or None,
            system_identifier=m.system_identifier,
            languages=list(m.languages),
            contact=ContactDetails.of(m.contact),
            segment=from_proto(SEGMENTS, m.segment),
            residence_permit_type=from_proto(PERMITS, m.residence_permit_type),
            first_permit_date=m.first_permit_date or None,
            status=from_proto(STATUSES, m.status),
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class ClientSearch(Model):
    """Search criteria travel in the body so that names and identity codes never enter a URL."""

    name: str = Field("", max_length=200, examples=["Hamalainen"])
    henkilotunnus: str = ""
    date_of_birth: str = ""
    status: Status | None = None
    page_size: int = Field(50, ge=1, le=200)
    page_token: str = ""


class ClientPage(Model):
    items: list[Client]
    next_page_token: str | None


class FamilyLinkCreate(Model):
    related_client_id: str
    relation: Relation = Field(description="What the related client is to this client")


class FamilyLink(Model):
    client_id: str
    related_client_id: str
    relation: Relation
    created_at: datetime

    @classmethod
    def of(cls, m: clients_pb2.FamilyLink) -> FamilyLink:
        return cls(
            client_id=m.client_id,
            related_client_id=m.related_client_id,
            relation=from_proto(RELATIONS, m.relation),
            created_at=from_timestamp(m.created_at),
        )


class ConsentCreate(Model):
    purpose: str = Field(examples=["welfare-area-disclosure"])
    scope: str = Field(max_length=1000, examples=["Multi-sector assessment data to Pirkanmaa"])
    valid_from: str | None = Field(None, description="YYYY-MM-DD; default today")
    valid_until: str | None = Field(None, description="YYYY-MM-DD; empty: until withdrawn")


class Consent(Model):
    id: str
    client_id: str
    purpose: str
    scope: str
    valid_from: str
    valid_until: str | None
    given_at: datetime
    withdrawn_at: datetime | None
    valid_now: bool

    @classmethod
    def of(cls, m: clients_pb2.Consent) -> Consent:
        return cls(
            id=m.id,
            client_id=m.client_id,
            purpose=m.purpose,
            scope=m.scope,
            valid_from=m.valid_from,
            valid_until=m.valid_until or None,
            given_at=from_timestamp(m.given_at),
            withdrawn_at=_time(m.withdrawn_at, m.HasField("withdrawn_at")),
            valid_now=m.valid_now,
        )


class ReferralCreate(Model):
    municipality_code: str = Field(examples=["091"])
    first_names: str = Field(max_length=200)
    last_name: str = Field(max_length=200)
    date_of_birth: str
    henkilotunnus: str | None = None
    languages: list[str] = Field(default_factory=list)
    contact: ContactDetails = Field(default_factory=ContactDetails)  # type: ignore[arg-type]
    reason: str = Field(max_length=4000, examples=["Needs an assessment of integration services"])

    def message(self) -> clients_pb2.Referral:
        return clients_pb2.Referral(
            municipality_code=self.municipality_code,
            first_names=self.first_names,
            last_name=self.last_name,
            date_of_birth=self.date_of_birth,
            henkilotunnus=self.henkilotunnus or "",
            languages=self.languages,
            contact=self.contact.message(),
            reason=self.reason,
        )


class Referral(Model):
    id: str
    municipality_code: str
    referrer_organisation: str
    first_names: str
    last_name: str
    date_of_birth: str
    henkilotunnus: str | None
    languages: list[str]
    contact: ContactDetails
    reason: str
    status: ReferralState
    decision_reason: str | None
    client_id: str | None
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, m: clients_pb2.Referral) -> Referral:
        return cls(
            id=m.id,
            municipality_code=m.municipality_code,
            referrer_organisation=m.referrer_organisation,
            first_names=m.first_names,
            last_name=m.last_name,
            date_of_birth=m.date_of_birth,
            henkilotunnus=m.henkilotunnus or None,
            languages=list(m.languages),
            contact=ContactDetails.of(m.contact),
            reason=m.reason,
            status=from_proto(REFERRAL_STATES, m.status),
            decision_reason=m.decision_reason or None,
            client_id=m.client_id or None,
            created_at=from_timestamp(m.created_at),
            decided_at=_time(m.decided_at, m.HasField("decided_at")),
        )


class ReferralPage(Model):
    items: list[Referral]
    next_page_token: str | None


class ReferralAccept(Model):
    existing_client_id: str | None = Field(None, description="Link to this client instead")
    segment: Segment | None = None


class ReferralDecline(Model):
    reason: str = Field(min_length=1, max_length=4000)


class AuditEvent(Model):
    position: int
    event_id: str
    occurred_at: datetime
    recorded_at: datetime
    actor_subject: str
    actor_roles: list[str]
    municipality_code: str
    subject_client_id: str
    action: str
    resource: str
    fields: list[str]
    purpose: str
    service: str
    outcome: str
    trace_id: str
    context: dict[str, str] = Field(
        default_factory=dict,
        description="X-Road headers of the call (x-road-client, x-road-id, x-road-user-id, "
        "x-road-issue); for a disclosure its recipient and basis",
    )

    @classmethod
    def of(cls, m: audit_pb2.RecordedAuditEvent) -> AuditEvent:
        e = m.event
        return cls(
            position=m.position,
            event_id=e.event_id,
            occurred_at=from_timestamp(e.occurred_at),
            recorded_at=from_timestamp(m.recorded_at),
            actor_subject=e.actor_subject,
            actor_roles=list(e.actor_roles),
            municipality_code=e.municipality_code,
            subject_client_id=e.subject_client_id,
            action=e.action,
            resource=e.resource,
            fields=list(e.fields),
            purpose=e.purpose,
            service=e.service,
            outcome=e.outcome,
            trace_id=e.trace_id,
            context=dict(e.context),
        )


class AuditPage(Model):
    items: list[AuditEvent]
    next_page_token: str | None


class ChainVerification(Model):
    intact: bool
    entries_checked: int
    first_bad_position: int | None
    problem: str | None
