"""Fixtures of the archive service's integration tests (helpers: archive_testkit.py).

One system per module and database kind: starting six services is the slow part, and every test
makes clients of its own, so the tests do not see each other's data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from archive_testkit import System, running

from kotopolku.common import testing


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def svc(
    request: pytest.FixtureRequest,
    keys: testing.TestKeys,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[System]:
    tmp_path = tmp_path_factory.mktemp("archive")
    kind = (
        "sqlite:///" + str(tmp_path / "archive.db") if request.param == "sqlite" else "postgresql"
    )
    async with running(keys, kind, tmp_path) as system:
        yield system
