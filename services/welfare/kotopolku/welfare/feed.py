"""The welfare areas' change feed on the database: appending in commit order, reading from a
position, waiting for new events, and pruning what is past the retention.

Why positions come from a head row and not from an autoincrement id: see
:mod:`kotopolku.welfare.domain.feed`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from prometheus_client import Counter
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.welfare.domain.feed import FeedEventDraft
from kotopolku.welfare.tables import feed_events, feed_heads

log = logging.getLogger(__name__)

APPENDED = Counter("kotopolku_welfare_feed_events_total", "Events appended to the feeds")
PRUNED = Counter("kotopolku_welfare_feed_pruned_total", "Feed events removed after retention")


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: str
    position: int
    type: str
    resource: str
    data: dict[str, Any]
    occurred_at: datetime


class FeedExpired(Exception):
    """The cursor points before the oldest event kept: events in between were pruned."""


async def _ensure_head(connection: AsyncConnection, welfare_area: str) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    await connection.execute(
        dialect.insert(feed_heads)
        .values(welfare_area=welfare_area, last_position=0)
        .on_conflict_do_nothing(index_elements=["welfare_area"])
    )


async def _take_positions(connection: AsyncConnection, welfare_area: str, count: int) -> int:
    """Takes ``count`` positions; returns the last. The row lock this update takes is held until
    the transaction ends, so the next writer of this area waits for our commit."""
    statement = (
        sa.update(feed_heads)
        .where(feed_heads.c.welfare_area == welfare_area)
        .values(last_position=feed_heads.c.last_position + count)
        .returning(feed_heads.c.last_position)
    )
    last = (await connection.execute(statement)).scalar_one_or_none()
    if last is None:
        await _ensure_head(connection, welfare_area)
        last = (await connection.execute(statement)).scalar_one()
    return int(last)


async def append(
    connection: AsyncConnection,
    welfare_area: str,
    drafts: Sequence[FeedEventDraft],
    now: datetime,
) -> list[int]:
    """Appends events to the area's feed in the caller's transaction. Call it as the last write
    of the transaction: the area's writers queue behind it until the commit."""
    if not drafts:
        return []
    last = await _take_positions(connection, welfare_area, len(drafts))
    first = last - len(drafts) + 1
    await connection.execute(
        sa.insert(feed_events),
        [
            {
                "welfare_area": welfare_area,
                "position": first + offset,
                "event_id": str(uuid.uuid4()),
                "type": draft.type,
                "resource": draft.resource,
                "data": draft.data,
                "occurred_at": now,
            }
            for offset, draft in enumerate(drafts)
        ],
    )
    APPENDED.inc(len(drafts))
    return list(range(first, last + 1))


async def read(
    connection: AsyncConnection, welfare_area: str, after: int, limit: int
) -> tuple[list[StoredEvent], bool]:
    """Events after a position, oldest first, and whether more are waiting.

    The head is read first: every position up to it was committed before, so the events query
    that follows sees all of them that are still kept. Positions have no gaps, so a first event
    beyond ``after + 1`` (or none at all while the head is ahead) means the ones in between were
    pruned: :class:`FeedExpired`. A cursor beyond the head was never issued: :class:`ValueError`.
    """
    head = await connection.scalar(
        sa.select(feed_heads.c.last_position).where(feed_heads.c.welfare_area == welfare_area)
    )
    last = int(head or 0)
    if after > last:
        raise ValueError("the cursor is beyond the end of this feed")
    rows = (
        await connection.execute(
            sa.select(feed_events)
            .where(feed_events.c.welfare_area == welfare_area, feed_events.c.position > after)
            .order_by(feed_events.c.position)
            .limit(limit + 1)
        )
    ).all()
    if (rows and rows[0].position != after + 1) or (not rows and after < last):
        raise FeedExpired
    events = [
        StoredEvent(
            event_id=row.event_id,
            position=int(row.position),
            type=row.type,
            resource=row.resource,
            data=dict(row.data),
            occurred_at=row.occurred_at,
        )
        for row in rows[:limit]
    ]
    return events, len(rows) > limit


class FeedNotifier:
    """Wakes the long-polling readers of this process when an area's feed grew here; readers
    still poll the database now and then for appends made by other replicas."""

    def __init__(self) -> None:
        self._signals: dict[str, asyncio.Event] = {}

    def signal(self, welfare_area: str) -> asyncio.Event:
        """The event a reader waits on; take it *before* reading, so no append is missed."""
        return self._signals.setdefault(welfare_area, asyncio.Event())

    def notify(self, welfare_area: str) -> None:
        current = self._signals.pop(welfare_area, None)
        if current is not None:
            current.set()


async def prune(database: Database, retention: timedelta, clock: Clock) -> int:
    """Removes events older than the retention; a cursor before them then reads as expired."""
    cutoff = clock() - retention
    async with database.transaction() as connection:
        result = await connection.execute(
            sa.delete(feed_events).where(feed_events.c.occurred_at < cutoff)
        )
    removed = int(result.rowcount or 0)
    PRUNED.inc(removed)
    return removed


class FeedPruner:
    """Background job: prunes once a day (the first round soon after start)."""

    def __init__(self, database: Database, retention: timedelta, clock: Clock) -> None:
        self._db = database
        self._retention = retention
        self._clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        delay = 60.0
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), delay)
                return
            except TimeoutError:
                pass
            try:
                removed = await prune(self._db, self._retention, self._clock)
                log.info("feed pruned", extra={"removed": removed})
            except Exception as error:
                log.warning("feed pruning failed", extra={"error": type(error).__name__})
            delay = 86_400.0
