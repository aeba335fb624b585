"""Fixtures of the reporting service's integration tests (helpers: reporting_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from reporting_testkit import Reporting, start_reporting

from kotopolku.common import testing


@pytest.fixture
async def svc(
    keys: testing.TestKeys, database_url: str, tmp_path: Path
) -> AsyncIterator[Reporting]:
    running = await start_reporting(keys, database_url, tmp_path)
    try:
        yield running
    finally:
        await running.stop()
