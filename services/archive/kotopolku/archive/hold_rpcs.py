"""Legal holds (lakisääteinen säilytysvelvoite, e.g. pending litigation or a complaint): while
one is in force, nothing of the client is minimised or disposed of."""

from __future__ import annotations

from kotopolku.archive import access, convert, repository
from kotopolku.archive.domain.jobs import HoldState, JobState
from kotopolku.archive.rpc_support import (
    Context,
    RpcBase,
    decode_position,
    entry,
    fingerprint,
    idempotency_key,
    new_id,
    next_token,
    record_id,
    text,
)
from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.common import pagination
from kotopolku.common.errors import InvalidState, NotFound, StaleVersion
from kotopolku.common.identity import current_caller

SET = "legal-hold.set"


class HoldRpcs(RpcBase):
    async def SetLegalHold(self, request: pb.SetLegalHoldRequest, context: Context) -> pb.LegalHold:
        caller = current_caller()
        municipality = access.archivist(caller)
        client_id = record_id(request.client_id, "client_id")
        reason = text(request.reason, "reason", 2000)
        key = idempotency_key(request.idempotency_key)
        hashed = fingerprint(request)
        if key:
            async with self._db.transaction() as connection:
                earlier = await self._idempotency.find(connection, caller.subject, key, SET, hashed)
            if earlier is not None:
                return await self._hold_answer(earlier, municipality)
        await self._client_known(caller, client_id, municipality)
        hold_id = new_id()
        async with self._db.transaction() as connection:
            if key:
                await self._idempotency.remember(
                    connection, caller.subject, key, SET, hashed, hold_id
                )
            await repository.insert_hold(
                connection,
                {
                    "id": hold_id,
                    "version": 1,
                    "municipality_code": municipality,
                    "client_id": client_id,
                    "state": HoldState.ACTIVE.value,
                    "reason": reason,
                    "set_by": caller.subject,
                    "set_at": self._clock(),
                    "lift_reason": "",
                    "lifted_by": None,
                    "lifted_at": None,
                },
            )
            await self._audit.record(
                connection,
                caller,
                [entry("legal-hold.set", f"legal-holds/{hold_id}", client_id, municipality)],
            )
        return await self._hold_answer(hold_id, municipality)

    async def _hold_answer(self, hold_id: str, municipality: str) -> pb.LegalHold:
        async with self._db.transaction() as connection:
            row = await repository.hold(connection, hold_id)
        if row is None or row.municipality_code != municipality:
            raise NotFound("No such legal hold")
        return convert.hold(row)

    async def LiftLegalHold(
        self, request: pb.LiftLegalHoldRequest, context: Context
    ) -> pb.LegalHold:
        caller = current_caller()
        municipality = access.archivist(caller)
        hold_id = record_id(request.hold_id, "hold_id")
        reason = text(request.reason, "reason", 2000)
        now = self._clock()
        async with self._db.transaction() as connection:
            row = await repository.hold(connection, hold_id)
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such legal hold")
            if row.version != request.expected_version:
                raise StaleVersion("The legal hold has changed since it was read")
            if row.state != HoldState.ACTIVE.value:
                raise InvalidState("The legal hold has already been lifted")
            await repository.update_hold(
                connection,
                hold_id,
                state=HoldState.LIFTED.value,
                lift_reason=reason,
                lifted_by=caller.subject,
                lifted_at=now,
            )
            resumed = []
            if not await repository.has_active_hold(connection, row.client_id, municipality):
                for job in await repository.held_jobs(connection, row.client_id, municipality):
                    await repository.update_job(
                        connection,
                        job.id,
                        state=JobState.RUNNING.value,
                        next_attempt_at=now,
                        last_error="",
                        updated_at=now,
                    )
                    resumed.append(job.id)
            await self._audit.record(
                connection,
                caller,
                [entry("legal-hold.lift", f"legal-holds/{hold_id}", row.client_id, municipality)],
            )
        if resumed:
            self._engine.wake()
        return await self._hold_answer(hold_id, municipality)

    async def ListLegalHolds(
        self, request: pb.ListLegalHoldsRequest, context: Context
    ) -> pb.ListLegalHoldsResponse:
        caller = current_caller()
        municipality = access.staff(caller)
        client_id = record_id(request.client_id, "client_id") if request.client_id else ""
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.holds_page(
                connection,
                municipality,
                client_id=client_id,
                active_only=request.active_only,
                after=decode_position(request.page_token),
                limit=size + 1,
            )
            shown, token = next_token(rows, size, "set_at")
            await self._audit.record(
                connection,
                caller,
                [
                    entry("legal-hold.read", f"legal-holds/{r.id}", r.client_id, municipality)
                    for r in shown
                ],
            )
        return pb.ListLegalHoldsResponse(
            holds=[convert.hold(r) for r in shown], next_page_token=token
        )
