"""The archive job runner: takes a runnable job, runs its next step, records the outcome.

The job and its steps live in the database (:mod:`kotopolku.archive.domain.jobs` has the rules);
the runner holds nothing between steps. A worker *claims* a job with a lease (``lease_until``), so
two workers never run one job at once, and a worker that dies leaves a job that another takes
over when the lease runs out. Each step is recorded in its own transaction after it succeeded;
a crash between a step's effect and its record repeats the step, which every step allows (see
the domain module). Staged exports and the package are objects in object storage:
``staging/<municipality>/<job>/…`` and ``packages/<municipality>/<package>.tar``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from google.protobuf.json_format import MessageToDict

from kotopolku.archive import metrics, repository
from kotopolku.archive.domain import jobs as rules
from kotopolku.archive.domain.jobs import JobState, PackageState, StepKind, StepState
from kotopolku.archive.domain.retention import (
    helsinki_day,
)
from kotopolku.archive.domain.tos import Tos
from kotopolku.archive.package_contents import assemble, record_types_json
from kotopolku.archive.packaging import TAR_MEDIA_TYPE, build_package, verify_package
from kotopolku.archive.sources import RecordServices, StepFailure
from kotopolku.common.audit import AuditEntry, AuditRecorder
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.identity import service_caller
from kotopolku.common.objectstore import (
    ObjectIntegrityError,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    get_verified,
    sha256_hex,
)
from kotopolku.records.v1 import records_pb2

log = logging.getLogger(__name__)

ARCHIVE_CALLER = service_caller("archive")


def staging_key(job: Any, name: str) -> str:
    return f"staging/{job.municipality_code}/{job.id}/{name}"


def package_key(municipality: str, package_id: str) -> str:
    return f"packages/{municipality}/{package_id}.tar"


@dataclass(frozen=True, slots=True)
class StepResult:
    detail: str
    digest: str = ""


class ArchiveEngine:
    def __init__(
        self,
        database: Database,
        store: ObjectStore,
        sources: RecordServices,
        tos: Tos,
        audit: AuditRecorder,
        clock: Clock,
        *,
        retry: rules.RetryPolicy,
        lease_seconds: float,
        poll_seconds: float,
        step_interval_seconds: float = 0.0,
        today: Callable[[], date] | None = None,
    ) -> None:
        self._db = database
        self._store = store
        self._sources = sources
        self._tos = tos
        self._audit = audit
        self._clock = clock
        self._retry = retry
        self._lease = timedelta(seconds=lease_seconds)
        self._poll_seconds = poll_seconds
        self._step_interval = step_interval_seconds
        self._today = today or (lambda: helsinki_day(clock()))
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                worked = await self.run_once()
            except Exception:
                log.exception("archive step crashed; the job is taken up again after its lease")
                worked = False
            if worked and self._step_interval <= 0:
                continue
            pause = self._step_interval if worked else self._poll_seconds
            self._wake.clear()
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=pause, return_when="FIRST_COMPLETED")
            waiter.cancel()
            stopper.cancel()

    async def run_until_idle(self, limit: int = 1000) -> int:
        """Runs steps until no job is runnable now (tests, and the explicit runs of operators)."""
        done = 0
        while done < limit and await self.run_once():
            done += 1
        return done

    async def run_once(self) -> bool:
        now = self._clock()
        async with self._db.transaction() as connection:
            job_id = await repository.claim_job(connection, now, now + self._lease)
        if job_id is None:
            return False
        async with self._db.transaction() as connection:
            job = await repository.job(connection, job_id)
            steps = await repository.job_steps(connection, job_id)
        assert job is not None
        step = rules.next_step([_status(s) for s in steps])
        if step is None:
            await self._complete(job)
            return True
        if rules.needs_hold_check(step) and await self._held(job):
            return True
        try:
            with metrics.timed(step.kind.value):
                result = await self._run_step(job, step, steps)
        except StepFailure as failure:
            await self._failed(job, step, failure)
            return True
        await self._done(job, step, result, last=step.position == len(steps))
        return True

    # --- bookkeeping ---------------------------------------------------------------------------

    async def _held(self, job: Any) -> bool:
        async with self._db.transaction() as connection:
            if not await repository.has_active_hold(
                connection, job.client_id, job.municipality_code
            ):
                return False
            await repository.update_job(
                connection,
                job.id,
                state=JobState.HELD.value,
                lease_until=None,
                last_error="A legal hold stops the job before minimisation",
                updated_at=self._clock(),
            )
            await self._record(connection, job, "archive-job.held")
        log.info("archive job held", extra={"job_id": job.id})
        return True

    async def _done(
        self, job: Any, step: rules.StepStatus, result: StepResult, *, last: bool
    ) -> None:
        now = self._clock()
        async with self._db.transaction() as connection:
            await repository.update_step(
                connection,
                job.id,
                step.position,
                state=StepState.DONE.value,
                attempts=step.attempts + 1,
                detail=result.detail[:2000],
                digest=result.digest,
                completed_at=now,
            )
            values: dict[str, Any] = {
                "lease_until": None,
                "next_attempt_at": now,
                "updated_at": now,
            }
            if last:
                values.update(state=JobState.COMPLETED.value, completed_at=now, last_error="")
            await repository.update_job(connection, job.id, **values)
            if last:
                await self._record(connection, job, "archive-job.complete")
        log.info(
            "archive step done",
            extra={"job_id": job.id, "step": step.kind.value, "target": step.service},
        )

    async def _complete(self, job: Any) -> None:
        now = self._clock()
        async with self._db.transaction() as connection:
            await repository.update_job(
                connection,
                job.id,
                state=JobState.COMPLETED.value,
                completed_at=now,
                lease_until=None,
                updated_at=now,
            )

    async def _failed(self, job: Any, step: rules.StepStatus, failure: StepFailure) -> None:
        now = self._clock()
        attempts = step.attempts + 1
        retry_at = self._retry.after_failure(attempts, now) if failure.retryable else None
        async with self._db.transaction() as connection:
            await repository.update_step(
                connection,
                job.id,
                step.position,
                attempts=attempts,
                detail=failure.detail[:2000],
                state=(StepState.PENDING if retry_at else StepState.FAILED).value,
            )
            values: dict[str, Any] = {
                "lease_until": None,
                "last_error": failure.detail[:500],
                "updated_at": now,
            }
            if retry_at is None:
                values["state"] = JobState.FAILED.value
            else:
                values["next_attempt_at"] = retry_at
            await repository.update_job(connection, job.id, **values)
            if retry_at is None:
                await self._record(connection, job, "archive-job.fail")
        metrics.step_failed(
            step.kind.value,
            step.service,
            retryable=retry_at is not None,
            job_failed=retry_at is None,
        )
        log.warning(
            "archive step failed",
            extra={
                "job_id": job.id,
                "step": step.kind.value,
                "target": step.service,
                "retry": retry_at is not None,
            },
        )

    async def _record(
        self, connection: Any, job: Any, action: str, fields: tuple[str, ...] = ()
    ) -> None:
        entry = AuditEntry(
            action=action,
            resource=f"archive-jobs/{job.id}",
            subject_client_id=job.client_id,
            municipality=job.municipality_code,
            fields=fields,
        )
        await self._audit.record(connection, ARCHIVE_CALLER, [entry])

    # --- steps ---------------------------------------------------------------------------------

    async def _run_step(self, job: Any, step: rules.StepStatus, steps: list[Any]) -> StepResult:
        try:
            if step.kind is StepKind.CHECK:
                return await self._check(job)
            if step.kind is StepKind.EXPORT:
                return await self._export(job, step.service)
            if step.kind is StepKind.AUDIT_EXTRACT:
                return await self._audit_extract(job)
            if step.kind is StepKind.PACKAGE:
                return await self._package(job, steps)
            if step.kind is StepKind.VERIFY:
                return await self._verify(job, steps)
            return await self._minimise(job, step.service, steps)
        except ObjectIntegrityError as error:
            raise StepFailure(f"object storage: {error}", retryable=False) from None
        except ObjectNotFound as error:
            raise StepFailure(f"object storage: {error} is missing", retryable=False) from None
        except ObjectStoreError as error:
            raise StepFailure(f"object storage: {type(error).__name__}", retryable=True) from None

    async def _check(self, job: Any) -> StepResult:
        blockers: list[str] = []
        total = 0
        for service in self._sources.names:
            inventory = await self._sources.describe(service, job.client_id, job.municipality_code)
            total += sum(inventory.counts.values())
            blockers += [f"{service}: {b}" for b in inventory.blockers]
        if blockers:
            raise StepFailure("; ".join(blockers), retryable=False)
        return StepResult(f"{total} records in {len(self._sources.names)} services")

    async def _export(self, job: Any, service: str) -> StepResult:
        export = await self._sources.export(service, job.client_id, job.municipality_code)
        data = export.SerializeToString(deterministic=True)
        await self._store.put(staging_key(job, f"{service}.pb"), data)
        return StepResult(f"{len(export.records)} records", export.digest)

    async def _audit_extract(self, job: Any) -> StepResult:
        events = await self._sources.audit_trail(job.client_id)
        document = [MessageToDict(e, preserving_proto_field_name=True) for e in events]
        data = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode()
        await self._store.put(staging_key(job, "audit.json"), data, content_type="application/json")
        return StepResult(f"{len(events)} audit entries", sha256_hex(data))

    async def _staged_exports(
        self, job: Any, steps: list[Any]
    ) -> list[records_pb2.ExportClientRecordsResponse]:
        exports = []
        for step in steps:
            if step.kind != StepKind.EXPORT.value:
                continue
            export = records_pb2.ExportClientRecordsResponse()
            export.ParseFromString(await self._store.get(staging_key(job, f"{step.service}.pb")))
            if export.digest != step.digest:
                raise StepFailure(
                    f"{step.service}: the staged export does not match", retryable=False
                )
            exports.append(export)
        return exports

    async def _package(self, job: Any, steps: list[Any]) -> StepResult:
        exports = await self._staged_exports(job, steps)
        audit_step = next(s for s in steps if s.kind == StepKind.AUDIT_EXTRACT.value)
        audit_extract = await get_verified(
            self._store, staging_key(job, "audit.json"), audit_step.digest
        )
        now = self._clock()
        try:
            assembled = assemble(job, self._tos, exports, audit_extract, now, self._today())
        except ValueError as error:
            raise StepFailure(str(error), retryable=False) from None
        data = await asyncio.to_thread(build_package, assembled.contents)
        key = package_key(job.municipality_code, job.package_id)
        stored = await self._store.put(key, data, content_type=TAR_MEDIA_TYPE)
        retention = assembled.retention
        async with self._db.transaction() as connection:
            await repository.save_package(
                connection,
                {
                    "id": job.package_id,
                    "job_id": job.id,
                    "municipality_code": job.municipality_code,
                    "client_id": job.client_id,
                    "state": PackageState.STORED.value,
                    "object_key": key,
                    "size_bytes": stored.size,
                    "sha256": stored.sha256,
                    "file_count": assembled.file_count,
                    "record_types": record_types_json(retention),
                    "preservation": retention.preservation.value,
                    "disposal_due_on": retention.disposal_due_on,
                    "tos_version": self._tos.version,
                    "created_at": now,
                },
            )
            await self._record(
                connection, job, "archive-package.create", tuple(sorted(assembled.counts))
            )
        return StepResult(
            f"{len(assembled.contents.records)} records, {stored.size} bytes", stored.sha256
        )

    async def _verify(self, job: Any, steps: list[Any]) -> StepResult:
        async with self._db.transaction() as connection:
            package = await repository.package(connection, job.package_id)
        if package is None:
            raise StepFailure("the package was not stored", retryable=False)
        data = await get_verified(self._store, package.object_key, package.sha256)
        verification = await asyncio.to_thread(verify_package, data)
        if not verification.valid:
            raise StepFailure(
                f"the package does not validate: {verification.problem}"[:500], retryable=False
            )
        now = self._clock()
        async with self._db.transaction() as connection:
            await repository.update_package(
                connection, job.package_id, state=PackageState.VERIFIED.value, verified_at=now
            )
            await self._record(connection, job, "archive-package.verify")
        # The staged copies are in the verified package now.
        for step in steps:
            if step.kind == StepKind.EXPORT.value:
                await self._store.delete(staging_key(job, f"{step.service}.pb"))
        await self._store.delete(staging_key(job, "audit.json"))
        return StepResult(f"{len(verification.files)} files valid", package.sha256)

    async def _minimise(self, job: Any, service: str, steps: list[Any]) -> StepResult:
        export_step = next(
            s for s in steps if s.kind == StepKind.EXPORT.value and s.service == service
        )
        answer = await self._sources.minimise(
            service, job.client_id, job.municipality_code, job.package_id, export_step.digest
        )
        summary = ", ".join(
            f"{r.record_type} {r.action} {r.count}" for r in answer.results if r.count
        )
        if answer.repeated_request:
            summary = f"already done; {summary}"
        return StepResult(summary or "nothing to minimise")


def _status(row: Any) -> rules.StepStatus:
    return rules.StepStatus(
        row.position, StepKind(row.kind), row.service, StepState(row.state), row.attempts
    )
