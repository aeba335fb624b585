"""Fixtures of the gateway suite: issuer keys, a JWKS server, spans, and the whole running stack.

``gateway`` starts the real audit and clients services with :class:`ServiceHost` on ephemeral
ports on the ``database_url`` of the root conftest (SQLite and PostgreSQL), the real FastAPI app
from :func:`create_app` inside its lifespan, and an ``httpx`` client speaking ASGI to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from gateway_testkit import (
    GatewayStack,
    IssuerKeys,
    JwksServer,
    SigningKey,
    running_gateway,
)
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kotopolku.common.testing import TestKeys, fresh_postgres_database, postgres_server_or_skip


def _install_tracer_provider() -> TracerProvider:
    """The global provider can be set once per process, and instrumentation binds to it: it is
    installed when this conftest is imported, before any test of this directory starts a server
    or the app. Should something have installed an SDK provider already (``configure_tracing``),
    that one is used instead."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        raise RuntimeError(f"a non-SDK tracer provider is installed: {provider!r}")
    return provider


PROVIDER = _install_tracer_provider()


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    """Every span finished in this process from now on (tests filter by trace id)."""
    exporter = InMemorySpanExporter()
    PROVIDER.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


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


@pytest.fixture
async def gateway(
    keys: TestKeys, database_url: str, jwks_server: JwksServer, issuer_keys: IssuerKeys
) -> AsyncIterator[GatewayStack]:
    """A stack of its own for one test, on a fresh database of each kind."""
    async with running_gateway(keys, database_url, jwks_server, issuer_keys.rsa) as stack:
        yield stack


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like ``database_url``, but one database per module and kind (see ``shared_gateway``)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('gateway-db') / 'test.db'}"
        return
    with fresh_postgres_database(postgres_server_or_skip()) as url:
        yield url


@pytest.fixture(scope="module")
async def shared_gateway(
    keys: TestKeys, module_database_url: str, issuer_keys: IssuerKeys
) -> AsyncIterator[GatewayStack]:
    """One stack for the tests of a module that do not disturb each other (they use their own
    names and identity codes): a fresh PostgreSQL database and two migrations per test would
    cost a second each."""
    server = JwksServer([issuer_keys.rsa, issuer_keys.ec])
    try:
        async with running_gateway(keys, module_database_url, server, issuer_keys.rsa) as stack:
            yield stack
    finally:
        server.stop()
