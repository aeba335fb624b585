"""Fixtures of the archive service's integration tests (helpers: archive_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from archive_testkit import System, running

from kotopolku.common import testing


@pytest.fixture
async def svc(keys: testing.TestKeys, database_url: str, tmp_path: Path) -> AsyncIterator[System]:
    async with running(keys, database_url, tmp_path) as system:
        yield system
