"""What the plans service tells the reporting service (see :mod:`kotopolku.common.facts`):
each change of a plan's status (created, submitted, activated, suspended, ended) with the plan's
kind and its review due date, and each review with the due date it answered, so that reporting
can count plans by kind and reviews on time or overdue. Nothing else of the plan leaves: no
goals, no services, no names, no ids in the clear."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.facts import FactRecorder
from kotopolku.plans import repository
from kotopolku.reporting.v1 import reporting_pb2

RECORD_KIND: Final = "plan"


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def status_changed(
    recorder: FactRecorder, row: Any, from_status: str | None, day: date
) -> reporting_pb2.Fact:
    """``row`` is the plan as it is after the change."""
    fact = recorder.fact(row.municipality_code, row.client_id, RECORD_KIND, row.id)
    fact.plan_status_changed.CopyFrom(
        reporting_pb2.PlanStatusChanged(
            kind=str(row.kind),
            from_status=str(from_status or ""),
            to_status=str(row.status),
            changed_on=day.isoformat(),
            review_due_on=_iso(row.review_due_date),
            authority=str(row.responsible_authority),
        )
    )
    return fact


def reviewed(
    recorder: FactRecorder, before: Any, after: Any, day: date, reason: str, outcome: str
) -> reporting_pb2.Fact:
    """``before`` and ``after`` are the plan's rows on each side of the review."""
    fact = recorder.fact(after.municipality_code, after.client_id, RECORD_KIND, after.id)
    fact.plan_reviewed.CopyFrom(
        reporting_pb2.PlanReviewed(
            kind=str(after.kind),
            reviewed_on=day.isoformat(),
            due_on=_iso(before.review_due_date),
            next_due_on=_iso(after.review_due_date),
            reason=str(reason),
            outcome=str(outcome),
        )
    )
    return fact


class PlanFacts:
    """Records the facts in the caller's transaction, reading the plan as it now is."""

    def __init__(self, recorder: FactRecorder) -> None:
        self._recorder = recorder

    async def status_changed(
        self, connection: AsyncConnection, plan_id: str, from_status: str | None, day: date
    ) -> None:
        row = await repository.get_plan(connection, plan_id)
        assert row is not None
        await self._recorder.record(
            connection, [status_changed(self._recorder, row, from_status, day)]
        )

    async def reviewed(
        self, connection: AsyncConnection, before: Any, day: date, reason: str, outcome: str
    ) -> None:
        after = await repository.get_plan(connection, before.id)
        assert after is not None
        await self._recorder.record(
            connection, [reviewed(self._recorder, before, after, day, reason, outcome)]
        )
