"""Delivery rules (toimitus): states of one channel's delivery, the retry schedule, and the
status of a notification derived from its deliveries.

A delivery moves PENDING → SENDING → SENT, or → RETRYING → SENDING … until it is sent or the
attempts run out (FAILED). PENDING and RETRYING deliveries may be CANCELLED; a delivery the
client opted out of, or has no contact details for, is SKIPPED. A SENDING delivery whose lease
ran out belongs to a worker that died mid-send: it is *in doubt*, and is resolved with the
idempotency key the channel received (see docs in the README, "Delivery guarantees").
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    # Suomi.fi Messages (Suomi.fi-viestit).
    SUOMIFI = "suomifi"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class NotificationStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


OPEN = frozenset({DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.SENDING})
CANCELLABLE = frozenset({DeliveryStatus.PENDING, DeliveryStatus.RETRYING})
FINAL = frozenset(
    {
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.CANCELLED,
        DeliveryStatus.SKIPPED,
    }
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with equal jitter: attempt n waits base·2^(n-1), capped, of which
    the second half is random so that many failed deliveries do not retry in lockstep."""

    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 8

    def delay(self, attempts: int, jitter: Callable[[], float] = random.random) -> timedelta:
        """The wait after ``attempts`` failed attempts (attempts ≥ 1)."""
        exponent = max(0, attempts - 1)
        # min() before the power keeps huge attempt counts from overflowing.
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(exponent, 60))
        half = ceiling / 2
        return timedelta(seconds=half + half * min(1.0, max(0.0, jitter())))

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    status: DeliveryStatus
    next_attempt_at: datetime | None


def after_failure(
    policy: RetryPolicy,
    attempts: int,
    *,
    permanent: bool,
    now: datetime,
    jitter: Callable[[], float] = random.random,
) -> FailureOutcome:
    """What a failed attempt leads to: another try later, or giving up."""
    if permanent or policy.gives_up(attempts):
        return FailureOutcome(DeliveryStatus.FAILED, None)
    return FailureOutcome(DeliveryStatus.RETRYING, now + policy.delay(attempts, jitter))


def notification_status(
    deliveries: Iterable[tuple[DeliveryStatus, int]], *, cancelled: bool, skipped: bool = False
) -> NotificationStatus:
    """The notification's status from its deliveries' (status, attempts)."""
    if skipped:
        return NotificationStatus.SKIPPED
    items = list(deliveries)
    statuses = [status for status, _ in items]
    if cancelled and not any(s in (DeliveryStatus.SENT, DeliveryStatus.SENDING) for s in statuses):
        return NotificationStatus.CANCELLED
    if any(s in OPEN for s in statuses):
        started = any(
            s is DeliveryStatus.SENDING or (s in OPEN and attempts > 0) for s, attempts in items
        )
        return NotificationStatus.SENDING if started else NotificationStatus.SCHEDULED
    if any(s is DeliveryStatus.SENT for s in statuses):
        return NotificationStatus.SENT
    if cancelled:
        return NotificationStatus.CANCELLED
    if statuses and all(s is DeliveryStatus.SKIPPED for s in statuses):
        return NotificationStatus.SKIPPED
    return NotificationStatus.FAILED


def idempotency_key(delivery_id: str) -> str:
    """The key a channel receives for one delivery: the same on every attempt."""
    return f"kotopolku-{delivery_id}"
