"""Domain errors become gRPC statuses with structured details; a lost database becomes
UNAVAILABLE (the gateway answers 503 with Retry-After); anything else becomes INTERNAL without
leaking its message (it may contain personal data)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from kotopolku.common.db import is_unavailable
from kotopolku.common.errors import DatabaseUnavailable, DomainError, to_grpc_status
from kotopolku.common.interceptors._wrap import UnaryBehaviour, wrap_unary
from kotopolku.common.logging import log_unexpected

log = logging.getLogger(__name__)

# gRPC's server push-back: a negative value tells the caller's channel not to retry the call on
# its own. Its retry policy retries UNAVAILABLE on the assumption that the call never reached a
# server; this one did, and its write may have been committed before the connection broke, so
# only the caller, who knows its idempotency key or expected version, may decide to send it again.
NO_RETRY = ("grpc-retry-pushback-ms", "-1")


_DATABASE_UNAVAILABLE = to_grpc_status(
    DatabaseUnavailable("The service's database did not answer; try again shortly")
)


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
                    if is_unavailable(error):
                        log.warning(
                            "database unavailable",
                            extra={"rpc_method": method, "error_type": type(error).__qualname__},
                        )
                        await context.abort(
                            _DATABASE_UNAVAILABLE.code,
                            _DATABASE_UNAVAILABLE.details,
                            (*_DATABASE_UNAVAILABLE.trailing_metadata, NO_RETRY),
                        )
                    log_unexpected(error, rpc_method=method)
                    await context.abort(grpc.StatusCode.INTERNAL, "Internal error")

            return mapped

        return wrap_unary(await continuation(handler_call_details), wrapper)
