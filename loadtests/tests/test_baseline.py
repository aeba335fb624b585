"""The single-process baseline serves real requests: the gateway app in process, its stubs calling
the clients and audit servicers directly, caller assertions signed and verified, errors mapped,
and the audit outbox relay delivering in process."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from kotopolku.clients.tables import audit_outbox
from kotopolku.common import testing
from kotopolku.common.testing import UNREACHABLE, free_port, make_keys
from loadtests.baseline import Baseline, BaselinePlan, baseline_plan, running_baseline

REALM = "/realms/kotopolku"
CERTS = f"{REALM}/protocol/openid-connect/certs"
# Names in the in-process network only: nothing binds them.
CLIENTS, AUDIT = "127.0.0.1:7001", "127.0.0.1:7002"


class Issuer:
    """A token issuer with its JWKS on a loopback HTTP server (what Keycloak publishes)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == CERTS else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}{REALM}"

    def officer(self) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": ["kotopolku-gateway", "account"],
            "sub": "officer-091",
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            "typ": "Bearer",
            "azp": "kotopolku-web",
            "realm_access": {"roles": ["municipal-officer"]},
            "municipality": "091",
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer()
    yield issuer
    issuer.server.shutdown()


def plan(keys: testing.TestKeys, issuer: Issuer, data: Path, port: int) -> BaselinePlan:
    common = {
        "KOTOPOLKU_GATEWAY_PUBLIC_KEY_FILE": str(keys.gateway_public),
        "KOTOPOLKU_SERVICE_PUBLIC_KEY_FILE": str(keys.service_public),
        "KOTOPOLKU_CLIENTS_ADDRESS": CLIENTS,
        "KOTOPOLKU_AUDIT_ADDRESS": AUDIT,
        "KOTOPOLKU_REPORTING_ADDRESS": UNREACHABLE,
    }
    service = {**common, "KOTOPOLKU_SERVICE_KEY_FILE": str(keys.service_private)}
    stack = BaselinePlan(
        services={
            name: {
                **service,
                "KOTOPOLKU_GRPC_PORT": address.rsplit(":", 1)[1],
                "KOTOPOLKU_DATABASE_URL": f"sqlite:///{data / 'stack' / f'{name}.db'}",
            }
            for name, address in (("clients", CLIENTS), ("audit", AUDIT))
        },
        gateway={
            **common,
            "KOTOPOLKU_GATEWAY_KEY_FILE": str(keys.gateway_private),
            "KOTOPOLKU_OIDC_ISSUER": issuer.issuer,
        },
    )
    return baseline_plan(stack, port, data / "baseline")


@pytest.fixture
async def baseline(tmp_path: Path, issuer: Issuer) -> AsyncIterator[tuple[Baseline, str]]:
    port = free_port()
    async with running_baseline(plan(make_keys(tmp_path / "keys"), issuer, tmp_path, port)) as b:
        yield b, f"http://127.0.0.1:{port}"


def test_the_plan_gives_the_baseline_its_own_databases(tmp_path: Path, issuer: Issuer) -> None:
    planned = plan(make_keys(tmp_path / "keys"), issuer, tmp_path, 8410)
    url = planned.services["clients"]["KOTOPOLKU_DATABASE_URL"]
    assert url == f"sqlite:///{tmp_path / 'baseline' / 'clients.db'}"
    assert planned.services["audit"]["KOTOPOLKU_METRICS_PORT"] == "0"
    assert planned.gateway["KOTOPOLKU_HTTP_PORT"] == "8410"


async def test_the_baseline_serves_a_client_through_the_in_process_services(
    baseline: tuple[Baseline, str], issuer: Issuer
) -> None:
    running, url = baseline
    headers = {"Authorization": f"Bearer {issuer.officer()}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as http:
        assert (await http.get("/readyz")).json()["backends"]["clients"] == "serving"
        created = await http.post(
            "/v1/clients",
            json={
                "first_names": "Hodan",
                "last_name": "Warsame",
                "date_of_birth": "1988-03-14",
                "languages": ["so"],
                "segment": "self-moved",
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert created.status_code == 201, created.text
        read = await http.get(f"/v1/clients/{created.json()['id']}")
        assert read.status_code == 200
        assert read.json()["last_name"] == "Warsame"
        # The service's NOT_FOUND, raised as AioRpcError, mapped by the gateway as over gRPC.
        missing = await http.get(f"/v1/clients/{uuid.uuid4()}")
        assert missing.status_code == 404
        assert missing.json()["type"].endswith("not-found")
        refused = await http.get(f"/v1/clients/{uuid.uuid4()}", headers={"Authorization": ""})
        assert refused.status_code == 401
    clients = next(host for host in running.hosts if host.definition.name == "clients")
    assert clients.database is not None
    deadline = time.monotonic() + 5
    while True:  # the outbox relay delivers to the audit service in process
        async with clients.database.engine.connect() as connection:
            waiting = await connection.scalar(sa.select(sa.func.count()).select_from(audit_outbox))
        if waiting == 0 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert waiting == 0
