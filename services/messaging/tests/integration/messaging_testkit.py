"""Shared helpers of the messaging integration tests.

The real clients service runs once per session (messaging fetches contact details from it as
itself), and so do the dev sinks: a real SMTP server (aiosmtpd) and the HTTP stand-ins of the SMS
gateway and Suomi.fi Messages. Each test gets its own messaging service on its own database,
with the delivery worker driven step by step (``run_once``).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import grpc
import httpx
import pytest
import sqlalchemy as sa

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.service import ClientsSettings
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import (
    METADATA_KEY,
    SERVICE_ISSUER_PREFIX,
    AssertionSigner,
    Caller,
    Role,
)
from kotopolku.common.server import ServiceHost
from kotopolku.messaging.devsinks import RunningSinks
from kotopolku.messaging.service import DEFINITION, DELIVERY_WORKER, MessagingSettings
from kotopolku.messaging.tables import audit_outbox, deliveries
from kotopolku.messaging.v1 import messaging_pb2 as pb
from kotopolku.messaging.v1 import messaging_pb2_grpc
from kotopolku.messaging.worker import DeliveryWorker

PURPOSE = "integration-services"
UNREACHABLE = "127.0.0.1:1"
Metadata = tuple[tuple[str, str], ...]
_BIRTH_DAYS = itertools.count()
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def staff(subject: str, role: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


OFFICER = staff("officer-091", Role.MUNICIPAL_OFFICER)
MANAGER = staff("manager-091", Role.MANAGER)
OFFICER_837 = staff("officer-837", Role.MUNICIPAL_OFFICER, "837")
AUDITOR = staff("auditor-091", Role.AUDITOR)
WELFARE_WORKER = Caller(
    subject="welfare-worker-1",
    roles=frozenset({Role.WELFARE_AREA_WORKER}),
    purpose=PURPOSE,
    welfare_area="pirkanmaa",
)


def client_user(client_id: str, subject: str = "client-user") -> Caller:
    """A client user whose own record the gateway has resolved."""
    return Caller(
        subject=subject,
        roles=frozenset({Role.CLIENT}),
        purpose="self-service",
        henkilotunnus="010101-999X",
        client_id=client_id,
    )


def hetu(born: date, individual: int) -> str:
    century = "-" if born.year < 2000 else "A"
    digits = f"{born:%d%m%y}{individual:03d}"
    return f"{born:%d%m%y}{century}{individual:03d}{_HETU_CHECK[int(digits) % 31]}"


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


def common_settings(keys: testing.TestKeys) -> dict[str, Any]:
    return {
        "grpc_port": 0,
        "metrics_port": 0,
        "gateway_public_key_file": keys.gateway_public,
        "service_public_key_file": keys.service_public,
        "service_key_file": keys.service_private,
        "audit_address": UNREACHABLE,
        "migrate_on_start": True,
    }


async def start_clients(keys: testing.TestKeys, database_url: str) -> ServiceHost:
    host = ServiceHost(
        CLIENTS,
        ClientsSettings(database_url=database_url, **common_settings(keys)),
        verifier=keys.verifier(),
    )
    await host.start()
    return host


def channel_settings(sinks: RunningSinks) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": sinks.smtp_port,
        "smtp_sender": "Helsingin kotoutumispalvelut <kotoutuminen@hel.example.fi>",
        "sms_gateway_url": f"{sinks.base_url}/sms-gateway",
        "sms_gateway_token": "dev-token",
        "suomifi_url": f"{sinks.base_url}/suomifi",
        "suomifi_username": "kotopolku",
        "suomifi_password": "dev-password",
        "suomifi_service_id": "kotopolku-dev",
    }


@dataclass
class Messaging:
    keys: testing.TestKeys
    host: ServiceHost
    channel: grpc.aio.Channel
    clients_channel: grpc.aio.Channel
    sinks: RunningSinks
    http: httpx.AsyncClient

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    def service_md(self, service: str = "appointments") -> Metadata:
        signer = AssertionSigner.from_file(
            self.keys.service_private, f"{SERVICE_ISSUER_PREFIX}{service}"
        )
        return ((METADATA_KEY, signer.sign(signer.service_caller(service))),)

    @property
    def stub(self) -> messaging_pb2_grpc.MessagingServiceAsyncStub:
        return messaging_pb2_grpc.MessagingServiceStub(self.channel)  # type: ignore[return-value]

    @property
    def clients(self) -> clients_pb2_grpc.ClientsServiceAsyncStub:
        return clients_pb2_grpc.ClientsServiceStub(self.clients_channel)  # type: ignore[return-value]

    @property
    def worker(self) -> DeliveryWorker:
        assert self.host._runtime is not None
        worker = self.host._runtime.extras[DELIVERY_WORKER]
        assert isinstance(worker, DeliveryWorker)
        return worker

    async def new_client(
        self,
        languages: tuple[str, ...] = ("ar", "fi"),
        *,
        email: str | None = None,
        phone: str = "040 1234567",
        caller: Caller = OFFICER,
        with_hetu: bool = True,
    ) -> str:
        n = next(_BIRTH_DAYS)
        born = date(1970, 1, 1) + timedelta(days=n)
        created = await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina",
                    last_name=f"Testi{n}",
                    date_of_birth=born.isoformat(),
                    henkilotunnus=hetu(born, 900 + n % 99) if with_hetu else "",
                    languages=list(languages),
                    contact=clients_pb2.ContactDetails(
                        email=email if email is not None else f"client{n}@example.fi", phone=phone
                    ),
                )
            ),
            metadata=self.md(caller),
        )
        return created.id

    async def email_of(self, client_id: str) -> str:
        found = await self.clients.GetClient(
            clients_pb2.GetClientRequest(client_id=client_id), metadata=self.md(OFFICER)
        )
        return found.contact.email

    async def send(
        self,
        client_id: str,
        *,
        key: str = "",
        md: Metadata | None = None,
        template_key: str = "appointment-reminder",
        variables: dict[str, str] | None = None,
        **fields: Any,
    ) -> pb.Notification:
        return await self.stub.SendNotification(
            pb.SendNotificationRequest(
                idempotency_key=key or f"key-{next(_BIRTH_DAYS)}",
                client_id=client_id,
                municipality_code=fields.pop("municipality_code", "091"),
                template_key=template_key,
                variables=variables
                if variables is not None
                else {
                    "date": "12.3.2026",
                    "time": "10.00",
                    "location": "Kotoutumispalvelut, Kamppi",
                    "organiser": "Helsingin kotoutumispalvelut",
                },
                **fields,
            ),
            metadata=md or self.service_md(),
        )

    async def get(self, notification_id: str, caller: Caller = OFFICER) -> pb.Notification:
        return await self.stub.GetNotification(
            pb.GetNotificationRequest(notification_id=notification_id), metadata=self.md(caller)
        )

    async def deliver(self) -> int:
        """Runs the worker until nothing is due."""
        total = 0
        while handled := await self.worker.run_once():
            total += handled
        return total

    async def mail(self, to: str = "") -> dict[str, Any]:
        return (await self.http.get("/mail", params={"to": to})).json()  # type: ignore[no-any-return]

    async def sms(self, to: str = "") -> dict[str, Any]:
        return (await self.http.get("/sms", params={"to": to})).json()  # type: ignore[no-any-return]

    async def suomifi(self) -> dict[str, Any]:
        return (await self.http.get("/suomifi")).json()  # type: ignore[no-any-return]

    async def delivery_rows(self) -> list[Any]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(sa.select(deliveries))).all())

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [audit_pb2.AuditEvent.FromString(bytes(r.payload)) for r in rows]

    async def stop(self) -> None:
        try:
            await self.host.stop(0)
        finally:
            await self.channel.close()
            await self.clients_channel.close()
            await self.http.aclose()


async def start_messaging(
    keys: testing.TestKeys,
    database_url: str,
    clients_port: int,
    sinks: RunningSinks,
    **settings: Any,
) -> Messaging:
    values = {**common_settings(keys), **channel_settings(sinks), **settings}
    values.setdefault("delivery_retry_base_seconds", 0.01)
    values.setdefault("delivery_retry_cap_seconds", 0.02)
    host = ServiceHost(
        DEFINITION,
        MessagingSettings(
            database_url=database_url,
            clients_address=f"127.0.0.1:{clients_port}",
            **values,
        ),
        verifier=keys.verifier(),
        run_background=False,
    )
    port = await host.start()
    return Messaging(
        keys,
        host,
        grpc.aio.insecure_channel(f"127.0.0.1:{port}"),
        grpc.aio.insecure_channel(f"127.0.0.1:{clients_port}"),
        sinks,
        httpx.AsyncClient(base_url=sinks.base_url),
    )
