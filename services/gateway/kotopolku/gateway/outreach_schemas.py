"""JSON shapes of the outreach API (tavoittaminen, docs/outreach-import.md) and their conversion
to and from the clients service's outreach messages.

Types and sizes are checked here; the rules (identity codes, the three-year window, statuses)
are checked once, in the clients service, and come back as field violations.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from kotopolku.clients.v1 import outreach_pb2 as pb
from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import SEGMENTS, ContactDetails, Model, Segment


class TargetGroupCode(StrEnum):
    social_assistance = "social-assistance"
    child_home_care_allowance = "child-home-care-allowance"
    international_protection = "international-protection"
    trafficking_victim = "trafficking-victim"


class ListSource(StrEnum):
    kela = "kela"
    dvv = "dvv"
    migri = "migri"


class OutreachState(StrEnum):
    open = "open"
    not_reached = "not-reached"
    reached = "reached"
    declined = "declined"
    client = "client"


class ContactResult(StrEnum):
    reached = "reached"
    not_reached = "not-reached"
    declined = "declined"


class ContactChannelCode(StrEnum):
    phone = "phone"
    sms = "sms"
    letter = "letter"
    email = "email"
    visit = "visit"
    other = "other"


class TargetEventCode(StrEnum):
    listed = "listed"
    group_added = "group-added"
    matched = "matched"
    contact = "contact"
    assigned = "assigned"
    client_created = "client-created"
    client_linked = "client-linked"


GROUPS = enum_map("TARGET_GROUP_", TargetGroupCode, pb.TargetGroup)
SOURCES = enum_map("TARGET_LIST_SOURCE_", ListSource, pb.TargetListSource)
STATES = enum_map("OUTREACH_STATUS_", OutreachState, pb.OutreachStatus)
RESULTS = enum_map("CONTACT_OUTCOME_", ContactResult, pb.ContactOutcome)
CHANNELS = enum_map("CONTACT_CHANNEL_", ContactChannelCode, pb.ContactChannel)
EVENTS = enum_map("TARGET_EVENT_KIND_", TargetEventCode, pb.TargetEventKind)


def _date(value: str) -> str | None:
    return value or None


class OutreachImport(Model):
    id: str
    municipality_code: str
    source: ListSource
    media_type: str
    rows: int = Field(description="Data rows in the file")
    persons: int = Field(description="Different people in the file")
    targets_created: int
    groups_added: int = Field(description="New groups of people already listed")
    matched_clients: int = Field(description="People found to be clients (by identity code)")
    unchanged: int = Field(description="People already listed with these groups")
    imported_by: str
    imported_at: datetime

    @classmethod
    def of(cls, m: pb.OutreachImport) -> OutreachImport:
        return cls(
            id=m.id,
            municipality_code=m.municipality_code,
            source=from_proto(SOURCES, m.source),
            media_type=m.media_type,
            rows=m.rows,
            persons=m.persons,
            targets_created=m.targets_created,
            groups_added=m.groups_added,
            matched_clients=m.matched_clients,
            unchanged=m.unchanged,
            imported_by=m.imported_by,
            imported_at=from_timestamp(m.imported_at),
        )


class ImportPage(Model):
    items: list[OutreachImport]
    next_page_token: str | None


class GroupMembership(Model):
    target_group: TargetGroupCode
    source: ListSource
    first_permit_date: str
    first_import_id: str
    listed_at: datetime

    @classmethod
    def of(cls, m: pb.TargetGroupMembership) -> GroupMembership:
        return cls(
            target_group=from_proto(GROUPS, m.target_group),
            source=from_proto(SOURCES, m.source),
            first_permit_date=m.first_permit_date,
            first_import_id=m.first_import_id,
            listed_at=from_timestamp(m.listed_at),
        )


class ContactAttempt(Model):
    outcome: ContactResult
    channel: ContactChannelCode
    contacted_on: str
    note: str | None
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, m: pb.ContactAttempt) -> ContactAttempt:
        return cls(
            outcome=from_proto(RESULTS, m.outcome),
            channel=from_proto(CHANNELS, m.channel),
            contacted_on=m.contacted_on,
            note=m.note or None,
            recorded_by=m.recorded_by,
            recorded_at=from_timestamp(m.recorded_at),
        )


class OutreachTarget(Model):
    id: str
    version: int
    municipality_code: str
    first_names: str
    last_name: str
    date_of_birth: str
    henkilotunnus: str | None
    source_person_id: str | None = Field(
        description="The person's identifier in the source's register, when no identity code"
    )
    languages: list[str]
    contact: ContactDetails
    groups: list[GroupMembership]
    first_permit_date: str
    window_ends_on: str = Field(description="The last day of the three-year window")
    status: OutreachState
    attempt_count: int
    last_attempt_on: str | None
    attempts: list[ContactAttempt] = Field(
        description="Contact attempts, oldest first (empty in lists)"
    )
    assignee_subject: str | None
    assignee_name: str | None
    client_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.OutreachTarget) -> OutreachTarget:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            first_names=m.first_names,
            last_name=m.last_name,
            date_of_birth=m.date_of_birth,
            henkilotunnus=m.henkilotunnus or None,
            source_person_id=m.source_person_id or None,
            languages=list(m.languages),
            contact=ContactDetails.of(m.contact),
            groups=[GroupMembership.of(g) for g in m.groups],
            first_permit_date=m.first_permit_date,
            window_ends_on=m.window_ends_on,
            status=from_proto(STATES, m.status),
            attempt_count=m.attempt_count,
            last_attempt_on=_date(m.last_attempt_on),
            attempts=[ContactAttempt.of(a) for a in m.attempts],
            assignee_subject=m.assignee_subject or None,
            assignee_name=m.assignee_name or None,
            client_id=m.client_id or None,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class TargetPage(Model):
    items: list[OutreachTarget]
    next_page_token: str | None


class TargetEvent(Model):
    sequence: int
    kind: TargetEventCode
    occurred_at: datetime
    actor_subject: str
    status_after: OutreachState
    import_id: str | None = None
    target_group: TargetGroupCode | None = None
    contact: ContactAttempt | None = None
    assignee_subject: str | None = None
    assignee_name: str | None = None
    client_id: str | None = None

    @classmethod
    def of(cls, m: pb.TargetEvent) -> TargetEvent:
        return cls(
            sequence=m.sequence,
            kind=from_proto(EVENTS, m.kind),
            occurred_at=from_timestamp(m.occurred_at),
            actor_subject=m.actor_subject,
            status_after=from_proto(STATES, m.status_after),
            import_id=m.import_id or None,
            target_group=from_proto(GROUPS, m.target_group),
            contact=ContactAttempt.of(m.contact) if m.HasField("contact") else None,
            assignee_subject=m.assignee_subject or None,
            assignee_name=m.assignee_name or None,
            client_id=m.client_id or None,
        )


class TargetHistory(Model):
    items: list[TargetEvent]


class ContactIn(Model):
    outcome: ContactResult = Field(examples=["not-reached"])
    channel: ContactChannelCode = Field(examples=["phone"])
    contacted_on: str | None = Field(
        None, description="YYYY-MM-DD; today when left out", examples=["2026-03-02"]
    )
    note: str | None = Field(None, max_length=2000, examples=["Ei vastannut, soitetaan uudelleen"])

    def message(self, target_id: str, version: int) -> pb.RecordContactAttemptRequest:
        return pb.RecordContactAttemptRequest(
            target_id=target_id,
            expected_version=version,
            outcome=RESULTS[self.outcome],
            channel=CHANNELS[self.channel],
            contacted_on=self.contacted_on or "",
            note=self.note or "",
        )


class AssigneeIn(Model):
    subject: str | None = Field(
        None,
        max_length=200,
        description="The officer's Keycloak subject (sub); null removes the assignment",
        examples=["f3b2c1d0-7a6b-4c5d-9e8f-0a1b2c3d4e5f"],
    )
    display_name: str | None = Field(None, max_length=200, examples=["Outi Ohjaaja"])


class ClientConversionIn(Model):
    existing_client_id: str | None = Field(
        None,
        max_length=36,
        description="Link to this client record instead of creating one from the list",
    )
    segment: Segment | None = Field(None, examples=["self-moved"])

    def message(self, target_id: str, version: int) -> pb.ConvertTargetToClientRequest:
        return pb.ConvertTargetToClientRequest(
            target_id=target_id,
            expected_version=version,
            existing_client_id=self.existing_client_id or "",
            segment=SEGMENTS.get(self.segment, 0),
        )


class CoverageCount(Model):
    target_group: TargetGroupCode
    status: OutreachState
    targets: int
    window_ended: int = Field(description="Of these, targets whose window has ended")


class GroupCoverage(Model):
    target_group: TargetGroupCode
    targets: int
    reached: int = Field(description="Reached, declined or client")
    clients: int
    missed: int = Field(description="Never reached, and the window has ended")


class Coverage(Model):
    municipality_code: str
    as_of: str
    persons: int = Field(description="Different people on the lists")
    counts: list[CoverageCount]
    groups: list[GroupCoverage]

    @classmethod
    def of(cls, m: pb.OutreachCoverage) -> Coverage:
        return cls(
            municipality_code=m.municipality_code,
            as_of=m.as_of,
            persons=m.persons,
            counts=[
                CoverageCount(
                    target_group=from_proto(GROUPS, c.target_group),
                    status=from_proto(STATES, c.status),
                    targets=c.targets,
                    window_ended=c.window_ended,
                )
                for c in m.counts
            ],
            groups=[
                GroupCoverage(
                    target_group=from_proto(GROUPS, g.target_group),
                    targets=g.targets,
                    reached=g.reached,
                    clients=g.clients,
                    missed=g.missed,
                )
                for g in m.groups
            ],
        )
