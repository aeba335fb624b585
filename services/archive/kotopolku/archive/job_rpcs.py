"""Retention rules, clients due for archiving, and archive jobs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa

from kotopolku.archive import access, convert, repository
from kotopolku.archive.domain.jobs import JobState, StepState, plan_steps
from kotopolku.archive.rpc_support import (
    Context,
    RpcBase,
    decode_position,
    entry,
    fingerprint,
    idempotency_key,
    iso_date,
    new_id,
    next_token,
    record_id,
    text,
)
from kotopolku.archive.sources import StepFailure
from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.common import pagination
from kotopolku.common.errors import (
    DependencyUnavailable,
    InvalidArgument,
    InvalidState,
    NotFound,
    StaleVersion,
)
from kotopolku.common.identity import current_caller

START = "archive-job.start"
ALREADY_UNDER_WAY = "An archive job of this client is already under way"


class JobRpcs(RpcBase):
    async def ListRetentionRules(
        self, request: pb.ListRetentionRulesRequest, context: Context
    ) -> pb.ListRetentionRulesResponse:
        access.staff(current_caller())
        return pb.ListRetentionRulesResponse(
            name=self._tos.name,
            version=self._tos.version,
            rules=[convert.rule(r) for _, r in sorted(self._tos.rules.items())],
        )

    async def ListDueClients(
        self, request: pb.ListDueClientsRequest, context: Context
    ) -> pb.ListDueClientsResponse:
        caller = current_caller()
        municipality = access.staff(caller)
        day = iso_date(request.ended_on_or_before, "ended_on_or_before", self._today())
        size = pagination.page_size(request.page_size)
        try:
            found = await self._sources.ended_plan_clients(
                municipality, day.isoformat(), size, request.page_token
            )
        except StepFailure as failure:
            if failure.retryable:
                raise DependencyUnavailable("The plans service did not answer; try again") from None
            raise InvalidArgument.field("page_token", "is not a token this API issued") from None
        ids = [c.client_id for c in found.clients]
        async with self._db.transaction() as connection:
            latest = await repository.latest_jobs(connection, municipality, ids)
            await self._audit.record(
                connection,
                caller,
                [entry("archive.due-client.list", f"clients/{i}", i, municipality) for i in ids],
            )
        return pb.ListDueClientsResponse(
            clients=[
                pb.DueClient(
                    client_id=c.client_id,
                    last_plan_end_date=c.last_end_date,
                    archive_job_id=latest.get(c.client_id, ""),
                )
                for c in found.clients
            ],
            next_page_token=found.next_page_token,
        )

    async def StartArchiveJob(
        self, request: pb.StartArchiveJobRequest, context: Context
    ) -> pb.ArchiveJob:
        caller = current_caller()
        municipality = access.staff(caller)
        client_id = record_id(request.client_id, "client_id")
        reason = text(request.reason, "reason", 1000)
        ended_on = iso_date(request.active_use_ended_on, "active_use_ended_on", self._today())
        if ended_on > self._today():
            raise InvalidArgument.field("active_use_ended_on", "must not be in the future")
        key = idempotency_key(request.idempotency_key)
        hashed = fingerprint(request)
        if key:
            async with self._db.transaction() as connection:
                earlier = await self._idempotency.find(
                    connection, caller.subject, key, START, hashed
                )
            if earlier is not None:
                return await self._job_answer(earlier, municipality)
        await self._client_known(caller, client_id, municipality)
        now = self._clock()
        job_id = new_id()
        async with (
            self._one_unfinished_job(client_id, municipality),
            self._db.transaction() as connection,
        ):
            if key:
                await self._idempotency.remember(
                    connection, caller.subject, key, START, hashed, job_id
                )
            if await repository.unfinished_job(connection, client_id, municipality) is not None:
                raise InvalidState(ALREADY_UNDER_WAY)
            await repository.insert_job(
                connection,
                {
                    "id": job_id,
                    "version": 1,
                    "municipality_code": municipality,
                    "client_id": client_id,
                    "state": JobState.RUNNING.value,
                    "reason": reason,
                    "active_use_ended_on": ended_on,
                    "requested_by": caller.subject,
                    "package_id": new_id(),
                    "next_attempt_at": now,
                    "lease_until": None,
                    "last_error": "",
                    "created_at": now,
                    "updated_at": now,
                    "completed_at": None,
                },
                [
                    {
                        "job_id": job_id,
                        "position": step.position,
                        "kind": step.kind.value,
                        "service": step.service,
                        "state": StepState.PENDING.value,
                        "attempts": 0,
                        "digest": "",
                        "detail": "",
                        "completed_at": None,
                    }
                    for step in plan_steps(self._sources.names)
                ],
            )
            await self._audit.record(
                connection,
                caller,
                [entry("archive-job.create", f"archive-jobs/{job_id}", client_id, municipality)],
            )
        self._engine.wake()
        return await self._job_answer(job_id, municipality)

    @contextlib.asynccontextmanager
    async def _one_unfinished_job(self, client_id: str, municipality: str) -> AsyncIterator[None]:
        """The database refuses a second unfinished job of a client (archive_0002) when two
        requests pass the check at the same moment: the loser is told as if it had seen the
        other."""
        try:
            yield
        except sa.exc.IntegrityError:
            async with self._db.transaction() as connection:
                other = await repository.unfinished_job(connection, client_id, municipality)
            if other is None:
                raise
            raise InvalidState(ALREADY_UNDER_WAY) from None

    async def _job_answer(self, job_id: str, municipality: str) -> pb.ArchiveJob:
        async with self._db.transaction() as connection:
            row = await repository.job(connection, job_id)
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such archive job")
            return convert.job(row, await repository.job_steps(connection, job_id))

    async def GetArchiveJob(
        self, request: pb.GetArchiveJobRequest, context: Context
    ) -> pb.ArchiveJob:
        caller = current_caller()
        municipality = access.staff(caller)
        job_id = record_id(request.job_id, "job_id")
        async with self._db.transaction() as connection:
            row = await repository.job(connection, job_id)
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such archive job")
            await self._audit.record(
                connection,
                caller,
                [entry("archive-job.read", f"archive-jobs/{job_id}", row.client_id, municipality)],
            )
            return convert.job(row, await repository.job_steps(connection, job_id))

    async def ListArchiveJobs(
        self, request: pb.ListArchiveJobsRequest, context: Context
    ) -> pb.ListArchiveJobsResponse:
        caller = current_caller()
        municipality = access.staff(caller)
        client_id = record_id(request.client_id, "client_id") if request.client_id else ""
        if request.state and request.state not in {s.value for s in JobState}:
            raise InvalidArgument.field("state", "must be running, held, failed or completed")
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.jobs_page(
                connection,
                municipality,
                client_id=client_id,
                state=request.state,
                after=decode_position(request.page_token),
                limit=size + 1,
            )
            shown, token = next_token(rows, size, "created_at")
            answer = [convert.job(r, await repository.job_steps(connection, r.id)) for r in shown]
            await self._audit.record(
                connection,
                caller,
                [
                    entry("archive-job.read", f"archive-jobs/{r.id}", r.client_id, municipality)
                    for r in shown
                ],
            )
        return pb.ListArchiveJobsResponse(jobs=answer, next_page_token=token)

    async def RetryArchiveJob(
        self, request: pb.RetryArchiveJobRequest, context: Context
    ) -> pb.ArchiveJob:
        caller = current_caller()
        municipality = access.staff(caller)
        job_id = record_id(request.job_id, "job_id")
        now = self._clock()
        async with self._db.transaction() as connection:
            row = await repository.job(connection, job_id)
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such archive job")
        async with (
            self._one_unfinished_job(row.client_id, municipality),
            self._db.transaction() as connection,
        ):
            row = await repository.job(connection, job_id, lock=True)
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such archive job")
            if row.version != request.expected_version:
                raise StaleVersion("The archive job has changed since it was read")
            if row.state != JobState.FAILED.value:
                raise InvalidState("Only a failed archive job can be retried")
            await repository.reset_failed_steps(connection, job_id)
            await repository.update_job(
                connection,
                job_id,
                state=JobState.RUNNING.value,
                next_attempt_at=now,
                lease_until=None,
                updated_at=now,
            )
            await self._audit.record(
                connection,
                caller,
                [entry("archive-job.retry", f"archive-jobs/{job_id}", row.client_id, municipality)],
            )
        self._engine.wake()
        return await self._job_answer(job_id, municipality)
