"""The two ways the search finds a page by name, the merge of ordered key ranges and the
collection of every match (taken when a prefix expands into too many tokens), give the same
pages in the same order, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from kotopolku.clients import repository, search
from kotopolku.clients.service import DEFINITION
from kotopolku.common import migrations
from kotopolku.common.db import Database

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
FIRST = ["Mohamed", "Mohammed", "Muhammad", "Amina", "Aino", "Anna Maria", "Olena", "Oleksandr"]
LAST = ["Ali", "Alin", "Hassan", "Hussein", "Hämäläinen", "Hamalainen", "Shevchenko", "Al-Ali"]
QUERIES = [
    "Mohamed",
    "muhammad ali",
    "Al",
    "Ali Mo",
    "Ham",
    "hamalainen aino",
    "Olek Shev",
    "Anna Maria Hussein",
    "hussein",
    "Nobody",
    "a",
    "Ali Al Ali",
]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    assert DEFINITION.migrations is not None
    migrations.upgrade(database_url, "clients", DEFINITION.migrations)
    db = Database(database_url)
    rng = random.Random(4)
    async with db.transaction() as connection:
        for _ in range(120):
            await repository.insert_client(
                connection,
                rng.choice(["091", "091", "837"]),
                {
                    "first_names": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "date_of_birth": date(1970 + rng.randrange(40), 1, 1 + rng.randrange(28)),
                    "henkilotunnus": None,
                    "languages": [],
                    "contact": {},
                    "segment": None,
                    "residence_permit_type": None,
                    "first_permit_date": None,
                    "status": rng.choice(["ACTIVE", "ACTIVE", "INACTIVE"]),
                },
                NOW,
            )
    try:
        yield db
    finally:
        await db.dispose()


async def pages(
    db: Database, filters: search.SearchFilters, size: int, expansion: int
) -> list[list[str]]:
    found: list[list[str]] = []
    after: tuple[str, str] | None = None
    while True:
        async with db.transaction() as connection:
            rows = await search.search_clients(
                connection, filters, after, size, max_prefix_expansion=expansion
            )
        found.append([row.id for row in rows])
        if len(rows) < size:
            return found
        after = (rows[-1].sort_name, rows[-1].id)


@pytest.mark.parametrize("status", [None, "INACTIVE"])
async def test_merging_and_collecting_give_the_same_pages(
    database: Database, status: str | None
) -> None:
    matched_somewhere = False
    for name in QUERIES:
        filters = search.SearchFilters("091", name=name, status=status)
        merged = await pages(database, filters, 4, search.MAX_PREFIX_EXPANSION)
        collected = await pages(database, filters, 4, 0)
        assert merged == collected, name
        ids = [i for page in merged for i in page]
        assert len(ids) == len(set(ids)), name
        matched_somewhere |= bool(ids)
    assert matched_somewhere


async def test_pages_follow_the_sort_order_and_stay_in_the_municipality(
    database: Database,
) -> None:
    filters = search.SearchFilters("091", name="Al")
    ids = [
        i for page in await pages(database, filters, 5, search.MAX_PREFIX_EXPANSION) for i in page
    ]
    assert ids
    async with database.transaction() as connection:
        rows = [await repository.get_client(connection, i) for i in ids]
    keys = [(row.sort_name, row.id) for row in rows if row is not None]
    assert keys == sorted(keys)
    assert {row.municipality_code for row in rows if row is not None} == {"091"}
