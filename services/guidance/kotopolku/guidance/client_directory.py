"""The clients service as the guidance service sees it: does this client exist for this caller,
and has the client consented to link an anonymous visit?

Calls forward the caller's own assertion (``Runtime.user_channel``), so the clients service
applies its own tenant rules and records the read in the audit log itself.
"""

from __future__ import annotations

import logging

import grpc

from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common.errors import (
    DomainError,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    parse_rpc_error,
)

log = logging.getLogger(__name__)

# The consent purpose (clients service, ConsentPurpose) that allows linking an anonymous
# counselling visit to the client.
LINK_CONSENT_PURPOSE = "counselling-visit-link"


class ClientsUnavailable(DomainError):
    status = grpc.StatusCode.UNAVAILABLE
    type = "service-unavailable"
    title = "A backend service is unavailable"


class ClientDirectory:
    def __init__(self, stub: clients_pb2_grpc.ClientsServiceAsyncStub, timeout: float) -> None:
        self._stub = stub
        self._timeout = timeout

    def _mapped(self, error: grpc.aio.AioRpcError, field: str) -> DomainError:
        remote = parse_rpc_error(error)
        if remote.code is grpc.StatusCode.NOT_FOUND:
            return NotFound("No such client")
        if remote.code is grpc.StatusCode.PERMISSION_DENIED:
            return PermissionDenied(remote.detail or "Not allowed")
        if remote.code is grpc.StatusCode.INVALID_ARGUMENT:
            return InvalidArgument(remote.detail, violations=[FieldViolation(field, remote.detail)])
        log.warning("clients service call failed", extra={"grpc_code": remote.code.name})
        return ClientsUnavailable("The clients service did not answer; try again")

    async def require_client(self, client_id: str, field: str = "client_id") -> None:
        """Returns if the client exists and the caller may see it; NOT_FOUND otherwise."""
        try:
            await self._stub.GetClient(
                clients_pb2.GetClientRequest(client_id=client_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            raise self._mapped(error, field) from None

    async def link_consent_is_valid(self, client_id: str, consent_id: str) -> bool:
        """The client's consent ``consent_id`` exists, is for linking visits and is valid now."""
        try:
            found = await self._stub.ListConsents(
                clients_pb2.ListConsentsRequest(client_id=client_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            raise self._mapped(error, "client_id") from None
        return any(
            consent.id == consent_id
            and consent.purpose == LINK_CONSENT_PURPOSE
            and consent.valid_now
            for consent in found.consents
        )
