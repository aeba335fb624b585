"""The one way to open a channel to another service.

Calls made while serving a request forward that request's caller assertion, so the next service
re-checks the same identity; trace context travels in the same metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from kotopolku.common.identity import METADATA_KEY, _current_caller

# Keepalive detects a dead peer behind a quiet connection; the retry policy retries only calls
# that never reached a server (UNAVAILABLE), which is safe for every method.
_SERVICE_CONFIG = """{
  "methodConfig": [{
    "name": [{}],
    "retryPolicy": {
      "maxAttempts": 3,
      "initialBackoff": "0.05s",
      "maxBackoff": "0.5s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}"""
CHANNEL_OPTIONS: Sequence[tuple[str, Any]] = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.enable_retries", 1),
    ("grpc.service_config", _SERVICE_CONFIG),
    # Reconnect quickly after a backend restarts, so a brief outage stays brief.
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2_000),
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
)


class _ForwardCaller(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self, assertion: Callable[[], str | None]) -> None:
        self._assertion = assertion

    async def intercept_unary_unary(
        self, continuation: Any, client_call_details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        token = self._assertion()
        if token:
            metadata = grpc.aio.Metadata(*(client_call_details.metadata or ()))
            if metadata.get(METADATA_KEY) is None:
                metadata.add(METADATA_KEY, token)
            client_call_details = grpc.aio.ClientCallDetails(
                client_call_details.method,
                client_call_details.timeout,
                metadata,
                client_call_details.credentials,
                client_call_details.wait_for_ready,
            )
        return await continuation(client_call_details, request)


def _forwarded_assertion() -> str | None:
    caller = _current_caller.get()
    return caller.assertion if caller is not None else None


def open_channel(
    address: str, assertion: Callable[[], str | None] = _forwarded_assertion
) -> grpc.aio.Channel:
    """An insecure channel inside the cluster network; see docs/security.md for why and for mTLS."""
    interceptors = [*aio_client_interceptors(), _ForwardCaller(assertion)]
    return grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS, interceptors=interceptors)
