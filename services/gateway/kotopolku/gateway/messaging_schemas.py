"""JSON shapes of the messaging API (IS service 8) and their conversion to and from the messaging
service's messages. Sizes are checked here; the rules (template variables, languages, topics)
once, in the messaging service, and come back as field violations named like the JSON fields."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import Field

from kotopolku.common.clock import from_timestamp, to_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model
from kotopolku.messaging.v1 import messaging_pb2 as pb


class ChannelName(StrEnum):
    email = "email"
    sms = "sms"
    suomifi = "suomifi"


class ParticipantKind(StrEnum):
    staff = "staff"
    client = "client"
    stakeholder = "stakeholder"


class Direction(StrEnum):
    ltr = "ltr"
    rtl = "rtl"


class NotificationState(StrEnum):
    scheduled = "scheduled"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"
    skipped = "skipped"


class DeliveryState(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    retrying = "retrying"
    failed = "failed"
    cancelled = "cancelled"
    skipped = "skipped"


class CampaignState(StrEnum):
    draft = "draft"
    sent = "sent"


CHANNELS = enum_map("CHANNEL_", ChannelName, pb.Channel)
KINDS = enum_map("PARTICIPANT_KIND_", ParticipantKind, pb.ParticipantKind)
DIRECTIONS = enum_map("TEXT_DIRECTION_", Direction, pb.TextDirection)
NOTIFICATION_STATES = enum_map("NOTIFICATION_STATUS_", NotificationState, pb.NotificationStatus)
DELIVERY_STATES = enum_map("DELIVERY_STATUS_", DeliveryState, pb.DeliveryStatus)
CAMPAIGN_STATES = enum_map("CAMPAIGN_STATUS_", CampaignState, pb.CampaignStatus)

Variables = dict[str, str]
REMINDER_VARIABLES = {
    "date": "12.3.2026",
    "time": "10.00",
    "location": "Kotoutumispalvelut, Kampinkuja 1",
    "organiser": "Helsingin kotoutumispalvelut",
}


def _time(ts: Timestamp, present: bool) -> datetime | None:
    return from_timestamp(ts) if present else None


# --- threads -----------------------------------------------------------------------------------


class ParticipantIn(Model):
    subject: str = Field(
        max_length=200,
        description="Keycloak subject of a member of staff or a stakeholder",
        examples=["5f0c…"],
    )
    kind: ParticipantKind = Field(examples=["stakeholder"])
    display_name: str = Field("", max_length=200, examples=["Pirkanmaan hyvinvointialue"])


class Participant(Model):
    subject: str
    kind: ParticipantKind | None
    display_name: str
    last_read_message_id: str | None
    last_read_at: datetime | None
    unread_count: int


class ThreadCreate(Model):
    subject: str = Field(max_length=200, examples=["Kotoutumiskoulutuksen aloitus"])
    body: str = Field(max_length=10_000, examples=["Hei! Koulutus alkaa maanantaina klo 9."])
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=20)

    def message(self, client_id: str, key: str) -> pb.CreateThreadRequest:
        return pb.CreateThreadRequest(
            client_id=client_id,
            subject=self.subject,
            body=self.body,
            participants=[
                pb.Participant(subject=p.subject, kind=KINDS[p.kind], display_name=p.display_name)
                for p in self.participants
            ],
            idempotency_key=key,
        )


class Thread(Model):
    id: str
    version: int
    municipality_code: str
    client_id: str
    subject: str
    participants: list[Participant]
    message_count: int
    unread_count: int
    last_message_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, m: pb.Thread) -> Thread:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            client_id=m.client_id,
            subject=m.subject,
            participants=[
                Participant(
                    subject=p.subject,
                    kind=from_proto(KINDS, p.kind),
                    display_name=p.display_name,
                    last_read_message_id=p.last_read_message_id or None,
                    last_read_at=_time(p.last_read_at, p.HasField("last_read_at")),
                    unread_count=p.unread_count,
                )
                for p in m.participants
            ],
            message_count=m.message_count,
            unread_count=m.unread_count,
            last_message_at=from_timestamp(m.last_message_at),
            created_at=from_timestamp(m.created_at),
        )


class ThreadPage(Model):
    items: list[Thread]
    next_page_token: str | None


class MessageCreate(Model):
    body: str = Field(max_length=10_000, examples=["Kiitos, tulen paikalle."])


class ThreadMessage(Model):
    id: str
    thread_id: str
    sequence: int
    author_subject: str
    author_kind: ParticipantKind | None
    body: str
    created_at: datetime

    @classmethod
    def of(cls, m: pb.ThreadMessage) -> ThreadMessage:
        return cls(
            id=m.id,
            thread_id=m.thread_id,
            sequence=m.sequence,
            author_subject=m.author_subject,
            author_kind=from_proto(KINDS, m.author_kind),
            body=m.body,
            created_at=from_timestamp(m.created_at),
        )


class MessagePage(Model):
    items: list[ThreadMessage]
    next_page_token: str | None


class ReadMark(Model):
    message_id: str | None = Field(
        None, max_length=36, description="Read up to this message; empty: the latest"
    )


# --- templates ---------------------------------------------------------------------------------


class TemplatePut(Model):
    subject: str = Field(max_length=300, examples=["Muistutus tapaamisesta {{ date }}"])
    body_text: str = Field(
        max_length=20_000,
        examples=[
            "Hei,\n\ntapaaminen {{ date }} klo {{ time }}, {{ location }}.\n\n{{ organiser }}"
        ],
    )
    body_html: str = Field("", max_length=20_000, description="Optional; derived from body_text")
    sms_text: str = Field("", max_length=1_000, description="Optional; default body_text")
    variables: list[str] = Field(
        default_factory=list, max_length=30, examples=[["date", "time", "location", "organiser"]]
    )


class Template(Model):
    key: str
    language: str
    municipality_code: str | None = Field(description="Empty for the shipped defaults")
    subject: str
    body_text: str
    body_html: str
    sms_text: str
    variables: list[str]
    direction: Direction | None
    version: int
    updated_at: datetime | None

    @classmethod
    def of(cls, m: pb.Template) -> Template:
        return cls(
            key=m.key,
            language=m.language,
            municipality_code=m.municipality_code or None,
            subject=m.subject,
            body_text=m.body_text,
            body_html=m.body_html,
            sms_text=m.sms_text,
            variables=list(m.variables),
            direction=from_proto(DIRECTIONS, m.direction),
            version=m.version,
            updated_at=_time(m.updated_at, m.HasField("updated_at")),
        )


class TemplatePage(Model):
    items: list[Template]
    next_page_token: str | None


class RenderRequest(Model):
    language: str = Field("", max_length=8, examples=["ar"])
    variables: Variables = Field(default_factory=dict, examples=[REMINDER_VARIABLES])


class Rendered(Model):
    template_key: str
    language: str
    direction: Direction | None
    fell_back: bool
    subject: str
    body_text: str
    body_html: str
    sms_text: str

    @classmethod
    def of(cls, m: pb.RenderedMessage) -> Rendered:
        return cls(
            template_key=m.template_key,
            language=m.language,
            direction=from_proto(DIRECTIONS, m.direction),
            fell_back=m.fell_back,
            subject=m.subject,
            body_text=m.body_text,
            body_html=m.body_html,
            sms_text=m.sms_text,
        )


# --- notifications -----------------------------------------------------------------------------


class NotificationCreate(Model):
    template_key: str = Field(max_length=60, examples=["appointment-reminder"])
    language: str = Field(
        "", max_length=8, description="Override; default: the client's language", examples=[""]
    )
    variables: Variables = Field(default_factory=dict, examples=[REMINDER_VARIABLES])
    channels: list[ChannelName] = Field(
        default_factory=list,
        max_length=3,
        description="Empty: every channel the client can be reached on",
        examples=[["email", "sms"]],
    )
    send_at: datetime | None = Field(None, description="Not before; empty: now")

    def message(self, client_id: str, key: str) -> pb.SendNotificationRequest:
        request = pb.SendNotificationRequest(
            idempotency_key=key,
            client_id=client_id,
            template_key=self.template_key,
            language=self.language,
            variables=self.variables,
            channels=[CHANNELS[c] for c in self.channels],
        )
        if self.send_at is not None:
            stamp = to_timestamp(self.send_at)
            assert stamp is not None
            request.send_at.CopyFrom(stamp)
        return request


class Delivery(Model):
    id: str
    channel: ChannelName | None
    status: DeliveryState | None
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str
    idempotency_key: str

    @classmethod
    def of(cls, m: pb.Delivery) -> Delivery:
        return cls(
            id=m.id,
            channel=from_proto(CHANNELS, m.channel),
            status=from_proto(DELIVERY_STATES, m.status),
            attempts=m.attempts,
            next_attempt_at=_time(m.next_attempt_at, m.HasField("next_attempt_at")),
            sent_at=_time(m.sent_at, m.HasField("sent_at")),
            last_error=m.last_error,
            idempotency_key=m.idempotency_key,
        )


class Notification(Model):
    id: str
    status: NotificationState | None
    client_id: str
    municipality_code: str
    template_key: str
    language: str | None = Field(description="Chosen at the first attempt by the fallback rules")
    direction: Direction | None
    campaign_id: str | None
    requested_by: str
    send_at: datetime
    created_at: datetime
    deliveries: list[Delivery]

    @classmethod
    def of(cls, m: pb.Notification) -> Notification:
        return cls(
            id=m.id,
            status=from_proto(NOTIFICATION_STATES, m.status),
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            template_key=m.template_key,
            language=m.language or None,
            direction=from_proto(DIRECTIONS, m.direction),
            campaign_id=m.campaign_id or None,
            requested_by=m.requested_by,
            send_at=from_timestamp(m.send_at),
            created_at=from_timestamp(m.created_at),
            deliveries=[Delivery.of(d) for d in m.deliveries],
        )


class NotificationPage(Model):
    items: list[Notification]
    next_page_token: str | None


# --- campaigns and opt-outs --------------------------------------------------------------------


class CampaignCreate(Model):
    name: str = Field(max_length=200, examples=["Kevään kotoutumiskoulutukset"])
    topic: str = Field(
        max_length=60, description="Opt-out topic", examples=["integration-training-news"]
    )
    template_key: str = Field(max_length=60, examples=["appointment-reminder"])
    variables: Variables = Field(default_factory=dict, examples=[REMINDER_VARIABLES])
    channels: list[ChannelName] = Field(default_factory=list, max_length=3, examples=[["email"]])
    client_ids: list[str] = Field(max_length=1000, description="The target group")
    send_at: datetime | None = None

    def message(self) -> pb.Campaign:
        campaign = pb.Campaign(
            name=self.name,
            topic=self.topic,
            template_key=self.template_key,
            variables=self.variables,
            channels=[CHANNELS[c] for c in self.channels],
            client_ids=self.client_ids,
        )
        if self.send_at is not None:
            stamp = to_timestamp(self.send_at)
            assert stamp is not None
            campaign.send_at.CopyFrom(stamp)
        return campaign


class Campaign(Model):
    id: str
    version: int
    municipality_code: str
    name: str
    topic: str
    template_key: str
    variables: Variables
    channels: list[ChannelName]
    client_ids: list[str]
    status: CampaignState | None
    send_at: datetime | None
    created_at: datetime
    queued_count: int
    skipped_count: int

    @classmethod
    def of(cls, m: pb.Campaign) -> Campaign:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            name=m.name,
            topic=m.topic,
            template_key=m.template_key,
            variables=dict(m.variables),
            channels=[c for c in (from_proto(CHANNELS, v) for v in m.channels) if c],
            client_ids=list(m.client_ids),
            status=from_proto(CAMPAIGN_STATES, m.status),
            send_at=_time(m.send_at, m.HasField("send_at")),
            created_at=from_timestamp(m.created_at),
            queued_count=m.queued_count,
            skipped_count=m.skipped_count,
        )


class CampaignPage(Model):
    items: list[Campaign]
    next_page_token: str | None


class OptOutPut(Model):
    channel: ChannelName | None = Field(None, examples=["sms"])
    topic: str = Field("", max_length=60, examples=[""])
    opted_out: bool = True

    def message(self, client_id: str = "") -> pb.SetOptOutRequest:
        return pb.SetOptOutRequest(
            client_id=client_id,
            channel=CHANNELS[self.channel] if self.channel else pb.CHANNEL_UNSPECIFIED,
            topic=self.topic,
            opted_out=self.opted_out,
        )


class OptOut(Model):
    client_id: str
    channel: ChannelName | None
    topic: str | None
    opted_out: bool
    updated_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, m: pb.OptOut) -> OptOut:
        return cls(
            client_id=m.client_id,
            channel=from_proto(CHANNELS, m.channel),
            topic=m.topic or None,
            opted_out=m.opted_out,
            updated_at=from_timestamp(m.updated_at),
            recorded_by=m.recorded_by,
        )
