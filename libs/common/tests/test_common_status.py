"""The status API every service serves, and the outbox and identity metrics behind the alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from kotopolku.common import migrations, testing
from kotopolku.common.audit import AuditEntry
from kotopolku.common.db import sync_url
from kotopolku.common.identity import (
    METADATA_KEY,
    SERVICE_ISSUER_PREFIX,
    AssertionSigner,
    Caller,
    Role,
)
from kotopolku.common.server import Runtime, ServiceDefinition, ServiceHost
from kotopolku.common.settings import ServiceSettings
from kotopolku.common.tables import audit_outbox_table
from kotopolku.ops.v1 import status_pb2, status_pb2_grpc

VERSIONS = Path(__file__).with_name("probe") / "migrations" / "versions"
METADATA = sa.MetaData()
OUTBOX = audit_outbox_table(METADATA)
# A second outbox of the service's own, as a service that notifies another one has.
NOTICES = sa.Table(
    "probe_notices",
    METADATA,
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
UNREACHABLE_AUDIT = "127.0.0.1:1"
ADMIN = Caller("admin-1", frozenset({Role.ADMIN}), "administration")
OFFICER = Caller("officer-1", frozenset({Role.MUNICIPAL_OFFICER}), "integration-services", "091")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _definition(other_outboxes: tuple[sa.Table, ...] = ()) -> ServiceDefinition:
    def build(runtime: Runtime) -> list[Any]:
        return []

    return ServiceDefinition(
        name="probe",
        settings_class=ServiceSettings,
        build=build,
        migrations=VERSIONS,
        outbox=OUTBOX,
        other_outboxes=other_outboxes,
    )


def _settings(
    keys: testing.TestKeys, database_url: str, *, migrate: bool = True
) -> ServiceSettings:
    return ServiceSettings(
        grpc_port=0,
        database_url=database_url,
        migrate_on_start=migrate,
        gateway_public_key_file=keys.gateway_public,
        service_public_key_file=keys.service_public,
        service_key_file=keys.service_private,
        audit_address=UNREACHABLE_AUDIT,
        build_version="4f2a9c1",
    )


@pytest.fixture
async def probe(
    keys: testing.TestKeys, database_url: str
) -> AsyncIterator[tuple[ServiceHost, Clock]]:
    clock = Clock()
    host = ServiceHost(
        _definition(),
        _settings(keys, database_url),
        clock=clock,
        verifier=keys.verifier(),
    )
    await host.start()
    try:
        yield host, clock
    finally:
        await host.stop(0)


def _service_md(keys: testing.TestKeys, service: str = "sre") -> tuple[tuple[str, str], ...]:
    signer = AssertionSigner.from_file(keys.service_private, f"{SERVICE_ISSUER_PREFIX}{service}")
    return ((METADATA_KEY, signer.sign(signer.service_caller(service))),)


def _user_md(keys: testing.TestKeys, caller: Caller) -> tuple[tuple[str, str], ...]:
    return ((METADATA_KEY, keys.assertion(caller)),)


async def _status(port: int, metadata: Any) -> status_pb2.ServiceStatus:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = status_pb2_grpc.StatusServiceStub(channel)
        return await stub.GetStatus(status_pb2.GetStatusRequest(), metadata=metadata, timeout=10)


async def test_status_names_version_schema_and_an_empty_outbox(
    probe: tuple[ServiceHost, Clock], keys: testing.TestKeys
) -> None:
    host, _ = probe
    status = await _status(host.port, _service_md(keys))
    assert status.service == "probe"
    assert status.version  # the installed package's version
    assert status.build == "4f2a9c1"
    assert status.migration_revision == status.migration_head == "probe_0002"
    assert status.migrations_current
    assert status.ready
    assert [(o.name, o.backlog, o.oldest_age_seconds) for o in status.outboxes] == [
        ("audit", 0, 0.0)
    ]


async def test_status_counts_waiting_audit_events_and_their_age(
    probe: tuple[ServiceHost, Clock], keys: testing.TestKeys
) -> None:
    host, clock = probe
    assert host.database is not None
    recorder = host._runtime.audit if host._runtime else None
    assert recorder is not None
    async with host.database.transaction() as connection:
        await recorder.record(connection, OFFICER, [AuditEntry("probe.read", "probe/1")] * 3)
    clock.now += timedelta(seconds=90)
    status = await _status(host.port, _user_md(keys, ADMIN))
    (audit,) = status.outboxes
    assert audit.backlog == 3
    assert audit.oldest_age_seconds == pytest.approx(90.0)


async def test_the_relay_exports_backlog_and_oldest_age_while_audit_is_down(
    probe: tuple[ServiceHost, Clock], keys: testing.TestKeys
) -> None:
    host, clock = probe
    assert host.database is not None
    assert host.relay is not None
    assert host._runtime is not None
    assert host._runtime.audit is not None
    async with host.database.transaction() as connection:
        await host._runtime.audit.record(connection, OFFICER, [AuditEntry("probe.read", "p/1")])
    clock.now += timedelta(seconds=42)
    with pytest.raises(Exception, match="UNAVAILABLE"):
        await host.relay.deliver_once()
    await host.relay._refresh_backlog()
    labels = {"service": "probe"}
    assert REGISTRY.get_sample_value("kotopolku_audit_outbox_backlog", labels) == 1
    age = REGISTRY.get_sample_value("kotopolku_audit_outbox_oldest_age_seconds", labels)
    assert age == pytest.approx(42.0)


async def test_only_services_and_administrators_may_ask(
    probe: tuple[ServiceHost, Clock], keys: testing.TestKeys
) -> None:
    host, _ = probe
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await _status(host.port, _user_md(keys, OFFICER))
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await _status(host.port, ())
    assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_a_schema_behind_the_code_is_reported(
    keys: testing.TestKeys, database_url: str
) -> None:
    migrations.upgrade(database_url, "probe", VERSIONS, "probe_0001")
    engine = sa.create_engine(sync_url(database_url))
    METADATA.create_all(engine, tables=[NOTICES])
    engine.dispose()
    clock = Clock()
    host = ServiceHost(
        _definition(other_outboxes=(NOTICES,)),
        _settings(keys, database_url, migrate=False),
        clock=clock,
        verifier=keys.verifier(),
        run_background=False,
    )
    await host.start()
    try:
        assert host.database is not None
        async with host.database.transaction() as connection:
            await connection.execute(
                sa.insert(NOTICES), [{"created_at": clock.now - timedelta(minutes=5)}]
            )
        status = await _status(host.port, _service_md(keys))
    finally:
        await host.stop(0)
    assert status.migration_revision == "probe_0001"
    assert status.migration_head == "probe_0002"
    assert not status.migrations_current
    outboxes = {o.name: (o.backlog, o.oldest_age_seconds) for o in status.outboxes}
    assert outboxes == {"audit": (0, 0.0), "probe_notices": (1, pytest.approx(300.0))}


async def test_refused_assertions_are_counted_by_reason(
    probe: tuple[ServiceHost, Clock], keys: testing.TestKeys, tmp_path: Path
) -> None:
    host, _ = probe

    def rejected(reason: str) -> float:
        value = REGISTRY.get_sample_value(
            "kotopolku_caller_assertion_rejected_total", {"reason": reason}
        )
        return value or 0.0

    before = rejected("missing"), rejected("invalid")
    # A key the service does not trust: what a one-sided key rotation looks like.
    stranger = testing.make_keys(tmp_path / "other")
    for metadata in ((), _user_md(stranger, ADMIN)):
        with pytest.raises(grpc.aio.AioRpcError):
            await _status(host.port, metadata)
    assert (rejected("missing"), rejected("invalid")) == (before[0] + 1, before[1] + 1)
