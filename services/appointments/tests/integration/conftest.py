"""Fixtures of the appointments service's integration tests (helpers: appointments_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from appointments_testkit import Clock, System, start_system
from sqlalchemy.engine import make_url

from kotopolku.common import testing


@pytest.fixture
def clients_database_url(database_url: str) -> Iterator[str]:
    """A database of the same kind for the clients service (each service owns its own)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        yield url.set(database=str(Path(url.database).with_name("clients.db"))).render_as_string(
            hide_password=False
        )
        return
    with testing.fresh_postgres_database(testing.postgres_server_or_skip()) as other:
        yield other


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def system(
    keys: testing.TestKeys, database_url: str, clients_database_url: str, clock: Clock
) -> AsyncIterator[System]:
    running = await start_system(keys, database_url, clients_database_url, clock)
    try:
        yield running
    finally:
        await running.stop()
