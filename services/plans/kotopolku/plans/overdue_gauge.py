"""A business gauge for operations: plans in force whose review is overdue, per municipality.

Dashboards show it beside the RED metrics; the municipality code is a tenant, not personal data.
Counted by one indexed query every few minutes in the background (every replica counts the same
rows, so dashboards take the max over pods).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Final

import sqlalchemy as sa
from prometheus_client import Gauge

from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.localtime import finnish_date
from kotopolku.common.periodic import run_every
from kotopolku.plans.domain.lifecycle import IN_FORCE
from kotopolku.plans.tables import plans

log = logging.getLogger(__name__)

OVERDUE_REVIEWS = Gauge(
    "kotopolku_plans_overdue_reviews",
    "Plans in force whose review (tarkistaminen) is overdue",
    ["municipality"],
)
REFRESH_SECONDS: Final = 300.0


async def count_overdue(database: Database, clock: Clock) -> dict[str, int]:
    """Overdue plans by municipality code, with the same rule as ``list_overdue``."""
    query = (
        sa.select(plans.c.municipality_code, sa.func.count())
        .where(
            plans.c.review_due_date < finnish_date(clock()),
            plans.c.status.in_(sorted(IN_FORCE)),
        )
        .group_by(plans.c.municipality_code)
    )
    async with database.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return {str(code): int(count) for code, count in rows}


class OverdueReviewsGauge:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        self._seen: set[str] = set()

    async def refresh(self) -> None:
        counts = await count_overdue(self._database, self._clock)
        # A municipality that caught up drops to 0 rather than vanishing from the dashboards.
        for municipality in self._seen - counts.keys():
            OVERDUE_REVIEWS.labels(municipality).set(0)
        for municipality, count in counts.items():
            OVERDUE_REVIEWS.labels(municipality).set(count)
        self._seen |= counts.keys()

    def job(
        self, interval: float = REFRESH_SECONDS
    ) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
        async def run(stop: asyncio.Event) -> None:
            await run_every(stop, interval, self.refresh, log, "overdue reviews not counted")

        return run
