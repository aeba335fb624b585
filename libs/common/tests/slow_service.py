"""A test service with one RPC, ``test.Slow/Wait``: it waits the seconds the request names and
answers with the caller's subject; a negative wait is a domain error on the field ``seconds``."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from kotopolku.common.errors import InvalidArgument
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.server import Registration, Runtime, ServiceDefinition
from kotopolku.common.settings import ServiceSettings

CALLER = Caller("u-1", frozenset({"municipal-officer"}), "integration-services", "091")


async def wait(request: bytes, context: Any) -> bytes:
    seconds = float(request.decode() or "0")
    if seconds < 0:
        raise InvalidArgument.field("seconds", "must not be negative")
    await asyncio.sleep(seconds)
    return current_caller().subject.encode()


def _build(runtime: Runtime) -> list[Registration]:
    handler = grpc.method_handlers_generic_handler(
        "test.Slow", {"Wait": grpc.unary_unary_rpc_method_handler(wait)}
    )
    return [
        Registration(
            lambda _s, server: server.add_generic_rpc_handlers((handler,)), None, "test.Slow"
        )
    ]


DEFINITION = ServiceDefinition(name="slow", settings_class=ServiceSettings, build=_build)
