"""The clients service: client records, family links, consents, referrals and outreach lists."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kotopolku.clients.client_records import CLIENT_RECORDS
from kotopolku.clients.outreach_rpcs import OutreachServicer
from kotopolku.clients.servicer import ClientsServicer
from kotopolku.clients.tables import audit_outbox, idempotency_keys, reporting_outbox
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc, outreach_pb2, outreach_pb2_grpc
from kotopolku.common import facts
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.server import Registration, Runtime, ServiceDefinition


class ClientsSettings(facts.FactSourceSettings):
    grpc_port: int = 50051
    database_url: str = "sqlite:///var/data/clients.db"


def build(runtime: Runtime) -> Sequence[Registration]:
    assert runtime.audit is not None
    idempotency = IdempotencyStore(idempotency_keys, runtime.clock)
    servicer = ClientsServicer(runtime.database, runtime.audit, idempotency, runtime.clock)
    outreach = OutreachServicer(
        runtime.database,
        runtime.audit,
        idempotency,
        runtime.clock,
        facts.install(runtime, reporting_outbox),
    )
    return [
        Registration(
            clients_pb2_grpc.add_ClientsServiceServicer_to_server,
            servicer,
            clients_pb2.DESCRIPTOR.services_by_name["ClientsService"].full_name,
        ),
        # Outreach lists (tavoittaminen): their targets are matched to the client records here.
        Registration(
            outreach_pb2_grpc.add_OutreachServiceServicer_to_server,
            outreach,
            outreach_pb2.DESCRIPTOR.services_by_name["OutreachService"].full_name,
        ),
    ]


DEFINITION = ServiceDefinition(
    name="clients",
    settings_class=ClientsSettings,
    build=build,
    migrations=Path(__file__).with_name("migrations") / "versions",
    outbox=audit_outbox,
    client_records=CLIENT_RECORDS,
    # Outreach coverage facts for the reporting service.
    other_outboxes=(reporting_outbox,),
)
