"""Rows of the clients service's tables as API messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kotopolku.clients.domain import (
    ClientSegment,
    ClientStatus,
    FamilyRelation,
    ReferralStatus,
    ResidencePermitType,
    consent_is_valid,
)
from kotopolku.clients.v1 import clients_pb2
from kotopolku.clients.validation import PERMIT_TO_PROTO, SEGMENT_TO_PROTO, STATUS_TO_PROTO
from kotopolku.common.clock import as_utc, to_timestamp

# Field names reported to the audit log when a whole record is read.
CLIENT_FIELDS = tuple(clients_pb2.Client.DESCRIPTOR.fields_by_name)

_REFERRAL_STATUS = {
    ReferralStatus.RECEIVED: clients_pb2.REFERRAL_STATUS_RECEIVED,
    ReferralStatus.ACCEPTED: clients_pb2.REFERRAL_STATUS_ACCEPTED,
    ReferralStatus.DECLINED: clients_pb2.REFERRAL_STATUS_DECLINED,
}
REFERRAL_STATUS_FROM_PROTO = {value: key for key, value in _REFERRAL_STATUS.items()}
_RELATIONS = {
    FamilyRelation.SPOUSE: clients_pb2.FAMILY_RELATION_SPOUSE,
    FamilyRelation.CHILD: clients_pb2.FAMILY_RELATION_CHILD,
    FamilyRelation.PARENT: clients_pb2.FAMILY_RELATION_PARENT,
    FamilyRelation.GUARDIAN: clients_pb2.FAMILY_RELATION_GUARDIAN,
    FamilyRelation.SIBLING: clients_pb2.FAMILY_RELATION_SIBLING,
    FamilyRelation.OTHER: clients_pb2.FAMILY_RELATION_OTHER,
}
RELATION_FROM_PROTO = {value: key for key, value in _RELATIONS.items()}


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _contact(values: dict[str, Any] | None) -> clients_pb2.ContactDetails:
    return clients_pb2.ContactDetails(**{k: v for k, v in (values or {}).items() if v})


def client_message(row: Any) -> clients_pb2.Client:
    return clients_pb2.Client(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        first_names=row.first_names,
        last_name=row.last_name,
        date_of_birth=_iso(row.date_of_birth),
        henkilotunnus=row.henkilotunnus or "",
        system_identifier=row.system_identifier,
        languages=list(row.languages or []),
        contact=_contact(row.contact),
        segment=(
            SEGMENT_TO_PROTO[ClientSegment(row.segment)]
            if row.segment
            else clients_pb2.CLIENT_SEGMENT_UNSPECIFIED
        ),
        residence_permit_type=(
            PERMIT_TO_PROTO[ResidencePermitType(row.residence_permit_type)]
            if row.residence_permit_type
            else clients_pb2.RESIDENCE_PERMIT_TYPE_UNSPECIFIED
        ),
        first_permit_date=_iso(row.first_permit_date),
        status=STATUS_TO_PROTO[ClientStatus(row.status)],
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


# What a contact reader (the messaging service) gets: the means to reach the client, the
# languages to write in, and the municipality and status to check the message against.
CONTACT_FIELDS = (
    "id",
    "municipality_code",
    "henkilotunnus",
    "languages",
    "contact.email",
    "contact.phone",
    "status",
)


def contact_message(row: Any) -> clients_pb2.Client:
    contact = row.contact or {}
    return clients_pb2.Client(
        id=row.id,
        municipality_code=row.municipality_code,
        henkilotunnus=row.henkilotunnus or "",
        languages=list(row.languages or []),
        contact=clients_pb2.ContactDetails(
            email=contact.get("email", ""), phone=contact.get("phone", "")
        ),
        status=STATUS_TO_PROTO[ClientStatus(row.status)],
    )


def family_link_message(row: Any) -> clients_pb2.FamilyLink:
    return clients_pb2.FamilyLink(
        client_id=row.client_id,
        related_client_id=row.related_client_id,
        relation=_RELATIONS[FamilyRelation(row.relation)],
        created_at=to_timestamp(row.created_at),
    )


def consent_message(row: Any, now: datetime) -> clients_pb2.Consent:
    withdrawn = as_utc(row.withdrawn_at) if row.withdrawn_at is not None else None
    return clients_pb2.Consent(
        id=row.id,
        client_id=row.client_id,
        purpose=row.purpose,
        scope=row.scope,
        valid_from=_iso(row.valid_from),
        valid_until=_iso(row.valid_until),
        given_at=to_timestamp(row.given_at),
        withdrawn_at=to_timestamp(withdrawn),
        valid_now=consent_is_valid(row.valid_from, row.valid_until, withdrawn, now),
    )


def referral_message(row: Any) -> clients_pb2.Referral:
    return clients_pb2.Referral(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        referrer_organisation=row.referrer_organisation,
        first_names=row.first_names,
        last_name=row.last_name,
        date_of_birth=_iso(row.date_of_birth),
        henkilotunnus=row.henkilotunnus or "",
        languages=list(row.languages or []),
        contact=_contact(row.contact),
        reason=row.reason,
        status=_REFERRAL_STATUS[ReferralStatus(row.status)],
        decision_reason=row.decision_reason or "",
        client_id=row.client_id or "",
        created_at=to_timestamp(row.created_at),
        decided_at=to_timestamp(row.decided_at),
    )
