"""What the plans service asks other services: the clients service about clients, the programme
service about its catalogue. Both are asked as the current caller (the assertion is forwarded),
so they apply their own tenant rules and audit their own reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import grpc

from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common.errors import NOT_VISIBLE_CODES, DependencyUnavailable, NotFound
from kotopolku.programme.v1 import programme_pb2, programme_pb2_grpc


@dataclass(frozen=True, slots=True)
class ClientRef:
    id: str
    municipality_code: str


class ClientDirectory:
    """Existence, tenant and identity of clients, from the clients service."""

    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = clients_pb2_grpc.ClientsServiceStub(channel)
        self._timeout = timeout

    async def visible_client(self, client_id: str) -> ClientRef | None:
        """The client if the caller may see it, None if it is missing or out of reach."""
        try:
            client = await self._stub.GetClient(
                clients_pb2.GetClientRequest(client_id=client_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                return None
            raise DependencyUnavailable.of("clients", error) from error
        return ClientRef(client.id, client.municipality_code)

    async def require_client(self, client_id: str) -> ClientRef:
        client = await self.visible_client(client_id)
        if client is None:
            raise NotFound("No such client")
        return client

    async def own_client(self) -> ClientRef | None:
        """The calling client user's own record; None when none is linked to the identity."""
        try:
            client = await self._stub.GetOwnClient(
                clients_pb2.GetOwnClientRequest(), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                return None
            raise DependencyUnavailable.of("clients", error) from error
        return ClientRef(client.id, client.municipality_code)


class ProgrammeCatalogue:
    """Whether services are in the caller's municipality's integration programme."""

    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = programme_pb2_grpc.ProgrammeServiceStub(channel)
        self._timeout = timeout

    async def unknown(self, service_ids: Iterable[str]) -> set[str]:
        """The ids that are not services of the caller's municipality's catalogue."""
        missing: set[str] = set()
        for service_id in sorted(set(service_ids)):
            try:
                await self._stub.GetCatalogueService(
                    programme_pb2.GetCatalogueServiceRequest(service_id=service_id),
                    timeout=self._timeout,
                )
            except grpc.aio.AioRpcError as error:
                if error.code() not in NOT_VISIBLE_CODES:
                    raise DependencyUnavailable.of("programme", error) from error
                missing.add(service_id)
        return missing
