"""The archive's gauges as counted from a real database: jobs by state (every state present) and
the age of the oldest running job."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from prometheus_client import REGISTRY

from kotopolku.archive.metrics import JobGauges
from kotopolku.archive.service import DEFINITION
from kotopolku.archive.tables import jobs
from kotopolku.common import migrations
from kotopolku.common.db import Database

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _job(job_id: str, client_id: str, state: str, made: datetime) -> dict[str, object]:
    return {
        "id": job_id,
        "version": 1,
        "municipality_code": "091",
        "client_id": client_id,
        "state": state,
        "reason": "",
        "active_use_ended_on": date(2026, 11, 1),
        "requested_by": "archivist",
        "package_id": f"package-{job_id}",
        "next_attempt_at": made,
        "lease_until": None,
        "last_error": "",
        "created_at": made,
        "updated_at": made,
        "completed_at": None,
    }


async def test_gauges_count_jobs_by_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    assert DEFINITION.migrations is not None
    migrations.upgrade(url, "archive", DEFINITION.migrations)
    database = Database(url)
    try:
        async with database.transaction() as connection:
            await connection.execute(
                sa.insert(jobs),
                [
                    _job("1", "a", "running", NOW - timedelta(hours=30)),
                    _job("2", "b", "running", NOW - timedelta(hours=1)),
                    _job("3", "c", "failed", NOW - timedelta(hours=2)),
                ],
            )
        gauges = JobGauges(database, lambda: NOW)
        await gauges.refresh()
        value = REGISTRY.get_sample_value
        assert value("kotopolku_archive_jobs", {"state": "running"}) == 2
        assert value("kotopolku_archive_jobs", {"state": "failed"}) == 1
        assert value("kotopolku_archive_jobs", {"state": "held"}) == 0
        assert value("kotopolku_archive_oldest_running_job_age_seconds") == 30 * 3600
        async with database.transaction() as connection:
            await connection.execute(sa.update(jobs).values(state="completed"))
        await gauges.refresh()
        assert value("kotopolku_archive_jobs", {"state": "running"}) == 0
        assert value("kotopolku_archive_oldest_running_job_age_seconds") == 0
    finally:
        await database.dispose()
