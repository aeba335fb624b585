"""The welfare service: collaboration between a municipality and its welfare area (IS services
5, 6 and 18), with placement proposals and the reception around them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.welfare.client_records import CLIENT_RECORDS
from kotopolku.welfare.directory import ClientDirectory, RecordSource
from kotopolku.welfare.feed import FeedNotifier, FeedPruner
from kotopolku.welfare.servicer import WelfareServicer
from kotopolku.welfare.settings import WelfareSettings
from kotopolku.welfare.tables import audit_outbox, idempotency_keys
from kotopolku.welfare.v1 import welfare_pb2, welfare_pb2_grpc

__all__ = ["DEFINITION", "WelfareSettings"]


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    settings = runtime.settings
    assert isinstance(settings, WelfareSettings)
    timeout = settings.dependency_timeout_seconds
    servicer = WelfareServicer(
        runtime.database,
        runtime.audit,
        IdempotencyStore(idempotency_keys, runtime.clock),
        runtime.clock,
        settings,
        FeedNotifier(),
        ClientDirectory(runtime.user_channel(settings.clients_address), timeout),
        RecordSource(
            runtime.user_channel(settings.assessment_address),
            runtime.user_channel(settings.plans_address),
            timeout,
        ),
    )
    pruner = FeedPruner(
        runtime.database, timedelta(days=settings.feed_retention_days), runtime.clock
    )
    runtime.background.append(pruner.run)
    return [
        Registration(
            welfare_pb2_grpc.add_WelfareServiceServicer_to_server,
            servicer,
            welfare_pb2.DESCRIPTOR.services_by_name["WelfareService"].full_name,
        )
    ]


DEFINITION = ServiceDefinition(
    name="welfare",
    settings_class=WelfareSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
)
