"""The plans service: integration plans (kotoutumissuunnitelma), their goals and agreed services,
approvals, reviews, extensions and transfers between the authorities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.common import facts
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.plans.client_records import CLIENT_RECORDS
from kotopolku.plans.directory import ClientDirectory, ProgrammeCatalogue
from kotopolku.plans.family_end import LapsedFamilyPlanCheck
from kotopolku.plans.overdue_gauge import OverdueReviewsGauge
from kotopolku.plans.reporting_facts import PlanFacts
from kotopolku.plans.servicer import PlansServicer
from kotopolku.plans.tables import audit_outbox, idempotency_keys, reporting_outbox
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.plans.welfare_gate import WelfareGate


class PlansSettings(facts.FactSourceSettings):
    grpc_port: int = 50054
    database_url: str = "sqlite:///var/data/plans.db"
    # Asked, as the caller, whether a client exists in the caller's municipality and who a
    # client user is.
    clients_address: str = "127.0.0.1:50051"
    # Asked, as the caller, whether a service is in the municipality's integration programme.
    programme_address: str = "127.0.0.1:50055"
    # Asked, as the welfare-area caller, whether a welfare area may see a multi-sector plan.
    welfare_address: str = "127.0.0.1:50056"
    # How often family plans are checked for having lapsed with time (the members' plans reach
    # their end dates); a review that ends a member's plan ends a lapsed family plan at once.
    family_check_seconds: float = Field(3600.0, gt=0)


# Where build() leaves the periodic family-plan check (tests drive it step by step).
FAMILY_CHECK = "family_check"


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, PlansSettings)
    plan_facts = PlanFacts(facts.install(runtime, reporting_outbox))
    servicer = PlansServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        ClientDirectory(runtime.user_channel(settings.clients_address)),
        ProgrammeCatalogue(runtime.user_channel(settings.programme_address)),
        WelfareGate(runtime.user_channel(settings.welfare_address)),
        plan_facts,
    )
    check = LapsedFamilyPlanCheck(
        runtime.database,
        runtime.audit,
        runtime.clock,
        plan_facts,
        interval_seconds=settings.family_check_seconds,
    )
    runtime.extras[FAMILY_CHECK] = check
    runtime.background.append(check.run)
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
    client_records=CLIENT_RECORDS,
    other_outboxes=(reporting_outbox,),
)
