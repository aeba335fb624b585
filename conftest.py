"""Fixtures shared by the test suites of every service (unit and integration)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kotopolku.common.testing import (
    TestKeys,
    fresh_postgres_database,
    make_keys,
    postgres_server_url,
)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> TestKeys:
    return make_keys(tmp_path_factory.mktemp("keys"))


def _postgres_or_skip() -> str:
    server = postgres_server_url()
    if server is None:
        if os.environ.get("KOTOPOLKU_REQUIRE_POSTGRES") == "1":
            pytest.fail("KOTOPOLKU_TEST_POSTGRES_URL is not set but PostgreSQL is required")
        pytest.skip("no PostgreSQL: set KOTOPOLKU_TEST_POSTGRES_URL (make test does)")
    return server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind; integration tests run on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with fresh_postgres_database(_postgres_or_skip()) as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database(_postgres_or_skip()) as url:
        yield url
