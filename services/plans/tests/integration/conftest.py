"""Fixtures of the plans integration suite: the running stack on each database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from plans_testkit import Stack, start_clients, start_stack, start_welfare

from kotopolku.common.server import ServiceHost
from kotopolku.common.testing import TestKeys


@pytest.fixture(scope="session")
async def clients_service(
    keys: TestKeys, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServiceHost]:
    """One clients service for the session: the plans service only asks it questions."""
    host = await start_clients(keys, tmp_path_factory.mktemp("clients") / "clients.db")
    try:
        yield host
    finally:
        await host.stop(0)


@pytest.fixture(scope="session")
async def welfare_service(
    keys: TestKeys, tmp_path_factory: pytest.TempPathFactory, clients_service: ServiceHost
) -> AsyncIterator[ServiceHost]:
    """One welfare service for the session: it holds the cooperations that open multi-sector
    plans to a welfare area."""
    host = await start_welfare(
        keys, tmp_path_factory.mktemp("welfare") / "welfare.db", clients_service.port
    )
    try:
        yield host
    finally:
        await host.stop(0)


@pytest.fixture
async def stack(
    keys: TestKeys,
    database_url: str,
    clients_service: ServiceHost,
    welfare_service: ServiceHost,
) -> AsyncIterator[Stack]:
    running = await start_stack(keys, database_url, clients_service.port, welfare_service.port)
    try:
        yield running
    finally:
        await running.stop()
