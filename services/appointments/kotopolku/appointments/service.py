"""The appointments service: appointments, events and tasks, calendars and reminders
(IS service 9)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.appointments.client_records import CLIENT_RECORDS
from kotopolku.appointments.directory import ClientDirectory
from kotopolku.appointments.messaging_sink import MessagingReminderSink
from kotopolku.appointments.reminder_relay import ReminderRelay
from kotopolku.appointments.servicer import AppointmentsServicer
from kotopolku.appointments.tables import audit_outbox, idempotency_keys
from kotopolku.appointments.v1 import appointments_pb2, appointments_pb2_grpc
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings
from kotopolku.messaging.v1 import messaging_pb2_grpc

# Where build() leaves the reminder relay (tests drive it step by step).
REMINDER_RELAY = "reminder_relay"


class AppointmentsSettings(ServiceSettings):
    grpc_port: int = 50057
    database_url: str = "sqlite:///var/data/appointments.db"
    # Asked, as the calling officer, whether a client exists in the municipality.
    clients_address: str = "127.0.0.1:50051"
    clients_timeout_seconds: float = Field(5.0, gt=0)
    # Where reminders go (MessagingService.SendNotification / CancelNotification).
    messaging_address: str = "127.0.0.1:50058"
    messaging_timeout_seconds: float = Field(5.0, gt=0)
    # Reminder lead times, in minutes before the start, when staff ask for the default.
    default_reminder_lead_minutes: list[int] = Field(default_factory=lambda: [1440])
    # Who reminders say the appointment is with when staff name no organiser.
    default_reminder_organiser: str = "Kotoutumispalvelut / Integration services"
    # How often undelivered reminder work is looked for when nothing new wakes the relay.
    reminder_poll_seconds: float = Field(5.0, gt=0)
    reminder_batch_size: int = Field(50, ge=1, le=1000)


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, AppointmentsSettings)
    messaging = messaging_pb2_grpc.MessagingServiceStub(
        runtime.service_channel(settings.messaging_address)
    )
    relay = ReminderRelay(
        runtime.database,
        MessagingReminderSink(messaging, settings.messaging_timeout_seconds),  # type: ignore[arg-type]
        batch_size=settings.reminder_batch_size,
        poll_seconds=settings.reminder_poll_seconds,
        clock=runtime.clock,
    )
    runtime.extras[REMINDER_RELAY] = relay
    runtime.background.append(relay.run)
    servicer = AppointmentsServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        ClientDirectory(
            runtime.user_channel(settings.clients_address), settings.clients_timeout_seconds
        ),
        runtime.clock,
        settings.default_reminder_lead_minutes,
        settings.default_reminder_organiser,
        on_reminders=relay.wake,
    )
    return [
        Registration(
            appointments_pb2_grpc.add_AppointmentsServiceServicer_to_server,
            servicer,
            appointments_pb2.DESCRIPTOR.services_by_name["AppointmentsService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="appointments",
    settings_class=AppointmentsSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
)
