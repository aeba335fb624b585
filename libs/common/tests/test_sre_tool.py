"""kotopolku-sre against real services started in this process (audit and clients)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from kotopolku.audit.service import DEFINITION as AUDIT
from kotopolku.audit.service import AuditSettings
from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.service import ClientsSettings
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.ops.sre import cli, report
from kotopolku.ops.sre.probe import Outbox, ServiceReport
from kotopolku.ops.sre.targets import Target, TargetError, parse_targets, targets_from_environment

OFFICER = Caller("officer-091", frozenset({Role.MUNICIPAL_OFFICER}), "integration-services", "091")


@dataclass
class Installation:
    keys: testing.TestKeys
    audit: ServiceHost
    clients: ServiceHost

    def environment(self, **extra: str) -> dict[str, str]:
        """What a pod of the release has: the addresses and its own key."""
        return {
            "PATH": os.environ.get("PATH", ""),
            "KOTOPOLKU_AUDIT_ADDRESS": f"127.0.0.1:{self.audit.port}",
            "KOTOPOLKU_CLIENTS_ADDRESS": f"127.0.0.1:{self.clients.port}",
            "KOTOPOLKU_SERVICE_KEY_FILE": str(self.keys.service_private),
            **extra,
        }


@pytest.fixture
async def installation(
    keys: testing.TestKeys, database_url: str, tmp_path: Path
) -> AsyncIterator[Installation]:
    common = {
        "grpc_port": 0,
        "database_url": database_url,
        "gateway_public_key_file": keys.gateway_public,
        "service_public_key_file": keys.service_public,
        "service_key_file": keys.service_private,
        "build_version": "4f2a9c1",
    }
    audit = ServiceHost(AUDIT, AuditSettings(**common), verifier=keys.verifier())
    await audit.start()
    # Each service has a database of its own, as everywhere else.
    clients = ServiceHost(
        CLIENTS,
        ClientsSettings(
            **{**common, "database_url": f"sqlite:///{tmp_path / 'clients.db'}"},
            audit_address=f"127.0.0.1:{audit.port}",
        ),
        verifier=keys.verifier(),
    )
    await clients.start()
    try:
        yield Installation(keys, audit, clients)
    finally:
        await clients.stop(0)
        await audit.stop(0)


@asynccontextmanager
async def clients_channel(
    installation: Installation,
) -> AsyncIterator[clients_pb2_grpc.ClientsServiceAsyncStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{installation.clients.port}") as channel:
        yield clients_pb2_grpc.ClientsServiceStub(channel)  # type: ignore[misc]


async def run_tool(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """The real console entry point in a child process (the services keep serving meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kotopolku.ops.sre.cli", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_every_service_is_reported_healthy(installation: Installation) -> None:
    code, out, err = await run_tool("status", env=installation.environment())
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].split() == [
        "SERVICE",
        "LIVE",
        "READY",
        "VERSION",
        "BUILD",
        "MIGRATION",
        "OUTBOXES",
    ]
    rows = {line.split()[0]: line for line in lines[1:3]}
    assert set(rows) == {"audit", "clients"}
    assert "SERVING  SERVING" in rows["clients"]
    assert "4f2a9c1" in rows["clients"]
    assert "(current)" in rows["audit"]
    assert "(current)" in rows["clients"]
    assert "audit 0" in rows["clients"]
    assert lines[-1] == "all 2 services healthy"


async def test_json_names_revisions_and_the_outbox(installation: Installation) -> None:
    code, out, _ = await run_tool("status", "--json", env=installation.environment())
    assert code == 0
    by_name = {r["service"]: r for r in json.loads(out)}
    clients = by_name["clients"]
    assert clients["migration_revision"] == clients["migration_head"]
    assert clients["migration_revision"].startswith("clients_")
    assert clients["migrations_current"] is True
    # The clients service also reports facts to the reporting service through an outbox.
    assert clients["outboxes"] == [
        {"name": "audit", "backlog": 0, "oldest_age_seconds": 0.0},
        {"name": "reporting_outbox", "backlog": 0, "oldest_age_seconds": 0.0},
    ]
    assert by_name["audit"]["outboxes"] == []
    assert all(r["problems"] == [] for r in by_name.values())


async def test_a_stopped_audit_service_and_a_growing_outbox_are_problems(
    installation: Installation,
) -> None:
    await installation.audit.stop(0)
    async with clients_channel(installation) as stub:
        await stub.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina", last_name="Hassan", date_of_birth="1990-01-01"
                )
            ),
            metadata=((METADATA_KEY, installation.keys.assertion(OFFICER)),),
        )
    code, out, _ = await run_tool("status", "--max-outbox-age", "0", env=installation.environment())
    assert code == 1
    assert "PROBLEM audit: liveness UNAVAILABLE" in out
    assert "PROBLEM audit: readiness UNAVAILABLE" in out
    assert any(
        line.startswith("PROBLEM clients: audit outbox: ") and "waiting" in line
        for line in out.splitlines()
    ), out


async def test_an_administrator_may_ask_with_the_gateway_key(installation: Installation) -> None:
    env = installation.environment(
        KOTOPOLKU_SERVICE_KEY_FILE="/nonexistent/service.pem",
        KOTOPOLKU_GATEWAY_KEY_FILE=str(installation.keys.gateway_private),
    )
    code, out, err = await run_tool("status", "--json", env=env)
    assert code == 0, out + err
    assert {r["service"] for r in json.loads(out)} == {"audit", "clients"}


async def test_an_untrusted_key_is_refused_and_reported(
    installation: Installation, tmp_path: Path
) -> None:
    stranger = testing.make_keys(tmp_path / "stranger")
    env = installation.environment(KOTOPOLKU_SERVICE_KEY_FILE=str(stranger.service_private))
    code, out, _ = await run_tool("status", env=env)
    assert code == 1
    assert "PROBLEM clients: status UNAUTHENTICATED" in out


def test_addresses_come_from_the_environment_or_arguments() -> None:
    environ = {
        "KOTOPOLKU_AUDIT_ADDRESS": "kotopolku-audit:50052",
        "KOTOPOLKU_OIDC_ISSUER": "https://login.example.fi/realms/kotopolku",
        "KOTOPOLKU_DATA_TRANSFER_ADDRESS": "kotopolku-data-transfer:50070",
        "KOTOPOLKU_CLIENTS_ADDRESS": "",
    }
    assert targets_from_environment(environ) == [
        Target("audit", "kotopolku-audit:50052"),
        Target("data-transfer", "kotopolku-data-transfer:50070"),
    ]
    assert parse_targets(["clients=127.0.0.1:50051"]) == [Target("clients", "127.0.0.1:50051")]
    with pytest.raises(TargetError, match="NAME=HOST:PORT"):
        parse_targets(["clients"])


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["status"], environ={}) == 2
    assert "no services" in capsys.readouterr().err
    missing = str(tmp_path / "none.pem")
    assert cli.main(["status", "--address", "a=h:1", "--key-file", missing], environ={}) == 2
    assert "pass --key-file" in capsys.readouterr().err


def test_a_schema_behind_the_code_is_shown_with_both_revisions() -> None:
    behind = ServiceReport(
        "plans", "p:1", "SERVING", "SERVING", "0.1.0", "", "plans_0001", "plans_0002", False,
        (Outbox("audit", 3, 12.0),),
    )  # fmt: skip
    text = report.table([behind], max_outbox_age=60)
    assert "plans_0001 -> plans_0002" in text
    assert "audit 3 (oldest 12s)" in text
    assert "PROBLEM plans: schema at plans_0001, code at plans_0002" in text
