"""Rows of the outreach tables as API messages, and the enums both ways."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from kotopolku.clients.domain.outreach import (
    ContactChannel,
    ContactOutcome,
    OutreachStatus,
    TargetGroup,
    TargetListSource,
)
from kotopolku.clients.v1 import clients_pb2
from kotopolku.clients.v1 import outreach_pb2 as pb
from kotopolku.common.clock import to_timestamp

E = TypeVar("E", bound=StrEnum)


def _by_name(prefix: str, enum: type[E], proto_enum: Any) -> dict[E, Any]:
    """``TargetGroup.SOCIAL_ASSISTANCE`` ↔ ``TARGET_GROUP_SOCIAL_ASSISTANCE``."""
    return {member: proto_enum.Value(prefix + member.name) for member in enum}


GROUP_TO_PROTO = _by_name("TARGET_GROUP_", TargetGroup, pb.TargetGroup)
SOURCE_TO_PROTO = _by_name("TARGET_LIST_SOURCE_", TargetListSource, pb.TargetListSource)
STATUS_TO_PROTO = _by_name("OUTREACH_STATUS_", OutreachStatus, pb.OutreachStatus)
OUTCOME_TO_PROTO = _by_name("CONTACT_OUTCOME_", ContactOutcome, pb.ContactOutcome)
CHANNEL_TO_PROTO = _by_name("CONTACT_CHANNEL_", ContactChannel, pb.ContactChannel)
GROUP_FROM_PROTO = {value: key for key, value in GROUP_TO_PROTO.items()}
SOURCE_FROM_PROTO = {value: key for key, value in SOURCE_TO_PROTO.items()}
STATUS_FROM_PROTO = {value: key for key, value in STATUS_TO_PROTO.items()}
OUTCOME_FROM_PROTO = {value: key for key, value in OUTCOME_TO_PROTO.items()}
CHANNEL_FROM_PROTO = {value: key for key, value in CHANNEL_TO_PROTO.items()}

# Names of the target's fields, for the audit log when a whole target is read.
TARGET_FIELDS = tuple(pb.OutreachTarget.DESCRIPTOR.fields_by_name)


class EventKind(StrEnum):
    LISTED = "LISTED"
    GROUP_ADDED = "GROUP_ADDED"
    MATCHED = "MATCHED"
    CONTACT = "CONTACT"
    ASSIGNED = "ASSIGNED"
    CLIENT_CREATED = "CLIENT_CREATED"
    CLIENT_LINKED = "CLIENT_LINKED"


EVENT_TO_PROTO = _by_name("TARGET_EVENT_KIND_", EventKind, pb.TargetEventKind)


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def import_message(row: Any) -> pb.OutreachImport:
    return pb.OutreachImport(
        id=row.id,
        municipality_code=row.municipality_code,
        source=SOURCE_TO_PROTO[TargetListSource(row.source)],
        media_type=row.media_type,
        rows=row.rows,
        persons=row.persons,
        targets_created=row.targets_created,
        groups_added=row.groups_added,
        matched_clients=row.matched_clients,
        unchanged=row.unchanged,
        imported_by=row.imported_by,
        imported_at=to_timestamp(row.imported_at),
    )


def group_message(row: Any) -> pb.TargetGroupMembership:
    return pb.TargetGroupMembership(
        target_group=GROUP_TO_PROTO[TargetGroup(row.target_group)],
        source=SOURCE_TO_PROTO[TargetListSource(row.source)],
        first_permit_date=_iso(row.first_permit_date),
        first_import_id=row.first_import_id,
        listed_at=to_timestamp(row.listed_at),
    )


def attempt_message(row: Any) -> pb.ContactAttempt:
    return pb.ContactAttempt(
        outcome=OUTCOME_TO_PROTO[ContactOutcome(row.outcome)],
        channel=CHANNEL_TO_PROTO[ContactChannel(row.channel)],
        contacted_on=_iso(row.contacted_on),
        note=row.note or "",
        recorded_by=row.actor_subject,
        recorded_at=to_timestamp(row.occurred_at),
    )


def target_message(
    row: Any, groups: Sequence[Any], attempts: Iterable[Any] = ()
) -> pb.OutreachTarget:
    contact = row.contact or {}
    return pb.OutreachTarget(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        first_names=row.first_names,
        last_name=row.last_name,
        date_of_birth=_iso(row.date_of_birth),
        henkilotunnus=row.henkilotunnus or "",
        source_person_id=row.source_person_id,
        languages=list(row.languages or []),
        contact=clients_pb2.ContactDetails(**{k: v for k, v in contact.items() if v}),
        groups=[group_message(g) for g in groups],
        first_permit_date=_iso(row.first_permit_date),
        window_ends_on=_iso(row.window_ends_on),
        status=STATUS_TO_PROTO[OutreachStatus(row.status)],
        attempt_count=row.attempt_count,
        last_attempt_on=_iso(row.last_attempt_on),
        attempts=[attempt_message(a) for a in attempts],
        assignee_subject=row.assignee_subject or "",
        assignee_name=row.assignee_name or "",
        client_id=row.client_id or "",
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


def event_message(row: Any) -> pb.TargetEvent:
    message = pb.TargetEvent(
        sequence=row.sequence,
        kind=EVENT_TO_PROTO[EventKind(row.kind)],
        occurred_at=to_timestamp(row.occurred_at),
        actor_subject=row.actor_subject,
        import_id=row.import_id or "",
        assignee_subject=row.assignee_subject or "",
        assignee_name=row.assignee_name or "",
        client_id=row.client_id or "",
        status_after=STATUS_TO_PROTO[OutreachStatus(row.status_after)],
    )
    if row.target_group:
        message.target_group = GROUP_TO_PROTO[TargetGroup(row.target_group)]
    if row.kind == EventKind.CONTACT:
        message.contact.CopyFrom(attempt_message(row))
    return message
