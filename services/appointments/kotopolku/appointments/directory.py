"""What the appointments service asks the clients service, as the current caller (the assertion is
forwarded, so the clients service applies its own tenant rules and audits its own reads): whether
a client exists in the caller's municipality and which languages the client prefers, and which
client record a client user has."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common.errors import DomainError

# Statuses that mean "this caller cannot see such a record": the same answer as a missing one.
_NOT_VISIBLE = frozenset(
    {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED}
)


class DependencyUnavailable(DomainError):
    status = grpc.StatusCode.UNAVAILABLE
    type = "dependency-unavailable"
    title = "A service this call needs is not available"


@dataclass(frozen=True, slots=True)
class ClientRef:
    id: str
    municipality_code: str
    languages: tuple[str, ...]


def _ref(client: clients_pb2.Client) -> ClientRef:
    return ClientRef(client.id, client.municipality_code, tuple(client.languages))


class ClientDirectory:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = clients_pb2_grpc.ClientsServiceStub(channel)
        self._timeout = timeout

    async def visible_client(self, client_id: str) -> ClientRef | None:
        """The client if the caller may see it; None if it is missing or out of reach."""
        try:
            client = await self._stub.GetClient(
                clients_pb2.GetClientRequest(client_id=client_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in _NOT_VISIBLE:
                return None
            raise DependencyUnavailable(
                f"The clients service did not answer ({error.code().name})"
            ) from error
        return _ref(client)

    async def own_client(self) -> ClientRef | None:
        """The calling client user's own record; None when none is linked to the identity."""
        try:
            client = await self._stub.GetOwnClient(
                clients_pb2.GetOwnClientRequest(), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in _NOT_VISIBLE:
                return None
            raise DependencyUnavailable(
                f"The clients service did not answer ({error.code().name})"
            ) from error
        return _ref(client)
