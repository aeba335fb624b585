"""The authorisation matrix: every operation of the gateway's OpenAPI document × the principals
of principals.py, held to the policy table of policy.py. Writes var/security/authz-matrix.md
and .csv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import Api
from e2e.security.matrix import Matrix, operations, write_reports
from e2e.security.policy import flat_policy
from e2e.security.principals import BY_CODE
from e2e.security.world import World


def test_every_operation_has_a_policy_entry(openapi: dict[str, Any]) -> None:
    listed, classified = set(operations(openapi)), set(flat_policy())
    unclassified = sorted(listed - classified)
    assert not unclassified, (
        "classify these operations in e2e/security/policy.py (who may call them, and whether a "
        f"refusal is 403 or 404): {unclassified}"
    )
    stale = sorted(classified - listed)
    assert not stale, f"policy.py names operations the API does not have: {stale}"


def test_the_policy_names_only_the_matrix_principals() -> None:
    for operation, rule in flat_policy().items():
        unknown = (rule.allowed | rule.hidden) - set(BY_CODE)
        assert not unknown, f"{operation}: unknown principals {sorted(unknown)}"


@pytest.mark.timeout(600)
def test_the_authorisation_matrix(
    openapi: dict[str, Any], principal_apis: dict[str, Api], world: World, reports: Path
) -> None:
    matrix = Matrix(openapi, principal_apis, world)
    outcomes = matrix.run()
    written = write_reports(outcomes, flat_policy(), reports)
    cells = {(o.operation, o.principal) for o in outcomes if o.principal != "*"}
    classified = set(operations(openapi)) & set(flat_policy())
    assert len(cells) == len(classified) * len(BY_CODE)
    differences = [f"{o.operation} as {o.principal}: {o.problem}" for o in outcomes if not o.ok]
    assert not differences, (
        f"{len(differences)} answers differ from e2e/security/policy.py "
        f"(see {written[0]}):\n" + "\n".join(differences)
    )
