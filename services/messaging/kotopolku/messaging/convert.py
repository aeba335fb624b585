"""Rows and domain values to protobuf messages, and proto enums to domain enums."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kotopolku.common.clock import to_timestamp
from kotopolku.common.errors import InvalidArgument
from kotopolku.messaging.domain.delivery import Channel, DeliveryStatus, NotificationStatus
from kotopolku.messaging.domain.languages import TextDirection, direction
from kotopolku.messaging.domain.templates import RenderedMessage, TemplateText
from kotopolku.messaging.domain.threads import ParticipantKind
from kotopolku.messaging.v1 import messaging_pb2 as pb

CHANNEL_TO_PROTO = {
    Channel.EMAIL: pb.CHANNEL_EMAIL,
    Channel.SMS: pb.CHANNEL_SMS,
    Channel.SUOMIFI: pb.CHANNEL_SUOMIFI,
}
CHANNEL_FROM_PROTO = {v: k for k, v in CHANNEL_TO_PROTO.items()}
DIRECTION_TO_PROTO = {
    TextDirection.LTR: pb.TEXT_DIRECTION_LTR,
    TextDirection.RTL: pb.TEXT_DIRECTION_RTL,
}
KIND_TO_PROTO = {
    ParticipantKind.STAFF: pb.PARTICIPANT_KIND_STAFF,
    ParticipantKind.CLIENT: pb.PARTICIPANT_KIND_CLIENT,
    ParticipantKind.STAKEHOLDER: pb.PARTICIPANT_KIND_STAKEHOLDER,
}
KIND_FROM_PROTO = {v: k for k, v in KIND_TO_PROTO.items()}
DELIVERY_STATUS_TO_PROTO = {
    DeliveryStatus.PENDING: pb.DELIVERY_STATUS_PENDING,
    DeliveryStatus.SENDING: pb.DELIVERY_STATUS_SENDING,
    DeliveryStatus.SENT: pb.DELIVERY_STATUS_SENT,
    DeliveryStatus.RETRYING: pb.DELIVERY_STATUS_RETRYING,
    DeliveryStatus.FAILED: pb.DELIVERY_STATUS_FAILED,
    DeliveryStatus.CANCELLED: pb.DELIVERY_STATUS_CANCELLED,
    DeliveryStatus.SKIPPED: pb.DELIVERY_STATUS_SKIPPED,
}
NOTIFICATION_STATUS_TO_PROTO = {
    NotificationStatus.SCHEDULED: pb.NOTIFICATION_STATUS_SCHEDULED,
    NotificationStatus.SENDING: pb.NOTIFICATION_STATUS_SENDING,
    NotificationStatus.SENT: pb.NOTIFICATION_STATUS_SENT,
    NotificationStatus.FAILED: pb.NOTIFICATION_STATUS_FAILED,
    NotificationStatus.CANCELLED: pb.NOTIFICATION_STATUS_CANCELLED,
    NotificationStatus.SKIPPED: pb.NOTIFICATION_STATUS_SKIPPED,
}


def channels_from_proto(values: Sequence[int], field: str = "channels") -> list[Channel]:
    found: list[Channel] = []
    for index, value in enumerate(values):
        if value not in CHANNEL_FROM_PROTO:
            raise InvalidArgument.field(
                f"{field}[{index}]", "is not a channel: EMAIL, SMS, SUOMIFI"
            )
        channel = CHANNEL_FROM_PROTO[value]  # type: ignore[index]
        if channel not in found:
            found.append(channel)
    return found


def template_message(
    template: TemplateText, municipality: str = "", row: Any = None
) -> pb.Template:
    return pb.Template(
        key=template.key,
        language=template.language,
        municipality_code=municipality,
        subject=template.subject,
        body_text=template.body_text,
        body_html=template.body_html,
        sms_text=template.sms_text,
        variables=list(template.variables),
        direction=DIRECTION_TO_PROTO[template.direction],
        version=row.version if row is not None else 0,
        updated_at=to_timestamp(row.updated_at) if row is not None else None,
    )


def rendered_message(rendered: RenderedMessage, requested: str) -> pb.RenderedMessage:
    return pb.RenderedMessage(
        template_key=rendered.key,
        language=rendered.language,
        direction=DIRECTION_TO_PROTO[rendered.direction],
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        sms_text=rendered.sms_text,
        fell_back=bool(requested) and rendered.language != requested,
    )


def delivery_message(row: Any) -> pb.Delivery:
    status = DeliveryStatus(row.status)
    return pb.Delivery(
        id=row.id,
        channel=CHANNEL_TO_PROTO[Channel(row.channel)],
        status=DELIVERY_STATUS_TO_PROTO[status],
        attempts=row.attempts,
        next_attempt_at=(
            to_timestamp(row.next_attempt_at)
            if status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
            else None
        ),
        sent_at=to_timestamp(row.sent_at),
        last_error=row.last_error,
        idempotency_key=row.idempotency_key,
        provider_message_id=row.provider_message_id,
    )


def notification_message(row: Any, deliveries: Sequence[Any]) -> pb.Notification:
    return pb.Notification(
        id=row.id,
        status=NOTIFICATION_STATUS_TO_PROTO[NotificationStatus(row.status)],
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        template_key=row.template_key,
        language=row.language,
        direction=(
            DIRECTION_TO_PROTO[direction(row.language)]
            if row.language
            else pb.TEXT_DIRECTION_UNSPECIFIED
        ),
        deliveries=[delivery_message(d) for d in deliveries],
        send_at=to_timestamp(row.send_at),
        created_at=to_timestamp(row.created_at),
        campaign_id=row.campaign_id or "",
        version=row.version,
        requested_by=row.requested_by,
    )


def thread_message(row: Any, participants: Sequence[Any], viewer_subject: str) -> pb.Thread:
    mine = next((p for p in participants if p.subject == viewer_subject), None)
    return pb.Thread(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        client_id=row.client_id,
        subject=row.subject,
        participants=[
            pb.Participant(
                subject=p.subject,
                kind=KIND_TO_PROTO[ParticipantKind(p.kind)],
                display_name=p.display_name,
                last_read_message_id=p.last_read_message_id or "",
                last_read_at=to_timestamp(p.last_read_at),
                unread_count=max(0, row.message_count - p.last_read_sequence),
            )
            for p in participants
        ],
        message_count=row.message_count,
        last_message_at=to_timestamp(row.last_message_at),
        created_at=to_timestamp(row.created_at),
        unread_count=max(0, row.message_count - (mine.last_read_sequence if mine else 0)),
    )


def posted_message(row: Any) -> pb.ThreadMessage:
    return pb.ThreadMessage(
        id=row.id,
        thread_id=row.thread_id,
        author_subject=row.author_subject,
        author_kind=KIND_TO_PROTO[ParticipantKind(row.author_kind)],
        body=row.body,
        created_at=to_timestamp(row.created_at),
        sequence=row.sequence,
    )


def campaign_message(row: Any) -> pb.Campaign:
    return pb.Campaign(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        name=row.name,
        topic=row.topic,
        template_key=row.template_key,
        variables=dict(row.variables or {}),
        channels=[CHANNEL_TO_PROTO[Channel(c)] for c in row.channels or []],
        client_ids=list(row.client_ids or []),
        status=pb.CAMPAIGN_STATUS_SENT if row.status == "sent" else pb.CAMPAIGN_STATUS_DRAFT,
        send_at=to_timestamp(row.send_at),
        created_at=to_timestamp(row.created_at),
        queued_count=row.queued_count,
        skipped_count=row.skipped_count,
    )


def opt_out_message(row: Any) -> pb.OptOut:
    kind, _, value = row.scope.partition(":")
    return pb.OptOut(
        client_id=row.client_id,
        channel=CHANNEL_TO_PROTO[Channel(value)] if kind == "channel" else pb.CHANNEL_UNSPECIFIED,
        topic=value if kind == "topic" else "",
        opted_out=row.opted_out,
        updated_at=to_timestamp(row.updated_at),
        recorded_by=row.recorded_by,
    )
