"""RPCs of notifications: one templated message to a client, from another service (reminders,
signature requests) or an officer; cancelling one not yet sent; delivery status per channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.domain import ClientDomainError, validate_municipality_code
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.clock import from_timestamp
from kotopolku.common.errors import (
    AlreadyExists,
    InvalidArgument,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from kotopolku.common.identity import current_caller
from kotopolku.common.requests import resource_id
from kotopolku.messaging import access, convert, delivery_store, template_store
from kotopolku.messaging.access import NotificationActor
from kotopolku.messaging.contacts import ClientContact
from kotopolku.messaging.domain.delivery import Channel, NotificationStatus
from kotopolku.messaging.domain.errors import MessagingDomainError
from kotopolku.messaging.domain.templates import validate_key, validate_variables
from kotopolku.messaging.rpc_support import (
    Context,
    RpcBase,
    fingerprint,
    idempotency_key,
    invalid,
    time_position,
    time_token,
)
from kotopolku.messaging.tables import notifications
from kotopolku.messaging.template_rpcs import language_of
from kotopolku.messaging.v1 import messaging_pb2 as pb

_REACHABLE = {
    Channel.EMAIL: lambda c: bool(c.recipient.email),
    Channel.SMS: lambda c: bool(c.recipient.phone),
    Channel.SUOMIFI: lambda c: bool(c.recipient.henkilotunnus),
}
_FINAL = frozenset({NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.SKIPPED})


def notification_entry(row: Any, action: str, fields: tuple[str, ...] = ()) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"notifications/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=fields,
    )


class NotificationRpcs(RpcBase):
    def available_channels(self, contact: ClientContact) -> list[Channel]:
        return [c for c in self._configured if _REACHABLE[c](contact)]

    async def _notification(self, connection: AsyncConnection, row: Any) -> pb.Notification:
        return convert.notification_message(
            row, await delivery_store.deliveries_of(connection, [row.id])
        )

    async def _visible_notification(
        self, connection: AsyncConnection, actor: NotificationActor, notification_id: str
    ) -> Any:
        row = await delivery_store.get_notification(
            connection, resource_id(notification_id, "notification_id", "notification")
        )
        if row is None or not actor.sees(row):
            raise NotFound("No such notification")
        return row

    def _municipality(self, actor: NotificationActor, requested: str) -> str:
        if actor.is_service:
            try:
                return validate_municipality_code(requested, field="municipality_code")
            except ClientDomainError as error:
                raise InvalidArgument.field(error.field, error.message) from None
        assert actor.municipality is not None
        if requested and requested != actor.municipality:
            raise NotFound("No such client")
        return actor.municipality

    async def SendNotification(
        self, request: pb.SendNotificationRequest, context: Context
    ) -> pb.Notification:
        caller = current_caller()
        actor = access.notification_actor(caller)
        if not actor.may_send:
            raise PermissionDenied("Only officers and services send notifications")
        key = idempotency_key(request.idempotency_key)
        if actor.is_service and not key:
            raise InvalidArgument.field("idempotency_key", "is required for service callers")
        municipality = self._municipality(actor, request.municipality_code)
        client_id = resource_id(request.client_id, "client_id", "client")
        requested_language = language_of(request.language, "language") if request.language else ""
        channels = convert.channels_from_proto(request.channels)
        for index, channel in enumerate(channels):
            if channel not in self._configured:
                raise InvalidArgument.field(
                    f"channels[{index}]", "this channel is not configured in this installation"
                )
        send_at = from_timestamp(request.send_at) if request.HasField("send_at") else self._now()
        digest = fingerprint(request)
        try:
            template_key = validate_key(request.template_key)
        except MessagingDomainError as error:
            raise invalid(error) from None
        async with self._db.transaction() as connection:
            existing = await self._replay(
                connection, caller.subject, key, "SendNotification", digest
            )
            if existing is not None:
                row = await delivery_store.get_notification(connection, existing)
                if row is None:
                    raise NotFound("The notification created with this key is gone")
                return await self._notification(connection, row)
            found = await template_store.available(connection, municipality, template_key)
        if not found:
            raise InvalidArgument.field("template_key", "no such template")
        try:
            variables = validate_variables(
                template_store.declared_variables(found), dict(request.variables)
            )
        except MessagingDomainError as error:
            raise invalid(error) from None
        contact = await self._client_in(client_id, municipality)
        if not channels:
            channels = self.available_channels(contact)
        now = self._now()
        async with self._db.transaction() as connection:
            try:
                notification_id = await delivery_store.insert_notification(
                    connection,
                    values={
                        "municipality_code": municipality,
                        "client_id": client_id,
                        "template_key": template_key,
                        "requested_language": requested_language,
                        "variables": variables,
                        "send_at": max(send_at, now),
                        "requested_by": caller.subject,
                        "campaign_id": None,
                        "topic": "",
                    },
                    channels=channels,
                    now=now,
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "SendNotification", digest, notification_id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The notification was created concurrently") from error
            row = await delivery_store.get_notification(connection, notification_id)
            await self._audit.record(
                connection, caller, [notification_entry(row, "notification.create", ("variables",))]
            )
            message = await self._notification(connection, row)
        self._on_queued()
        return message

    async def CancelNotification(
        self, request: pb.CancelNotificationRequest, context: Context
    ) -> pb.Notification:
        caller = current_caller()
        actor = access.notification_actor(caller)
        if not actor.may_send:
            raise PermissionDenied("Only officers and services cancel notifications")
        async with self._db.transaction() as connection:
            row = await self._visible_notification(connection, actor, request.notification_id)
            if not row.cancelled:
                if NotificationStatus(row.status) in _FINAL:
                    raise InvalidState("The notification was already sent or has failed")
                await delivery_store.cancel(connection, row.id, self._now())
                row = await delivery_store.get_notification(connection, row.id)
                await self._audit.record(
                    connection, caller, [notification_entry(row, "notification.cancel")]
                )
            return await self._notification(connection, row)

    async def GetNotification(
        self, request: pb.GetNotificationRequest, context: Context
    ) -> pb.Notification:
        caller = current_caller()
        actor = access.notification_actor(caller)
        async with self._db.transaction() as connection:
            row = await self._visible_notification(connection, actor, request.notification_id)
            await self._audit.record(
                connection, caller, [notification_entry(row, "notification.read", ("variables",))]
            )
            return await self._notification(connection, row)

    async def ListNotifications(
        self, request: pb.ListNotificationsRequest, context: Context
    ) -> pb.ListNotificationsResponse:
        caller = current_caller()
        actor = access.notification_actor(caller)
        if not request.client_id and not request.campaign_id:
            raise InvalidArgument.field("client_id", "give a client_id or a campaign_id")
        size = pagination.page_size(request.page_size)
        position = time_position(request.page_token)
        query = sa.select(notifications)
        if actor.is_service:
            query = query.where(notifications.c.requested_by == actor.subject)
        else:
            query = query.where(notifications.c.municipality_code == actor.municipality)
        if request.client_id:
            query = query.where(
                notifications.c.client_id == resource_id(request.client_id, "client_id", "client")
            )
        if request.campaign_id:
            query = query.where(
                notifications.c.campaign_id
                == resource_id(request.campaign_id, "campaign_id", "campaign")
            )
        if position is not None:
            at: datetime = position["at"]
            query = query.where(
                sa.or_(
                    notifications.c.created_at > at,
                    sa.and_(notifications.c.created_at == at, notifications.c.id > position["id"]),
                )
            )
        query = query.order_by(notifications.c.created_at, notifications.c.id).limit(size + 1)
        async with self._db.transaction() as connection:
            rows = list((await connection.execute(query)).all())
            page = rows[:size]
            found = await delivery_store.deliveries_of(connection, [r.id for r in page])
            await self._audit.record(
                connection, caller, [notification_entry(r, "notification.list") for r in page]
            )
        by_notification: dict[str, list[Any]] = {}
        for delivery in found:
            by_notification.setdefault(delivery.notification_id, []).append(delivery)
        return pb.ListNotificationsResponse(
            notifications=[
                convert.notification_message(r, by_notification.get(r.id, [])) for r in page
            ],
            next_page_token=time_token(rows, size, "created_at"),
        )
