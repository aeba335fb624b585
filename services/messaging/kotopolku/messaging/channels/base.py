"""One interface for every outgoing channel (e-mail, SMS, Suomi.fi Messages).

A channel gets the rendered message, the recipient's contact details and the delivery's
idempotency key, which it hands to the remote side in that side's own way (SMTP Message-ID, an
``Idempotency-Key`` header, Suomi.fi's ``externalId``). Failures say whether a retry can help and
why, in words that never contain contact details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from kotopolku.messaging.domain.delivery import Channel
from kotopolku.messaging.domain.templates import RenderedMessage


@dataclass(frozen=True, slots=True)
class Recipient:
    """How to reach a client; personal data, so kept out of repr and logs."""

    email: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)
    henkilotunnus: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    delivery_id: str
    idempotency_key: str
    content: RenderedMessage


@dataclass(frozen=True, slots=True)
class Receipt:
    """The channel took the message; its own id of it when it gave one."""

    provider_message_id: str = ""
    # True when the channel recognised the idempotency key: it already had this message.
    duplicate: bool = False


class ChannelFailure(Exception):
    """A failed attempt. ``reason`` is short and free of personal data (e.g. "smtp 451")."""

    permanent: bool = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


class TemporaryFailure(ChannelFailure):
    permanent = False


class PermanentFailure(ChannelFailure):
    permanent = True


class MessageChannel(Protocol):
    channel: Channel

    def reachable(self, recipient: Recipient) -> str:
        """Empty when the recipient can be reached on this channel, otherwise why not
        (e.g. "no-email-address")."""
        ...

    async def send(self, message: OutgoingMessage, recipient: Recipient) -> Receipt: ...

    async def find_sent(self, idempotency_key: str) -> Receipt | None:
        """Whether the remote side already has the message with this key (None: not known, or
        the channel cannot tell). Asked before re-sending a delivery that is in doubt."""
        ...

    async def close(self) -> None: ...
