"""Fixtures shared by the test suites of every service (unit and integration)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kotopolku.common.testing import (
    TestKeys,
    fresh_postgres_database,
    make_keys,
    postgres_server_or_skip,
)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> TestKeys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind; integration tests run on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with fresh_postgres_database(postgres_server_or_skip()) as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database(postgres_server_or_skip()) as url:
        yield url
