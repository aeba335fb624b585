"""The programme service: the municipality's integration programme (IS service 7)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.common import facts
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.plans.v1 import plans_pb2_grpc
from kotopolku.programme.client_records import CLIENT_RECORDS
from kotopolku.programme.outcomes import OutcomeRelay
from kotopolku.programme.plan_directory import PlanDirectory
from kotopolku.programme.plans_outcomes import PlansOutcomeSink
from kotopolku.programme.servicer import ProgrammeServicer
from kotopolku.programme.tables import (
    audit_outbox,
    idempotency_keys,
    plan_outcome_outbox,
    reporting_outbox,
)
from kotopolku.programme.v1 import programme_pb2, programme_pb2_grpc

# Where build() leaves the outcome relay, and the background jobs the host should run:
# each job is ``async def job(stop: asyncio.Event) -> None``.
OUTCOME_RELAY = "outcome_relay"


class ProgrammeSettings(facts.FactSourceSettings):
    grpc_port: int = 50055
    database_url: str = "sqlite:///var/data/programme.db"
    # Asked, as the officer, what the plan agreed before an enrolment; enrolment outcomes are
    # delivered there as the service itself (PlansService.RecordServiceOutcome).
    plans_address: str = "127.0.0.1:50054"
    # How often undelivered plan outcomes are looked for when no new one wakes the relay.
    outcome_poll_seconds: float = Field(5.0, gt=0)
    outcome_batch_size: int = Field(50, ge=1, le=1000)


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, ProgrammeSettings)
    plans = plans_pb2_grpc.PlansServiceStub(runtime.service_channel(settings.plans_address))
    relay = OutcomeRelay(
        runtime.database,
        PlansOutcomeSink(plans),  # type: ignore[arg-type]
        batch_size=settings.outcome_batch_size,
        poll_seconds=settings.outcome_poll_seconds,
        clock=runtime.clock,
    )
    runtime.extras[OUTCOME_RELAY] = relay
    runtime.background.append(relay.run)
    servicer = ProgrammeServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        PlanDirectory(runtime.user_channel(settings.plans_address)),
        on_outcome=relay.wake,
        facts=facts.install(runtime, reporting_outbox),
    )
    return [
        Registration(
            programme_pb2_grpc.add_ProgrammeServiceServicer_to_server,
            servicer,
            programme_pb2.DESCRIPTOR.services_by_name["ProgrammeService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="programme",
    settings_class=ProgrammeSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    other_outboxes=(plan_outcome_outbox, reporting_outbox),
    client_records=CLIENT_RECORDS,
)
