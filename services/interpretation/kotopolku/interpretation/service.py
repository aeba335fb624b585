"""The interpretation service: interpreter bookings, interpretation records, translations and
read-aloud (IS service 15)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.clients.v1 import clients_pb2_grpc
from kotopolku.common.client_directory import ClientDirectory
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings
from kotopolku.interpretation.appointments_directory import AppointmentDirectory
from kotopolku.interpretation.client_records import CLIENT_RECORDS
from kotopolku.interpretation.servicer import InterpretationServicer
from kotopolku.interpretation.synthesizer import Espeak
from kotopolku.interpretation.tables import audit_outbox, idempotency_keys
from kotopolku.interpretation.v1 import interpretation_pb2, interpretation_pb2_grpc


class InterpretationSettings(ServiceSettings):
    grpc_port: int = 50059
    database_url: str = "sqlite:///var/data/interpretation.db"
    # Asked, as the calling officer, about the appointment an interpreter is booked for.
    appointments_address: str = "127.0.0.1:50057"
    appointments_timeout_seconds: float = Field(5.0, gt=0)
    # Asked, as the calling officer, whether the client of an interpretation record is one of
    # the municipality's clients.
    clients_address: str = "127.0.0.1:50051"
    clients_timeout_seconds: float = Field(5.0, gt=0)
    # The speech engine (Debian package espeak-ng) and its limits.
    speech_binary: str = "espeak-ng"
    speech_timeout_seconds: float = Field(10.0, gt=0)
    speech_max_audio_bytes: int = Field(8 << 20, ge=1024, le=15 << 20)
    speech_concurrency: int = Field(2, ge=1, le=32)


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, InterpretationSettings)
    servicer = InterpretationServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        AppointmentDirectory(
            runtime.user_channel(settings.appointments_address),
            settings.appointments_timeout_seconds,
        ),
        ClientDirectory(
            clients_pb2_grpc.ClientsServiceStub(runtime.user_channel(settings.clients_address)),  # type: ignore[arg-type]
            settings.clients_timeout_seconds,
        ),
        Espeak(
            settings.speech_binary,
            timeout_seconds=settings.speech_timeout_seconds,
            max_audio_bytes=settings.speech_max_audio_bytes,
            concurrency=settings.speech_concurrency,
        ),
        runtime.clock,
    )
    return [
        Registration(
            interpretation_pb2_grpc.add_InterpretationServiceServicer_to_server,
            servicer,
            interpretation_pb2.DESCRIPTOR.services_by_name["InterpretationService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="interpretation",
    settings_class=InterpretationSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
)
