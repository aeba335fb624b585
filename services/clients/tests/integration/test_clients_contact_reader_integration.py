"""The messaging service, calling as itself (role internal-service), reads what it takes to reach
a client and nothing more; no other service may read client records as itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION, ClientsSettings
from kotopolku.clients.tables import audit_outbox
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.identity import (
    METADATA_KEY,
    SERVICE_ISSUER_PREFIX,
    AssertionSigner,
    Caller,
    Role,
)
from kotopolku.common.server import ServiceHost

OFFICER = Caller(
    subject="officer-091",
    roles=frozenset({Role.MUNICIPAL_OFFICER}),
    purpose="integration-services",
    municipality="091",
)


@pytest.fixture
async def clients(
    keys: testing.TestKeys, database_url: str
) -> AsyncIterator[tuple[ServiceHost, clients_pb2_grpc.ClientsServiceAsyncStub]]:
    host = ServiceHost(
        DEFINITION,
        ClientsSettings(
            database_url=database_url,
            grpc_port=0,
            gateway_public_key_file=keys.gateway_public,
            service_public_key_file=keys.service_public,
            service_key_file=keys.service_private,
            audit_address="127.0.0.1:1",
        ),
        verifier=keys.verifier(),
    )
    port = await host.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield host, clients_pb2_grpc.ClientsServiceStub(channel)  # type: ignore[misc]
    finally:
        await channel.close()
        await host.stop(0)


def _as_service(keys: testing.TestKeys, service: str) -> tuple[tuple[str, str], ...]:
    signer = AssertionSigner.from_file(keys.service_private, f"{SERVICE_ISSUER_PREFIX}{service}")
    return ((METADATA_KEY, signer.sign(signer.service_caller(service))),)


async def test_messaging_reads_contact_details_only_and_the_read_is_audited(
    keys: testing.TestKeys, clients: tuple[ServiceHost, Any]
) -> None:
    host, stub = clients
    created = await stub.CreateClient(
        clients_pb2.CreateClientRequest(
            client=clients_pb2.Client(
                first_names="Amina",
                last_name="Hassan",
                date_of_birth="1990-01-01",
                henkilotunnus="010190-999W",
                languages=["so", "fi"],
                contact=clients_pb2.ContactDetails(
                    email="amina@example.fi", phone="0401234567", street_address="Katu 1"
                ),
            )
        ),
        metadata=((METADATA_KEY, keys.assertion(OFFICER)),),
    )
    found = await stub.GetClient(
        clients_pb2.GetClientRequest(client_id=created.id), metadata=_as_service(keys, "messaging")
    )
    assert (found.contact.email, found.contact.phone) == ("amina@example.fi", "+358401234567")
    assert list(found.languages) == ["so", "fi"]
    assert found.municipality_code == "091"
    assert found.henkilotunnus == "010190-999W"
    # Nothing beyond what reaching the client takes.
    assert (found.first_names, found.last_name, found.date_of_birth) == ("", "", "")
    assert found.contact.street_address == ""

    assert host.database is not None
    async with host.database.engine.connect() as connection:
        payloads = (await connection.execute(sa.select(audit_outbox.c.payload))).scalars().all()
    events = [audit_pb2.AuditEvent.FromString(bytes(p)) for p in payloads]
    read = [e for e in events if e.action == "client.read-contact"]
    assert len(read) == 1
    assert read[0].actor_subject == f"{SERVICE_ISSUER_PREFIX}messaging"
    assert read[0].subject_client_id == created.id

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetClient(
            clients_pb2.GetClientRequest(client_id=created.id), metadata=_as_service(keys, "plans")
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
