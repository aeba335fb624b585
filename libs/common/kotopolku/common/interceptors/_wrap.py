"""Wrapping the behaviour of unary RPC handlers, shared by the interceptors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

UnaryBehaviour = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
Wrapper = Callable[[UnaryBehaviour], UnaryBehaviour]


def wrap_unary(handler: grpc.RpcMethodHandler | None, wrapper: Wrapper) -> Any:
    """Returns the handler with its unary-unary behaviour wrapped; other kinds pass untouched."""
    if handler is None or handler.unary_unary is None:
        return handler
    return grpc.unary_unary_rpc_method_handler(
        wrapper(handler.unary_unary),  # type: ignore[arg-type]
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def split_method(full_method: str) -> tuple[str, str]:
    """'/kotopolku.clients.v1.ClientsService/GetClient' -> (service, method)."""
    _, service, method = full_method.split("/", 2)
    return service, method
