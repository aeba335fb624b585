"""In-process calls behave like gRPC calls: same interceptors (caller required, domain errors with
details), deadlines, UNAVAILABLE for an address nothing serves, caller forwarding."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from slow_service import CALLER, DEFINITION

from kotopolku.common.errors import parse_rpc_error
from kotopolku.common.inprocess import InProcessNetwork
from kotopolku.common.server import ServiceHost
from kotopolku.common.settings import ServiceSettings
from kotopolku.common.testing import TestKeys

ADDRESS = "127.0.0.1:7101"


@pytest.fixture
async def network(keys: TestKeys, tmp_path: Path) -> AsyncIterator[InProcessNetwork]:
    network = InProcessNetwork()
    settings = ServiceSettings(
        grpc_port=7101,
        database_url=f"sqlite:///{tmp_path / 'slow.db'}",
        gateway_public_key_file=keys.gateway_public,
        service_public_key_file=keys.service_public,
        service_key_file=keys.service_private,
    )
    host = ServiceHost(
        DEFINITION,
        settings,
        verifier=keys.verifier(),
        server_factory=network.server,
        channel_opener=network.channel,
    )
    assert await host.start() == 7101
    yield network
    await host.stop(0)
    assert network.addresses == []


def _wait_call(network: InProcessNetwork, assertion: str | None) -> Any:
    return network.channel(ADDRESS, lambda: assertion).unary_unary("/test.Slow/Wait")


async def test_calls_without_a_caller_are_refused(network: InProcessNetwork) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _wait_call(network, None)(b"0")
    assert raised.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_the_caller_is_verified_and_errors_carry_details(
    network: InProcessNetwork, keys: TestKeys
) -> None:
    call = _wait_call(network, keys.assertion(CALLER))
    assert await call(b"0") == b"u-1"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(b"-1")
    error = parse_rpc_error(raised.value)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.violations] == ["seconds"]


async def test_deadline_and_unknown_address(network: InProcessNetwork, keys: TestKeys) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as late:
        await _wait_call(network, keys.assertion(CALLER))(b"1", timeout=0.05)
    assert late.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    nowhere = network.channel("127.0.0.1:7999", lambda: None).unary_unary("/test.Slow/Wait")
    with pytest.raises(grpc.aio.AioRpcError) as unavailable:
        await nowhere(b"0")
    assert unavailable.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_health_answers_without_a_caller(network: InProcessNetwork) -> None:
    stub = health_pb2_grpc.HealthStub(network.channel(ADDRESS, lambda: None))  # type: ignore[arg-type]
    reply = await stub.Check(health_pb2.HealthCheckRequest(service="readiness"), timeout=1)  # type: ignore[attr-defined]
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
