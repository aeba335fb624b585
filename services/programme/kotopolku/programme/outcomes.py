"""Delivers enrolment outcomes (enrolled, completed, interrupted) to the plans service.

The transaction that makes or ends an enrolment also writes a row to ``plan_outcome_outbox``;
:class:`OutcomeRelay` (a :class:`~kotopolku.common.relay.Relay` keyed by planned service) sends
the rows to the plans service's ``RecordServiceOutcome``: at least once, and in order for each
planned service. The plans service is idempotent by (plan_service_id, status), so a repeat, e.g.
after a crash between the call and the delete, or from a second replica reading the same row,
changes nothing. A failed row is retried with backoff and keeps its place; the last failure's
gRPC status name is kept in ``last_error`` for operators, with the attempt count; nothing is
ever dropped.
"""

from __future__ import annotations

from typing import Any, Protocol

from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.db import Database
from kotopolku.common.relay import Relay, RetryLater, Settle
from kotopolku.programme.domain import OutcomeStatus, PlanOutcome
from kotopolku.programme.tables import plan_outcome_outbox


class OutcomeDeliveryFailed(RetryLater):
    """The plans service did not accept an outcome; ``reason`` is safe to store and log."""


class OutcomeSink(Protocol):
    """Where outcomes go: the plans service."""

    async def record(self, outcome: PlanOutcome) -> None:
        """Returns once the outcome is accepted; raises :class:`OutcomeDeliveryFailed`."""


def _outcome(row: Any) -> PlanOutcome:
    return PlanOutcome(
        plan_id=str(row.plan_id),
        plan_service_id=str(row.plan_service_id),
        status=OutcomeStatus(row.status),
        outcome_date=row.outcome_date,
        summary=str(row.summary),
    )


class OutcomeRelay(Relay):
    def __init__(
        self,
        database: Database,
        sink: OutcomeSink,
        *,
        batch_size: int = 50,
        poll_seconds: float = 5.0,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(
            "plan-outcomes",
            database,
            plan_outcome_outbox,
            key="plan_service_id",
            batch_size=batch_size,
            poll_seconds=poll_seconds,
            clock=clock,
        )
        self._sink = sink

    async def handle(self, row: Any) -> Settle | None:
        await self._sink.record(_outcome(row))
        return None
