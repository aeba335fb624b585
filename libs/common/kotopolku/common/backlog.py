"""How far behind an outbox is: rows waiting and the age of the oldest one.

Used by the audit outbox relay for its gauges and by the status API; any outbox table with a
``created_at`` column qualifies (the audit outbox of every service, a service's own outboxes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from kotopolku.common.clock import as_utc
from kotopolku.common.db import Database


@dataclass(frozen=True, slots=True)
class Backlog:
    waiting: int
    # Seconds since the oldest waiting row was written; 0 when nothing waits.
    oldest_age_seconds: float


async def measure(database: Database, outbox: sa.Table, now: datetime) -> Backlog:
    """One query: count and oldest ``created_at`` of the rows still in ``outbox``."""
    query = sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).select_from(outbox)
    async with database.engine.connect() as connection:
        count, oldest = (await connection.execute(query)).one()
    if not count or oldest is None:
        return Backlog(0, 0.0)
    return Backlog(int(count), max(0.0, (as_utc(now) - as_utc(oldest)).total_seconds()))
