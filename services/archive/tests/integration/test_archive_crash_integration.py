"""The archive as a separate process, killed (SIGKILL) in the middle of minimisation and started
again: every service is minimised exactly once and the package stays intact.

The worst moment is also staged on purpose: after the kill, one service is told to minimise (as
the archive would have) before the archive could record it, as if the process had died between
the service's commit and its own. The restarted archive repeats the call; the service answers
with what it did the first time and changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from archive_testkit import (
    ARCHIVIST,
    RECORD_SERVICES,
    System,
    deliver_audit,
    running,
    service_md,
)
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kotopolku.archive.tables import jobs, steps
from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.archive.v1 import archive_pb2_grpc
from kotopolku.audit.tables import audit_entries
from kotopolku.common import testing
from kotopolku.common.db import Database
from kotopolku.records.v1 import records_pb2 as rpb


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def svc(
    request: pytest.FixtureRequest,
    keys: testing.TestKeys,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[System]:
    tmp_path = tmp_path_factory.mktemp("crash")
    kind = "sqlite:///" + str(tmp_path / "x.db") if request.param == "sqlite" else "postgresql"
    async with running(keys, kind, tmp_path, start_archive=False) as system:
        yield system


class ArchiveProcess:
    """``python -m kotopolku.archive`` on a port of its own; none outlives the test."""

    def __init__(self, svc: System, log: Path) -> None:
        self.port = testing.free_port()
        self._log = log
        self._started: list[subprocess.Popen[bytes]] = []
        hosts = svc.hosts
        self.env = dict(os.environ)
        self.env.update(
            {
                "KOTOPOLKU_DATABASE_URL": svc.urls["archive"],
                "KOTOPOLKU_GRPC_PORT": str(self.port),
                "KOTOPOLKU_METRICS_PORT": "0",
                "KOTOPOLKU_AUDIT_ADDRESS": f"127.0.0.1:{hosts['audit'].port}",
                "KOTOPOLKU_PLANS_ADDRESS": f"127.0.0.1:{hosts['plans'].port}",
                "KOTOPOLKU_OBJECT_STORE_URL": str(svc.objects / "archive"),
                "KOTOPOLKU_RECORD_SERVICES": json.dumps(
                    {n: f"127.0.0.1:{hosts[n].port}" for n in RECORD_SERVICES}
                ),
                "KOTOPOLKU_SERVICE_KEY_FILE": str(svc.keys.service_private),
                "KOTOPOLKU_GATEWAY_PUBLIC_KEY_FILE": str(svc.keys.gateway_public),
                "KOTOPOLKU_SERVICE_PUBLIC_KEY_FILE": str(svc.keys.service_public),
                "KOTOPOLKU_LEASE_SECONDS": "1",
                "KOTOPOLKU_WORKER_POLL_SECONDS": "0.1",
                # Slow enough to be caught in the middle, fast enough for a test.
                "KOTOPOLKU_STEP_INTERVAL_SECONDS": "0.15",
                "KOTOPOLKU_SHUTDOWN_GRACE_SECONDS": "0",
                "KOTOPOLKU_LOG_LEVEL": "WARNING",
            }
        )

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self._log.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "kotopolku.archive"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=output,
            )
        self._started.append(process)
        return process

    async def start(self) -> subprocess.Popen[bytes]:
        """Starts the process and waits until it serves."""
        process = self._spawn()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self.port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, self._log.read_text()
                try:
                    answer = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        return process
                except grpc.aio.AioRpcError:
                    pass
                assert time.monotonic() < deadline, "the archive did not start"
                await asyncio.sleep(0.1)

    def stop_all(self) -> None:
        for process in self._started:
            if process.poll() is None:
                process.kill()
                process.wait(10)


@pytest.fixture
def archive_process(svc: System, tmp_path: Path) -> Iterator[ArchiveProcess]:
    process = ArchiveProcess(svc, tmp_path / "archive.log")
    try:
        yield process
    finally:
        process.stop_all()


async def _steps(database: Database, job_id: str) -> list[Any]:
    async with database.engine.connect() as connection:
        query = sa.select(steps).where(steps.c.job_id == job_id).order_by(steps.c.position)
        return list(await connection.execute(query))


async def _wait(database: Database, job_id: str, done: Any, seconds: float = 120) -> list[Any]:
    deadline = time.monotonic() + seconds
    while True:
        found = await _steps(database, job_id)
        if done(found):
            return found
        assert time.monotonic() < deadline, [(s.kind, s.service, s.state, s.detail) for s in found]
        await asyncio.sleep(0.05)


async def test_a_crash_in_the_middle_of_minimisation_resumes_cleanly(
    svc: System, archive_process: ArchiveProcess
) -> None:
    client_id, user = await svc.new_client_with_user()
    await svc.ended_plan(client_id, user)
    await svc.visit(client_id)
    await svc.cost(client_id, void=True)

    worker = await archive_process.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{archive_process.port}")
    database = Database(svc.urls["archive"])
    try:
        archive = archive_pb2_grpc.ArchiveServiceStub(channel)
        job = await archive.StartArchiveJob(
            pb.StartArchiveJobRequest(client_id=client_id, reason="Suunnitelma päättyi"),
            metadata=svc.md(ARCHIVIST),
        )

        def minimised(count: int) -> Any:
            return lambda found: (
                sum(1 for s in found if s.kind == "minimise" and s.state == "done") >= count
            )

        await _wait(database, job.id, minimised(2))
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        found = await _steps(database, job.id)
        pending = [s for s in found if s.kind == "minimise" and s.state != "done"]
        assert pending, "the job finished before the kill"

        # The service of the next step minimises; the archive never hears of it.
        victim = pending[0].service
        digest = next(s.digest for s in found if s.kind == "export" and s.service == victim)
        async with database.engine.connect() as connection:
            package_id = await connection.scalar(
                sa.select(jobs.c.package_id).where(jobs.c.id == job.id)
            )
        await svc.records(victim).MinimiseClientRecords(
            rpb.MinimiseClientRecordsRequest(
                client_id=client_id,
                municipality_code="091",
                package_id=package_id,
                expected_digest=digest,
            ),
            metadata=service_md(svc.keys, "archive"),
        )

        await archive_process.start()
        final = await _wait(database, job.id, lambda f: all(s.state == "done" for s in f))
        answer = await archive.GetArchiveJob(
            pb.GetArchiveJobRequest(job_id=job.id), metadata=svc.md(ARCHIVIST)
        )
        assert answer.state == "completed"
        repeated = next(s for s in final if s.kind == "minimise" and s.service == victim)
        assert repeated.detail.startswith("already done")

        # Exactly once in every service: one minimisation, one audit record of it.
        await deliver_audit(svc)
        assert svc.hosts["audit"].database is not None
        async with svc.hosts["audit"].database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_entries.c.service).where(
                    audit_entries.c.subject_client_id == client_id,
                    audit_entries.c.action == "client-records.minimise",
                )
            )
            minimise_events = sorted(row.service for row in rows)
        assert minimise_events == sorted(RECORD_SERVICES)
        for service in RECORD_SERVICES:
            assert await svc.minimisations(service, client_id) == 1

        # The package is intact.
        verification = await archive.VerifyPackage(
            pb.VerifyPackageRequest(package_id=answer.package_id), metadata=svc.md(ARCHIVIST)
        )
        assert verification.valid, verification.problem
        assert any(f.path.startswith("data/records/guidance/") for f in verification.files)
    finally:
        await channel.close()
        await database.dispose()
