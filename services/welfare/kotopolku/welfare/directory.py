"""What the welfare service asks other services, always as the calling officer (the assertion is
forwarded), so each applies its own tenant rules and audits the access itself.

* the clients service: the client a cooperation is about; the client a reception transfer becomes;
* the assessment and plans services: the multi-sector record a transfer sends.
"""

from __future__ import annotations

from typing import Final

import grpc

from kotopolku.assessment.v1 import assessment_pb2, assessment_pb2_grpc
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common.errors import (
    NOT_VISIBLE_CODES,
    AlreadyExists,
    DependencyUnavailable,
    InvalidArgument,
    NotFound,
    parse_rpc_error,
)
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc

_ALREADY_EXISTS: Final = grpc.StatusCode.ALREADY_EXISTS


class ClientDirectory:
    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        self._stub = clients_pb2_grpc.ClientsServiceStub(channel)
        self._timeout = timeout

    async def client(self, client_id: str) -> clients_pb2.Client:
        """The client, or NOT_FOUND when the officer cannot see such a client."""
        try:
            return await self._stub.GetClient(
                clients_pb2.GetClientRequest(client_id=client_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                raise NotFound("No such client") from None
            raise DependencyUnavailable.of("clients", error) from None

    async def create(self, client: clients_pb2.Client, key: str) -> clients_pb2.Client | None:
        """Creates the client record; None when the municipality already has the person (by
        henkilötunnus). The clients service's field errors come back under ``person.``."""
        try:
            return await self._stub.CreateClient(
                clients_pb2.CreateClientRequest(client=client, idempotency_key=key),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            code = error.code()
            if code is _ALREADY_EXISTS:
                if parse_rpc_error(error).type == "conflict":
                    return None
                raise AlreadyExists("The transfer was recorded with another request") from None
            if code is grpc.StatusCode.INVALID_ARGUMENT:
                remote = parse_rpc_error(error)
                raise InvalidArgument(
                    remote.detail,
                    violations=[
                        type(v)(f"transfer.person.{v.field}", v.description)
                        for v in remote.violations
                    ],
                ) from None
            raise DependencyUnavailable.of("clients", error) from None

    async def by_henkilotunnus(self, henkilotunnus: str) -> clients_pb2.Client | None:
        try:
            found = await self._stub.SearchClients(
                clients_pb2.SearchClientsRequest(henkilotunnus=henkilotunnus, page_size=1),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            raise DependencyUnavailable.of("clients", error) from None
        return found.clients[0] if found.clients else None


class RecordSource:
    """The multi-sector assessment or plan a transfer sends, read as the officer."""

    def __init__(
        self, assessment: grpc.aio.Channel, plans: grpc.aio.Channel, timeout: float
    ) -> None:
        self._assessment = assessment_pb2_grpc.AssessmentServiceStub(assessment)
        self._plans = plans_pb2_grpc.PlansServiceStub(plans)
        self._timeout = timeout

    async def assessment(self, assessment_id: str) -> assessment_pb2.Assessment:
        try:
            return await self._assessment.GetAssessment(
                assessment_pb2.GetAssessmentRequest(assessment_id=assessment_id),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                raise NotFound("No such assessment") from None
            raise DependencyUnavailable.of("assessment", error) from None

    async def plan(self, plan_id: str) -> plans_pb2.Plan:
        try:
            return await self._plans.GetPlan(
                plans_pb2.GetPlanRequest(plan_id=plan_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                raise NotFound("No such plan") from None
            raise DependencyUnavailable.of("plans", error) from None
