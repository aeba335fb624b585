"""Suomi.fi Messages (Suomi.fi-viestit) over its REST API.

Modelled on the REST API that replaces the old SOAP interface (closing 1.1.2027):

* ``POST {base}/v1/token`` with ``{"username", "password"}`` → ``{"access_token",
  "token_type", "expires_in"}``; later calls send ``Authorization: Bearer <token>``;
* ``POST {base}/v2/messages/electronic`` with ``externalId`` (the sender's own id of the
  message, our delivery's idempotency key), ``recipient.id`` (the identity code),
  ``sender.serviceId`` and the ``electronic`` part (title, body, bodyFormat, notifications …)
  → ``{"messageId": …}``. A repeated ``externalId`` is answered ``409 Conflict``, which counts as
  sent: the message is already in the mailbox.

Only clients with an identity code can be reached; a mailbox that is not in use is a permanent
failure (the SMS or e-mail delivery of the same notification still goes).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from kotopolku.messaging.channels.base import (
    OutgoingMessage,
    Receipt,
    Recipient,
)
from kotopolku.messaging.channels.http_errors import failure_for, transport_failure
from kotopolku.messaging.domain.delivery import Channel


def electronic_message(
    message: OutgoingMessage, henkilotunnus: str, service_id: str
) -> dict[str, Any]:
    content = message.content
    return {
        "externalId": message.idempotency_key,
        "recipient": {"id": henkilotunnus},
        "sender": {"serviceId": service_id},
        "electronic": {
            "title": content.subject,
            "body": content.body_text,
            "bodyFormat": "Text",
            "messageServiceType": "Normal",
            "replyAllowedBy": "No one",
            "visibility": "Normal",
            "attachments": [],
            "notifications": {
                "senderDetailsInNotifications": "Organisation and service name",
                "unreadMessageNotification": {"reminder": "Default reminder"},
            },
        },
    }


class SuomiFiMessages:
    channel = Channel.SUOMIFI

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: str,
        service_id: str,
        timeout: float = 15.0,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._username = username
        self._password = password
        self._service_id = service_id
        self._token = ""
        self._token_expires = 0.0

    def reachable(self, recipient: Recipient) -> str:
        return "" if recipient.henkilotunnus else "no-identity-code"

    async def _authorisation(self, *, renew: bool = False) -> dict[str, str]:
        if renew or not self._token or time.monotonic() >= self._token_expires:
            try:
                response = await self._http.post(
                    "/v1/token", json={"username": self._username, "password": self._password}
                )
            except httpx.HTTPError as error:
                raise transport_failure("suomifi", error) from None
            if response.status_code != 200:
                raise failure_for("suomifi-token", response)
            answer = response.json()
            self._token = str(answer["access_token"])
            # Renewed a minute early so that a token never expires mid-request.
            self._token_expires = time.monotonic() + max(0, int(answer.get("expires_in", 0)) - 60)
        return {"Authorization": f"Bearer {self._token}"}

    async def send(self, message: OutgoingMessage, recipient: Recipient) -> Receipt:
        body = electronic_message(message, recipient.henkilotunnus, self._service_id)
        response = await self._post(body)
        if response.status_code == 401:
            response = await self._post(body, renew=True)
        if response.status_code in (200, 201):
            return Receipt(provider_message_id=_message_id(response))
        if response.status_code == 409:
            return Receipt(provider_message_id=_message_id(response), duplicate=True)
        raise failure_for("suomifi", response)

    async def _post(self, body: dict[str, Any], *, renew: bool = False) -> httpx.Response:
        headers = await self._authorisation(renew=renew)
        try:
            return await self._http.post("/v2/messages/electronic", json=body, headers=headers)
        except httpx.HTTPError as error:
            raise transport_failure("suomifi", error) from None

    async def find_sent(self, idempotency_key: str) -> Receipt | None:
        # Sending again with the same externalId is answered 409 when it arrived: that is the
        # lookup.
        return None

    async def close(self) -> None:
        await self._http.aclose()


def _message_id(response: httpx.Response) -> str:
    try:
        return str(response.json().get("messageId", ""))[:200]
    except ValueError:
        return ""
