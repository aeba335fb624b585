"""Retry schedule (exponential backoff with jitter), failure outcomes, notification status,
opt-outs and thread read marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kotopolku.messaging.domain.delivery import (
    Channel,
    DeliveryStatus,
    NotificationStatus,
    RetryPolicy,
    after_failure,
    idempotency_key,
    notification_status,
)
from kotopolku.messaging.domain.errors import MessagingDomainError
from kotopolku.messaging.domain.optout import is_opted_out, scope_of
from kotopolku.messaging.domain.threads import new_read_mark, validate_body, validate_subject

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=8)


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [(1, 15, 30), (2, 30, 60), (3, 60, 120), (5, 240, 480), (8, 1800, 3600), (40, 1800, 3600)],
)
def test_backoff_doubles_with_half_of_it_random_and_is_capped(
    attempts: int, low: float, high: float
) -> None:
    assert POLICY.delay(attempts, lambda: 0.0) == timedelta(seconds=low)
    assert POLICY.delay(attempts, lambda: 1.0) == timedelta(seconds=high)
    assert low <= POLICY.delay(attempts).total_seconds() <= high


def test_huge_attempt_counts_do_not_overflow() -> None:
    assert POLICY.delay(10**6, lambda: 1.0) == timedelta(seconds=3600)


def test_a_temporary_failure_is_retried_until_the_attempts_run_out() -> None:
    retry = after_failure(POLICY, 1, permanent=False, now=NOW, jitter=lambda: 0.0)
    assert retry.status is DeliveryStatus.RETRYING
    assert retry.next_attempt_at == NOW + timedelta(seconds=15)
    last = after_failure(POLICY, 8, permanent=False, now=NOW)
    assert (last.status, last.next_attempt_at) == (DeliveryStatus.FAILED, None)
    permanent = after_failure(POLICY, 1, permanent=True, now=NOW)
    assert permanent.status is DeliveryStatus.FAILED


S = DeliveryStatus


@pytest.mark.parametrize(
    ("deliveries", "cancelled", "expected"),
    [
        ([(S.PENDING, 0), (S.PENDING, 0)], False, NotificationStatus.SCHEDULED),
        ([(S.SENDING, 1), (S.PENDING, 0)], False, NotificationStatus.SENDING),
        ([(S.RETRYING, 1), (S.SENT, 1)], False, NotificationStatus.SENDING),
        ([(S.SENT, 1), (S.FAILED, 8)], False, NotificationStatus.SENT),
        ([(S.SENT, 1), (S.SKIPPED, 0)], False, NotificationStatus.SENT),
        ([(S.FAILED, 8), (S.SKIPPED, 0)], False, NotificationStatus.FAILED),
        ([(S.SKIPPED, 0)], False, NotificationStatus.SKIPPED),
        ([], False, NotificationStatus.FAILED),
        ([(S.CANCELLED, 0), (S.CANCELLED, 0)], True, NotificationStatus.CANCELLED),
        ([(S.SENDING, 1), (S.CANCELLED, 0)], True, NotificationStatus.SENDING),
        ([(S.SENT, 1), (S.CANCELLED, 0)], True, NotificationStatus.SENT),
    ],
)
def test_notification_status(
    deliveries: list[tuple[DeliveryStatus, int]], cancelled: bool, expected: NotificationStatus
) -> None:
    assert notification_status(deliveries, cancelled=cancelled) is expected


def test_the_idempotency_key_is_stable_per_delivery() -> None:
    assert idempotency_key("abc") == idempotency_key("abc") != idempotency_key("abd")


def test_channel_opt_outs_hold_for_everything_topic_opt_outs_for_campaigns() -> None:
    scopes = {scope_of(Channel.SMS, ""), scope_of(None, "course-news")}
    assert is_opted_out(scopes, Channel.SMS, "")
    assert not is_opted_out(scopes, Channel.EMAIL, "")
    assert is_opted_out(scopes, Channel.EMAIL, "course-news")
    assert not is_opted_out(scopes, Channel.EMAIL, "other-news")


@pytest.mark.parametrize(("channel", "topic"), [(None, ""), (Channel.SMS, "news"), (None, "Bad!")])
def test_an_opt_out_names_exactly_one_valid_scope(channel: Channel | None, topic: str) -> None:
    with pytest.raises(MessagingDomainError):
        scope_of(channel, topic)


def test_read_marks_only_move_forward_within_the_thread() -> None:
    assert new_read_mark(3, 5, 10) == 5
    assert new_read_mark(6, 5, 10) == 6
    assert new_read_mark(0, 99, 10) == 10


def test_thread_texts() -> None:
    assert validate_subject("  Kurssi \n alkaa ") == "Kurssi alkaa"
    for bad in ("", "x" * 201):
        with pytest.raises(MessagingDomainError):
            validate_subject(bad)
    with pytest.raises(MessagingDomainError):
        validate_body("a\x00b")
    assert validate_body(" rivi\nrivi ") == "rivi\nrivi"
