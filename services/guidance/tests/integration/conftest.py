"""Fixtures of the guidance service's integration tests (helpers: guidance_testkit.py).

One running system per database kind and test module: starting services and creating databases
is the slow part. Tests stay independent by working in a municipality of their own
(:class:`~guidance_testkit.Office`), and the clock is reset before each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from guidance_testkit import START, Clock, Guidance, start_guidance

from kotopolku.common import testing


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_urls(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(guidance, clients) databases of one kind; each service owns its own."""
    if request.param == "sqlite":
        directory: Path = tmp_path_factory.mktemp("guidance")
        yield f"sqlite:///{directory / 'guidance.db'}", f"sqlite:///{directory / 'clients.db'}"
        return
    server = testing.postgres_server_or_skip()
    with (
        testing.fresh_postgres_database(server) as guidance_url,
        testing.fresh_postgres_database(server) as clients_url,
    ):
        yield guidance_url, clients_url


@pytest.fixture(scope="module")
def module_clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
async def running(
    keys: testing.TestKeys, database_urls: tuple[str, str], module_clock: Clock
) -> AsyncIterator[Guidance]:
    system = await start_guidance(keys, *database_urls, module_clock)
    try:
        yield system
    finally:
        await system.stop()


@pytest.fixture
def svc(running: Guidance) -> Guidance:
    running.clock.now = START
    return running
