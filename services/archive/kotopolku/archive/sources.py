"""The other services as the archive reaches them, always as itself (role internal-service,
subject ``kotopolku-service:archive``): the client-records contract of every record service, the
audit trail of the client, and the clients whose plans have ended.

A failed call becomes a :class:`StepFailure` that says whether trying again may help: a service
that is down or slow may come back; a refusal on the merits (records changed after the export,
minimisation blocked, a bad request) will not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import grpc

from kotopolku.audit.v1 import audit_pb2, audit_pb2_grpc
from kotopolku.common.errors import parse_rpc_error
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.records.v1 import records_pb2, records_pb2_grpc

log = logging.getLogger(__name__)

RETRYABLE: Final = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
    }
)
_AUDIT_PAGE: Final = 200


class StepFailure(Exception):
    """A step did not succeed. ``detail`` is a status name or a reason without personal data."""

    def __init__(self, detail: str, *, retryable: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable


def failure(service: str, error: grpc.aio.AioRpcError) -> StepFailure:
    remote = parse_rpc_error(error)
    log.warning("archive call failed", extra={"target": service, "grpc_code": remote.code.name})
    if remote.code in RETRYABLE:
        return StepFailure(f"{service}: {remote.code.name}", retryable=True)
    # The service's own explanation is safe to keep: the contract's refusals name no person.
    reason = remote.type or remote.code.name
    return StepFailure(f"{service}: {reason}: {remote.detail}"[:500], retryable=False)


@dataclass(frozen=True, slots=True)
class Inventory:
    counts: dict[str, int]
    blockers: list[str]


class RecordServices:
    def __init__(
        self,
        stubs: Mapping[str, records_pb2_grpc.ClientRecordsServiceAsyncStub],
        audit: audit_pb2_grpc.AuditServiceAsyncStub,
        plans: plans_pb2_grpc.PlansServiceAsyncStub | None,
        timeout: float,
    ) -> None:
        self._stubs = dict(stubs)
        self._audit = audit
        self._plans = plans
        self._timeout = timeout

    @property
    def names(self) -> list[str]:
        return list(self._stubs)

    async def _call(self, service: str, method: Any, request: Any) -> Any:
        try:
            return await method(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise failure(service, error) from None

    async def describe(self, service: str, client_id: str, municipality: str) -> Inventory:
        answer = await self._call(
            service,
            self._stubs[service].DescribeClientRecords,
            records_pb2.DescribeClientRecordsRequest(
                client_id=client_id, municipality_code=municipality
            ),
        )
        return Inventory({c.record_type: c.count for c in answer.counts}, list(answer.blockers))

    async def export(
        self, service: str, client_id: str, municipality: str
    ) -> records_pb2.ExportClientRecordsResponse:
        answer: records_pb2.ExportClientRecordsResponse = await self._call(
            service,
            self._stubs[service].ExportClientRecords,
            records_pb2.ExportClientRecordsRequest(
                client_id=client_id, municipality_code=municipality
            ),
        )
        return answer

    async def minimise(
        self, service: str, client_id: str, municipality: str, package_id: str, digest: str
    ) -> records_pb2.MinimiseClientRecordsResponse:
        answer: records_pb2.MinimiseClientRecordsResponse = await self._call(
            service,
            self._stubs[service].MinimiseClientRecords,
            records_pb2.MinimiseClientRecordsRequest(
                client_id=client_id,
                municipality_code=municipality,
                package_id=package_id,
                expected_digest=digest,
            ),
        )
        return answer

    async def audit_trail(self, client_id: str) -> list[audit_pb2.RecordedAuditEvent]:
        """Every audit entry about the client, oldest first."""
        events: list[audit_pb2.RecordedAuditEvent] = []
        token = ""
        while True:
            page = await self._call(
                "audit",
                self._audit.QueryEvents,
                audit_pb2.QueryEventsRequest(
                    subject_client_id=client_id, page_size=_AUDIT_PAGE, page_token=token
                ),
            )
            events.extend(page.events)
            token = page.next_page_token
            if not token:
                break
        return sorted(events, key=lambda e: e.position)

    async def ended_plan_clients(
        self, municipality: str, ended_on_or_before: str, page_size: int, page_token: str
    ) -> plans_pb2.ListEndedPlanClientsResponse:
        if self._plans is None:
            raise StepFailure("plans: not configured", retryable=False)
        answer: plans_pb2.ListEndedPlanClientsResponse = await self._call(
            "plans",
            self._plans.ListEndedPlanClients,
            plans_pb2.ListEndedPlanClientsRequest(
                municipality_code=municipality,
                ended_on_or_before=ended_on_or_before,
                page_size=page_size,
                page_token=page_token,
            ),
        )
        return answer
