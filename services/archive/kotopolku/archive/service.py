"""The archive service: retention rules (TOS), archival packages of clients whose active use has
ended, minimisation in every service, legal holds and disposal (IS service 17)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from pydantic import Field, model_validator

from kotopolku.archive.disposal import Disposer
from kotopolku.archive.domain.jobs import RetryPolicy
from kotopolku.archive.domain.tos import SHIPPED_TOS, Tos, load_tos
from kotopolku.archive.engine import ArchiveEngine
from kotopolku.archive.metrics import JobGauges
from kotopolku.archive.servicer import ArchiveServicer
from kotopolku.archive.sources import RecordServices
from kotopolku.archive.tables import audit_outbox, idempotency_keys
from kotopolku.archive.v1 import archive_pb2, archive_pb2_grpc
from kotopolku.audit.v1 import audit_pb2_grpc
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.objectstore import open_object_store
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ObjectStoreSettings
from kotopolku.plans.v1 import plans_pb2_grpc
from kotopolku.records.v1 import records_pb2_grpc

# Every service that holds client records, and where it listens by default (its
# KOTOPOLKU_<NAME>_ADDRESS, which the chart and scripts/stack.sh set, wins). A new one is one
# more entry here and rules for its record types in the TOS.
DEFAULT_RECORD_SERVICES: Final = {
    "clients": "127.0.0.1:50051",
    "assessment": "127.0.0.1:50053",
    "plans": "127.0.0.1:50054",
    "programme": "127.0.0.1:50055",
    "welfare": "127.0.0.1:50056",
    "appointments": "127.0.0.1:50057",
    "messaging": "127.0.0.1:50058",
    "interpretation": "127.0.0.1:50059",
    "esign": "127.0.0.1:50060",
    "contracts": "127.0.0.1:50062",
    "guidance": "127.0.0.1:50063",
    "reporting": "127.0.0.1:50064",
}

# Where build() leaves the job engine and the disposer (tests drive them step by step).
ENGINE = "engine"
DISPOSER = "disposer"


class ArchiveSettings(ObjectStoreSettings):
    grpc_port: int = Field(50061, ge=0, le=65535)
    database_url: str = "sqlite:///var/data/archive.db"
    # Archival packages, and exports staged while a package is being made.
    object_store_url: str = "var/objects/archive"
    # The TOS (YAML); empty: the one shipped with the service (kotopolku/archive/tos.yaml).
    tos_file: Path | None = None
    # Service name -> address, as JSON in KOTOPOLKU_RECORD_SERVICES; empty: every service of
    # DEFAULT_RECORD_SERVICES at its KOTOPOLKU_<NAME>_ADDRESS. Minimised in this order, the
    # clients service last.
    record_services: dict[str, str] = Field(default_factory=dict)
    # Clients whose plans have ended (PlansService.ListEndedPlanClients).
    plans_address: str = "127.0.0.1:50054"
    # Deadline of one call to a record service (an export may be large).
    call_timeout_seconds: float = Field(60.0, gt=0)
    # The job worker inside the service.
    worker_enabled: bool = True
    worker_poll_seconds: float = Field(5.0, gt=0)
    # How long a worker owns the job it runs; another takes it over after that.
    lease_seconds: float = Field(300.0, gt=0)
    # A pause between two steps, to spread the load of many jobs over time.
    step_interval_seconds: float = Field(0.0, ge=0)
    retry_max_attempts: int = Field(8, ge=1, le=100)
    retry_base_seconds: float = Field(30.0, gt=0)
    retry_cap_seconds: float = Field(3600.0, gt=0)
    # How often packages whose retention has ended are disposed of.
    disposal_interval_seconds: float = Field(86400.0, gt=0)

    @model_validator(mode="after")
    def _tos_is_valid(self) -> ArchiveSettings:
        # Fails at start, listing every problem of the file (TosError is a ValueError).
        self.tos()
        if not self.record_services:
            self.record_services = {
                name: os.environ.get(f"KOTOPOLKU_{name.upper()}_ADDRESS", default)
                for name, default in DEFAULT_RECORD_SERVICES.items()
            }
        return self

    def tos(self) -> Tos:
        return load_tos(self.tos_file or SHIPPED_TOS)


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, ArchiveSettings)
    tos = settings.tos()
    store = open_object_store(
        settings.object_store_url,
        s3_endpoint_url=settings.object_store_s3_endpoint_url,
        s3_region=settings.object_store_s3_region,
    )
    sources = RecordServices(
        {
            name: records_pb2_grpc.ClientRecordsServiceStub(runtime.service_channel(address))  # type: ignore[misc]
            for name, address in settings.record_services.items()
        },
        audit_pb2_grpc.AuditServiceStub(runtime.service_channel(settings.audit_address)),  # type: ignore[arg-type]
        plans_pb2_grpc.PlansServiceStub(runtime.service_channel(settings.plans_address)),  # type: ignore[arg-type]
        settings.call_timeout_seconds,
    )
    engine = ArchiveEngine(
        runtime.database,
        store,
        sources,
        tos,
        runtime.audit,
        runtime.clock,
        retry=RetryPolicy(
            settings.retry_max_attempts, settings.retry_base_seconds, settings.retry_cap_seconds
        ),
        lease_seconds=settings.lease_seconds,
        poll_seconds=settings.worker_poll_seconds,
        step_interval_seconds=settings.step_interval_seconds,
    )
    disposer = Disposer(
        runtime.database,
        store,
        runtime.audit,
        runtime.clock,
        interval_seconds=settings.disposal_interval_seconds,
    )
    runtime.extras[ENGINE] = engine
    runtime.extras[DISPOSER] = disposer
    if settings.worker_enabled:
        runtime.background.append(engine.run)
    runtime.background.append(disposer.run)
    runtime.background.append(JobGauges(runtime.database, runtime.clock).job())
    servicer = ArchiveServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        tos,
        sources,
        store,
        engine,
        disposer,
    )
    return [
        Registration(
            archive_pb2_grpc.add_ArchiveServiceServicer_to_server,
            servicer,
            archive_pb2.DESCRIPTOR.services_by_name["ArchiveService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="archive",
    settings_class=ArchiveSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
)
