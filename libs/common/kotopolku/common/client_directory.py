"""The clients service as another service sees it: the client record, if it exists and the
caller may see it.

The call forwards the caller's own assertion (``Runtime.user_channel``), so the clients service
applies its own tenant rules and records the read in the audit log itself. Its refusals become
this service's: NOT_FOUND stays NOT_FOUND (another municipality's client does not exist), and an
unreachable clients service is UNAVAILABLE, never a silent "not found".
"""

from __future__ import annotations

import logging

import grpc

from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common.errors import (
    DependencyUnavailable,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    parse_rpc_error,
)

log = logging.getLogger(__name__)


class ClientDirectory:
    def __init__(self, stub: clients_pb2_grpc.ClientsServiceAsyncStub, timeout: float) -> None:
        self._stub = stub
        self._timeout = timeout

    async def visible_client(
        self, client_id: str, time_remaining: float | None = None, *, field: str = "client_id"
    ) -> clients_pb2.Client:
        """The client if it exists and the caller may see it; NOT_FOUND otherwise."""
        timeout = self._timeout if time_remaining is None else min(self._timeout, time_remaining)
        try:
            return await self._stub.GetClient(
                clients_pb2.GetClientRequest(client_id=client_id), timeout=max(timeout, 0.01)
            )
        except grpc.aio.AioRpcError as error:
            remote = parse_rpc_error(error)
            if remote.code is grpc.StatusCode.NOT_FOUND:
                raise NotFound("No such client") from None
            if remote.code is grpc.StatusCode.PERMISSION_DENIED:
                raise PermissionDenied(remote.detail or "Not allowed") from None
            if remote.code is grpc.StatusCode.INVALID_ARGUMENT:
                raise InvalidArgument(
                    remote.detail, violations=[FieldViolation(field, remote.detail)]
                ) from None
            log.warning("clients service call failed", extra={"grpc_code": remote.code.name})
            raise DependencyUnavailable.of("clients", error) from None
