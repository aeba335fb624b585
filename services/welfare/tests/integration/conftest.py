"""Fixtures of the welfare integration suite (helpers: welfare_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from welfare_testkit import Clock, Records, World, start_clients, start_world

from kotopolku.common.server import ServiceHost
from kotopolku.common.testing import TestKeys


@pytest.fixture(scope="session")
async def clients_service(
    keys: TestKeys, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServiceHost]:
    """One clients service for the session (a SQLite file of its own)."""
    host = await start_clients(keys, tmp_path_factory.mktemp("clients") / "clients.db")
    try:
        yield host
    finally:
        await host.stop(0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def world(
    keys: TestKeys, database_url: str, clients_service: ServiceHost, clock: Clock, tmp_path: Path
) -> AsyncIterator[World]:
    running, _ = await start_world(keys, database_url, clients_service.port, clock, tmp_path)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def records_world(
    keys: TestKeys, database_url: str, clients_service: ServiceHost, clock: Clock, tmp_path: Path
) -> AsyncIterator[tuple[World, Records]]:
    """The welfare service with the real assessment and plans services beside it."""
    running, records = await start_world(
        keys, database_url, clients_service.port, clock, tmp_path, with_records=True
    )
    assert records is not None
    try:
        yield running, records
    finally:
        await running.stop()
