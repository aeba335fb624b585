"""Queries of notifications and their deliveries (the outbox of outgoing messages)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.messaging.domain.delivery import (
    CANCELLABLE,
    Channel,
    DeliveryStatus,
    NotificationStatus,
    idempotency_key,
    notification_status,
)
from kotopolku.messaging.tables import deliveries, notifications, opt_outs


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery a worker took on: it owns it until ``lease_until``."""

    delivery_id: str
    notification_id: str
    channel: Channel
    attempts: int
    idempotency_key: str
    # The previous owner died while sending: the channel may already have the message.
    in_doubt: bool


async def insert_notification(
    connection: AsyncConnection,
    *,
    values: dict[str, Any],
    channels: Sequence[Channel],
    now: datetime,
    skipped: bool = False,
) -> str:
    notification_id = str(uuid.uuid4())
    await connection.execute(
        sa.insert(notifications).values(
            id=notification_id,
            version=1,
            language="",
            cancelled=False,
            created_at=now,
            updated_at=now,
            status=(
                NotificationStatus.SKIPPED
                if skipped
                else notification_status(
                    [(DeliveryStatus.PENDING, 0)] * len(channels), cancelled=False
                )
            ).value,
            **values,
        )
    )
    if channels and not skipped:
        rows = []
        for channel in channels:
            delivery_id = str(uuid.uuid4())
            rows.append(
                {
                    "id": delivery_id,
                    "notification_id": notification_id,
                    "channel": channel.value,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": values["send_at"],
                    "lease_until": None,
                    "sent_at": None,
                    "last_error": "",
                    "idempotency_key": idempotency_key(delivery_id),
                    "provider_message_id": "",
                    "updated_at": now,
                }
            )
        await connection.execute(sa.insert(deliveries), rows)
    return notification_id


async def get_notification(connection: AsyncConnection, notification_id: str) -> Any | None:
    return (
        await connection.execute(
            sa.select(notifications).where(notifications.c.id == notification_id)
        )
    ).first()


async def deliveries_of(connection: AsyncConnection, notification_ids: Sequence[str]) -> list[Any]:
    if not notification_ids:
        return []
    return list(
        (
            await connection.execute(
                sa.select(deliveries)
                .where(deliveries.c.notification_id.in_(list(notification_ids)))
                .order_by(deliveries.c.channel)
            )
        ).all()
    )


async def refresh_status(connection: AsyncConnection, notification_id: str, now: datetime) -> None:
    """Derives the notification's status from its deliveries, in the caller's transaction."""
    row = await get_notification(connection, notification_id)
    if row is None or row.status == NotificationStatus.SKIPPED:
        return
    items = [
        (DeliveryStatus(d.status), d.attempts)
        for d in await deliveries_of(connection, [notification_id])
    ]
    status = notification_status(items, cancelled=row.cancelled)
    if status.value != row.status:
        await connection.execute(
            sa.update(notifications)
            .where(notifications.c.id == notification_id)
            .values(status=status.value, version=notifications.c.version + 1, updated_at=now)
        )


async def cancel(connection: AsyncConnection, notification_id: str, now: datetime) -> None:
    await connection.execute(
        sa.update(deliveries)
        .where(
            deliveries.c.notification_id == notification_id,
            deliveries.c.status.in_([s.value for s in CANCELLABLE]),
        )
        .values(status=DeliveryStatus.CANCELLED.value, updated_at=now)
    )
    await connection.execute(
        sa.update(notifications)
        .where(notifications.c.id == notification_id)
        .values(cancelled=True, version=notifications.c.version + 1, updated_at=now)
    )
    await refresh_status(connection, notification_id, now)


async def claim_due(
    connection: AsyncConnection, *, now: datetime, lease: timedelta, limit: int, sqlite: bool
) -> list[Claim]:
    """Takes up to ``limit`` due deliveries: pending or retrying ones whose time has come, and
    sending ones whose worker's lease ran out."""
    due = sa.or_(
        sa.and_(
            deliveries.c.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.RETRYING.value]),
            deliveries.c.next_attempt_at <= now,
        ),
        sa.and_(
            deliveries.c.status == DeliveryStatus.SENDING.value, deliveries.c.lease_until < now
        ),
    )
    query = (
        sa.select(
            deliveries.c.id,
            deliveries.c.notification_id,
            deliveries.c.channel,
            deliveries.c.status,
            deliveries.c.attempts,
            deliveries.c.idempotency_key,
        )
        .where(due)
        .order_by(deliveries.c.next_attempt_at, deliveries.c.notification_id, deliveries.c.channel)
        .limit(limit)
    )
    if not sqlite:
        # Several workers (replicas) each take a different batch.
        query = query.with_for_update(skip_locked=True)
    claims = []
    for row in (await connection.execute(query)).all():
        taken = await connection.execute(
            sa.update(deliveries)
            .where(
                deliveries.c.id == row.id,
                deliveries.c.status == row.status,
                deliveries.c.attempts == row.attempts,
            )
            .values(
                status=DeliveryStatus.SENDING.value,
                attempts=row.attempts + 1,
                lease_until=now + lease,
                updated_at=now,
            )
        )
        if taken.rowcount != 1:
            continue
        claims.append(
            Claim(
                delivery_id=row.id,
                notification_id=row.notification_id,
                channel=Channel(row.channel),
                attempts=row.attempts + 1,
                idempotency_key=row.idempotency_key,
                in_doubt=row.status == DeliveryStatus.SENDING.value,
            )
        )
    for notification_id in {c.notification_id for c in claims}:
        await refresh_status(connection, notification_id, now)
    return claims


async def finish(
    connection: AsyncConnection,
    claim: Claim,
    *,
    status: DeliveryStatus,
    now: datetime,
    error: str = "",
    provider_message_id: str = "",
    next_attempt_at: datetime | None = None,
    language: str = "",
) -> bool:
    """Records the outcome of a claimed attempt; False when the claim was lost meanwhile (its
    lease ran out and another worker took the delivery)."""
    values: dict[str, Any] = {
        "status": status.value,
        "last_error": error[:200],
        "lease_until": None,
        "updated_at": now,
    }
    if status is DeliveryStatus.SENT:
        values.update(sent_at=now, provider_message_id=provider_message_id[:200])
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    result = await connection.execute(
        sa.update(deliveries)
        .where(
            deliveries.c.id == claim.delivery_id,
            deliveries.c.status == DeliveryStatus.SENDING.value,
            deliveries.c.attempts == claim.attempts,
        )
        .values(**values)
    )
    if result.rowcount != 1:
        return False
    if language:
        await connection.execute(
            sa.update(notifications)
            .where(notifications.c.id == claim.notification_id, notifications.c.language == "")
            .values(language=language)
        )
    await refresh_status(connection, claim.notification_id, now)
    return True


async def opted_out_scopes(connection: AsyncConnection, client_id: str) -> set[str]:
    rows = await connection.execute(
        sa.select(opt_outs.c.scope).where(
            opt_outs.c.client_id == client_id, opt_outs.c.opted_out.is_(True)
        )
    )
    return {row.scope for row in rows}
