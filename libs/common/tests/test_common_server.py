"""The shared server: deny by default, graceful drain, health, and a real SIGTERM."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from slow_service import CALLER, DEFINITION

from kotopolku.common.errors import parse_rpc_error
from kotopolku.common.identity import METADATA_KEY
from kotopolku.common.server import ServiceHost
from kotopolku.common.settings import ServiceSettings
from kotopolku.common.telemetry import console_exporter
from kotopolku.common.testing import TestKeys


@pytest.fixture
async def host(keys: TestKeys, tmp_path: Path) -> Any:
    settings = ServiceSettings(
        grpc_port=0,
        database_url=f"sqlite:///{tmp_path / 'slow.db'}",
        gateway_public_key_file=keys.gateway_public,
        service_public_key_file=keys.service_public,
        service_key_file=keys.service_private,
    )
    service = ServiceHost(DEFINITION, settings, verifier=keys.verifier())
    await service.start()
    yield service
    await service.stop(0)


def _call(channel: grpc.aio.Channel) -> Any:
    return channel.unary_unary("/test.Slow/Wait")


async def test_calls_without_a_caller_are_refused(host: ServiceHost) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await _call(channel)(b"0")
    assert raised.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_domain_errors_arrive_with_details(host: ServiceHost, keys: TestKeys) -> None:
    metadata = ((METADATA_KEY, keys.assertion(CALLER)),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
        assert await _call(channel)(b"0", metadata=metadata) == b"u-1"
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await _call(channel)(b"-1", metadata=metadata)
    error = parse_rpc_error(raised.value)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.type == "validation-error"
    assert [v.field for v in error.violations] == ["seconds"]


async def test_stop_drains_in_flight_calls_and_reports_not_serving(
    host: ServiceHost, keys: TestKeys
) -> None:
    metadata = ((METADATA_KEY, keys.assertion(CALLER)),)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "readiness"):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        in_flight = asyncio.ensure_future(_call(channel)(b"0.5", metadata=metadata))
        await asyncio.sleep(0.1)
        stopping = asyncio.ensure_future(host.stop(grace=5))
        assert await in_flight == b"u-1"
        await stopping
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await _call(channel)(b"0", metadata=metadata, timeout=1)
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sigterm_stops_a_service_process_cleanly(keys: TestKeys, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "KOTOPOLKU_GRPC_PORT": str(port),
        "KOTOPOLKU_DATABASE_URL": f"sqlite:///{tmp_path / 'audit.db'}",
        "KOTOPOLKU_GATEWAY_PUBLIC_KEY_FILE": str(keys.gateway_public),
        "KOTOPOLKU_SERVICE_PUBLIC_KEY_FILE": str(keys.service_public),
        "KOTOPOLKU_SERVICE_KEY_FILE": str(keys.service_private),
        "KOTOPOLKU_SHUTDOWN_GRACE_SECONDS": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kotopolku.audit"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                try:
                    health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(), timeout=0.5
                    )
                    break
                except grpc.RpcError:
                    time.sleep(0.2)
        else:
            pytest.fail("the service did not start")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        logs = process.stderr.read() if process.stderr else ""
        assert '"message": "service stopped"' in logs
    finally:
        if process.poll() is None:
            process.kill()


def test_console_spans_are_one_json_document_per_line() -> None:
    out = io.StringIO()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(console_exporter(out)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("outer"), tracer.start_as_current_span("inner"):
        pass
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["inner", "outer"]
