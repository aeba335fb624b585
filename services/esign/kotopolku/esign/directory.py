"""What the e-signature service asks other services while serving a request: the plan (plans
service), the client's name and languages (clients service) and the names of programme services
(programme service). Asked as the caller (the assertion is forwarded), so each applies its own
tenant rules and audits its own reads; what the caller may not see answers NOT_FOUND here too.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc

from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common.errors import NOT_VISIBLE_CODES, DependencyUnavailable, NotFound
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.programme.v1 import programme_pb2, programme_pb2_grpc


class PlanSource:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = plans_pb2_grpc.PlansServiceStub(channel)
        self._timeout = timeout

    async def plan(self, plan_id: str) -> plans_pb2.Plan:
        try:
            return await self._stub.GetPlan(
                plans_pb2.GetPlanRequest(plan_id=plan_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                raise NotFound("No such plan") from None
            raise DependencyUnavailable.of("plans", error) from None


class ClientDirectory:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = clients_pb2_grpc.ClientsServiceStub(channel)
        self._timeout = timeout

    async def client(self, client_id: str) -> clients_pb2.Client:
        try:
            return await self._stub.GetClient(
                clients_pb2.GetClientRequest(client_id=client_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                raise NotFound("No such client") from None
            raise DependencyUnavailable.of("clients", error) from None

    async def own_client_id(self) -> str | None:
        """The calling client user's own record; None when none is linked to the identity."""
        try:
            own = await self._stub.GetOwnClient(
                clients_pb2.GetOwnClientRequest(), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                return None
            raise DependencyUnavailable.of("clients", error) from None
        return own.id


class ProgrammeNames:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = programme_pb2_grpc.ProgrammeServiceStub(channel)
        self._timeout = timeout

    async def names(self, service_ids: Iterable[str]) -> dict[str, str]:
        """Names of the programme services the caller sees; the others are left out."""
        found: dict[str, str] = {}
        for service_id in sorted(set(service_ids)):
            try:
                service = await self._stub.GetCatalogueService(
                    programme_pb2.GetCatalogueServiceRequest(service_id=service_id),
                    timeout=self._timeout,
                )
            except grpc.aio.AioRpcError as error:
                if error.code() in NOT_VISIBLE_CODES:
                    continue
                raise DependencyUnavailable.of("programme", error) from None
            if service.name:
                found[service_id] = service.name
        return found
