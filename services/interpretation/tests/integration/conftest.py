"""Fixtures of the interpretation service's integration tests (helpers:
interpretation_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from interpretation_testkit import Clock, System, start_system
from sqlalchemy.engine import make_url

from kotopolku.common import testing


@pytest.fixture
def urls(database_url: str) -> Iterator[dict[str, str]]:
    """A database of the kind under test for each of the three services."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        folder = Path(url.database).parent
        yield {
            name: f"sqlite:///{folder / f'{name}.db'}"
            for name in ("clients", "appointments", "interpretation")
        }
        return
    with ExitStack() as stack:
        server = testing.postgres_server_or_skip()
        yield {
            "interpretation": database_url,
            **{
                name: stack.enter_context(testing.fresh_postgres_database(server))
                for name in ("clients", "appointments")
            },
        }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def system(
    keys: testing.TestKeys, urls: dict[str, str], clock: Clock
) -> AsyncIterator[System]:
    running = await start_system(keys, urls, clock)
    try:
        yield running
    finally:
        await running.stop()
