"""Fixtures of the contracts service's integration tests (helpers: contracts_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from contracts_testkit import Clock, System, start_system
from sqlalchemy.engine import make_url

from kotopolku.common import testing
from kotopolku.common.testing import fresh_postgres_database, postgres_server_or_skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


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
    with fresh_postgres_database(postgres_server_or_skip()) as other:
        yield other


@pytest.fixture
async def svc(
    keys: testing.TestKeys,
    database_url: str,
    clients_database_url: str,
    tmp_path: Path,
    clock: Clock,
) -> AsyncIterator[System]:
    running = await start_system(
        keys, database_url, clients_database_url, str(tmp_path / "objects"), clock
    )
    try:
        yield running
    finally:
        await running.stop()
