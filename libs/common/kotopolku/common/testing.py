"""Test support shared by the services' test suites (not used at run time).

Databases: every test gets a fresh SQLite file, or a fresh PostgreSQL database on the server
named by ``KOTOPOLKU_TEST_POSTGRES_URL`` (``make test`` starts one). Identity: real Ed25519 keys
and real assertions, never a mocked interceptor.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.identity import (
    GATEWAY_ISSUER,
    AssertionSigner,
    AssertionVerifier,
    Caller,
    generate_key_pair,
)
from kotopolku.common.pseudonyms import ensure_key_file
from kotopolku.common.server import ServiceDefinition, ServiceHost

POSTGRES_ENV = "KOTOPOLKU_TEST_POSTGRES_URL"
# Nothing listens there: audit events stay in the outbox, where tests read them.
UNREACHABLE = "127.0.0.1:1"
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"


@dataclass(frozen=True)
class TestKeys:
    directory: Path

    @property
    def gateway_private(self) -> Path:
        return self.directory / "gateway.pem"

    @property
    def gateway_public(self) -> Path:
        return self.directory / "gateway.pub"

    @property
    def service_private(self) -> Path:
        return self.directory / "service.pem"

    @property
    def service_public(self) -> Path:
        return self.directory / "service.pub"

    @property
    def reporting_pseudonym(self) -> Path:
        """The municipal reporting secret of the services that emit reporting facts."""
        return self.directory / "reporting-pseudonym.key"

    def gateway_signer(self) -> AssertionSigner:
        return AssertionSigner.from_file(self.gateway_private, GATEWAY_ISSUER)

    def verifier(self) -> AssertionVerifier:
        return AssertionVerifier.from_files(self.gateway_public, self.service_public)

    def assertion(self, caller: Caller) -> str:
        return self.gateway_signer().sign(caller)


def make_keys(directory: Path) -> TestKeys:
    keys = TestKeys(directory)
    generate_key_pair(keys.gateway_private, keys.gateway_public)
    generate_key_pair(keys.service_private, keys.service_public)
    ensure_key_file(keys.reporting_pseudonym)
    # The reporting service's national extract key (another secret than the municipal one).
    ensure_key_file(keys.directory / "national-pseudonym.key")
    return keys


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def postgres_server_or_skip() -> str:
    """The test PostgreSQL server; skips the test without one, or fails it when
    ``KOTOPOLKU_REQUIRE_POSTGRES=1`` (as in ``make test``)."""
    import pytest

    server = postgres_server_url()
    if server is None:
        if os.environ.get("KOTOPOLKU_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{POSTGRES_ENV} is not set but PostgreSQL is required")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV} (make test does)")
    return server


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """Creates an empty database on the server, yields its URL, drops it afterwards."""
    url = make_url(server_url)
    name = f"kp_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def host_settings(keys: TestKeys, **overrides: Any) -> dict[str, Any]:
    """What every service started by a test shares: an ephemeral port, no metrics endpoint, the
    test keys, migrations at start and an unreachable audit service."""
    return {
        "grpc_port": 0,
        "metrics_port": 0,
        "gateway_public_key_file": keys.gateway_public,
        "service_public_key_file": keys.service_public,
        "service_key_file": keys.service_private,
        "audit_address": UNREACHABLE,
        # Reporting facts stay in the services' outboxes too, unless a test starts reporting.
        "reporting_address": UNREACHABLE,
        "migrate_on_start": True,
        **overrides,
    }


async def start_host(
    definition: ServiceDefinition,
    keys: TestKeys,
    *,
    clock: Clock = utcnow,
    run_background: bool = True,
    **settings: Any,
) -> ServiceHost:
    """A real service in this process (migrations, interceptors, identity checks, outbox)."""
    host = ServiceHost(
        definition,
        definition.settings_class(**host_settings(keys, **settings)),
        clock=clock,
        verifier=keys.verifier(),
        run_background=run_background,
    )
    await host.start()
    return host


def free_port() -> int:
    """A loopback port nothing listens on now, for services that must know each other's address
    before both have started."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def temporary_henkilotunnus(born: date, individual: int) -> str:
    """A valid temporary (900-999) identity code, computed independently of the services."""
    assert 900 <= individual <= 999, "test codes use the temporary individual numbers"
    sign = {19: "-", 20: "A"}[born.year // 100]
    digits = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}"
    number = f"{individual:03d}"
    return f"{digits}{sign}{number}{_HETU_CHECK[int(digits + number) % 31]}"
