"""A service whose database is down answers UNAVAILABLE (503 at the gateway), not INTERNAL (500),
and the caller's channel does not send the call again on its own: the write may have been
committed before the connection broke. Found by the fault suite (loadtests/faults): while
PostgreSQL restarted every service answered 500."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.common.channels import open_channel
from kotopolku.common.db import Database, is_unavailable
from kotopolku.common.errors import DependencyUnavailable, parse_rpc_error
from kotopolku.common.identity import Caller
from kotopolku.common.server import Registration, Runtime, ServiceDefinition, ServiceHost
from kotopolku.common.settings import ServiceSettings
from kotopolku.common.testing import TestKeys, free_port

CALLER = Caller("u-1", frozenset({"municipal-officer"}), "integration-services", "091")
# Nothing listens here: connecting is refused, as while PostgreSQL restarts.
DOWN = f"postgresql://postgres@127.0.0.1:{free_port()}/kotopolku"


class Calls:
    count = 0


def _build_with(database: Database) -> Any:
    async def write(request: bytes, context: Any) -> bytes:
        Calls.count += 1
        if request == b"dependency":
            raise DependencyUnavailable("The clients service did not answer (UNAVAILABLE)")
        async with database.transaction() as connection:
            await connection.execute(sa.text("SELECT 1"))
        return b"ok"

    def build(runtime: Runtime) -> list[Registration]:
        handler = grpc.method_handlers_generic_handler(
            "test.Store", {"Write": grpc.unary_unary_rpc_method_handler(write)}
        )
        return [
            Registration(
                lambda _s, server: server.add_generic_rpc_handlers((handler,)), None, "test.Store"
            )
        ]

    return build


@pytest.fixture
async def host(keys: TestKeys, tmp_path: Path) -> Any:
    database = Database(DOWN)
    settings = ServiceSettings(
        grpc_port=0,
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        gateway_public_key_file=keys.gateway_public,
        service_public_key_file=keys.service_public,
        service_key_file=keys.service_private,
    )
    definition = ServiceDefinition(
        name="store", settings_class=ServiceSettings, build=_build_with(database)
    )
    service = ServiceHost(definition, settings, verifier=keys.verifier())
    await service.start()
    yield service
    await service.stop(0)
    await database.dispose()


async def _call(host: ServiceHost, keys: TestKeys, request: bytes) -> grpc.aio.AioRpcError:
    Calls.count = 0
    token = keys.assertion(CALLER)
    async with open_channel(f"127.0.0.1:{host.port}", lambda: token) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await channel.unary_unary("/test.Store/Write")(request, timeout=10)
    return raised.value


async def test_a_lost_database_answers_unavailable_once(host: ServiceHost, keys: TestKeys) -> None:
    error = await _call(host, keys, b"write")
    remote = parse_rpc_error(error)
    assert remote.code is grpc.StatusCode.UNAVAILABLE
    assert remote.type == "service-unavailable"
    assert "127.0.0.1" not in remote.detail
    # Not sent again by the channel's retry policy: only the caller knows whether it may.
    assert Calls.count == 1


async def test_the_channel_still_retries_other_unavailable_answers(
    host: ServiceHost, keys: TestKeys
) -> None:
    # The control: without the push-back the same channel sends the call three times.
    error = await _call(host, keys, b"dependency")
    assert error.code() is grpc.StatusCode.UNAVAILABLE
    assert Calls.count == 3


async def test_connection_failures_are_unavailable() -> None:
    database = Database(DOWN)
    try:
        with pytest.raises(Exception) as raised:  # noqa: PT011 - classified below
            async with database.transaction() as connection:
                await connection.execute(sa.text("SELECT 1"))
        assert is_unavailable(raised.value)
    finally:
        await database.dispose()


async def test_statement_errors_are_not_unavailable(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with pytest.raises(sa.exc.OperationalError) as raised:
            async with database.transaction() as connection:
                await connection.execute(sa.text("SELECT * FROM no_such_table"))
        assert not is_unavailable(raised.value)
    finally:
        await database.dispose()
    assert not is_unavailable(ValueError("x"))


def test_a_locked_sqlite_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        with pytest.raises(sa.exc.OperationalError) as raised, engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        assert is_unavailable(raised.value)
    finally:
        engine.dispose()
        holder.close()


@pytest.mark.postgres
async def test_postgresql_statement_errors_are_not_unavailable(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        with pytest.raises(sa.exc.ProgrammingError) as raised:
            async with database.transaction() as connection:
                await connection.execute(sa.text("SELECT * FROM no_such_table"))
        assert not is_unavailable(raised.value)
    finally:
        await database.dispose()
