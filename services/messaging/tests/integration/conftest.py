"""Fixtures of the messaging integration suite (helpers: messaging_testkit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from messaging_testkit import Messaging, start_clients, start_messaging

from kotopolku.common.server import ServiceHost
from kotopolku.common.testing import TestKeys
from kotopolku.messaging import devsinks
from kotopolku.messaging.devsinks import RunningSinks


@pytest.fixture(scope="session")
async def clients_service(
    keys: TestKeys, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServiceHost]:
    """One clients service for the session: messaging asks it for contact details."""
    database = tmp_path_factory.mktemp("clients") / "clients.db"
    host = await start_clients(keys, f"sqlite:///{database}")
    try:
        yield host
    finally:
        await host.stop(0)


@pytest.fixture(scope="session")
async def sinks() -> AsyncIterator[RunningSinks]:
    running = await devsinks.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def svc(
    keys: TestKeys, database_url: str, clients_service: ServiceHost, sinks: RunningSinks
) -> AsyncIterator[Messaging]:
    sinks.sinks.reset()
    running = await start_messaging(keys, database_url, clients_service.port, sinks)
    try:
        yield running
    finally:
        await running.stop()
