"""SMS through an HTTP SMS gateway.

The gateway's contract (JSON over HTTPS, bearer token):

* ``POST {base}/messages`` with ``{"to", "text", "sender", "reference"}`` and the header
  ``Idempotency-Key``: ``201``/``200`` ``{"id": …}`` when accepted; ``409`` when a message with
  this key was already accepted (the body names its id), which counts as sent.
* ``GET {base}/messages/by-reference/{key}``: ``200 {"id": …}`` or ``404``; asked before a
  delivery in doubt is sent again.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

from kotopolku.messaging.channels.base import (
    OutgoingMessage,
    PermanentFailure,
    Receipt,
    Recipient,
)
from kotopolku.messaging.channels.http_errors import failure_for, transport_failure
from kotopolku.messaging.domain.delivery import Channel

_SEPARATORS = re.compile(r"[\s\-().]")


def e164(phone: str, default_country: str = "358") -> str:
    """A phone number in E.164 form; Finnish national numbers get +358."""
    digits = _SEPARATORS.sub("", phone)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = f"+{default_country}{digits[1:]}"
    elif not digits.startswith("+"):
        digits = f"+{default_country}{digits}"
    if not re.fullmatch(r"\+[1-9]\d{6,14}", digits):
        raise PermanentFailure("sms invalid-phone-number")
    return digits


class HttpSmsGateway:
    channel = Channel.SMS

    def __init__(
        self, base_url: str, *, token: str = "", sender: str = "Kotopolku", timeout: float = 10.0
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout
        )
        self._sender = sender

    def reachable(self, recipient: Recipient) -> str:
        return "" if recipient.phone else "no-phone-number"

    async def send(self, message: OutgoingMessage, recipient: Recipient) -> Receipt:
        body = {
            "to": e164(recipient.phone),
            "text": message.content.sms_text,
            "sender": self._sender,
            "reference": message.idempotency_key,
        }
        try:
            response = await self._http.post(
                "/messages", json=body, headers={"Idempotency-Key": message.idempotency_key}
            )
        except httpx.HTTPError as error:
            raise transport_failure("sms", error) from None
        if response.status_code in (200, 201, 202):
            return Receipt(provider_message_id=_id(response))
        if response.status_code == 409:
            return Receipt(provider_message_id=_id(response), duplicate=True)
        raise failure_for("sms", response)

    async def find_sent(self, idempotency_key: str) -> Receipt | None:
        try:
            response = await self._http.get(f"/messages/by-reference/{quote(idempotency_key)}")
        except httpx.HTTPError as error:
            raise transport_failure("sms", error) from None
        if response.status_code == 404:
            return None
        if response.status_code == 200:
            return Receipt(provider_message_id=_id(response), duplicate=True)
        raise failure_for("sms", response)

    async def close(self) -> None:
        await self._http.aclose()


def _id(response: httpx.Response) -> str:
    try:
        return str(response.json().get("id", ""))[:200]
    except ValueError:
        return ""
