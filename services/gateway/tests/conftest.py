"""Fixtures of the gateway suite: issuer keys, a JWKS server, spans, and the whole running stack.

``gateway`` starts the real audit and clients services with :class:`ServiceHost` on ephemeral
ports on the ``database_url`` of the root conftest (SQLite and PostgreSQL), the real FastAPI app
from :func:`create_app` inside its lifespan, and an ``httpx`` client speaking ASGI to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from gateway_testkit import JwksServer, SigningKey, access_claims
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import make_url

from kotopolku.audit.service import DEFINITION as AUDIT_DEFINITION
from kotopolku.audit.service import AuditSettings
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.service import ClientsSettings
from kotopolku.common.identity import Role
from kotopolku.common.server import ServiceHost
from kotopolku.common.testing import TestKeys
from kotopolku.gateway.app import create_app
from kotopolku.gateway.settings import GatewaySettings


def _install_span_exporter() -> InMemorySpanExporter:
    """Collects every finished span of this process.

    The global provider can be set once per process. Nothing in the test process sets it, so the
    gateway suite installs its own before any service starts; should something have installed an
    SDK provider already (``configure_tracing``), the exporter is added to that one instead.
    """
    exporter = InMemorySpanExporter()
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        raise RuntimeError(f"a non-SDK tracer provider is installed: {provider!r}")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


# Installed at import, i.e. before any test of this directory starts a server or the app.
SPANS = _install_span_exporter()


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    return SPANS


@dataclass(frozen=True)
class IssuerKeys:
    rsa: SigningKey
    ec: SigningKey
    rsa_next: SigningKey
    # Never published: signs forgeries.
    stranger: SigningKey


@pytest.fixture(scope="session")
def issuer_keys() -> IssuerKeys:
    return IssuerKeys(
        rsa=SigningKey.new_rsa("rsa-1"),
        ec=SigningKey.new_ec("ec-1"),
        rsa_next=SigningKey.new_rsa("rsa-2"),
        stranger=SigningKey.new_rsa("stranger"),
    )


@pytest.fixture
def jwks_server(issuer_keys: IssuerKeys) -> Iterator[JwksServer]:
    server = JwksServer([issuer_keys.rsa, issuer_keys.ec])
    try:
        yield server
    finally:
        server.stop()


async def wait_until(
    condition: Callable[[], Awaitable[bool]], seconds: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(interval)


def _audit_database(database_url: str) -> str:
    """SQLite: a file of its own next to the clients database; PostgreSQL: the same database
    (each service keeps its own tables and migration history)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return database_url
    assert url.database
    return url.set(database=str(Path(url.database).with_name("audit.db"))).render_as_string(
        hide_password=False
    )


@dataclass
class GatewayStack:
    keys: TestKeys
    database_url: str
    issuer: JwksServer
    signing_key: SigningKey
    audit: ServiceHost
    clients: ServiceHost
    settings: GatewaySettings
    app: FastAPI
    http: httpx.AsyncClient
    clients_running: bool = True

    # --- tokens -------------------------------------------------------------------------

    def token(
        self,
        *,
        subject: str = "officer-091",
        roles: Iterable[str] = (Role.MUNICIPAL_OFFICER,),
        **claims: Any,
    ) -> str:
        return self.signing_key.sign(
            access_claims(self.issuer.issuer, subject=subject, roles=roles, **claims)
        )

    def auth(self, token: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", **headers}

    def officer(self, municipality: str = "091", **headers: str) -> dict[str, str]:
        return self.auth(
            self.token(subject=f"officer-{municipality}", municipality=municipality), **headers
        )

    def auditor(self, municipality: str = "091") -> dict[str, str]:
        return self.auth(
            self.token(
                subject=f"auditor-{municipality}", roles=[Role.AUDITOR], municipality=municipality
            )
        )

    def referrer(self) -> dict[str, str]:
        return self.auth(
            self.token(subject="svc-migri", roles=[Role.REFERRER], referrer_org="migri")
        )

    def client_user(self, henkilotunnus: str) -> dict[str, str]:
        return self.auth(self.token(subject="client-1", roles=[Role.CLIENT], hetu=henkilotunnus))

    # --- backends -----------------------------------------------------------------------

    async def stop_clients(self) -> None:
        self.clients_running = False
        await self.clients.stop(0)

    async def restart_clients(self) -> None:
        """A new clients service on the port and database of the stopped one."""
        self.clients = _clients_host(
            self.keys, self.database_url, self.audit.port, port=self.clients.port
        )
        await self.clients.start()
        self.clients_running = True


def _service_settings(keys: TestKeys) -> dict[str, Any]:
    return {
        "grpc_port": 0,
        "metrics_port": 0,
        "gateway_public_key_file": keys.gateway_public,
        "service_public_key_file": keys.service_public,
        "service_key_file": keys.service_private,
        "shutdown_grace_seconds": 0,
    }


def _clients_host(keys: TestKeys, database_url: str, audit_port: int, port: int = 0) -> ServiceHost:
    settings = _service_settings(keys) | {"grpc_port": port}
    return ServiceHost(
        CLIENTS_DEFINITION,
        ClientsSettings(
            database_url=database_url,
            audit_address=f"127.0.0.1:{audit_port}",
            outbox_poll_seconds=0.2,
            **settings,
        ),
    )


@pytest.fixture
async def gateway(
    keys: TestKeys,
    database_url: str,
    jwks_server: JwksServer,
    issuer_keys: IssuerKeys,
) -> AsyncIterator[GatewayStack]:
    audit = ServiceHost(
        AUDIT_DEFINITION,
        AuditSettings(database_url=_audit_database(database_url), **_service_settings(keys)),
    )
    await audit.start()
    clients = _clients_host(keys, database_url, audit.port)
    stack: GatewayStack | None = None
    try:
        await clients.start()
        settings = GatewaySettings(
            oidc_issuer=jwks_server.issuer,
            gateway_key_file=keys.gateway_private,
            clients_address=f"127.0.0.1:{clients.port}",
            audit_address=f"127.0.0.1:{audit.port}",
            backend_timeout_seconds=5.0,
            retry_after_seconds=2,
        )
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
            ) as http,
        ):
            stack = GatewayStack(
                keys=keys,
                database_url=database_url,
                issuer=jwks_server,
                signing_key=issuer_keys.rsa,
                audit=audit,
                clients=clients,
                settings=settings,
                app=app,
                http=http,
            )
            yield stack
    finally:
        if stack is None:
            await clients.stop(0)
        elif stack.clients_running:
            await stack.clients.stop(0)
        await audit.stop(0)
