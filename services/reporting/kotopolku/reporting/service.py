"""The reporting service: client feedback (IS service 10), reports for management and the
national extract (IS service 13), from the facts the owning services report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from pydantic import Field

from kotopolku.clients.v1 import clients_pb2_grpc
from kotopolku.common.client_directory import ClientDirectory
from kotopolku.common.client_records_servicer import ClientRecordsServicer
from kotopolku.common.facts import MUNICIPAL_PURPOSE, PSEUDONYM_KEY_FILENAME
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings
from kotopolku.messaging.v1 import messaging_pb2_grpc
from kotopolku.records.v1 import records_pb2, records_pb2_grpc
from kotopolku.reporting.client_records import client_records
from kotopolku.reporting.domain.extract import NATIONAL_PURPOSE
from kotopolku.reporting.notifications import InvitationRelay
from kotopolku.reporting.rpc_support import FeedbackSettings
from kotopolku.reporting.servicer import ReportingServicer
from kotopolku.reporting.tables import audit_outbox, idempotency_keys, invitation_outbox
from kotopolku.reporting.v1 import reporting_pb2, reporting_pb2_grpc

# Where build() leaves the invitation relay (tests drive it step by step).
INVITATION_RELAY: Final = "invitation_relay"
NATIONAL_KEY_FILENAME: Final = "national-pseudonym.key"


class ReportingSettings(ServiceSettings):
    grpc_port: int = Field(50064, ge=0, le=65535)
    database_url: str = "sqlite:///var/data/reporting.db"
    # Asked, as the officer, whether a client exists before a feedback invitation.
    clients_address: str = "127.0.0.1:50051"
    # Where invitations go (SendNotification, as the service itself).
    messaging_address: str = "127.0.0.1:50058"
    # The national extract's secret (64 hex characters), not the municipal one; default:
    # national-pseudonym.key beside the service key.
    national_pseudonym_key_file: Path | None = None
    # The municipal reporting secret the services make the facts' subjects with: only for the
    # archive, to find a client's facts when it minimises them (kotopolku.records.v1). Default:
    # reporting-pseudonym.key beside the service key.
    reporting_pseudonym_key_file: Path | None = None
    # Scores and free text of feedback are shown only for groups of at least this many answers.
    feedback_min_group_size: int = Field(5, ge=2, le=100)
    # Counts below this are suppressed in the national extract.
    extract_suppression_threshold: int = Field(5, ge=2, le=100)
    # The link in invitations: the self-service pages (the client signs in there).
    feedback_url: str = "http://127.0.0.1:8000/app/#feedback"
    feedback_organiser: str = "Kotoutumispalvelut / Integration services"
    invitation_poll_seconds: float = Field(5.0, gt=0)

    @property
    def national_key_path(self) -> Path:
        return self.national_pseudonym_key_file or self.service_key_file.with_name(
            NATIONAL_KEY_FILENAME
        )

    @property
    def municipal_key_path(self) -> Path:
        return self.reporting_pseudonym_key_file or self.service_key_file.with_name(
            PSEUDONYM_KEY_FILENAME
        )


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, ReportingSettings)
    relay = InvitationRelay(
        runtime.database,
        messaging_pb2_grpc.MessagingServiceStub(  # type: ignore[arg-type]
            runtime.service_channel(settings.messaging_address)
        ),
        poll_seconds=settings.invitation_poll_seconds,
        clock=runtime.clock,
    )
    runtime.extras[INVITATION_RELAY] = relay
    runtime.background.append(relay.run)
    servicer = ReportingServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        ClientDirectory(
            clients_pb2_grpc.ClientsServiceStub(  # type: ignore[arg-type]
                runtime.user_channel(settings.clients_address)
            ),
            5.0,
        ),
        PseudonymKey.from_file(settings.national_key_path, NATIONAL_PURPOSE),
        FeedbackSettings(
            min_group_size=settings.feedback_min_group_size,
            feedback_url=settings.feedback_url,
            organiser=settings.feedback_organiser,
            extract_threshold=settings.extract_suppression_threshold,
        ),
        on_invitation=relay.wake,
    )
    # Served here and not through ServiceDefinition.client_records: the declaration needs the
    # municipal key, which only the settings name.
    records = ClientRecordsServicer(
        "reporting",
        runtime.database,
        runtime.audit,
        runtime.clock,
        client_records(PseudonymKey.from_file(settings.municipal_key_path, MUNICIPAL_PURPOSE)),
    )
    return [
        Registration(
            reporting_pb2_grpc.add_ReportingServiceServicer_to_server,
            servicer,
            reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"].full_name,
        ),
        Registration(
            records_pb2_grpc.add_ClientRecordsServiceServicer_to_server,
            records,
            records_pb2.DESCRIPTOR.services_by_name["ClientRecordsService"].full_name,
        ),
    ]


DEFINITION = ServiceDefinition(
    name="reporting",
    settings_class=ReportingSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    other_outboxes=(invitation_outbox,),
)
