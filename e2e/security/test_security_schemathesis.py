"""Schemathesis against the gateway's OpenAPI document: with a valid token of a principal the
policy allows, no answer is a server error and every answer matches the document (status code,
content type, body schema); without a token every /v1 operation answers 401 with
``WWW-Authenticate: Bearer``, whatever the request looks like.

Deterministic (Hypothesis derandomised, no example database) and bounded: up to
KOTOPOLKU_SCHEMATHESIS_EXAMPLES examples per operation (default 6) with a token, data that fits
the document and data that does not, and KOTOPOLKU_SCHEMATHESIS_ANONYMOUS_EXAMPLES (default 2)
without one. Reads are also made on the records of the matrix's world, so that real data is
checked against the response schemas; writes only touch records they create or ids that do not
exist. The counts go to var/security/schemathesis.md.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckContext
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from e2e.conftest import API_URL, Api
from e2e.keycloak_tokens import user_token
from e2e.security.calls import path_of
from e2e.security.policy import Expect, flat_policy
from e2e.security.world import World

EXAMPLES = int(os.environ.get("KOTOPOLKU_SCHEMATHESIS_EXAMPLES", "6"))
ANONYMOUS_EXAMPLES = int(os.environ.get("KOTOPOLKU_SCHEMATHESIS_ANONYMOUS_EXAMPLES", "2"))
# Who calls each operation: the first of these the policy allows (an auditor for the audit log).
PREFERENCE = ("M", "E", "C", "P", "w", "R", "m", "c")
OPERATIONS = sorted(flat_policy())
PUBLIC = {op for op, rule in flat_policy().items() if rule.public}
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
    "phases": [Phase.explicit, Phase.generate],
}
# A PDF body is bytes, like any other file upload.
schemathesis.serializer.alias("application/pdf", "application/octet-stream")
SENT: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _values_from_the_document_only() -> Iterator[None]:
    """Hypothesis also draws string constants it finds in the project's own modules, among them
    the names world.py sends, so the cases would change with any edit anywhere in the project.
    The cases are made from the document alone and stay repeatable (an internal of Hypothesis,
    pinned in pyproject.toml: if it goes away, this fails loudly)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(providers, "_get_local_constants", Constants)
        providers.CONSTANTS_CACHE.cache.clear()
        yield
    providers.CONSTANTS_CACHE.cache.clear()


@pytest.fixture(scope="module")
def openapi_schema(openapi: dict[str, Any], reports: Path) -> Iterator[Any]:
    started = time.monotonic()
    yield schemathesis.openapi.from_dict(openapi)
    _report(reports / "schemathesis.md", time.monotonic() - started)


def _report(path: Path, seconds: float) -> None:
    with_token = sum(n for key, n in SENT.items() if not key.startswith("anonymous "))
    lines = [
        "# Schemathesis",
        "",
        f"{with_token} requests with a token and {SENT.total() - with_token} without, over "
        f"{len({k.split(' ', 1)[1] for k in SENT})} operations, in {seconds:.0f} s "
        f"(up to {EXAMPLES} and {ANONYMOUS_EXAMPLES} examples per operation; Hypothesis "
        "derandomised).",
        "",
        "Answers by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(STATUSES.items())),
        "",
        "| operation | with a token | without |",
        "|---|---|---|",
    ]
    for operation in OPERATIONS:
        lines.append(
            f"| `{operation}` | {SENT[f'token {operation}']} | {SENT[f'anonymous {operation}']} |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _token_for(operation: str, apis: dict[str, Api]) -> str:
    rule = flat_policy()[operation]
    for code in PREFERENCE:
        if rule.expect(code) is Expect.ALLOW:
            return apis[code].token or ""
    return user_token("helsinki.auditor")


def _world_parameters(path: str, world: World) -> dict[str, str]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if not names:
        return {}
    real = path_of(path, world).split("/")
    return {
        name: value
        for name, value in zip(
            names,
            (v for v, t in zip(real, path.split("/"), strict=True) if t.startswith("{")),
            strict=True,
        )
    }


def _not_a_server_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    assert response.status_code < 500, f"server error {response.status_code}"
    return None


def _strategies(operation: Any, method: str, path: str, world: World) -> Any:
    choices = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    real = _world_parameters(path, world)
    if method == "GET" and real:
        choices.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))
    return st.one_of(choices)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.timeout(300)
def test_answers_match_the_document_and_are_never_server_errors(
    operation: str, openapi_schema: Any, principal_apis: dict[str, Api], world: World
) -> None:
    method, path = operation.split(" ", 1)
    api_operation = openapi_schema[path][method.lower()]
    token = _token_for(operation, principal_apis)

    @settings(max_examples=EXAMPLES, **SETTINGS)
    @given(case=_strategies(api_operation, method, path, world))
    def check(case: Case) -> None:
        SENT[f"token {operation}"] += 1
        response = case.call_and_validate(
            base_url=API_URL,
            headers={"Authorization": f"Bearer {token}"},
            checks=[
                _not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
            timeout=30,
        )
        STATUSES[response.status_code] += 1

    check()


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op not in PUBLIC])
@pytest.mark.timeout(300)
def test_without_a_token_every_operation_answers_401(operation: str, openapi_schema: Any) -> None:
    method, path = operation.split(" ", 1)
    api_operation = openapi_schema[path][method.lower()]

    @settings(max_examples=ANONYMOUS_EXAMPLES, **SETTINGS)
    @given(
        case=st.one_of(
            api_operation.as_strategy(GenerationMode.POSITIVE),
            api_operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def check(case: Case) -> None:
        SENT[f"anonymous {operation}"] += 1
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        case.headers = headers
        response = case.call(base_url=API_URL, timeout=30)
        STATUSES[response.status_code] += 1
        assert response.status_code == 401, (response.status_code, response.text[:300])
        challenge = response.headers.get("www-authenticate", [""])
        assert challenge[0].startswith("Bearer"), challenge

    check()
