"""Fixtures of the e-signature integration tests (helpers: esign_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from esign_testkit import Esign, start_esign

from kotopolku.common import testing
from kotopolku.esign.certificates import generate_dev_certificates


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway dev chain: root CA → Helsinki and Tampere signing certificates."""
    directory = tmp_path_factory.mktemp("signing")
    generate_dev_certificates(directory, ["091", "837"])
    return directory


@pytest.fixture
async def svc(
    keys: testing.TestKeys, database_url: str, tmp_path: Path, signing_dir: Path
) -> AsyncIterator[Esign]:
    running = await start_esign(keys, database_url, tmp_path, signing_dir)
    try:
        yield running
    finally:
        await running.stop()
