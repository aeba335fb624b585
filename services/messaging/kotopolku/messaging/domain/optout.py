"""Opt-outs (viestintäkiellot): a client may refuse a channel, or a campaign topic.

Transactional notifications (reminders, signature requests) honour channel opt-outs only: the
client still needs to hear about their own appointment, by another channel. Campaign messages
honour both. An opt-out is stored under a *scope*: ``channel:email`` or ``topic:<slug>``.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from kotopolku.messaging.domain.delivery import Channel
from kotopolku.messaging.domain.errors import MessagingDomainError

TOPIC = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
MAX_TOPIC_LENGTH = 60


def validate_topic(topic: str, *, field: str = "topic") -> str:
    value = topic.strip()
    if len(value) > MAX_TOPIC_LENGTH or not TOPIC.fullmatch(value):
        raise MessagingDomainError(
            field, "must be lower-case words of letters and digits joined by '-', e.g. 'courses'"
        )
    return value


def channel_scope(channel: Channel) -> str:
    return f"channel:{channel.value}"


def topic_scope(topic: str) -> str:
    return f"topic:{topic}"


def scope_of(channel: Channel | None, topic: str) -> str:
    """Exactly one of a channel and a topic."""
    if channel is not None and topic:
        raise MessagingDomainError("topic", "give either a channel or a topic, not both")
    if channel is not None:
        return channel_scope(channel)
    if not topic:
        raise MessagingDomainError("channel", "give a channel or a topic")
    return topic_scope(validate_topic(topic))


def is_opted_out(opted_out_scopes: Collection[str], channel: Channel, topic: str) -> bool:
    """Whether a delivery on ``channel`` (of a campaign on ``topic``, if any) must be skipped."""
    if channel_scope(channel) in opted_out_scopes:
        return True
    return bool(topic) and topic_scope(topic) in opted_out_scopes
