"""Runs the authorisation matrix: every operation of the OpenAPI document × every principal,
judged against the policy table, and writes it out as Markdown and CSV.

Refusals run first, on untouched records, each with the record's current version where the
operation needs ``If-Match`` (so that a refusal can never hide behind a stale version), and the
record's version is read again afterwards: a refused call must have changed nothing. A 403 must
not depend on the record: the same call with ids that do not exist gets 403 too. Then the allowed
principals run, reads before writes before the calls that end a record's life.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.core.failures import FailureGroup

from e2e.conftest import Api
from e2e.security.calls import FRESH, Call, call_of, path_of
from e2e.security.policy import POLICY, Expect, Rule, flat_policy
from e2e.security.principals import PRINCIPALS
from e2e.security.world import World

METHODS = ("get", "post", "put", "patch", "delete")
ALLOWED_STATUSES = frozenset({200, 201, 202, 204, 409, 412, 422})
# Calls that end a record's life (or hand it to another authority) run after everything else.
_LAST = re.compile(
    r"/(cancel|void|withdraw|decline|end|terminate|transfer|interruption|completion|payment)$"
)
# The world's feed is read before its owner renews it, and one's own feed is made before it is
# read.
FIRST = ("GET /v1/calendar-feeds/{token}.ics", "POST /v1/calendar-feeds")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def operations(openapi: dict[str, Any]) -> list[str]:
    """Every API operation ("METHOD /path") of the document, in its order."""
    return [
        f"{method.upper()} {path}"
        for path, item in openapi["paths"].items()
        if path.startswith("/v1/")
        for method in item
        if method in METHODS
    ]


def area_of(operation: str) -> str:
    return next(area for area, entries in POLICY.items() if operation in entries)


@dataclass
class Outcome:
    operation: str
    principal: str
    expected: Expect
    status: int
    problem: str = ""
    # What a 4xx answer said (problem detail and fields), for the report.
    said: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


class Matrix:
    def __init__(self, openapi: dict[str, Any], apis: dict[str, Api], world: World) -> None:
        self.openapi = openapi
        self.apis = apis
        self.world = world
        self.policy = flat_policy()
        self.outcomes: list[Outcome] = []
        self.requests = 0
        self.document = schemathesis.openapi.from_dict(openapi)

    # --- running -----------------------------------------------------------------------------

    def run(self) -> list[Outcome]:
        # An operation without a policy entry fails test_every_operation_has_a_policy_entry.
        ops = [op for op in operations(self.openapi) if op in self.policy]
        for operation in ops:
            self._refusals(operation)
        for operation in sorted(ops, key=self._rank):
            self._allowed(operation)
        return self.outcomes

    def _rank(self, operation: str) -> int:
        method, path = operation.split(" ", 1)
        if operation in FIRST:
            return FIRST.index(operation) - len(FIRST)
        if method == "DELETE" or _LAST.search(path):
            return 2
        return 0 if method == "GET" else 1

    def _refusals(self, operation: str) -> None:
        rule = self.policy[operation]
        call = call_of(operation, self.world)
        version = self._version(call)
        for principal in PRINCIPALS:
            expected = rule.expect(principal.code)
            if expected is Expect.ALLOW:
                continue
            response = self._send(principal.code, call, version)
            problem = _judge(expected, response)
            if expected is Expect.HIDDEN and response.status_code == 422:
                problem = self._as_if_missing(principal.code, call, response)
            elif not problem and expected is Expect.FORBIDDEN:
                problem = self._forbidden_without_the_record(principal.code, call)
            outcome = Outcome(operation, principal.code, expected, response.status_code)
            outcome.problem = problem or self._conformance(call, response)
            self.outcomes.append(outcome)
        if version is not None and self._version(call) != version:
            self.outcomes.append(
                Outcome(operation, "*", Expect.FORBIDDEN, 0, "a refused call changed the record")
            )

    def _without_the_records(self, call: Call) -> Call:
        """The same call with every id of the world replaced by one that does not exist."""
        fresh: dict[str, str] = {}

        def swap(value: str) -> str:
            return fresh.setdefault(value, str(uuid.uuid4())) if _UUID.match(value) else value

        kwargs = dict(call.kwargs)
        if "json" in kwargs:
            kwargs["json"] = _swap_ids(kwargs["json"], swap)
        return Call(call.method, call.template, path_of(call.template, self.world, swap), kwargs)

    def _as_if_missing(self, code: str, call: Call, response: httpx.Response) -> str:
        """A 422 naming a field is "as if it did not exist" when ids that do not exist get the
        same answer."""
        missing = self._send(code, self._without_the_records(call), '"1"')
        if (missing.status_code, _fields(missing)) != (422, _fields(response)):
            return (
                f"422 {sorted(_fields(response))} for the record, but {missing.status_code} "
                f"{sorted(_fields(missing))} for ids that do not exist"
            )
        return ""

    def _forbidden_without_the_record(self, code: str, call: Call) -> str:
        """A 403 that depends on whether the record exists would tell that it does, unless the
        principal may read the record anyway."""
        if not any(_UUID.match(part) for part in call.path.split("/")):
            return ""
        reader = self.policy.get(f"GET {self._record_template(call.template)}")
        if reader is not None and reader.expect(code) is Expect.ALLOW:
            return ""
        response = self._send(code, self._without_the_records(call), '"1"')
        if response.status_code != 403:
            return f"403 for the record, but {response.status_code} for ids that do not exist"
        return ""

    def _allowed(self, operation: str) -> None:
        rule = self.policy[operation]
        for principal in PRINCIPALS:
            if rule.expect(principal.code) is not Expect.ALLOW:
                continue
            world = self.world
            if operation in FRESH:
                world = world.with_ids(**FRESH[operation](self.apis["M"], world))
            call = call_of(operation, world)
            response = self._send(principal.code, call, self._version(call, world))
            outcome = Outcome(operation, principal.code, Expect.ALLOW, response.status_code)
            outcome.problem = _judge(Expect.ALLOW, response) or self._conformance(call, response)
            if response.status_code >= 400:
                outcome.said = _said(response)
            self.outcomes.append(outcome)

    def _conformance(self, call: Call, response: httpx.Response) -> str:
        """Every answer, allowed or refused, as the OpenAPI document describes it."""
        try:
            self.document[call.template][call.method.lower()].validate_response(response)
        except (AssertionError, FailureGroup) as error:
            return "the answer does not match the document: " + str(error).strip().split("\n")[0]
        return ""

    def _send(self, code: str, call: Call, version: str | None) -> httpx.Response:
        kwargs = dict(call.kwargs)
        headers = {"Idempotency-Key": str(uuid.uuid4()), **kwargs.pop("headers", {})}
        if version is not None:
            headers["If-Match"] = version
        self.requests += 1
        return self.apis[code].request(call.method, call.path, headers=headers, **kwargs)

    # --- versions ------------------------------------------------------------------------------

    def _record_template(self, template: str) -> str:
        """The operation's record: the longest prefix of its path that can be read."""
        template = template.replace("/v1/me/signing-requests/", "/v1/signing-requests/")
        while template.count("/") > 2:
            if "get" in self.openapi["paths"].get(template, {}):
                break
            template = template.rsplit("/", 1)[0]
        return template

    def _version(self, call: Call, world: World | None = None) -> str | None:
        """The record's current ETag, read as the owning officer."""
        item = self.openapi["paths"][call.template][call.method.lower()]
        if not any(p["name"] == "If-Match" for p in item.get("parameters", [])):
            return None
        self.requests += 1
        record = path_of(self._record_template(call.template), world or self.world)
        response = self.apis["M"].get(record)
        if "etag" in response.headers:
            return response.headers["etag"]
        body = response.json() if response.status_code == 200 else {}
        return f'"{body.get("version", body.get("revision", 1))}"'


def _swap_ids(value: Any, swap: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {k: _swap_ids(v, swap) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_ids(v, swap) for v in value]
    return swap(value) if isinstance(value, str) else value


def _said(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    fields = sorted(_fields(response))
    return str(body.get("detail") or body.get("title") or "") + (f" {fields}" if fields else "")


def _fields(response: httpx.Response) -> frozenset[str]:
    try:
        return frozenset(e.get("field", "") for e in response.json().get("errors", []))
    except ValueError:
        return frozenset()


def _judge(expected: Expect, response: httpx.Response) -> str:
    """What is wrong with the answer ("" when it is what the policy says)."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if expected is Expect.ALLOW:
        return "" if status in ALLOWED_STATUSES else f"refused with {status}"
    if expected is Expect.UNAUTHENTICATED:
        if status != 401:
            return f"{status} without a token"
        if not response.headers.get("www-authenticate", "").startswith("Bearer"):
            return "401 without WWW-Authenticate: Bearer"
        return ""
    if expected is Expect.FORBIDDEN:
        return "" if status == 403 else f"{status} where the role must be refused (403)"
    if status == 404:
        return ""
    if status == 200 and response.request.method == "GET":
        body = response.json()
        if isinstance(body, dict) and body.get("items") == []:
            return ""
    return f"{status} where the record must not exist for this caller (404)"


# --- reports ---------------------------------------------------------------------------------


def write_reports(outcomes: list[Outcome], policy: dict[str, Rule], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    by_cell = {(o.operation, o.principal): o for o in outcomes if o.principal != "*"}
    changed = {o.operation for o in outcomes if o.principal == "*"}
    ops = list(dict.fromkeys(o.operation for o in outcomes))
    csv_path = directory / "authz-matrix.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["area", "operation", "principal", "expected", "status", "problem", "answer"]
        )
        for o in outcomes:
            writer.writerow(
                [
                    area_of(o.operation),
                    o.operation,
                    o.principal,
                    o.expected.value,
                    o.status,
                    o.problem,
                    o.said,
                ]
            )
    codes = [p.code for p in PRINCIPALS]
    failures = [o for o in outcomes if not o.ok]
    statuses = Counter(o.status for o in outcomes if o.expected is Expect.ALLOW)
    lines = [
        "# Authorisation matrix",
        "",
        f"{len(ops)} operations × {len(codes)} principals = {len(by_cell)} cells; "
        f"{len(failures)} differ from the policy (e2e/security/policy.py).",
        "",
        "Cell: the status the principal got. ✓ = as the policy says (allowed: 2xx or a "
        "409/412/422 business answer; hidden: 404; refused: 403; no token: 401); "
        "✗ = not as the policy says.",
        "Allowed calls by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())),
        "",
        "| principal | who |",
        "|---|---|",
        *(f"| `{p.code}` | {p.description} |" for p in PRINCIPALS),
        "",
        "| operation | " + " | ".join(f"`{c}`" for c in codes) + " |",
        "|---|" + "---|" * len(codes),
    ]
    for operation in ops:
        cells = []
        for code in codes:
            o = by_cell.get((operation, code))
            if o is None:
                cells.append("")
                continue
            mark = "✓" if o.ok else "✗"
            want = "allow" if o.expected is Expect.ALLOW else o.expected.value
            cells.append(f"{mark} {o.status}" + ("" if o.ok else f" (want {want})"))
        note = " (a refused call changed the record)" if operation in changed else ""
        lines.append(f"| `{operation}`{note} | " + " | ".join(cells) + " |")
    if failures:
        lines += ["", "## Differences", ""]
        lines += [f"- `{o.operation}` as `{o.principal}`: {o.problem}" for o in failures]
    md_path = directory / "authz-matrix.md"
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [md_path, csv_path]
