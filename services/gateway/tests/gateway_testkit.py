"""Test support for the gateway suite: a real JWKS endpoint, signing keys, tokens, test data.

The JWKS server is a real HTTP server on 127.0.0.1 (``http.server`` in a thread) that serves a
document the test controls and counts the requests it received; tokens are signed with PyJWT by
keys generated with ``cryptography``. Nothing here replaces a part of the gateway.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy.engine import make_url

from kotopolku.appointments.service import DEFINITION as APPOINTMENTS_DEFINITION
from kotopolku.appointments.service import AppointmentsSettings
from kotopolku.archive.service import DEFINITION as ARCHIVE_DEFINITION
from kotopolku.archive.service import ArchiveSettings
from kotopolku.assessment.service import DEFINITION as ASSESSMENT_DEFINITION
from kotopolku.assessment.service import AssessmentSettings
from kotopolku.audit.service import DEFINITION as AUDIT_DEFINITION
from kotopolku.audit.service import AuditSettings
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.service import ClientsSettings
from kotopolku.common.identity import Role
from kotopolku.common.server import ServiceDefinition, ServiceHost
from kotopolku.common.settings import ServiceSettings
from kotopolku.common.testing import TestKeys
from kotopolku.contracts.service import DEFINITION as CONTRACTS_DEFINITION
from kotopolku.contracts.service import ContractsSettings
from kotopolku.esign.service import DEFINITION as ESIGN_DEFINITION
from kotopolku.esign.service import EsignSettings
from kotopolku.gateway.app import create_app
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.guidance.service import DEFINITION as GUIDANCE_DEFINITION
from kotopolku.guidance.service import GuidanceSettings
from kotopolku.interpretation.service import DEFINITION as INTERPRETATION_DEFINITION
from kotopolku.interpretation.service import InterpretationSettings
from kotopolku.messaging.service import DEFINITION as MESSAGING_DEFINITION
from kotopolku.messaging.service import MessagingSettings
from kotopolku.plans.service import DEFINITION as PLANS_DEFINITION
from kotopolku.plans.service import PlansSettings
from kotopolku.programme.service import DEFINITION as PROGRAMME_DEFINITION
from kotopolku.programme.service import ProgrammeSettings
from kotopolku.reporting.service import DEFINITION as REPORTING_DEFINITION
from kotopolku.reporting.service import ReportingSettings
from kotopolku.welfare.service import DEFINITION as WELFARE_DEFINITION
from kotopolku.welfare.service import WelfareSettings

AUDIENCE = "kotopolku-gateway"
REALM_PATH = "/realms/kotopolku"
CERTS_PATH = f"{REALM_PATH}/protocol/openid-connect/certs"
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@dataclass(frozen=True)
class SigningKey:
    """A private key of the test issuer with the ``kid`` it is published under."""

    kid: str
    alg: str
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def new_rsa(cls, kid: str) -> SigningKey:
        return cls(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def new_ec(cls, kid: str) -> SigningKey:
        return cls(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        text = (
            RSAAlgorithm.to_jwk(public)
            if isinstance(public, rsa.RSAPublicKey)
            else ECAlgorithm.to_jwk(public)
        )
        entry: dict[str, Any] = json.loads(text)
        entry.update(kid=self.kid, use="sig", alg=self.alg)
        return entry

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(
        self, claims: dict[str, Any], *, kid: str | None = None, typ: str | None = "JWT"
    ) -> str:
        """``kid=""`` leaves the ``kid`` header out."""
        kid = self.kid if kid is None else kid
        headers: dict[str, Any] = {"kid": kid} if kid else {}
        if typ is not None:
            headers["typ"] = typ
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=headers)


def unsigned_token(claims: dict[str, Any], kid: str) -> str:
    """``alg: none``, built by hand (PyJWT would not let a verifier accept it anyway)."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_segment(claims)}."


def hs256_token(claims: dict[str, Any], secret: bytes, kid: str, alg: str = "HS256") -> str:
    """A token MACed (HMAC-SHA256) with ``secret``, e.g. an RSA public key's PEM: the classic
    key-confusion attack. ``alg`` is what the header claims."""
    signing_input = f"{_segment({'alg': alg, 'typ': 'JWT', 'kid': kid})}.{_segment(claims)}"
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(digest)}"


def access_claims(
    issuer: str,
    *,
    subject: str = "officer-091",
    roles: Iterable[str] = ("municipal-officer",),
    lifetime: int = 300,
    **extra: Any,
) -> dict[str, Any]:
    """Claims shaped like a Keycloak access token for the gateway's audience."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": [AUDIENCE, "account"],
        "sub": subject,
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
        "typ": "Bearer",
        "azp": "kotopolku-web",
        "realm_access": {"roles": list(roles)},
    }
    claims.update(extra)
    return claims


class JwksServer:
    """Serves ``{"keys": [...]}`` at Keycloak's certs path; the test changes it at will."""

    def __init__(self, keys: Iterable[SigningKey]) -> None:
        self._lock = threading.Lock()
        self._document: Any = {"keys": [k.jwk() for k in keys]}
        self._requests = 0
        # Seconds every answer waits first: a slow or hanging Keycloak.
        self.delay_seconds = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.running = True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != CERTS_PATH:
                    self.send_error(404)
                    return
                with owner._lock:
                    owner._requests += 1
                    body = json.dumps(owner._document).encode()
                time.sleep(owner.delay_seconds)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}{REALM_PATH}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{CERTS_PATH}"

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    def publish(self, *keys: SigningKey) -> None:
        self.serve_document({"keys": [k.jwk() for k in keys]})

    def serve_document(self, document: Any) -> None:
        with self._lock:
            self._document = document

    def stop(self) -> None:
        if self.running:
            self.running = False
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)


def hetu(birth: date, individual: int = 900) -> str:
    """A valid henkilötunnus (900-999: temporary), computed independently of the services."""
    sign = {18: "+", 19: "-", 20: "A"}[birth.year // 100]
    ddmmyy = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}"
    number = f"{individual:03d}"
    return f"{ddmmyy}{sign}{number}{CHECK_CHARACTERS[int(ddmmyy + number) % 31]}"


def with_bad_checksum(code: str) -> str:
    wrong = CHECK_CHARACTERS[(CHECK_CHARACTERS.index(code[-1]) + 1) % len(CHECK_CHARACTERS)]
    return code[:-1] + wrong


@dataclass(frozen=True)
class IssuerKeys:
    rsa: SigningKey
    ec: SigningKey
    rsa_next: SigningKey
    # Never published: signs forgeries.
    stranger: SigningKey


async def wait_until(
    condition: Callable[[], Awaitable[bool]], seconds: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(interval)


def audit_database(database_url: str) -> str:
    """SQLite: a file of its own next to the clients database; PostgreSQL: the same database
    (each service keeps its own tables and migration history)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return database_url
    assert url.database
    return url.set(database=str(Path(url.database).with_name("audit.db"))).render_as_string(
        hide_password=False
    )


@contextmanager
def own_database(database_url: str, service: str) -> Iterator[str]:
    """A database of the service's own beside ``database_url``, for a service whose tables
    (audit outbox, idempotency keys) would clash with the clients service's: SQLite a file next
    to it, PostgreSQL a database on the same server, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        yield url.set(database=str(Path(url.database).with_name(f"{service}.db"))).render_as_string(
            hide_password=False
        )
        return
    name = f"{url.database}_{service}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


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
    backends: dict[str, ServiceHost] = field(default_factory=dict)
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
        self.clients = clients_host(
            self.keys, self.database_url, self.audit.port, port=self.clients.port
        )
        await self.clients.start()
        self.clients_running = True


def service_settings(keys: TestKeys) -> dict[str, Any]:
    return {
        "grpc_port": 0,
        "metrics_port": 0,
        "gateway_public_key_file": keys.gateway_public,
        "service_public_key_file": keys.service_public,
        "service_key_file": keys.service_private,
        "shutdown_grace_seconds": 0,
    }


def clients_host(keys: TestKeys, database_url: str, audit_port: int, port: int = 0) -> ServiceHost:
    settings = service_settings(keys) | {"grpc_port": port}
    return ServiceHost(
        CLIENTS_DEFINITION,
        ClientsSettings(
            database_url=database_url,
            audit_address=f"127.0.0.1:{audit_port}",
            outbox_poll_seconds=0.2,
            **settings,
        ),
    )


@dataclass(frozen=True)
class Backend:
    """A backend service the gateway stack starts beside audit and clients."""

    name: str
    definition: ServiceDefinition
    settings: type[ServiceSettings]


# Adding a service to the stack is one line here.
EXTRA_BACKENDS = (
    Backend("assessment", ASSESSMENT_DEFINITION, AssessmentSettings),
    Backend("plans", PLANS_DEFINITION, PlansSettings),
    Backend("programme", PROGRAMME_DEFINITION, ProgrammeSettings),
    Backend("welfare", WELFARE_DEFINITION, WelfareSettings),
    Backend("messaging", MESSAGING_DEFINITION, MessagingSettings),
    Backend("appointments", APPOINTMENTS_DEFINITION, AppointmentsSettings),
    Backend("interpretation", INTERPRETATION_DEFINITION, InterpretationSettings),
    Backend("esign", ESIGN_DEFINITION, EsignSettings),
    Backend("contracts", CONTRACTS_DEFINITION, ContractsSettings),
    Backend("guidance", GUIDANCE_DEFINITION, GuidanceSettings),
    Backend("archive", ARCHIVE_DEFINITION, ArchiveSettings),
    Backend("reporting", REPORTING_DEFINITION, ReportingSettings),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_gateway(
    keys: TestKeys, database_url: str, issuer: JwksServer, signing_key: SigningKey
) -> AsyncIterator[GatewayStack]:
    """Every backend on ephemeral ports, each with a database of its own, and the app inside
    its lifespan."""
    with ExitStack() as databases:
        urls = {
            b.name: databases.enter_context(own_database(database_url, b.name))
            for b in EXTRA_BACKENDS
        }
        async with _running_gateway(keys, database_url, urls, issuer, signing_key) as stack:
            yield stack


@asynccontextmanager
async def _running_gateway(
    keys: TestKeys,
    database_url: str,
    database_urls: dict[str, str],
    issuer: JwksServer,
    signing_key: SigningKey,
) -> AsyncIterator[GatewayStack]:
    audit = ServiceHost(
        AUDIT_DEFINITION,
        AuditSettings(database_url=audit_database(database_url), **service_settings(keys)),
    )
    await audit.start()
    clients = clients_host(keys, database_url, audit.port)
    extras: dict[str, ServiceHost] = {}
    stack: GatewayStack | None = None
    try:
        await clients.start()
        # Ports are chosen first because the extra backends call each other.
        ports = {b.name: _free_port() for b in EXTRA_BACKENDS}
        addresses = {
            "audit": f"127.0.0.1:{audit.port}",
            "clients": f"127.0.0.1:{clients.port}",
            **{name: f"127.0.0.1:{port}" for name, port in ports.items()},
        }
        for backend in EXTRA_BACKENDS:
            fields = backend.settings.model_fields
            wired = {f"{n}_address": a for n, a in addresses.items() if f"{n}_address" in fields}
            host = ServiceHost(
                backend.definition,
                backend.settings(
                    database_url=database_urls[backend.name],
                    outbox_poll_seconds=0.2,
                    **(service_settings(keys) | {"grpc_port": ports[backend.name]} | wired),
                ),
            )
            await host.start()
            extras[backend.name] = host
        settings = GatewaySettings(
            oidc_issuer=issuer.issuer,
            gateway_key_file=keys.gateway_private,
            backend_timeout_seconds=5.0,
            retry_after_seconds=2,
            **{f"{n}_address": a for n, a in addresses.items()},
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
                issuer=issuer,
                signing_key=signing_key,
                audit=audit,
                clients=clients,
                settings=settings,
                app=app,
                http=http,
                backends=extras,
            )
            yield stack
    finally:
        for host in extras.values():
            await host.stop(0)
        if stack is None:
            await clients.stop(0)
        elif stack.clients_running:
            await stack.clients.stop(0)
        await audit.stop(0)
