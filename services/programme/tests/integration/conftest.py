"""Fixtures of the programme service's integration tests (helpers: programme_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from programme_testkit import Clock, Programme, start_programme

from kotopolku.common import testing


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def svc(
    keys: testing.TestKeys, database_url: str, clock: Clock, tmp_path: Path
) -> AsyncIterator[Programme]:
    running = await start_programme(keys, database_url, clock, tmp_path)
    try:
        yield running
    finally:
        await running.stop()
