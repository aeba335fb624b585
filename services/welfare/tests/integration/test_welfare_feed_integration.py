"""The change feed on SQLite and PostgreSQL: positions in commit order under concurrent writers
(a reader can never pass an event that commits later), resuming from a cursor after days without
gaps or losses, at-least-once re-reads with stable ids, long polling, and expired cursors."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.json_format import MessageToDict
from welfare_testkit import PIRKANMAA, START, TAMPERE, VANTAA_KERAVA, World, rpc_error

from kotopolku.common import migrations
from kotopolku.common.db import Database
from kotopolku.welfare import feed
from kotopolku.welfare.domain.feed import FeedEventDraft
from kotopolku.welfare.service import DEFINITION
from kotopolku.welfare.v1 import welfare_pb2 as pb

AREA = "pirkanmaa"


def draft(label: str) -> FeedEventDraft:
    return FeedEventDraft("test.event", f"tests/{label}", {"label": label})


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    assert DEFINITION.migrations is not None
    await asyncio.to_thread(migrations.upgrade, database_url, "welfare", DEFINITION.migrations)
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


async def read_all(db: Database, after: int = 0) -> list[feed.StoredEvent]:
    async with db.engine.connect() as connection:
        events, _ = await feed.read(connection, AREA, after, 10_000)
    return events


async def test_a_reader_never_passes_an_event_that_commits_later(database: Database) -> None:
    took_position = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with database.transaction() as connection:
            await feed.append(connection, AREA, [draft("first")], START)
            took_position.set()
            await release.wait()

    async def second() -> None:
        await took_position.wait()
        async with database.transaction() as connection:
            await feed.append(connection, AREA, [draft("second")], START)

    writers = [asyncio.create_task(first()), asyncio.create_task(second())]
    await took_position.wait()
    await asyncio.sleep(0.3)
    # The second writer started after the first took its position and could have committed by
    # now with a plain autoincrement id; here it waits for the first, so nothing is visible yet.
    assert await read_all(database) == []
    assert not writers[1].done()
    release.set()
    await asyncio.gather(*writers)
    events = await read_all(database)
    assert [(e.position, e.data["label"]) for e in events] == [(1, "first"), (2, "second")]


async def test_a_rolled_back_append_leaves_no_gap(database: Database) -> None:
    async def failing_write() -> None:
        async with database.transaction() as connection:
            await feed.append(connection, AREA, [draft("lost")], START)
            raise RuntimeError("the business write failed")

    with pytest.raises(RuntimeError):
        await failing_write()
    async with database.transaction() as connection:
        await feed.append(connection, AREA, [draft("kept-1"), draft("kept-2")], START)
    assert [(e.position, e.data["label"]) for e in await read_all(database)] == [
        (1, "kept-1"),
        (2, "kept-2"),
    ]


async def test_concurrent_writers_and_a_polling_reader_lose_and_reorder_nothing(
    database: Database,
) -> None:
    writers, per_writer = 6, 12
    rng = random.Random(7)
    done = asyncio.Event()
    seen: list[feed.StoredEvent] = []

    async def writer(number: int) -> None:
        for index in range(per_writer):
            async with database.transaction() as connection:
                await feed.append(connection, AREA, [draft(f"w{number}-{index}")], START)
                # Hold the transaction open a little, so commits interleave with reads.
                await asyncio.sleep(rng.random() * 0.01)
            await asyncio.sleep(rng.random() * 0.005)

    async def reader() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            async with database.engine.connect() as connection:
                events, _ = await feed.read(connection, AREA, cursor, 7)
            seen.extend(events)
            if events:
                cursor = events[-1].position
            elif finished:
                return
            await asyncio.sleep(0.002)

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(writers)))
    done.set()
    await reading
    total = writers * per_writer
    assert [e.position for e in seen] == list(range(1, total + 1))
    assert len({e.event_id for e in seen}) == total
    for number in range(writers):
        own = [e.data["label"] for e in seen if e.data["label"].startswith(f"w{number}-")]
        assert own == [f"w{number}-{i}" for i in range(per_writer)]


@pytest.mark.postgres
async def test_why_not_an_autoincrement_cursor(postgres_url: str) -> None:
    """The hazard the feed avoids, shown on PostgreSQL: ids of a serial column are taken at
    insert and committed in any order, so a cursor over them skips an event for good."""
    db = Database(postgres_url)
    try:
        async with db.transaction() as connection:
            await connection.execute(sa.text("CREATE TABLE naive (id serial PRIMARY KEY)"))
        inserted = asyncio.Event()
        release = asyncio.Event()

        async def slow() -> None:
            async with db.transaction() as connection:
                await connection.execute(sa.text("INSERT INTO naive DEFAULT VALUES"))
                inserted.set()
                await release.wait()

        slow_writer = asyncio.create_task(slow())
        await inserted.wait()
        async with db.transaction() as connection:
            await connection.execute(sa.text("INSERT INTO naive DEFAULT VALUES"))
        async with db.engine.connect() as connection:
            first_read = (await connection.execute(sa.text("SELECT id FROM naive"))).scalars()
            cursor = max(first_read.all())
        release.set()
        await slow_writer
        async with db.engine.connect() as connection:
            later = await connection.execute(
                sa.text("SELECT id FROM naive WHERE id > :c"), {"c": cursor}
            )
            assert later.all() == []
            everything = (await connection.execute(sa.text("SELECT id FROM naive"))).scalars()
            assert sorted(everything.all()) == [1, 2]
        assert cursor == 2  # id 1 committed after the reader moved past it: never read
    finally:
        await db.dispose()


async def test_a_consumer_resumes_after_days_without_gaps_and_rereads_what_it_did_not_confirm(
    world: World,
) -> None:
    for _ in range(3):
        proposed = await world.propose()
        await world.consult(proposed.id)
    first = await world.read_feed(PIRKANMAA, limit=2)
    assert [e.position for e in first.events] == [1, 2]
    assert first.more
    # The consumer crashed before it stored first.next_cursor: it reads the page again, with
    # the same event ids (at-least-once; deduplicate by id).
    again = await world.read_feed(PIRKANMAA, limit=2)
    assert [e.event_id for e in again.events] == [e.event_id for e in first.events]
    saved = first.next_cursor

    # Away for days while the municipality works on.
    world.clock.advance(days=4)
    for _ in range(4):
        proposed = await world.propose()
        await world.consult(proposed.id)
    resumed: list[pb.FeedEvent] = []
    cursor = saved
    while True:
        page = await world.read_feed(PIRKANMAA, cursor, limit=2)
        resumed += page.events
        cursor = page.next_cursor
        if not page.more:
            break
    assert [e.position for e in resumed] == list(range(3, 8))
    assert all(e.type == "consultation.opened" for e in resumed)
    assert MessageToDict(resumed[-1].data)["state"] == "open"
    # Nothing new: the cursor stays where it is.
    idle = await world.read_feed(PIRKANMAA, cursor)
    assert list(idle.events) == []
    assert idle.next_cursor == cursor
    # A cursor belongs to its welfare area.
    foreign = await rpc_error(
        world.read_feed(VANTAA_KERAVA, cursor), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in foreign.violations] == ["cursor"]
    await rpc_error(world.read_feed(TAMPERE), grpc.StatusCode.PERMISSION_DENIED)


async def test_a_long_polling_reader_wakes_when_an_event_arrives(world: World) -> None:
    empty = await world.read_feed(PIRKANMAA)
    waiting = asyncio.create_task(world.read_feed(PIRKANMAA, empty.next_cursor, wait=10))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    started = time.monotonic()
    proposed = await world.propose()
    await world.consult(proposed.id)
    page = await asyncio.wait_for(waiting, 5)
    assert [e.type for e in page.events] == ["consultation.opened"]
    assert time.monotonic() - started < 2


async def test_a_cursor_older_than_the_retention_is_refused(world: World, tmp_path: Path) -> None:
    proposed = await world.propose()
    await world.consult(proposed.id)
    start = await world.read_feed(PIRKANMAA, limit=1)
    assert start.events
    world.clock.advance(days=400)
    proposed = await world.propose()
    await world.consult(proposed.id)
    assert world.host.database is not None
    removed = await feed.prune(world.host.database, timedelta(days=365), world.clock)
    assert removed == 1
    expired = await rpc_error(world.read_feed(PIRKANMAA, ""), grpc.StatusCode.FAILED_PRECONDITION)
    assert expired.type == "cursor-expired"
    # The consumer's saved cursor still reads on: the event after it is kept.
    after = await world.read_feed(PIRKANMAA, start.next_cursor)
    assert [e.position for e in after.events] == [2]
