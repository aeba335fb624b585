"""What the programme service asks the plans service before an enrolment: the agreed service.

Asked as the calling officer (the assertion is forwarded), so the plans service applies its own
tenant rules and records the read in the audit log itself.
"""

from __future__ import annotations

from typing import Final

import grpc

from kotopolku.common.errors import NOT_VISIBLE_CODES, DependencyUnavailable, NotFound
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.programme.domain import PlannedService, PlannedServiceStatus

_PREFIX: Final = "PLAN_SERVICE_STATUS_"


class PlanDirectory:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = plans_pb2_grpc.PlansServiceStub(channel)
        self._timeout = timeout

    async def planned_service(self, plan_id: str, plan_service_id: str) -> PlannedService:
        """The agreed service, or NOT_FOUND when the caller cannot see such a plan service."""
        try:
            answer = await self._stub.GetPlanServiceForEnrolment(
                plans_pb2.GetPlanServiceForEnrolmentRequest(
                    plan_id=plan_id, plan_service_id=plan_service_id
                ),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                raise NotFound("No such plan or agreed service") from None
            raise DependencyUnavailable.of("plans", error) from None
        status_name = plans_pb2.PlanServiceStatus.Name(answer.status).removeprefix(_PREFIX)
        return PlannedService(
            plan_id=answer.plan_id,
            plan_service_id=answer.plan_service_id,
            client_id=answer.client_id,
            programme_service_id=answer.programme_service_id,
            status=PlannedServiceStatus(status_name),
            plan_active=answer.plan_status == plans_pb2.PLAN_STATUS_ACTIVE,
        )
