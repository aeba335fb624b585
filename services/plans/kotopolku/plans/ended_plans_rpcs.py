"""``ListEndedPlanClients``: for the archive service alone, the clients of a municipality whose
active use of integration services is over as far as their plans tell — every plan has ended or
passed its end date, none is a draft or awaiting approval — with their last end date.

The archive lists them for its archivist as clients due for archiving; the answer holds client
ids and dates only. Every client listed is audited as read by the archive service.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

import grpc
import sqlalchemy as sa

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder
from kotopolku.common.db import Database
from kotopolku.common.errors import InvalidArgument, PermissionDenied
from kotopolku.common.identity import SERVICE_ISSUER_PREFIX, Caller, current_caller
from kotopolku.plans.domain.model import PlanStatus
from kotopolku.plans.tables import plans
from kotopolku.plans.v1 import plans_pb2

Context = grpc.aio.ServicerContext[Any, Any]
ARCHIVE_SERVICE: Final = f"{SERVICE_ISSUER_PREFIX}archive"
_MUNICIPALITY = re.compile(r"[0-9]{3}")
_OPEN = (PlanStatus.DRAFT.value, PlanStatus.AWAITING_APPROVAL.value)


def require_archive(caller: Caller) -> None:
    if not (caller.is_internal_service and caller.subject == ARCHIVE_SERVICE):
        raise PermissionDenied("Only the archive service lists clients whose plans have ended")


def ended_plan_clients(municipality: str, cutoff: date) -> sa.Select[Any]:
    """(client_id, last_end) of clients none of whose plans is open or ends after ``cutoff``.

    A plan ended early by a review ended on the day of that review, not on its planned end."""
    still_open = sa.func.sum(sa.case((plans.c.status.in_(_OPEN), 1), else_=0))
    ended_early = sa.and_(
        plans.c.status == PlanStatus.ENDED.value,
        plans.c.last_review_on.is_not(None),
        plans.c.last_review_on < plans.c.end_date,
    )
    last_end = sa.func.max(sa.case((ended_early, plans.c.last_review_on), else_=plans.c.end_date))
    return (
        sa.select(plans.c.client_id, last_end.label("last_end"))
        .where(plans.c.municipality_code == municipality)
        .group_by(plans.c.client_id)
        .having(still_open == 0, last_end <= cutoff)
    )


def _position(token: str) -> tuple[date, str] | None:
    position = pagination.decode_token(token)
    if position is None:
        return None
    try:
        return date.fromisoformat(str(position["d"])), str(position["c"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


class EndedPlanRpcs:
    _db: Database
    _audit: AuditRecorder

    async def ListEndedPlanClients(
        self, request: plans_pb2.ListEndedPlanClientsRequest, context: Context
    ) -> plans_pb2.ListEndedPlanClientsResponse:
        caller = current_caller()
        require_archive(caller)
        if not _MUNICIPALITY.fullmatch(request.municipality_code):
            raise InvalidArgument.field("municipality_code", "must be a three-digit kuntanumero")
        try:
            cutoff = date.fromisoformat(request.ended_on_or_before)
        except ValueError:
            raise InvalidArgument.field("ended_on_or_before", "must be a date") from None
        size = pagination.page_size(request.page_size)
        after = _position(request.page_token)
        ended = ended_plan_clients(request.municipality_code, cutoff).subquery()
        query = sa.select(ended.c.client_id, ended.c.last_end)
        if after is not None:
            query = query.where(
                sa.or_(
                    ended.c.last_end > after[0],
                    sa.and_(ended.c.last_end == after[0], ended.c.client_id > after[1]),
                )
            )
        query = query.order_by(ended.c.last_end, ended.c.client_id).limit(size + 1)
        async with self._db.transaction() as connection:
            rows = list(await connection.execute(query))
            shown = rows[:size]
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="plan.ended-clients.list",
                        resource=f"clients/{row.client_id}/plans",
                        subject_client_id=row.client_id,
                        municipality=request.municipality_code,
                        fields=("end_date",),
                    )
                    for row in shown
                ],
            )
        token = ""
        if len(rows) > size:
            last = shown[-1]
            token = pagination.encode_token({"d": last.last_end.isoformat(), "c": last.client_id})
        return plans_pb2.ListEndedPlanClientsResponse(
            clients=[
                plans_pb2.EndedPlanClient(
                    client_id=row.client_id, last_end_date=row.last_end.isoformat()
                )
                for row in shown
            ],
            next_page_token=token,
        )
