"""RPCs of initial-phase guidance series (alkuvaiheen ohjaus) and their tasks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.errors import InvalidArgument, InvalidState, NotFound, StaleVersion
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.guidance import access, convert, repository
from kotopolku.guidance.domain import (
    MAX_REASON_LENGTH,
    InvalidTransition,
    SeriesStatus,
    TaskStatus,
    Topic,
    complete_task,
    proposed_schedule,
    require_active,
    validate_end,
    validate_period,
    validate_task_count,
    validate_task_due,
    validate_text,
)
from kotopolku.guidance.rpc_support import (
    Context,
    RpcBase,
    client_entry,
    day_position,
    day_token,
    fingerprint,
    idempotency_key,
)
from kotopolku.guidance.series_closer import close_expired
from kotopolku.guidance.v1 import guidance_pb2 as pb
from kotopolku.guidance.validation import (
    checked,
    parse_date,
    parse_uuid,
    reference,
    task_values,
)

CHECK_IN = "Tapaaminen: miten arki sujuu, mitä on tehty, mitä seuraavaksi"


def _state(error: InvalidTransition) -> InvalidState:
    return InvalidState(error.message)


class SeriesRpcs(RpcBase):
    async def _messages(
        self, connection: AsyncConnection, rows: Sequence[Any]
    ) -> list[pb.GuidanceSeries]:
        """The rows as messages, after ending those whose plan period is over."""
        closed = await close_expired(
            connection, self._audit, self._today(), self._now(), [r.id for r in rows]
        )
        if closed:
            rows = [
                await repository.get_series(connection, r.id) if r.id in closed else r for r in rows
            ]
        tasks = await repository.tasks_of(connection, [r.id for r in rows])
        return [convert.series_message(r, tasks[r.id]) for r in rows]

    async def _visible(
        self,
        connection: AsyncConnection,
        caller: Caller,
        municipality: str,
        series_id: str,
        action: str,
    ) -> Any:
        row = await repository.get_series(connection, resource_id(series_id, "series_id", "series"))
        if row is None or row.municipality_code != municipality:
            await self._audit_refusal(caller, action, f"guidance-series/{series_id}", row)
            raise NotFound("No such guidance series")
        return row

    async def _changed(
        self,
        connection: AsyncConnection,
        caller: Caller,
        row: Any,
        action: str,
        fields: tuple[str, ...],
    ) -> pb.GuidanceSeries:
        updated = await repository.get_series(connection, row.id)
        await self._audit.record(
            connection, caller, [client_entry("guidance-series", updated, action, fields)]
        )
        return (await self._messages(connection, [updated]))[0]

    async def _active(
        self, connection: AsyncConnection, caller: Caller, request: Any, action: str
    ) -> Any:
        """The series for a change: visible, at the expected version, and still active."""
        municipality = access.writer(caller)
        expected_version(request.expected_version)
        row = await self._visible(connection, caller, municipality, request.series_id, action)
        # A series whose plan period has passed ends now, before any change is considered.
        if await close_expired(connection, self._audit, self._today(), self._now(), [row.id]):
            raise InvalidState("The plan period is over: the series has ended")
        if row.version != request.expected_version:
            raise StaleVersion(
                f"The series is at version {row.version}, not {request.expected_version}"
            )
        try:
            require_active(SeriesStatus(row.status))
        except InvalidTransition as error:
            raise _state(error) from None
        return row

    async def _bump(
        self, connection: AsyncConnection, row: Any, version: int, values: dict[str, Any]
    ) -> None:
        if not await repository.update_series(connection, row.id, version, values, self._now()):
            raise StaleVersion(f"The series is at version {row.version}, not {version}")

    async def StartSeries(
        self, request: pb.StartSeriesRequest, context: Context
    ) -> pb.GuidanceSeries:
        caller = current_caller()
        municipality = access.writer(caller)
        today = self._today()
        client_id = checked("client_id", lambda: parse_uuid(request.client_id, "client_id"))
        plan_id = checked("plan_id", lambda: reference(request.plan_id, "plan_id"))
        started_on = checked(
            "started_on", lambda: parse_date(request.started_on, "started_on", default=today)
        )
        plan_ends_on = checked(
            "plan_ends_on", lambda: parse_date(request.plan_ends_on, "plan_ends_on")
        )
        checked("plan_ends_on", lambda: validate_period(started_on, plan_ends_on, today))
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            existing = await self._replay(connection, caller, key, "StartSeries", digest)
            if existing is not None:
                row = await repository.get_series(connection, existing)
                assert row is not None
                await self._audit.record(
                    connection,
                    caller,
                    [client_entry("guidance-series", row, "series.read", convert.SERIES_FIELDS)],
                )
                return (await self._messages(connection, [row]))[0]
        await self._clients.require_client(client_id)
        now = self._now()
        async with self._db.transaction() as connection:
            row = await repository.insert_series(
                connection,
                {
                    "municipality_code": municipality,
                    "client_id": client_id,
                    "plan_id": plan_id,
                    "started_on": started_on,
                    "plan_ends_on": plan_ends_on,
                    "status": SeriesStatus.ACTIVE.value,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if request.propose_schedule:
                await repository.insert_tasks(
                    connection,
                    row.id,
                    [
                        {
                            "topic": Topic.EVERYDAY_LIFE.value,
                            "description": CHECK_IN,
                            "due_on": day,
                            "status": TaskStatus.OPEN.value,
                        }
                        for day in proposed_schedule(started_on, plan_ends_on)
                    ],
                )
            await self._remember(connection, caller, key, "StartSeries", digest, row.id)
            await self._audit.record(
                connection,
                caller,
                [client_entry("guidance-series", row, "series.start", convert.SERIES_FIELDS)],
            )
            return (await self._messages(connection, [row]))[0]

    async def GetSeries(self, request: pb.GetSeriesRequest, context: Context) -> pb.GuidanceSeries:
        caller = current_caller()
        municipality = access.reader(caller)
        async with self._db.transaction() as connection:
            row = await self._visible(
                connection, caller, municipality, request.series_id, "series.read"
            )
            await self._audit.record(
                connection,
                caller,
                [client_entry("guidance-series", row, "series.read", convert.SERIES_FIELDS)],
            )
            return (await self._messages(connection, [row]))[0]

    async def ListClientSeries(
        self, request: pb.ListClientSeriesRequest, context: Context
    ) -> pb.ListSeriesResponse:
        caller = current_caller()
        municipality = access.reader(caller)
        client_id = checked("client_id", lambda: parse_uuid(request.client_id, "client_id"))
        size = pagination.page_size(request.page_size)
        after = day_position(request.page_token)
        async with self._db.transaction() as connection:
            rows = list(
                await repository.list_client_series(
                    connection, municipality, client_id, after, size + 1
                )
            )
            page = rows[:size]
            await self._audit.record(
                connection,
                caller,
                [
                    client_entry("guidance-series", r, "series.list-result", convert.SERIES_FIELDS)
                    for r in page
                ],
            )
            messages = await self._messages(connection, page)
        return pb.ListSeriesResponse(
            series=messages, next_page_token=day_token(rows, size, "started_on")
        )

    async def AddSeriesTask(
        self, request: pb.AddSeriesTaskRequest, context: Context
    ) -> pb.GuidanceSeries:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row = await self._active(connection, caller, request, "series.task-add")
            values = task_values(
                request.task,
                lambda due: validate_task_due(due, row.started_on, row.plan_ends_on),
            )
            existing = (await repository.tasks_of(connection, [row.id]))[row.id]
            checked("tasks", lambda: validate_task_count(len(existing)))
            await repository.insert_tasks(
                connection, row.id, [{**values, "status": TaskStatus.OPEN.value}]
            )
            await self._bump(connection, row, request.expected_version, {})
            return await self._changed(connection, caller, row, "series.task-add", ("tasks",))

    async def CompleteSeriesTask(
        self, request: pb.CompleteSeriesTaskRequest, context: Context
    ) -> pb.GuidanceSeries:
        caller = current_caller()
        today = self._today()
        done_on = checked("done_on", lambda: parse_date(request.done_on, "done_on", default=today))
        visit_id = (
            checked("visit_id", lambda: parse_uuid(request.visit_id, "visit_id"))
            if request.visit_id
            else None
        )
        async with self._db.transaction() as connection:
            row = await self._active(connection, caller, request, "series.task-complete")
            tasks = (await repository.tasks_of(connection, [row.id]))[row.id]
            task = next((t for t in tasks if t.id == request.task_id), None)
            if task is None:
                raise NotFound("No such task in the series")
            if visit_id is not None:
                visit = await repository.get_visit(connection, visit_id)
                if visit is None or visit.client_id != row.client_id:
                    raise InvalidArgument.field("visit_id", "is not a visit of the series' client")
            try:
                status = complete_task(
                    TaskStatus(task.status), done_on, row.started_on, today, cancel=request.cancel
                )
            except InvalidTransition as error:
                raise _state(error) from None
            except ValueError as error:
                raise InvalidArgument.field("done_on", str(error)) from None
            await repository.update_task(
                connection,
                row.id,
                task.id,
                {"status": status.value, "done_on": done_on, "visit_id": visit_id},
            )
            await self._bump(connection, row, request.expected_version, {})
            return await self._changed(connection, caller, row, "series.task-complete", ("tasks",))

    async def EndSeries(self, request: pb.EndSeriesRequest, context: Context) -> pb.GuidanceSeries:
        caller = current_caller()
        today = self._today()
        reason = checked(
            "reason",
            lambda: validate_text(
                request.reason, field="reason", max_length=MAX_REASON_LENGTH, required=True
            ),
        )
        ended_on = checked(
            "ended_on", lambda: parse_date(request.ended_on, "ended_on", default=today)
        )
        async with self._db.transaction() as connection:
            row = await self._active(connection, caller, request, "series.end")
            checked("ended_on", lambda: validate_end(ended_on, row.started_on, today))
            await self._bump(
                connection,
                row,
                request.expected_version,
                {
                    "status": SeriesStatus.ENDED_NOT_NEEDED.value,
                    "ended_on": ended_on,
                    "end_reason": reason,
                    "ended_by": caller.subject,
                },
            )
            return await self._changed(
                connection, caller, row, "series.end", ("status", "ended_on", "end_reason")
            )
