"""Fixtures of the security suite (``make security``; also part of ``make test``'s e2e run).

The suite runs against a started system like the rest of e2e/ (KOTOPOLKU_API_URL,
KOTOPOLKU_KEYCLOAK_URL). Reports go to ``KOTOPOLKU_SECURITY_REPORTS`` (default var/security/).
The leak scan (``test_security_zz_leaks.py``) is moved to the very end of the session, after
every other e2e test has left its traces in the logs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.conftest import Api
from e2e.security.principals import PRINCIPALS, api_of
from e2e.security.world import World, build_world

REPO_ROOT = Path(__file__).resolve().parents[2]
LEAK_SCAN_MODULE = "test_security_zz_leaks.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    last = [item for item in items if item.path.name == LEAK_SCAN_MODULE]
    items[:] = [item for item in items if item.path.name != LEAK_SCAN_MODULE] + last


@pytest.fixture(scope="session")
def reports() -> Path:
    directory = Path(os.environ.get("KOTOPOLKU_SECURITY_REPORTS", REPO_ROOT / "var" / "security"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def openapi(http: httpx.Client) -> dict[str, Any]:
    response = http.get("/openapi.json")
    response.raise_for_status()
    return dict(response.json())


@pytest.fixture(scope="session")
def principal_apis(http: httpx.Client) -> dict[str, Api]:
    """Every principal of the matrix, by its code (policy.py)."""
    return {p.code: api_of(http, p) for p in PRINCIPALS}


@pytest.fixture(scope="session")
def world(principal_apis: dict[str, Api]) -> World:
    return build_world(principal_apis)
