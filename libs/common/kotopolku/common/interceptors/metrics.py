"""Prometheus RED metrics per RPC, labelled by service, method and status code only."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from prometheus_client import Counter, Histogram

from kotopolku.common.interceptors._wrap import UnaryBehaviour, split_method, wrap_unary

HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, by status code",
    ["grpc_service", "grpc_method", "grpc_code"],
)
LATENCY = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC on the server",
    ["grpc_service", "grpc_method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class MetricsInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        service, method = split_method(handler_call_details.method)
        latency = LATENCY.labels(service, method)

        def wrapper(behaviour: UnaryBehaviour) -> UnaryBehaviour:
            async def measured(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                started = time.perf_counter()
                code = grpc.StatusCode.UNKNOWN
                try:
                    response = await behaviour(request, context)
                    code = context.code() or grpc.StatusCode.OK  # type: ignore[assignment]
                    return response
                except BaseException:
                    code = context.code() or grpc.StatusCode.UNKNOWN  # type: ignore[assignment]
                    raise
                finally:
                    latency.observe(time.perf_counter() - started)
                    name = code.name if isinstance(code, grpc.StatusCode) else str(code)
                    HANDLED.labels(service, method, name).inc()

            return measured

        return wrap_unary(await continuation(handler_call_details), wrapper)
