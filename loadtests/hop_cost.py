"""What one gRPC hop costs, by the interceptors on it.

An echo RPC (200 bytes) served and called in this one process on the loopback, sequentially,
with the interceptors of a Kotopolku channel and server (``channels.open_channel``,
``server.ServiceHost``), then without OpenTelemetry's, with the caller identity alone, and with
none. Prints the CPU time and the wall time per call, client and server together, so the
architecture's fixed cost per hop can be told apart from the work of the services.

    .venv/bin/python loadtests/hop_cost.py [--calls 3000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor

from kotopolku.common.channels import CHANNEL_OPTIONS, _ForwardCaller
from kotopolku.common.identity import (
    GATEWAY_ISSUER,
    METADATA_KEY,
    AssertionSigner,
    AssertionVerifier,
    Caller,
    Role,
)
from kotopolku.common.interceptors.errors import ErrorMappingInterceptor
from kotopolku.common.interceptors.identity import CallerIdentityInterceptor
from kotopolku.common.interceptors.metrics import MetricsInterceptor
from kotopolku.common.telemetry import configure_tracing
from kotopolku.common.testing import make_keys

VARIANTS = ("all", "no OpenTelemetry", "caller identity only", "none")


async def _echo(request: bytes, context: Any) -> bytes:
    return request


def _interceptors(
    variant: str, verifier: AssertionVerifier, token: str
) -> tuple[list[Any], list[Any]]:
    forward = _ForwardCaller(lambda: token)
    identity = CallerIdentityInterceptor(verifier)
    if variant == "all":
        tracing_server = aio_server_interceptor()  # type: ignore[no-untyped-call]
        tracing_client = aio_client_interceptors()  # type: ignore[no-untyped-call]
        server = [tracing_server, MetricsInterceptor(), ErrorMappingInterceptor(), identity]
        return server, [*tracing_client, forward]
    if variant == "no OpenTelemetry":
        return [MetricsInterceptor(), ErrorMappingInterceptor(), identity], [forward]
    if variant == "caller identity only":
        return [identity], [forward]
    return [], []


async def measure(
    variant: str, verifier: AssertionVerifier, token: str, calls: int
) -> tuple[float, float]:
    """(CPU ms, wall ms) per call."""
    server_side, client_side = _interceptors(variant, verifier, token)
    server = grpc.aio.server(interceptors=server_side)
    handler: grpc.RpcMethodHandler = grpc.unary_unary_rpc_method_handler(_echo)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("bench.Echo", {"Echo": handler}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(
        f"127.0.0.1:{port}", options=CHANNEL_OPTIONS, interceptors=client_side or None
    )
    call: Callable[..., Any] = channel.unary_unary("/bench.Echo/Echo")
    # Without interceptors the assertion still travels, as metadata of the call.
    metadata = None if client_side else ((METADATA_KEY, token),)
    payload = b"x" * 200
    try:
        for _ in range(min(300, calls)):
            await call(payload, metadata=metadata)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            await call(payload, metadata=metadata)
        return (
            (time.process_time() - cpu) / calls * 1000,
            (time.perf_counter() - wall) / calls * 1000,
        )
    finally:
        await channel.close()
        await server.stop(None)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    configure_tracing("kotopolku-hop-cost")
    keys = make_keys(Path(tempfile.mkdtemp(prefix="hop-cost-")))
    signer = AssertionSigner.from_file(keys.gateway_private, GATEWAY_ISSUER)
    verifier = AssertionVerifier.from_files(keys.gateway_public, keys.service_public)
    officer = Caller(subject="hop-cost", roles=frozenset({Role.MUNICIPAL_OFFICER}), purpose="bench")
    token = signer.sign(officer, lifetime=3600)
    print("| interceptors | CPU ms per call | wall ms per call |")
    print("|---|---:|---:|")
    for _ in range(args.rounds):
        for variant in VARIANTS:
            cpu, wall = await measure(variant, verifier, token, args.calls)
            print(f"| {variant} | {cpu:.3f} | {wall:.3f} |", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
