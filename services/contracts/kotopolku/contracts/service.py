"""The contracts service: contract management (IS service 11) and compensation claims to
KEHA-keskus (reference architecture §3.4.12)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.clients.v1 import clients_pb2_grpc
from kotopolku.common.client_directory import ClientDirectory
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.objectstore import open_object_store
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ObjectStoreSettings
from kotopolku.contracts.client_records import CLIENT_RECORDS
from kotopolku.contracts.domain.attachment import DEFAULT_MAX_BYTES
from kotopolku.contracts.rpc_support import Dependencies
from kotopolku.contracts.servicer import ContractsServicer
from kotopolku.contracts.tables import audit_outbox, idempotency_keys
from kotopolku.contracts.v1 import contracts_pb2, contracts_pb2_grpc


class ContractsSettings(ObjectStoreSettings):
    grpc_port: int = Field(50062, ge=0, le=65535)
    database_url: str = "sqlite:///var/data/contracts.db"
    # Attachments and submitted claim documents.
    object_store_url: str = "var/objects/contracts"
    # Largest attachment accepted (bytes); gRPC messages are limited to 16 MiB.
    max_attachment_bytes: int = Field(DEFAULT_MAX_BYTES, ge=1, le=15 * 1024 * 1024)
    # The clients service: does a cost's client exist for the caller, and is it eligible.
    clients_address: str = "127.0.0.1:50051"
    clients_timeout_seconds: float = Field(5.0, gt=0)


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, ContractsSettings)
    clients = clients_pb2_grpc.ClientsServiceStub(runtime.user_channel(settings.clients_address))
    store = open_object_store(
        settings.object_store_url,
        s3_endpoint_url=settings.object_store_s3_endpoint_url,
        s3_region=settings.object_store_s3_region,
    )
    servicer = ContractsServicer(
        Dependencies(
            database=runtime.database,
            audit=runtime.audit,
            idempotency=IdempotencyStore(idempotency_keys, runtime.clock),
            clock=runtime.clock,
            store=store,
            clients=ClientDirectory(clients, settings.clients_timeout_seconds),  # type: ignore[arg-type]
            max_attachment_bytes=settings.max_attachment_bytes,
        )
    )
    return [
        Registration(
            contracts_pb2_grpc.add_ContractsServiceServicer_to_server,
            servicer,
            contracts_pb2.DESCRIPTOR.services_by_name["ContractsService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="contracts",
    settings_class=ContractsSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
)
