"""The audit service as the shared host runs it: settings, wiring and migrations."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.audit.repository import VERIFY_CHUNK_SIZE, AuditRepository
from kotopolku.audit.servicer import AuditServicer
from kotopolku.audit.v1 import audit_pb2, audit_pb2_grpc
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class AuditSettings(ServiceSettings):
    # 0 binds an ephemeral port (tests run servers side by side).
    grpc_port: int = Field(50052, ge=0, le=65535)
    # Same layout as the other services (README: var/data/<service>.db).
    database_url: str = "sqlite:///var/data/audit.db"
    # Entries read per query while verifying the chain (bounds memory, not the chain length).
    verify_chunk_size: int = Field(VERIFY_CHUNK_SIZE, ge=100, le=100_000)


def build(runtime: Runtime) -> Sequence[Registration]:
    settings = runtime.settings
    chunk = settings.verify_chunk_size if isinstance(settings, AuditSettings) else VERIFY_CHUNK_SIZE
    repository = AuditRepository(runtime.database, runtime.clock, verify_chunk_size=chunk)
    servicer = AuditServicer(runtime.database, repository, runtime.clock)
    return [
        Registration(
            add_to_server=audit_pb2_grpc.add_AuditServiceServicer_to_server,
            servicer=servicer,
            full_name=audit_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="audit",
    settings_class=AuditSettings,
    build=build,
    migrations=MIGRATIONS,
    # The audit service has no outbox: reads of the log go straight into the chain.
    outbox=None,
)
