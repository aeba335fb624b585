"""The delivery worker: sends what is due from the outbox of deliveries, with retries.

Each delivery is *claimed* in a transaction of its own (status SENDING, a lease, the attempt
counted) before its channel is called, and its outcome is recorded in another. A worker that
dies in between leaves a SENDING delivery whose lease runs out; the next worker takes it over
*in doubt* and first asks the channel whether it already has the message with the delivery's
idempotency key (the SMS gateway can be asked; Suomi.fi Messages answers a repeated externalId
with 409; SMTP cannot be asked, so the e-mail goes again with the same Message-ID). What this
guarantees is written in the README ("Delivery guarantees").
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from prometheus_client import Counter

from kotopolku.common.audit import AuditEntry, AuditRecorder
from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.db import Database
from kotopolku.common.identity import INTERNAL_SERVICE_ROLE, SERVICE_ISSUER_PREFIX, Caller
from kotopolku.messaging import delivery_store, template_store
from kotopolku.messaging.channels.base import (
    ChannelFailure,
    MessageChannel,
    OutgoingMessage,
    PermanentFailure,
    Receipt,
    Recipient,
)
from kotopolku.messaging.contacts import ContactDirectory, DependencyUnavailable
from kotopolku.messaging.delivery_store import Claim
from kotopolku.messaging.domain.delivery import DeliveryStatus, RetryPolicy, after_failure
from kotopolku.messaging.domain.errors import MessagingDomainError
from kotopolku.messaging.domain.languages import choose_language
from kotopolku.messaging.domain.optout import is_opted_out
from kotopolku.messaging.domain.templates import RenderedMessage, render

log = logging.getLogger(__name__)

ATTEMPTS = Counter(
    "kotopolku_messaging_delivery_attempts_total",
    "Delivery attempts by channel and outcome",
    ["channel", "outcome"],
)

# Who the worker's audit records name: the service itself, communicating with the client.
WORKER_CALLER = Caller(
    subject=f"{SERVICE_ISSUER_PREFIX}messaging",
    roles=frozenset({INTERNAL_SERVICE_ROLE}),
    purpose="client-communication",
)
_FIELDS = {"email": ("contact.email",), "sms": ("contact.phone",), "suomifi": ("henkilotunnus",)}


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


class DeliveryWorker:
    def __init__(
        self,
        database: Database,
        directory: ContactDirectory,
        channels: Mapping[str, MessageChannel],
        audit: AuditRecorder,
        *,
        policy: RetryPolicy,
        lease_seconds: float = 60.0,
        batch_size: int = 20,
        poll_seconds: float = 1.0,
        clock: Clock = utcnow,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._db = database
        self._directory = directory
        self._channels = channels
        self._audit = audit
        self._policy = policy
        self._lease = timedelta(seconds=lease_seconds)
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._jitter = jitter
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                handled = await self.run_once()
                failures = 0
            except Exception as error:
                failures += 1
                log.warning(
                    "delivery round failed; backing off",
                    extra={"error": type(error).__name__, "failures": failures},
                )
                await self._sleep(stop, min(30.0, 0.5 * 2**failures))
                continue
            if handled < self._batch_size:
                await self._sleep(stop, self._poll_seconds)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()

    async def run_once(self) -> int:
        """Claims one batch of due deliveries and attempts each; returns how many."""
        async with self._db.transaction() as connection:
            claims = await delivery_store.claim_due(
                connection,
                now=self._clock(),
                lease=self._lease,
                limit=self._batch_size,
                sqlite=self._db.is_sqlite,
            )
        for claim in claims:
            await self._attempt(claim)
        return len(claims)

    async def _attempt(self, claim: Claim) -> None:
        language = ""
        try:
            content, recipient, language = await self._prepare(claim)
            channel = self._channels[claim.channel.value]
            message = OutgoingMessage(claim.delivery_id, claim.idempotency_key, content)
            receipt: Receipt | None = None
            if claim.in_doubt:
                receipt = await channel.find_sent(claim.idempotency_key)
            if receipt is None:
                receipt = await channel.send(message, recipient)
        except _Skip as skip:
            await self._finish(claim, DeliveryStatus.SKIPPED, skip.reason)
            return
        except ChannelFailure as failure:
            await self._failed(
                claim, failure.reason, permanent=failure.permanent, language=language
            )
            return
        except DependencyUnavailable:
            await self._failed(claim, "clients-unavailable", permanent=False)
            return
        except MessagingDomainError as error:
            await self._failed(claim, f"template: {error.message}", permanent=True)
            return
        await self._finish(
            claim,
            DeliveryStatus.SENT,
            "duplicate-recognised" if receipt.duplicate else "",
            provider_message_id=receipt.provider_message_id,
            language=language,
        )

    async def _prepare(self, claim: Claim) -> tuple[RenderedMessage, Recipient, str]:
        if claim.channel.value not in self._channels:
            raise PermanentFailure("channel-not-configured")
        async with self._db.transaction() as connection:
            notification = await delivery_store.get_notification(connection, claim.notification_id)
            assert notification is not None
            scopes = await delivery_store.opted_out_scopes(connection, notification.client_id)
            found = await template_store.available(
                connection, notification.municipality_code, notification.template_key
            )
        if is_opted_out(scopes, claim.channel, notification.topic):
            raise _Skip("opted-out")
        contact = await self._directory.contact(notification.client_id)
        if contact is None or contact.municipality_code != notification.municipality_code:
            raise _Skip("client-not-found")
        reason = self._channels[claim.channel.value].reachable(contact.recipient)
        if reason:
            raise _Skip(reason)
        language = notification.language or choose_language(
            notification.requested_language,
            contact.languages,
            notification.municipality_code,
            found,
        )
        if not language or language not in found:
            raise MessagingDomainError("language", "no template in any language of the chain")
        content = render(found[language], notification.variables or {})
        return content, contact.recipient, language

    async def _failed(
        self, claim: Claim, reason: str, *, permanent: bool, language: str = ""
    ) -> None:
        outcome = after_failure(
            self._policy,
            claim.attempts,
            permanent=permanent,
            now=self._clock(),
            jitter=self._jitter,
        )
        await self._finish(
            claim,
            outcome.status,
            reason,
            next_attempt_at=outcome.next_attempt_at,
            language=language,
        )

    async def _finish(
        self,
        claim: Claim,
        status: DeliveryStatus,
        reason: str,
        *,
        provider_message_id: str = "",
        next_attempt_at: datetime | None = None,
        language: str = "",
    ) -> None:
        ATTEMPTS.labels(claim.channel.value, status.value).inc()
        async with self._db.transaction() as connection:
            recorded = await delivery_store.finish(
                connection,
                claim,
                status=status,
                now=self._clock(),
                error=reason,
                provider_message_id=provider_message_id,
                next_attempt_at=next_attempt_at,
                language=language,
            )
            if recorded and status in (
                DeliveryStatus.SENT,
                DeliveryStatus.FAILED,
                DeliveryStatus.RETRYING,
            ):
                notification = await delivery_store.get_notification(
                    connection, claim.notification_id
                )
                assert notification is not None
                # The contact details went to a channel (or were tried): an access to record.
                await self._audit.record(
                    connection,
                    WORKER_CALLER,
                    [
                        AuditEntry(
                            action="notification.deliver",
                            resource=f"notifications/{notification.id}/deliveries/{claim.delivery_id}",
                            subject_client_id=notification.client_id,
                            municipality=notification.municipality_code,
                            fields=_FIELDS[claim.channel.value],
                            outcome="success" if status is DeliveryStatus.SENT else "failed",
                        )
                    ],
                )
        log.info(
            "delivery attempt",
            extra={
                "delivery_id": claim.delivery_id,
                "channel": claim.channel.value,
                "attempt": claim.attempts,
                "status": status.value,
                "reason": reason,
                "recorded": recorded,
            },
        )

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
