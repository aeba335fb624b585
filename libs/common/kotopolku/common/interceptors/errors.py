"""Domain errors become gRPC statuses with structured details; anything else becomes INTERNAL
without leaking its message (it may contain personal data)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from kotopolku.common.errors import DomainError, to_grpc_status
from kotopolku.common.interceptors._wrap import UnaryBehaviour, wrap_unary
from kotopolku.common.logging import log_unexpected


class ErrorMappingInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        method = handler_call_details.method

        def wrapper(behaviour: UnaryBehaviour) -> UnaryBehaviour:
            async def mapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                try:
                    return await behaviour(request, context)
                except DomainError as error:
                    await context.abort_with_status(to_grpc_status(error))
                except grpc.aio.AbortError:
                    raise
                except Exception as error:
                    log_unexpected(error, rpc_method=method)
                    await context.abort(grpc.StatusCode.INTERNAL, "Internal error")

            return mapped

        return wrap_unary(await continuation(handler_call_details), wrapper)
