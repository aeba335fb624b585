"""Operational metrics of archiving: jobs by state and the age of the oldest running one (counted
from the database), step durations (building and verifying a package above all), and failures of
steps and of minimisation per service. Labels are states, step kinds and service names; never a
client, a job or a package.

The gauges are counted by one grouped query every minute in the background; every replica counts
the same rows, so dashboards and alerts take the max over pods.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from prometheus_client import Counter, Gauge, Histogram

from kotopolku.archive.domain.jobs import JobState
from kotopolku.archive.tables import jobs
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.periodic import run_every

log = logging.getLogger(__name__)

JOBS = Gauge("kotopolku_archive_jobs", "Archive jobs by state", ["state"])
OLDEST_RUNNING_AGE = Gauge(
    "kotopolku_archive_oldest_running_job_age_seconds",
    "Age of the oldest archive job still running (0 when none runs)",
)
STEP_SECONDS = Histogram(
    "kotopolku_archive_step_duration_seconds",
    "Duration of an archive job's step (package: building and storing the bag; verify: "
    "re-reading and validating it)",
    ["step"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
STEP_FAILURES = Counter(
    "kotopolku_archive_step_failures_total",
    "Failed steps of archive jobs (retryable: tried again later)",
    ["step", "retryable"],
)
MINIMISATION_FAILURES = Counter(
    "kotopolku_archive_minimisation_failures_total",
    "Minimisation calls to a record service that failed",
    ["service", "retryable"],
)
JOBS_FAILED = Counter(
    "kotopolku_archive_jobs_failed_total", "Archive jobs that failed (need an archivist)"
)
REFRESH_SECONDS: Final = 60.0


@contextmanager
def timed(step: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        STEP_SECONDS.labels(step).observe(time.perf_counter() - started)


def step_failed(step: str, service: str, *, retryable: bool, job_failed: bool) -> None:
    flag = "true" if retryable else "false"
    STEP_FAILURES.labels(step, flag).inc()
    if step == "minimise":
        MINIMISATION_FAILURES.labels(service, flag).inc()
    if job_failed:
        JOBS_FAILED.inc()


async def count_jobs(database: Database) -> tuple[dict[str, int], datetime | None]:
    """Jobs by state, and when the oldest running job was made."""
    async with database.engine.connect() as connection:
        rows = (
            await connection.execute(
                sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)
            )
        ).all()
        oldest = await connection.scalar(
            sa.select(sa.func.min(jobs.c.created_at)).where(jobs.c.state == JobState.RUNNING.value)
        )
    return {str(state): int(count) for state, count in rows}, oldest


class JobGauges:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def refresh(self) -> None:
        counts, oldest = await count_jobs(self._database)
        # Every state is always there, 0 when no job is in it.
        for state in JobState:
            JOBS.labels(state.value).set(counts.get(state.value, 0))
        age = (self._clock() - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
        OLDEST_RUNNING_AGE.set(max(age, 0.0))

    def job(
        self, interval: float = REFRESH_SECONDS
    ) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
        async def run(stop: asyncio.Event) -> None:
            await run_every(stop, interval, self.refresh, log, "archive jobs not counted")

        return run
