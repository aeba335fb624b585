"""The plans service as the sink of enrolment outcomes (``PlansService.RecordServiceOutcome``),
called as the programme service itself (role internal-service)."""

from __future__ import annotations

from typing import Final

import grpc

from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.programme.domain import OutcomeStatus, PlanOutcome
from kotopolku.programme.outcomes import OutcomeDeliveryFailed

_STATUS: Final = {
    OutcomeStatus.ENROLLED: plans_pb2.PLAN_SERVICE_STATUS_ENROLLED,
    OutcomeStatus.COMPLETED: plans_pb2.PLAN_SERVICE_STATUS_COMPLETED,
    OutcomeStatus.INTERRUPTED: plans_pb2.PLAN_SERVICE_STATUS_INTERRUPTED,
}


def outcome_request(outcome: PlanOutcome) -> plans_pb2.RecordServiceOutcomeRequest:
    return plans_pb2.RecordServiceOutcomeRequest(
        plan_id=outcome.plan_id,
        plan_service_id=outcome.plan_service_id,
        status=_STATUS[outcome.status],
        # The plan keeps a completion date for finished services only.
        completion_date=(
            "" if outcome.status is OutcomeStatus.ENROLLED else outcome.outcome_date.isoformat()
        ),
        summary=outcome.summary,
    )


class PlansOutcomeSink:
    def __init__(self, plans: plans_pb2_grpc.PlansServiceAsyncStub, timeout: float = 5.0) -> None:
        self._plans = plans
        self._timeout = timeout

    async def record(self, outcome: PlanOutcome) -> None:
        try:
            await self._plans.RecordServiceOutcome(outcome_request(outcome), timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise OutcomeDeliveryFailed(error.code().name) from error
