"""The guidance service: counselling visits, anonymous visits, initial-phase guidance and the
knowledge base (IS services 4 and 21)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from kotopolku.clients.v1 import clients_pb2_grpc
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings
from kotopolku.guidance.client_directory import ClientDirectory
from kotopolku.guidance.client_records import CLIENT_RECORDS
from kotopolku.guidance.search.finnish import load_finnish_base_forms, load_stemmers
from kotopolku.guidance.search.index import article_index
from kotopolku.guidance.search.terms import TermAnalyser
from kotopolku.guidance.series_closer import SeriesCloser
from kotopolku.guidance.servicer import GuidanceServicer
from kotopolku.guidance.tables import audit_outbox, idempotency_keys
from kotopolku.guidance.v1 import guidance_pb2, guidance_pb2_grpc

# Where build() leaves the series closer, for tests that drive it step by step.
SERIES_CLOSER = "series_closer"


class GuidanceSettings(ServiceSettings):
    grpc_port: int = 50063
    database_url: str = "sqlite:///var/data/guidance.db"
    # The clients service: is the client the caller's, and has the client consented to a link.
    clients_address: str = "127.0.0.1:50051"
    clients_timeout_seconds: float = Field(5.0, gt=0)
    # How often series whose plan period has ended are closed in the background (they are also
    # closed whenever they are read).
    series_close_interval_seconds: float = Field(3600.0, gt=0)


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, GuidanceSettings)
    clients = ClientDirectory(
        clients_pb2_grpc.ClientsServiceStub(runtime.user_channel(settings.clients_address)),  # type: ignore[arg-type]
        settings.clients_timeout_seconds,
    )
    terms = TermAnalyser(load_stemmers(), load_finnish_base_forms())
    closer = SeriesCloser(
        runtime.database, runtime.audit, runtime.clock, settings.series_close_interval_seconds
    )
    runtime.extras[SERIES_CLOSER] = closer
    runtime.background.append(closer.run)
    servicer = GuidanceServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        clients,
        article_index(runtime.database.is_sqlite, terms),
    )
    return [
        Registration(
            guidance_pb2_grpc.add_GuidanceServiceServicer_to_server,
            servicer,
            guidance_pb2.DESCRIPTOR.services_by_name["GuidanceService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="guidance",
    settings_class=GuidanceSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
)
