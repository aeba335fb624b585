"""Fixtures of the e-signature integration tests (helpers: esign_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from esign_testkit import Esign, World, start_esign, start_world

from kotopolku.common import testing
from kotopolku.esign.certificates import generate_dev_certificates


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway dev chain: root CA → Helsinki and Tampere signing certificates."""
    directory = tmp_path_factory.mktemp("signing")
    generate_dev_certificates(directory, ["091", "837"])
    return directory


@pytest.fixture(scope="session")
async def world(
    keys: testing.TestKeys, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """The clients and plans services and a messaging recorder, for the whole session."""
    running = await start_world(keys, tmp_path_factory.mktemp("world"))
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def svc(
    keys: testing.TestKeys, database_url: str, world: World, signing_dir: Path
) -> AsyncIterator[Esign]:
    running = await start_esign(keys, database_url, world, signing_dir)
    try:
        yield running
    finally:
        await running.stop()
