"""Ending family plans that have lapsed.

A family plan (perheen kotoutumissuunnitelma) is valid at most until no member of the family has
a valid individual plan. It lapses at once when a review ends the last member's plan, and with
time, when the members' plans reach their end dates; :class:`LapsedFamilyPlanCheck` looks for the
latter periodically.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.audit import AuditRecorder
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.identity import Caller, service_caller
from kotopolku.common.localtime import finnish_date
from kotopolku.common.periodic import run_every
from kotopolku.plans import repository
from kotopolku.plans.domain import family, lifecycle
from kotopolku.plans.domain.model import PlanStatus
from kotopolku.plans.gate import record_entries
from kotopolku.plans.reporting_facts import PlanFacts

log = logging.getLogger(__name__)

LAPSED_REASON: Final = "no member of the family has a valid individual plan"


async def end_lapsed(
    connection: AsyncConnection,
    audit: AuditRecorder,
    caller: Caller,
    rows: Sequence[Any],
    today: date,
    now: datetime,
    facts: PlanFacts,
) -> list[str]:
    """Ends those of the family plans ``rows`` that have lapsed; returns their ids."""
    ended = []
    for row in rows:
        record = await repository.load_plan(connection, row.id)
        if not family.has_lapsed(record.member_plans, today):
            continue
        target = lifecycle.transition(PlanStatus(row.status), PlanStatus.ENDED)
        values = {
            "status": target,
            "review_due_date": None,
            "review_request_reason": None,
            "review_request_description": None,
            "review_requested_on": None,
            "review_requested_by": None,
        }
        if not await repository.update_plan(connection, row.id, row.version, values, now):
            # Changed concurrently: the next check sees it as it now is.
            continue
        await repository.add_status_change(
            connection, row.id, row.status, target, caller.subject, LAPSED_REASON, now
        )
        await facts.status_changed(connection, row.id, row.status, today)
        await audit.record(connection, caller, record_entries(record, "plan.end", ("status",)))
        ended.append(row.id)
    return ended


class LapsedFamilyPlanCheck:
    """The periodic check, run by the service itself as a background job."""

    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        clock: Clock,
        facts: PlanFacts,
        *,
        interval_seconds: float,
        batch_size: int = 100,
    ) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock
        self._facts = facts
        self._interval = interval_seconds
        self._batch_size = batch_size
        self._caller = service_caller("plans")

    async def check_once(self) -> int:
        """One pass over the family plans in force; returns how many were ended."""
        after, ended = "", 0
        while True:
            now = self._clock()
            async with self._db.transaction() as connection:
                rows = await repository.family_plans_in_force(connection, after, self._batch_size)
                if not rows:
                    return ended
                ended += len(
                    await end_lapsed(
                        connection,
                        self._audit,
                        self._caller,
                        rows,
                        finnish_date(now),
                        now,
                        self._facts,
                    )
                )
            after = rows[-1].id

    async def run(self, stop: asyncio.Event) -> None:
        await run_every(stop, self._interval, self._check_and_log, log, "family plan check failed")

    async def _check_and_log(self) -> None:
        ended = await self.check_once()
        if ended:
            log.info("lapsed family plans ended", extra={"count": ended})
