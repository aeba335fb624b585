"""Fixtures of the security suite (``make security``; also part of ``make test``'s e2e run).

The suite runs against a started system like the rest of e2e/ (KOTOPOLKU_API_URL,
KOTOPOLKU_KEYCLOAK_URL). Reports go to ``KOTOPOLKU_SECURITY_REPORTS`` (default var/security/).
Schemathesis and then the leak scan (``test_security_zz_leaks.py``) are moved to the very end of
the session, after every other e2e test has left its traces in the logs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.conftest import Api
from e2e.security.backends import state_directory
from e2e.security.principals import PRINCIPALS, api_of
from e2e.security.world import World, build_world

REPO_ROOT = Path(__file__).resolve().parents[2]
LEAK_SCAN_MODULE = "test_security_zz_leaks.py"
SCHEMATHESIS_MODULE = "test_security_schemathesis.py"


# Where each log of the stack ended when the session began: the leak scan reads what this
# session wrote (the logs of a long-lived stack also hold earlier runs).
LOG_START: dict[Path, int] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis makes up data of all kinds, and the leak scan reads what every other test
    left behind: both run last, in that order."""

    def order(item: pytest.Item) -> int:
        return {SCHEMATHESIS_MODULE: 1, LEAK_SCAN_MODULE: 2}.get(item.path.name, 0)

    items.sort(key=order)
    LOG_START.update({path: path.stat().st_size for path in log_files()})


def log_files() -> list[Path]:
    """The JSON logs (and console spans) of the stack's services; Keycloak's and the dev sinks'
    stand for systems outside Kotopolku."""
    directory = state_directory() / "log"
    return sorted(
        path
        for path in directory.glob("*.log")
        if path.name not in ("keycloak.log", "dev-sinks.log")
    )


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
