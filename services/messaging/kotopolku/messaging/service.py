"""The messaging service (IS service 8): threads, templates, notifications, campaigns and the
delivery worker that sends them by e-mail, SMS and Suomi.fi Messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.common.audit import AuditRecorder
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings
from kotopolku.messaging.channels.base import MessageChannel
from kotopolku.messaging.channels.email import SmtpChannel
from kotopolku.messaging.channels.sms import HttpSmsGateway
from kotopolku.messaging.channels.suomifi import SuomiFiMessages
from kotopolku.messaging.client_records import CLIENT_RECORDS
from kotopolku.messaging.contacts import ContactDirectory
from kotopolku.messaging.domain.delivery import Channel, RetryPolicy
from kotopolku.messaging.servicer import MessagingServicer
from kotopolku.messaging.tables import audit_outbox, idempotency_keys
from kotopolku.messaging.v1 import messaging_pb2, messaging_pb2_grpc
from kotopolku.messaging.worker import DeliveryWorker

# Where build() leaves the delivery worker (tests drive it step by step).
DELIVERY_WORKER = "delivery_worker"


class MessagingSettings(ServiceSettings):
    grpc_port: int = 50058
    database_url: str = "sqlite:///var/data/messaging.db"
    # Contact details and languages are fetched from here when a message is sent.
    clients_address: str = "127.0.0.1:50051"
    clients_timeout_seconds: float = Field(5.0, gt=0)
    # E-mail: an empty host turns the channel off.
    smtp_host: str = ""
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_sender: str = "Kotopolku <noreply@kotopolku.invalid>"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # SMS gateway base URL, e.g. https://sms.example.fi/api; empty turns SMS off.
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    sms_sender: str = "Kotopolku"
    # Suomi.fi Messages REST API base URL; empty turns the channel off.
    suomifi_url: str = ""
    suomifi_username: str = ""
    suomifi_password: str = ""
    suomifi_service_id: str = ""
    # The delivery worker runs inside the service unless turned off (then run
    # `kotopolku-messaging worker` separately; several may run at once).
    delivery_worker_enabled: bool = True
    delivery_poll_seconds: float = Field(1.0, gt=0)
    delivery_batch_size: int = Field(20, ge=1, le=500)
    # How long a worker owns a delivery it is sending; after that another worker takes over.
    delivery_lease_seconds: float = Field(60.0, gt=0)
    delivery_max_attempts: int = Field(8, ge=1, le=50)
    delivery_retry_base_seconds: float = Field(30.0, gt=0)
    delivery_retry_cap_seconds: float = Field(3600.0, gt=0)


def make_channels(settings: MessagingSettings) -> dict[str, MessageChannel]:
    channels: dict[str, MessageChannel] = {}
    if settings.smtp_host:
        channels[Channel.EMAIL.value] = SmtpChannel(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    if settings.sms_gateway_url:
        channels[Channel.SMS.value] = HttpSmsGateway(
            settings.sms_gateway_url, token=settings.sms_gateway_token, sender=settings.sms_sender
        )
    if settings.suomifi_url:
        channels[Channel.SUOMIFI.value] = SuomiFiMessages(
            settings.suomifi_url,
            username=settings.suomifi_username,
            password=settings.suomifi_password,
            service_id=settings.suomifi_service_id,
        )
    return channels


def make_worker(
    settings: MessagingSettings,
    database: Database,
    directory: ContactDirectory,
    audit: AuditRecorder,
    clock: Clock,
) -> DeliveryWorker:
    return DeliveryWorker(
        database,
        directory,
        make_channels(settings),
        audit,
        policy=RetryPolicy(
            base_seconds=settings.delivery_retry_base_seconds,
            cap_seconds=settings.delivery_retry_cap_seconds,
            max_attempts=settings.delivery_max_attempts,
        ),
        lease_seconds=settings.delivery_lease_seconds,
        batch_size=settings.delivery_batch_size,
        poll_seconds=settings.delivery_poll_seconds,
        clock=clock,
    )


def configured_channels(settings: MessagingSettings) -> tuple[Channel, ...]:
    return tuple(
        channel
        for channel, on in (
            (Channel.EMAIL, settings.smtp_host),
            (Channel.SMS, settings.sms_gateway_url),
            (Channel.SUOMIFI, settings.suomifi_url),
        )
        if on
    )


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, MessagingSettings)
    directory = ContactDirectory(
        runtime.service_channel(settings.clients_address), settings.clients_timeout_seconds
    )
    worker = make_worker(settings, runtime.database, directory, runtime.audit, runtime.clock)
    runtime.extras[DELIVERY_WORKER] = worker
    if settings.delivery_worker_enabled:
        runtime.background.append(worker.run)
    servicer = MessagingServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        directory,
        configured_channels(settings),
        on_queued=worker.wake,
    )
    return [
        Registration(
            messaging_pb2_grpc.add_MessagingServiceServicer_to_server,
            servicer,
            messaging_pb2.DESCRIPTOR.services_by_name["MessagingService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="messaging",
    settings_class=MessagingSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
)
