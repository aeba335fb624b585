"""The assessment service: basic and multi-sector assessments, refining measures, outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.assessment.client_directory import ClientDirectory
from kotopolku.assessment.client_records import CLIENT_RECORDS
from kotopolku.assessment.servicer import AssessmentServicer
from kotopolku.assessment.tables import audit_outbox, idempotency_keys, reporting_outbox
from kotopolku.assessment.v1 import assessment_pb2, assessment_pb2_grpc
from kotopolku.assessment.welfare_gate import WelfareGate
from kotopolku.clients.v1 import clients_pb2_grpc
from kotopolku.common import facts
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition


class AssessmentSettings(facts.FactSourceSettings):
    grpc_port: int = Field(50053, ge=0, le=65535)
    database_url: str = "sqlite:///var/data/assessment.db"
    # The clients service, asked whether a client exists and is visible to the caller.
    clients_address: str = "127.0.0.1:50051"
    # Deadline of that call (shortened to what is left of the caller's own deadline).
    clients_timeout_seconds: float = Field(5.0, gt=0)
    # Asked, as the welfare-area caller, whether a team member's welfare area may see an
    # assessment now (an accepted cooperation on a valid basis).
    welfare_address: str = "127.0.0.1:50056"


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, AssessmentSettings)
    clients = clients_pb2_grpc.ClientsServiceStub(runtime.user_channel(settings.clients_address))
    servicer = AssessmentServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        ClientDirectory(clients, settings.clients_timeout_seconds),  # type: ignore[arg-type]
        WelfareGate(runtime.user_channel(settings.welfare_address)),
        facts.install(runtime, reporting_outbox),
    )
    return [
        Registration(
            assessment_pb2_grpc.add_AssessmentServiceServicer_to_server,
            servicer,
            assessment_pb2.DESCRIPTOR.services_by_name["AssessmentService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="assessment",
    settings_class=AssessmentSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
    other_outboxes=(reporting_outbox,),
)
