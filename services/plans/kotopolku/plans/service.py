"""The plans service: integration plans (kotoutumissuunnitelma), their goals and agreed services,
approvals, reviews, extensions and transfers between the authorities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings
from kotopolku.plans.directory import ClientDirectory, ProgrammeCatalogue
from kotopolku.plans.overdue_gauge import OverdueReviewsGauge
from kotopolku.plans.servicer import PlansServicer
from kotopolku.plans.tables import audit_outbox, idempotency_keys
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc


class PlansSettings(ServiceSettings):
    grpc_port: int = 50054
    database_url: str = "sqlite:///var/data/plans.db"
    # Asked, as the caller, whether a client exists in the caller's municipality and who a
    # client user is.
    clients_address: str = "127.0.0.1:50051"
    # Asked, as the caller, whether a service is in the municipality's integration programme.
    programme_address: str = "127.0.0.1:50055"


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, PlansSettings)
    servicer = PlansServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        ClientDirectory(runtime.user_channel(settings.clients_address)),
        ProgrammeCatalogue(runtime.user_channel(settings.programme_address)),
    )
    runtime.background.append(OverdueReviewsGauge(runtime.database, runtime.clock).job())
    return [
        Registration(
            plans_pb2_grpc.add_PlansServiceServicer_to_server,
            servicer,
            plans_pb2.DESCRIPTOR.services_by_name["PlansService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="plans",
    settings_class=PlansSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
)
