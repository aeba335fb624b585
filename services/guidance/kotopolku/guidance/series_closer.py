"""Ends initial-phase guidance series whose plan period is over: when they are read, and in the
background so that lists and reports see them ended even if nobody opens them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.domain.model import finnish_time
from kotopolku.common.audit import AuditRecorder
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.periodic import run_every
from kotopolku.guidance import repository
from kotopolku.guidance.domain import SeriesStatus
from kotopolku.guidance.rpc_support import SYSTEM, client_entry

log = logging.getLogger(__name__)
ENDED_BY_SYSTEM = "system"


async def close_expired(
    connection: AsyncConnection,
    audit: AuditRecorder,
    today: date,
    now: datetime,
    ids: Sequence[str] | None = None,
    limit: int = 500,
) -> set[str]:
    """Ends the active series (of ``ids``, or any) whose plan ended before ``today``; returns
    their ids. Each end is audited as the service's own act."""
    if ids is not None and not ids:
        return set()
    closed: set[str] = set()
    for row in await repository.expired_series(connection, today, limit, ids):
        values = {
            "status": SeriesStatus.ENDED_PLAN_PERIOD.value,
            "ended_on": row.plan_ends_on,
            "ended_by": ENDED_BY_SYSTEM,
        }
        if await repository.update_series(connection, row.id, None, values, now):
            closed.add(row.id)
            await audit.record(
                connection,
                SYSTEM,
                [client_entry("guidance-series", row, "series.end-of-plan-period", ("status",))],
            )
    return closed


class SeriesCloser:
    """Background job: ``async def run(stop)`` as the host's background jobs are."""

    def __init__(
        self, database: Database, audit: AuditRecorder, clock: Clock, interval_seconds: float
    ) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock
        self._interval = interval_seconds

    async def close_once(self) -> int:
        now = self._clock()
        async with self._db.transaction() as connection:
            closed = await close_expired(
                connection, self._audit, now.astimezone(finnish_time()).date(), now
            )
        if closed:
            log.info("guidance series ended with their plan period", extra={"count": len(closed)})
        return len(closed)

    async def run(self, stop: asyncio.Event) -> None:
        await run_every(stop, self._interval, self.close_once, log, "closing ended series failed")
