"""Fixtures of the Helm chart policy tests (deploy/helm/tests).

The tests render the chart with a real helm binary (HELM, else $KOTOPOLKU_CACHE/bin/helm, else
PATH). Without helm they are skipped, unless KOTOPOLKU_REQUIRE_HELM=1 (set by
scripts/chart-check.sh) turns that into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import helmchart
import pytest


@pytest.fixture(scope="session", autouse=True)
def _helm_available() -> None:
    try:
        helmchart.find_helm()
    except helmchart.HelmNotFound as exc:
        if os.environ.get("KOTOPOLKU_REQUIRE_HELM") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(params=sorted(helmchart.VALUE_SETS), scope="session")
def value_set(request: pytest.FixtureRequest) -> tuple[Path, ...]:
    """Each named value set (default / dev / prod) in turn."""
    return helmchart.VALUE_SETS[request.param]


@pytest.fixture(scope="session")
def docs(value_set: tuple[Path, ...]) -> tuple[dict, ...]:
    return helmchart.render(value_set)


@pytest.fixture(scope="session")
def services(value_set: tuple[Path, ...]) -> dict[str, dict]:
    return helmchart.expected_services(value_set)
