"""The e-signature service: signing requests and signed documents (IS service 12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from pydantic import Field

from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings
from kotopolku.esign.certificates import SigningCertificates
from kotopolku.esign.client_records import CLIENT_RECORDS
from kotopolku.esign.deliveries import DeliveryRelay
from kotopolku.esign.directory import ClientDirectory, PlanSource, ProgrammeNames
from kotopolku.esign.rendering.pdf import Fonts
from kotopolku.esign.rpc_support import Dependencies, Options
from kotopolku.esign.servicer import EsignServicer
from kotopolku.esign.tables import audit_outbox, idempotency_keys
from kotopolku.esign.v1 import esign_pb2, esign_pb2_grpc
from kotopolku.messaging.v1 import messaging_pb2_grpc
from kotopolku.plans.v1 import plans_pb2_grpc

# Where build() leaves the delivery relay (tests drive it step by step).
DELIVERY_RELAY = "delivery_relay"


class EsignSettings(ServiceSettings):
    grpc_port: int = 50060
    database_url: str = "sqlite:///var/data/esign.db"
    # Read as the caller: the plan, the client's name and languages, programme service names.
    plans_address: str = "127.0.0.1:50054"
    clients_address: str = "127.0.0.1:50051"
    programme_address: str = "127.0.0.1:50055"
    # Invitations and reminders to sign (SendNotification), as the service itself.
    messaging_address: str = "127.0.0.1:50058"
    # The municipalities' signing keys and certificates, and the trusted roots (see
    # kotopolku.esign.certificates); `kotopolku-esign dev-certificates` makes a dev set.
    signing_dir: Path = Path("var/keys/esign")
    # DejaVu Sans (Debian: fonts-dejavu-core).
    pdf_font_dir: Path = Path("/usr/share/fonts/truetype/dejavu")
    # The self-service page where a client signs; {id} is the signing request.
    signing_url_template: str = "http://127.0.0.1:8000/v1/me/signing-requests/{id}"
    reminder_days_before: int = Field(3, ge=1, le=30)
    # A client approves within this long of signing in (the token's auth_time).
    client_max_auth_age_seconds: int = Field(3600, ge=60)
    # Refuse a client's approval whose token has no auth_time. Production logins (browser flow,
    # strong identification) carry it; the dev realm's password-grant tokens do not.
    client_auth_time_required: bool = False
    max_document_bytes: int = Field(10 << 20, ge=1024, le=15 << 20)
    delivery_poll_seconds: float = Field(5.0, gt=0)
    delivery_batch_size: int = Field(50, ge=1, le=1000)


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, EsignSettings)
    relay = DeliveryRelay(
        runtime.database,
        plans_pb2_grpc.PlansServiceStub(runtime.service_channel(settings.plans_address)),  # type: ignore[arg-type]
        messaging_pb2_grpc.MessagingServiceStub(  # type: ignore[arg-type]
            runtime.service_channel(settings.messaging_address)
        ),
        batch_size=settings.delivery_batch_size,
        poll_seconds=settings.delivery_poll_seconds,
        clock=runtime.clock,
    )
    runtime.extras[DELIVERY_RELAY] = relay
    runtime.background.append(relay.run)
    dependencies = Dependencies(
        database=runtime.database,
        audit=runtime.audit,
        idempotency=IdempotencyStore(idempotency_keys, runtime.clock),
        clock=runtime.clock,
        plans=PlanSource(runtime.user_channel(settings.plans_address)),
        clients=ClientDirectory(runtime.user_channel(settings.clients_address)),
        programme=ProgrammeNames(runtime.user_channel(settings.programme_address)),
        certificates=SigningCertificates(settings.signing_dir),
        fonts=Fonts.in_directory(settings.pdf_font_dir),
        options=Options(
            signing_url_template=settings.signing_url_template,
            reminder_days_before=settings.reminder_days_before,
            client_max_auth_age=timedelta(seconds=settings.client_max_auth_age_seconds),
            client_auth_time_required=settings.client_auth_time_required,
            max_document_bytes=settings.max_document_bytes,
        ),
        on_delivery=relay.wake,
    )
    return [
        Registration(
            esign_pb2_grpc.add_EsignServiceServicer_to_server,
            EsignServicer(dependencies),
            esign_pb2.DESCRIPTOR.services_by_name["EsignService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="esign",
    settings_class=EsignSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
)
