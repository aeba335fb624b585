"""The outbox relay: at least once, in order per key, backoff, settling work, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.db import Database
from kotopolku.common.relay import MAX_BACKOFF_SECONDS, Relay, RetryLater, Settle, retry_delay
from kotopolku.common.tables import UtcDateTime

metadata = sa.MetaData()
outbox = sa.Table(
    "test_outbox",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item", sa.String(20), nullable=False),
    sa.Column("body", sa.String(100), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.String(60)),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
answers = sa.Table("test_answers", metadata, sa.Column("body", sa.String(100), primary_key=True))
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(0, 1), (1, 1), (2, 2), (3, 4), (10, 512), (11, MAX_BACKOFF_SECONDS), (1000, 600)],
)
def test_retry_delay_doubles_up_to_the_cap(attempts: int, seconds: float) -> None:
    assert retry_delay(attempts) == timedelta(seconds=seconds)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


class Receiver(Relay):
    """Records what arrived; refuses the bodies listed in ``failing`` (once each)."""

    def __init__(self, database: Database, clock: Clock, key: str | None) -> None:
        super().__init__("test", database, outbox, key=key, poll_seconds=0.05, clock=clock)
        self.received: list[str] = []
        self.failing: set[str] = set()

    async def handle(self, row: Any) -> Settle | None:
        if row.body in self.failing:
            self.failing.discard(row.body)
            raise RetryLater("UNAVAILABLE")
        if row.body == "boom":
            raise ValueError("a bug")
        self.received.append(row.body)

        async def record(connection: AsyncConnection) -> None:
            await connection.execute(sa.insert(answers).values(body=row.body))

        return record


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield db
    finally:
        await db.dispose()


def relay(database: Database, clock: Clock, *, key: str | None = "item") -> Receiver:
    return Receiver(database, clock, key)


async def put(database: Database, item: str, *bodies: str) -> None:
    async with database.transaction() as connection:
        for body in bodies:
            await connection.execute(
                sa.insert(outbox).values(
                    item=item, body=body, attempts=0, next_attempt_at=START, created_at=START
                )
            )


async def rows(database: Database) -> list[Any]:
    async with database.engine.connect() as connection:
        return list((await connection.execute(sa.select(outbox).order_by(outbox.c.seq))).all())


async def test_rows_of_a_key_keep_their_order_through_a_failure(database: Database) -> None:
    clock = Clock()
    sender = relay(database, clock)
    await put(database, "a", "a1", "a2")
    await put(database, "b", "b1")
    sender.failing = {"a1"}

    # a1 fails: a2 waits behind it, b1 does not.
    assert await sender.deliver_once() == 1
    assert sender.received == ["b1"]
    waiting = await rows(database)
    assert [(r.body, r.attempts, r.last_error) for r in waiting] == [
        ("a1", 1, "UNAVAILABLE"),
        ("a2", 0, None),
    ]
    assert await sender.deliver_once() == 0  # backing off
    clock.now += timedelta(seconds=1)
    assert await sender.deliver_once() == 2
    assert sender.received == ["b1", "a1", "a2"]
    assert await sender.backlog() == 0
    # The settling work ran in the transaction that removed each row.
    async with database.engine.connect() as connection:
        recorded = (await connection.execute(sa.select(answers.c.body))).scalars().all()
    assert sorted(recorded) == ["a1", "a2", "b1"]


async def test_without_a_key_nothing_waits_and_bugs_are_retried(database: Database) -> None:
    clock = Clock()
    sender = relay(database, clock, key=None)
    await put(database, "a", "boom", "a2")
    assert await sender.deliver_once() == 1
    assert sender.received == ["a2"]
    [left] = await rows(database)
    assert (left.body, left.attempts, left.last_error) == ("boom", 1, "ValueError")


async def test_the_background_job_delivers_and_is_woken(database: Database) -> None:
    sender = relay(database, Clock())
    await put(database, "a", "a1", "a2", "a3")
    stop = asyncio.Event()
    job = asyncio.create_task(sender.run(stop))
    try:
        for _ in range(100):
            if len(sender.received) == 3:
                break
            await asyncio.sleep(0.01)
        assert sender.received == ["a1", "a2", "a3"]
        await put(database, "b", "b1")
        sender.wake()
        for _ in range(100):
            if len(sender.received) == 4:
                break
            await asyncio.sleep(0.01)
        assert sender.received[-1] == "b1"
    finally:
        stop.set()
        await asyncio.wait_for(job, 5)
