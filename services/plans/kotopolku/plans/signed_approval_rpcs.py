"""``RecordSignedApproval``: the e-signature service reports that every party has signed the
rendering of a submitted plan; the approvals are recorded and the plan becomes ACTIVE.

Kept apart from the rest of the life cycle on purpose: manual approval (``ApprovePlan``) and
approval by signature are two ways to the same step. The e-signature service calls at least once
(transactional outbox), so a repeat of a recorded signing request returns the plan unchanged; the
signing request is recognised by the status change it left behind.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final, Protocol

import grpc
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.clock import from_timestamp
from kotopolku.common.db import Database
from kotopolku.common.errors import NotFound, PermissionDenied
from kotopolku.common.identity import SERVICE_ISSUER_PREFIX, Caller, current_caller
from kotopolku.plans import enums, repository
from kotopolku.plans.domain import reviews, signed_approval
from kotopolku.plans.domain.model import ApprovalParty, PlanStatus
from kotopolku.plans.gate import domain_rules
from kotopolku.plans.tables import plan_status_changes
from kotopolku.plans.v1 import plans_pb2
from kotopolku.plans.validation import Collector, parse_id

Context = grpc.aio.ServicerContext[Any, Any]
ESIGN_SERVICE: Final = f"{SERVICE_ISSUER_PREFIX}esign"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def require_esign(caller: Caller) -> None:
    """Approvals by signature come from the e-signature service only."""
    if not (caller.is_internal_service and caller.subject == ESIGN_SERVICE):
        raise PermissionDenied("Only the e-signature service records signed approvals")


def _approvals(
    request: plans_pb2.RecordSignedApprovalRequest, collector: Collector
) -> dict[ApprovalParty, plans_pb2.SignedApproval]:
    by_party: dict[ApprovalParty, plans_pb2.SignedApproval] = {}
    for index, approval in enumerate(request.approvals):
        field = f"approvals[{index}]"
        try:
            party = enums.APPROVAL_PARTY.decode(approval.party)
        except ValueError as error:
            collector.add(f"{field}.party", str(error))
            continue
        if party is None:
            collector.add(f"{field}.party", "is required")
        elif party in by_party:
            collector.add(f"{field}.party", "is given twice")
        else:
            by_party[party] = approval
        if not approval.subject or len(approval.subject) > 200:
            collector.add(f"{field}.subject", "is required (at most 200 characters)")
        if not approval.HasField("approved_at"):
            collector.add(f"{field}.approved_at", "is required")
    return by_party


async def _already_recorded(connection: AsyncConnection, plan_id: str, reason: str) -> bool:
    table = plan_status_changes
    found = await connection.scalar(
        table.select()
        .with_only_columns(table.c.id)
        .where(table.c.plan_id == plan_id, table.c.reason == reason)
        .limit(1)
    )
    return found is not None


class _PlanSteps(Protocol):
    """What the handler uses of :class:`~kotopolku.plans.servicer.PlansServicer`."""

    _db: Database

    def _today(self) -> date: ...

    async def _respond(
        self, connection: AsyncConnection, caller: Caller, plan_id: str, action: str, **kw: Any
    ) -> plans_pb2.Plan: ...

    async def _update(
        self, connection: AsyncConnection, row: Any, values: dict[str, Any]
    ) -> None: ...

    async def _change_status(
        self,
        connection: AsyncConnection,
        row: Any,
        target: PlanStatus,
        caller: Caller,
        reason: str,
    ) -> None: ...

    async def _family_limit(
        self, connection: AsyncConnection, row: Any, end: date, field: str
    ) -> None: ...


class SignedApprovalRpcs:
    async def RecordSignedApproval(
        self: _PlanSteps, request: plans_pb2.RecordSignedApprovalRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        require_esign(caller)
        collector = Collector()
        plan_id = collector.check("plan_id", lambda: parse_id(request.plan_id, "plan_id"))
        if request.plan_version <= 0:
            collector.add("plan_version", "is required")
        collector.check(
            "signing_request_id",
            lambda: parse_id(request.signing_request_id, "signing_request_id"),
        )
        if not _SHA256.fullmatch(request.document_sha256):
            collector.add("document_sha256", "must be 64 lowercase hexadecimal digits")
        by_party = _approvals(request, collector)
        collector.raise_if_any()
        assert plan_id is not None
        reason = signed_approval.signed_reason(request.signing_request_id, request.document_sha256)
        async with self._db.transaction() as connection:
            row = await repository.get_plan(connection, plan_id)
            if row is None:
                raise NotFound("No such plan")
            if await _already_recorded(connection, row.id, reason):
                return await self._respond(connection, caller, row.id, "plan.read")
            record = await repository.load_plan(connection, row.id)
            # Approvals are cleared when a plan returns to DRAFT: those left are of this content.
            already = frozenset(ApprovalParty(a.party) for a in record.approvals)
            with domain_rules():
                decision = signed_approval.record_signed(
                    PlanStatus(row.status),
                    row.version,
                    request.plan_version,
                    already,
                    frozenset(by_party),
                )
                await self._family_limit(connection, row, row.end_date, "end_date")
            today = self._today()
            await self._update(
                connection,
                row,
                {
                    "status": decision.status,
                    "activated_on": today,
                    "original_end_date": row.end_date,
                    "review_due_date": reviews.review_due_date(today, None, None),
                },
            )
            for party in sorted(decision.new_parties):
                approval = by_party[party]
                await repository.add_approval(
                    connection,
                    row.id,
                    {
                        "party": party,
                        "subject": approval.subject,
                        "plan_version": row.version,
                        "approved_at": from_timestamp(approval.approved_at),
                    },
                )
            await self._change_status(connection, row, decision.status, caller, reason)
            return await self._respond(
                connection, caller, row.id, "plan.approve-signed", fields=("approvals", "status")
            )
