"""Reading the outcome back: the run's records through the API, outbox backlogs through the status
API of every service (``kotopolku.ops.v1.StatusService``, as ``kotopolku-sre status`` asks it),
and the audit hash chain through the gateway."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kotopolku.ops.sre.probe import ServiceReport, probe_all
from kotopolku.ops.sre.targets import Target, assertion_source, targets_from_environment
from loadtests.faults.driver import AUDITOR, HEADERS, OFFICER, LoadDriver
from loadtests.faults.ledger import StoredRecord, Violation, verify, verify_audit


def _stored(body: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        body["id"], body["contact"]["email"], body["version"], body["contact"]["street_address"]
    )


async def _get(driver: LoadDriver, user: str, path: str, **kwargs: Any) -> httpx.Response:
    """A read for the checks: retried while the system still answers 503/504."""
    method = kwargs.pop("method", "GET")
    for _ in range(30):
        response = await driver.http.request(
            method,
            path,
            headers={**HEADERS, **driver.tokens.header(user)},
            timeout=60,
            **kwargs,
        )
        if response.status_code not in (503, 504):
            return response
        await asyncio.sleep(1)
    return response


async def verify_ledger(driver: LoadDriver) -> tuple[list[Violation], int]:
    """Every record of the run (search by its surname), every acknowledged create (by id), and
    the audit trail of every record."""
    found: list[StoredRecord] = []
    token = ""
    while True:
        response = await _get(
            driver,
            OFFICER,
            "/v1/clients/search",
            method="POST",
            json={"name": driver.surname, "page_size": 200, "page_token": token},
        )
        response.raise_for_status()
        page = response.json()
        found += [_stored(c) for c in page["items"] if c["last_name"] == driver.surname]
        token = page.get("next_page_token") or ""
        if not token:
            break
    by_id: dict[str, StoredRecord | None] = {}
    for intent in driver.ledger.acknowledged_creates():
        assert intent.client_id is not None
        response = await _get(driver, OFFICER, f"/v1/clients/{intent.client_id}")
        by_id[intent.client_id] = _stored(response.json()) if response.status_code == 200 else None
    violations = verify(driver.ledger, found, by_id)
    violations += verify_audit(found, {r.client_id: await _audit_actions(driver, r) for r in found})
    return violations, len(found)


async def _audit_actions(driver: LoadDriver, record: StoredRecord) -> Counter[str]:
    """Successful audit events about one record, by action."""
    actions: Counter[str] = Counter()
    token = ""
    while True:
        response = await _get(
            driver,
            AUDITOR,
            "/v1/audit/events",
            params={"subject_client_id": record.client_id, "page_size": 200, "page_token": token},
        )
        response.raise_for_status()
        page = response.json()
        actions.update(e["action"] for e in page["items"] if e["outcome"] == "success")
        token = page.get("next_page_token") or ""
        if not token:
            return actions


async def verify_audit_chain(driver: LoadDriver) -> dict[str, Any]:
    response = await _get(driver, AUDITOR, "/v1/audit/verify", method="POST")
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


@dataclass(frozen=True, slots=True)
class StatusSource:
    """The backends to ask, with the addresses the gateway uses and the services' own key."""

    targets: Sequence[Target]
    assertion: Callable[[], str]

    @classmethod
    def of(
        cls, gateway_environment: dict[str, str], names: Sequence[str], keys: Path
    ) -> StatusSource:
        targets = [t for t in targets_from_environment(gateway_environment) if t.service in names]
        return cls(targets, assertion_source(keys / "service.pem", "service", {}))

    async def reports(self) -> list[ServiceReport]:
        return await probe_all(self.targets, self.assertion, 3.0)


def backlog_of(reports: Sequence[ServiceReport]) -> tuple[int, float]:
    """Rows waiting in all outboxes, and the age of the oldest; a service that does not answer
    counts as not drained."""
    waiting, oldest = 0, 0.0
    for report in reports:
        if report.status_error:
            return -1, float("inf")
        for outbox in report.outboxes:
            waiting += outbox.backlog
            oldest = max(oldest, outbox.oldest_age_seconds)
    return waiting, oldest


async def wait_drained(
    source: StatusSource, *, max_age: float | None, within: float, since: float
) -> tuple[float | None, list[ServiceReport]]:
    """Seconds from ``since`` (monotonic) until the outboxes have caught up: no row older than
    ``max_age`` (under load new rows keep arriving), or none at all when ``max_age`` is None."""
    deadline = time.monotonic() + within
    reports: list[ServiceReport] = []
    while time.monotonic() < deadline:
        reports = await source.reports()
        waiting, oldest = backlog_of(reports)
        if waiting == 0 or (max_age is not None and waiting > 0 and oldest <= max_age):
            return round(time.monotonic() - since, 2), reports
        await asyncio.sleep(1.0)
    return None, reports
