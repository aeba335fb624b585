"""Deny by default: every call must carry a valid caller assertion, except health and reflection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from prometheus_client import Counter

from kotopolku.common.errors import Unauthenticated
from kotopolku.common.identity import (
    METADATA_KEY,
    AssertionVerifier,
    reset_current_caller,
    set_current_caller,
)
from kotopolku.common.interceptors._wrap import UnaryBehaviour, wrap_unary

# Kubernetes probes and grpcurl reach these without a caller.
_OPEN_SERVICES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


# A steady rate of "invalid" means a caller signs with a key this service does not trust: an
# internal key rotated on one side only, or a forged call.
REJECTED = Counter(
    "kotopolku_caller_assertion_rejected_total",
    "Calls refused because the caller assertion was missing or did not verify",
    ["reason"],
)


class CallerIdentityInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, verifier: AssertionVerifier) -> None:
        self._verifier = verifier

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(handler_call_details)
        if handler_call_details.method.startswith(_OPEN_SERVICES):
            return handler
        token = next(
            (
                value
                for key, value in handler_call_details.invocation_metadata or ()
                if key == METADATA_KEY
            ),
            None,
        )
        verifier = self._verifier

        def wrapper(behaviour: UnaryBehaviour) -> UnaryBehaviour:
            async def with_caller(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                if not isinstance(token, str) or not token:
                    REJECTED.labels("missing").inc()
                    raise Unauthenticated("The call carries no caller identity")
                try:
                    caller = verifier.verify(token)
                except Unauthenticated:
                    REJECTED.labels("invalid").inc()
                    raise
                context_token = set_current_caller(caller)
                try:
                    return await behaviour(request, context)
                finally:
                    reset_current_caller(context_token)

            return with_caller

        return wrap_unary(handler, wrapper)
