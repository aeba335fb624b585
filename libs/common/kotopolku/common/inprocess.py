"""Services called in this process, without the network hop: the same servicers, interceptors
and errors as over gRPC, minus serialisation, HTTP/2 and the process boundary.

An :class:`InProcessNetwork` stands in for the cluster network. :class:`ServiceHost` builds its
server with :meth:`InProcessNetwork.server` (the servicers register their handlers as on a
``grpc.aio`` server, and ``add_insecure_port`` names the address they answer at) and opens its
channels with :meth:`InProcessNetwork.channel`; the gateway opens its backend channels with the
same method. A call runs the server's interceptors (caller identity, error mapping, metrics) and
the handler in a task of its own, with a copy of the caller's context variables, as a gRPC server
would; a failed call raises :class:`grpc.aio.AioRpcError` with the status, details and trailing
metadata the servicer set, so callers map errors unchanged.

What the hop costs and the in-process call leaves out: message serialisation, HTTP/2 framing,
the loopback network, the services' client and server trace spans, the channels' retry policy.
Used by the single-process baseline of the load tests (``loadtests/baseline.py``).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

import grpc

from kotopolku.common.channels import _forwarded_assertion
from kotopolku.common.identity import METADATA_KEY

Metadata = tuple[tuple[str, str | bytes], ...]


class _CallDetails(NamedTuple):
    method: str
    invocation_metadata: Metadata


class InProcessContext:
    """The part of ``grpc.aio.ServicerContext`` that servicers and interceptors use."""

    def __init__(self, metadata: Metadata, deadline: float | None) -> None:
        self._metadata = metadata
        self._deadline = deadline
        self._code: grpc.StatusCode | None = None
        self._details: str | None = None
        self._trailing: Metadata = ()

    def invocation_metadata(self) -> Metadata:
        return self._metadata

    def peer(self) -> str:
        return "inprocess"

    def time_remaining(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def set_details(self, details: str) -> None:
        self._details = details

    def details(self) -> str | None:
        return self._details

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        self._trailing = tuple(metadata)

    def trailing_metadata(self) -> Metadata:
        return self._trailing

    async def send_initial_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        return None

    def cancelled(self) -> bool:
        return False

    def done(self) -> bool:
        return False

    async def abort(
        self,
        code: grpc.StatusCode,
        details: str = "",
        trailing_metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> None:
        self._code, self._details = code, details
        if trailing_metadata:
            self._trailing = tuple(trailing_metadata)
        raise grpc.aio.AbortError()

    async def abort_with_status(self, status: grpc.Status) -> None:
        await self.abort(status.code, status.details, status.trailing_metadata)

    def error(self) -> grpc.aio.AioRpcError:
        return rpc_error(self._code or grpc.StatusCode.UNKNOWN, self._details or "", self._trailing)


def rpc_error(
    code: grpc.StatusCode, details: str, trailing: Sequence[tuple[str, str | bytes]] = ()
) -> grpc.aio.AioRpcError:
    """The exception a ``grpc.aio`` channel raises for a failed call."""
    return grpc.aio.AioRpcError(
        code,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*trailing),
        details=details,
        debug_error_string=f"in-process call: {code.name}",
    )


class InProcessServer:
    """Collects a service's handlers like a ``grpc.aio`` server and runs its interceptors."""

    def __init__(
        self, network: InProcessNetwork, interceptors: Sequence[grpc.aio.ServerInterceptor]
    ) -> None:
        self._network = network
        # Tracing interceptors describe the hop: without a hop there is nothing to trace.
        self._interceptors = [
            interceptor
            for interceptor in interceptors
            if not type(interceptor).__module__.startswith("opentelemetry")
        ]
        self._generic: list[grpc.GenericRpcHandler] = []
        self._methods: dict[str, grpc.RpcMethodHandler] = {}

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        self._generic.extend(handlers)

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        for method, handler in handlers.items():
            self._methods[f"/{service}/{method}"] = handler

    def add_insecure_port(self, address: str) -> int:
        return self._network.register(address, self)

    async def start(self) -> None:
        return None

    async def stop(self, grace: float | None) -> None:
        self._network.unregister(self)

    async def wait_for_termination(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        return True

    def _handler(self, details: _CallDetails) -> grpc.RpcMethodHandler | None:
        handler = self._methods.get(details.method)
        if handler is not None:
            return handler
        for generic in self._generic:
            handler = generic.service(details)  # type: ignore[arg-type]
            if handler is not None:
                return handler
        return None

    async def intercepted_handler(self, details: _CallDetails) -> Any:
        """The handler wrapped by the interceptors, outermost first, as grpc.aio chains them."""

        async def continuation_at(index: int, call: Any) -> Any:
            if index == len(self._interceptors):
                return self._handler(call)
            return await self._interceptors[index].intercept_service(
                lambda next_call: continuation_at(index + 1, next_call), call
            )

        return await continuation_at(0, details)


class InProcessNetwork:
    """Addresses → in-process servers; channels that call them directly."""

    def __init__(self) -> None:
        self._servers: dict[str, InProcessServer] = {}

    def server(
        self,
        interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
        options: Sequence[tuple[str, Any]] = (),
    ) -> InProcessServer:
        """Same signature as ``grpc.aio.server`` where ServiceHost uses it."""
        return InProcessServer(self, interceptors)

    def channel(
        self, address: str, assertion: Callable[[], str | None] = _forwarded_assertion
    ) -> InProcessChannel:
        """Same signature and caller forwarding as ``kotopolku.common.channels.open_channel``."""
        return InProcessChannel(self, address, assertion)

    def register(self, address: str, server: InProcessServer) -> int:
        key = _normalise(address)
        if key in self._servers:
            raise RuntimeError(f"{address} is already served in this process")
        self._servers[key] = server
        return int(key.rsplit(":", 1)[1]) or 1

    def unregister(self, server: InProcessServer) -> None:
        for key in [key for key, value in self._servers.items() if value is server]:
            del self._servers[key]

    def resolve(self, address: str) -> InProcessServer | None:
        return self._servers.get(_normalise(address))

    @property
    def addresses(self) -> list[str]:
        return sorted(self._servers)


def _normalise(address: str) -> str:
    """Servers bind ``0.0.0.0:p`` or ``127.0.0.1:p`` and are called at ``host:p``: in one process
    the port alone tells them apart."""
    return "port:" + address.rsplit(":", 1)[-1]


class _UnaryUnary:
    def __init__(self, channel: InProcessChannel, method: str) -> None:
        self._channel = channel
        self._method = method

    def __call__(
        self,
        request: Any,
        *,
        timeout: float | None = None,
        metadata: Sequence[tuple[str, str | bytes]] | None = None,
        credentials: Any = None,
        wait_for_ready: bool | None = None,
        compression: Any = None,
    ) -> Awaitable[Any]:
        return self._channel.invoke(self._method, request, timeout, metadata)


class InProcessChannel:
    """Enough of ``grpc.aio.Channel`` for generated stubs making unary calls."""

    def __init__(
        self, network: InProcessNetwork, address: str, assertion: Callable[[], str | None]
    ) -> None:
        self._network = network
        self._address = address
        self._assertion = assertion

    def unary_unary(self, method: str, *args: Any, **kwargs: Any) -> _UnaryUnary:
        return _UnaryUnary(self, method)

    def unary_stream(self, method: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """Stubs create every method; calling a streaming one is the error."""

        def streaming(*_: Any, **__: Any) -> Any:
            raise NotImplementedError(f"{method}: in-process channels carry unary calls only")

        return streaming

    stream_unary = stream_stream = unary_stream

    async def close(self, grace: float | None = None) -> None:
        return None

    async def channel_ready(self) -> None:
        return None

    async def invoke(
        self,
        method: str,
        request: Any,
        timeout_seconds: float | None,
        metadata: Sequence[tuple[str, str | bytes]] | None,
    ) -> Any:
        server = self._network.resolve(self._address)
        if server is None:
            raise rpc_error(
                grpc.StatusCode.UNAVAILABLE, f"nothing serves {self._address} in this process"
            )
        call_metadata: Metadata = tuple(metadata or ())
        if not any(key == METADATA_KEY for key, _ in call_metadata):
            token = self._assertion()
            if token:
                call_metadata = (*call_metadata, (METADATA_KEY, token))
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        context = InProcessContext(call_metadata, deadline)
        details = _CallDetails(method, call_metadata)

        async def serve() -> Any:
            handler = await server.intercepted_handler(details)
            if handler is None or handler.unary_unary is None:
                raise rpc_error(grpc.StatusCode.UNIMPLEMENTED, f"{method} is not served here")
            return await handler.unary_unary(request, context)

        # A task of its own with a copy of the context, as a server runs each call: context
        # variables the handler sets (the caller, the trace) stay with it.
        task = asyncio.get_running_loop().create_task(serve(), context=contextvars.copy_context())
        try:
            async with asyncio.timeout(timeout_seconds):
                response = await task
        except TimeoutError:
            raise rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded") from None
        except grpc.aio.AbortError:
            raise context.error() from None
        except grpc.aio.AioRpcError:
            raise
        except Exception as error:
            # What a grpc.aio server answers for an exception the interceptors let through.
            raise rpc_error(
                grpc.StatusCode.UNKNOWN, f"Unexpected {type(error).__name__}"
            ) from error
        code = context.code()
        if code is not None and code != grpc.StatusCode.OK:
            raise context.error()
        return response
