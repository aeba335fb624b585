"""The one way a backend service starts, serves and stops.

A service describes itself with a :class:`ServiceDefinition` (name, settings class, migrations,
outbox, servicers); :class:`ServiceHost` runs it: migrations in dev, a ``grpc.aio`` server with
health, reflection and the shared interceptors, the Prometheus endpoint, the audit outbox relay,
the status API (:mod:`kotopolku.common.status`), and a graceful stop on SIGTERM (health turns
NOT_SERVING, no new calls are accepted, in-flight calls get ``shutdown_grace_seconds`` to finish).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor, filters
from prometheus_client import start_http_server

from kotopolku.audit.v1 import audit_pb2_grpc
from kotopolku.common import migrations
from kotopolku.common.audit import AuditRecorder
from kotopolku.common.channels import open_channel
from kotopolku.common.client_records import ClientRecordsConfig
from kotopolku.common.client_records_servicer import ClientRecordsServicer
from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.db import Database
from kotopolku.common.identity import AssertionSigner, AssertionVerifier, ServiceAssertion
from kotopolku.common.interceptors.errors import ErrorMappingInterceptor
from kotopolku.common.interceptors.identity import CallerIdentityInterceptor
from kotopolku.common.interceptors.metrics import MetricsInterceptor
from kotopolku.common.logging import configure_logging
from kotopolku.common.outbox import OutboxRelay
from kotopolku.common.settings import ServiceSettings
from kotopolku.common.status import AUDIT_OUTBOX, STATUS_SERVICE, StatusServicer, StatusSources
from kotopolku.common.telemetry import configure_tracing
from kotopolku.ops.v1 import status_pb2_grpc
from kotopolku.records.v1 import records_pb2, records_pb2_grpc

log = logging.getLogger(__name__)

# ``open_channel``'s signature: an address and, optionally, where the caller assertion comes from.
ChannelOpener = Callable[..., Any]

# Health service name that Kubernetes readiness probes ask for; "" answers liveness.
READINESS = "readiness"
_READINESS_CHECK_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Registration:
    """One gRPC service a process serves."""

    add_to_server: Callable[[Any, grpc.aio.Server], None]
    servicer: Any
    full_name: str


@dataclass(slots=True)
class Runtime:
    """What the shared mechanisms give a service's domain code."""

    name: str
    settings: ServiceSettings
    database: Database
    clock: Clock
    audit: AuditRecorder | None
    service_signer: AssertionSigner | None
    extras: dict[str, Any] = field(default_factory=dict)
    # Closed by the host when the service stops.
    channels: list[grpc.aio.Channel] = field(default_factory=list)
    # Jobs the host runs beside the server until it stops (e.g. a service's own outbox relay).
    background: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = field(
        default_factory=list
    )
    # How channels are opened: over the network, or in this process (kotopolku.common.inprocess).
    channel_opener: ChannelOpener = open_channel

    def user_channel(self, address: str) -> grpc.aio.Channel:
        """A channel for calls made while serving a request: they carry that request's caller."""
        channel: grpc.aio.Channel = self.channel_opener(address)
        self.channels.append(channel)
        return channel

    def service_channel(self, address: str) -> grpc.aio.Channel:
        """A channel for calls the service makes on its own behalf (role internal-service)."""
        if self.service_signer is None:
            raise RuntimeError("the service key is missing: it cannot call as itself")
        channel: grpc.aio.Channel = self.channel_opener(
            address, ServiceAssertion(self.service_signer, self.name)
        )
        self.channels.append(channel)
        return channel


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    name: str
    settings_class: type[ServiceSettings]
    build: Callable[[Runtime], Sequence[Registration]]
    migrations: Path | None = None
    # The service's audit outbox table; None for the audit service itself.
    outbox: sa.Table | None = None
    # The service's own outboxes to other services (with a ``created_at`` column), reported by
    # the status API beside the audit outbox.
    other_outboxes: tuple[sa.Table, ...] = ()
    # The client records the service holds, for the archive (kotopolku.common.client_records):
    # when given, the host serves ClientRecordsService from it.
    client_records: ClientRecordsConfig | None = None


class ServiceHost:
    """Runs one service in this process; tests start several on ephemeral ports."""

    def __init__(
        self,
        definition: ServiceDefinition,
        settings: ServiceSettings,
        *,
        clock: Clock = utcnow,
        verifier: AssertionVerifier | None = None,
        run_background: bool = True,
        server_factory: Callable[..., Any] = grpc.aio.server,
        channel_opener: ChannelOpener = open_channel,
    ) -> None:
        self.definition = definition
        # grpc.aio.server and open_channel, or their in-process equivalents (one-process runs).
        self._server_factory = server_factory
        self._channel_opener = channel_opener
        # Tests that drive a service's background jobs step by step turn them off.
        self._run_background = run_background
        self.settings = settings
        self.clock = clock
        self._verifier = verifier
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._server: grpc.aio.Server | None = None
        self._health = health_aio.HealthServicer()
        self._audit_channel: grpc.aio.Channel | None = None
        self._runtime: Runtime | None = None
        self.relay: OutboxRelay | None = None
        self.database: Database | None = None
        self.port = 0
        # What readiness last reported (database reachable).
        self.serving = False

    async def start(self) -> int:
        settings, definition = self.settings, self.definition
        if definition.migrations is not None and settings.migrate_on_start:
            await asyncio.to_thread(
                migrations.upgrade, settings.database_url, definition.name, definition.migrations
            )
        self.database = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        signer = (
            AssertionSigner.from_file(
                settings.service_key_file, f"kotopolku-service:{definition.name}"
            )
            if settings.service_key_file.exists()
            else None
        )
        audit = None
        if definition.outbox is not None:
            self.relay = self._relay(signer)
            audit = AuditRecorder(
                definition.name, definition.outbox, self.clock, on_recorded=self.relay.wake
            )
        runtime = Runtime(
            definition.name,
            settings,
            self.database,
            self.clock,
            audit,
            signer,
            channel_opener=self._channel_opener,
        )
        self._runtime = runtime
        registrations = [*definition.build(runtime), *self._client_records(runtime)]

        verifier = self._verifier or AssertionVerifier.from_files(
            settings.gateway_public_key_file, settings.service_public_key_file
        )
        server = self._server_factory(
            interceptors=[
                # Health is left out: probes would flood traces, and the interceptor cannot wrap
                # Watch, a server stream written with context.write().
                aio_server_interceptor(
                    filter_=filters.negate(filters.service_name("grpc.health.v1.Health"))
                ),
                MetricsInterceptor(),
                ErrorMappingInterceptor(),
                CallerIdentityInterceptor(verifier),
            ],
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", 16 << 20),
                # Accept the keepalive pings our channels send (every 30 s, also when idle),
                # instead of answering them with GOAWAY too_many_pings.
                ("grpc.keepalive_permit_without_calls", 1),
                ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
            ],
        )
        for registration in registrations:
            registration.add_to_server(registration.servicer, server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        status_pb2_grpc.add_StatusServiceServicer_to_server(self._status_servicer(), server)
        names = [r.full_name for r in registrations]
        reflection.enable_server_reflection(
            [
                *names,
                STATUS_SERVICE,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            ],
            server,
        )
        self.port = server.add_insecure_port(f"{settings.grpc_host}:{settings.grpc_port}")
        if self.port == 0:
            raise RuntimeError(f"cannot bind {settings.grpc_host}:{settings.grpc_port}")
        await server.start()
        self._server = server
        for name in ("", READINESS, *names):
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.serving = True
        if self.relay is not None:
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop)))
        if self._run_background:
            for job in runtime.background:
                self._tasks.append(asyncio.create_task(job(self._stop)))
        self._tasks.append(asyncio.create_task(self._watch_readiness(names)))
        log.info("service started", extra={"grpc_port": self.port})
        return self.port

    def _client_records(self, runtime: Runtime) -> list[Registration]:
        config = self.definition.client_records
        if config is None:
            return []
        if runtime.audit is None:
            raise RuntimeError("the client-records contract needs the service's audit outbox")
        servicer = ClientRecordsServicer(
            self.definition.name, runtime.database, runtime.audit, self.clock, config
        )
        return [
            Registration(
                records_pb2_grpc.add_ClientRecordsServiceServicer_to_server,
                servicer,
                records_pb2.DESCRIPTOR.services_by_name["ClientRecordsService"].full_name,
            )
        ]

    def _status_servicer(self) -> StatusServicer:
        assert self.database is not None
        definition = self.definition
        outboxes = [(AUDIT_OUTBOX, definition.outbox)] if definition.outbox is not None else []
        outboxes += [(table.name, table) for table in definition.other_outboxes]
        return StatusServicer(
            StatusSources(
                service=definition.name,
                database=self.database,
                clock=self.clock,
                build=self.settings.build_version,
                migrations=definition.migrations,
                outboxes=outboxes,
                ready=lambda: self.serving,
            )
        )

    def _relay(self, signer: AssertionSigner | None) -> OutboxRelay:
        assert self.database is not None
        assert self.definition.outbox is not None
        if signer is None:
            raise RuntimeError(
                f"{self.settings.service_key_file} is missing: audit delivery needs the service key"
            )
        self._audit_channel = self._channel_opener(
            self.settings.audit_address, ServiceAssertion(signer, self.definition.name)
        )
        return OutboxRelay(
            self.definition.name,
            self.database,
            self.definition.outbox,
            audit_pb2_grpc.AuditServiceStub(self._audit_channel),
            batch_size=self.settings.outbox_batch_size,
            poll_seconds=self.settings.outbox_poll_seconds,
            clock=self.clock,
        )

    async def _watch_readiness(self, names: Sequence[str]) -> None:
        """Readiness follows the database: a service that cannot reach it takes no traffic."""
        assert self.database is not None
        serving = True
        while not self._stop.is_set():
            try:
                async with self.database.engine.connect() as connection:
                    await connection.execute(sa.text("SELECT 1"))
                healthy = True
            except Exception:
                healthy = False
            if healthy != serving:
                serving = healthy
                self.serving = healthy
                status = (
                    health_pb2.HealthCheckResponse.SERVING
                    if healthy
                    else health_pb2.HealthCheckResponse.NOT_SERVING
                )
                log.warning("readiness changed", extra={"serving": healthy})
                for name in (READINESS, *names):
                    await self._health.set(name, status)
            try:
                await asyncio.wait_for(self._stop.wait(), _READINESS_CHECK_SECONDS)
            except TimeoutError:
                pass

    async def stop(self, grace: float | None = None) -> None:
        grace = self.settings.shutdown_grace_seconds if grace is None else grace
        self.serving = False
        await self._health.enter_graceful_shutdown()
        self._stop.set()
        if self._server is not None:
            await self._server.stop(grace)
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
        if self.relay is not None:
            # One last attempt so that a clean stop leaves no backlog behind.
            try:
                await self.relay.deliver_once()
            except Exception:
                log.warning("audit backlog left for the next start")
        if self._audit_channel is not None:
            await self._audit_channel.close()
        if self._runtime is not None:
            for channel in self._runtime.channels:
                await channel.close()
        if self.database is not None:
            await self.database.dispose()
        log.info("service stopped")

    async def run_until_signalled(self) -> None:
        loop = asyncio.get_running_loop()
        stop_requested = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop_requested.set)
        await self.start()
        await stop_requested.wait()
        log.info("stop requested; draining")
        await self.stop()


def main(definition: ServiceDefinition, argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: ``kotopolku-<service> [serve|migrate|revision]``."""
    parser = argparse.ArgumentParser(prog=f"kotopolku-{definition.name}")
    parser.add_argument(
        "command", nargs="?", default="serve", choices=["serve", "migrate", "revision"]
    )
    args = parser.parse_args(argv)
    settings = definition.settings_class()
    configure_logging(definition.name, settings.log_level)
    if args.command == "migrate":
        if definition.migrations is not None:
            migrations.upgrade(settings.database_url, definition.name, definition.migrations)
        return 0
    if args.command == "revision":
        print(migrations.current_revision(settings.database_url, definition.name) or "none")
        return 0
    configure_tracing(f"kotopolku-{definition.name}")
    if settings.metrics_port:
        start_http_server(settings.metrics_port, addr=settings.grpc_host)
    asyncio.run(ServiceHost(definition, settings).run_until_signalled())
    return 0
