"""RPCs of enrolments and of what providers report: attendance, interruption, completion."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.clock import as_utc
from kotopolku.common.errors import (
    AlreadyExists,
    InvalidState,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.programme import access, convert, reporting_facts, repository
from kotopolku.programme.domain import (
    AttendanceMark,
    EnrolmentRefused,
    EnrolmentStatus,
    InvalidTransition,
    OutcomeStatus,
    PlanOutcome,
    ProgrammeDomainError,
    ServiceType,
    check_enrolment_matches_plan,
    check_free_place,
    check_open_for_enrolment,
    choose_start_date,
    completion_summary,
    enrolment_summary,
    interruption_summary,
    transition_enrolment,
    validate_attendance_day,
)
from kotopolku.programme.enums import from_proto
from kotopolku.programme.rpc_support import (
    Context,
    RpcBase,
    enrolment_entry,
    fingerprint,
    idempotency_key,
    invalid,
)
from kotopolku.programme.v1 import programme_pb2
from kotopolku.programme.validation import (
    Collector,
    EnrolmentDates,
    completion_values,
    enrolment_values,
    interruption_values,
    parse_date,
    parse_uuid,
)


def _refused(error: EnrolmentRefused) -> InvalidState:
    return InvalidState(error.message, violations=invalid(error).violations)


class EnrolmentRpcs(RpcBase):
    def _fields(self, seen: access.Viewer) -> tuple[str, ...]:
        return convert.PROVIDER_ENROLMENT_FIELDS if seen.is_provider else convert.ENROLMENT_FIELDS

    async def _message(
        self, connection: AsyncConnection, row: Any, seen: access.Viewer
    ) -> programme_pb2.Enrolment:
        counts = await repository.attendance_counts(connection, [row.id])
        return convert.enrolment_message(
            row, counts.get(row.id, (0, 0)), for_provider=seen.is_provider
        )

    async def _visible(
        self,
        connection: AsyncConnection,
        caller: Caller,
        seen: access.Viewer,
        enrolment_id: str,
        action: str,
        *,
        report: bool = False,
    ) -> tuple[Any, Any]:
        """The enrolment and its service if the caller may see (or report on) them; otherwise
        the same answer as a missing one, and the refusal is audited."""
        row = await repository.get_enrolment(connection, resource_id(enrolment_id, "enrolment_id"))
        service = (
            await repository.get_service(connection, row.programme_service_id)
            if row is not None
            else None
        )
        allowed = service is not None and (
            seen.may_report(service) if report else seen.may_see_service(service)
        )
        if row is None or not allowed:
            await self._audit_refusal(caller, action, f"enrolments/{enrolment_id}", row)
            raise NotFound("No such enrolment")
        return row, service

    # --- enrolments ----------------------------------------------------------------------

    async def _created_before(
        self, caller: Caller, seen: access.Viewer, key: str, digest: str
    ) -> programme_pb2.Enrolment | None:
        """The enrolment an earlier request with this idempotency key created, if any."""
        if not key:
            return None
        async with self._db.transaction() as connection:
            existing = await self._idempotency.find(
                connection, caller.subject, key, "CreateEnrolment", digest
            )
            if existing is None:
                return None
            row = await repository.get_enrolment(connection, existing)
            assert row is not None
            await self._audit.record(
                connection,
                caller,
                [enrolment_entry(row, "enrolment.read", convert.ENROLMENT_FIELDS)],
            )
            return await self._message(connection, row, seen)

    async def _check_plan(self, values: dict[str, Any]) -> None:
        """Asks the plans service, before any transaction opens, what the plan agreed."""
        planned = await self._plans.planned_service(values["plan_id"], values["plan_service_id"])
        try:
            check_enrolment_matches_plan(
                planned,
                client_id=values["client_id"],
                programme_service_id=values["programme_service_id"],
            )
        except EnrolmentRefused as error:
            raise _refused(error) from None
        except ProgrammeDomainError as error:
            raise invalid(error) from None

    async def CreateEnrolment(
        self, request: programme_pb2.CreateEnrolmentRequest, context: Context
    ) -> programme_pb2.Enrolment:
        caller = current_caller()
        municipality = access.enrolment_creator(caller)
        seen = access.viewer(caller)
        values = enrolment_values(request)
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        # A retry returns the first answer even though the plan has moved on since.
        earlier = await self._created_before(caller, seen, key, digest)
        if earlier is not None:
            return earlier
        await self._check_plan(values)
        today = self._today()
        async with self._db.transaction() as connection:
            if key and await self._idempotency.find(
                connection, caller.subject, key, "CreateEnrolment", digest
            ):
                raise AlreadyExists("The enrolment was created concurrently with this key")
            service = await repository.get_service(connection, values["programme_service_id"])
            if service is None or service.municipality_code != municipality:
                raise NotFound("No such programme service")
            try:
                values["start_date"] = choose_start_date(
                    values["start_date"],
                    [date.fromisoformat(d) for d in service.intake_dates or []],
                    service.valid_from,
                    service.valid_until,
                    today,
                )
            except ProgrammeDomainError as error:
                raise invalid(error) from None
            try:
                check_open_for_enrolment(service.valid_until, today)
                check_free_place(service.capacity, service.active_enrolments)
            except EnrolmentRefused as error:
                raise _refused(error) from None
            if await repository.find_active_enrolment(
                connection, values["client_id"], service.id, values["plan_service_id"]
            ):
                raise AlreadyExists(
                    "The planned service or the client already has an active enrolment here"
                )
            if not await repository.take_place(connection, service.id):
                raise _refused(
                    EnrolmentRefused("programme_service_id", "the service has no free places")
                )
            try:
                row = await repository.insert_enrolment(
                    connection, municipality, values, self._now()
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateEnrolment", digest, row.id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The enrolment was created concurrently") from error
            # The plan hears of the enrolment through the outbox: its service becomes ENROLLED.
            await repository.enqueue_outcome(
                connection,
                row.id,
                PlanOutcome(
                    plan_id=row.plan_id,
                    plan_service_id=row.plan_service_id,
                    status=OutcomeStatus.ENROLLED,
                    outcome_date=row.start_date,
                    summary=enrolment_summary(row.start_date),
                ),
                self._now(),
            )
            await self._audit.record(
                connection,
                caller,
                [enrolment_entry(row, "enrolment.create", convert.ENROLMENT_FIELDS)],
            )
            await self._facts.record(
                connection, [reporting_facts.started(self._facts, row, str(service.type))]
            )
            message = await self._message(connection, row, seen)
        self._on_outcome()
        return message

    async def GetEnrolment(
        self, request: programme_pb2.GetEnrolmentRequest, context: Context
    ) -> programme_pb2.Enrolment:
        caller = current_caller()
        seen = access.viewer(caller)
        async with self._db.transaction() as connection:
            row, _ = await self._visible(
                connection, caller, seen, request.enrolment_id, "enrolment.read"
            )
            await self._audit.record(
                connection, caller, [enrolment_entry(row, "enrolment.read", self._fields(seen))]
            )
            return await self._message(connection, row, seen)

    async def ListEnrolments(
        self, request: programme_pb2.ListEnrolmentsRequest, context: Context
    ) -> programme_pb2.ListEnrolmentsResponse:
        caller = current_caller()
        seen = access.viewer(caller)
        if seen.is_provider and (request.client_id or request.plan_id):
            raise PermissionDenied("A provider lists enrolments by service, not by client or plan")
        filters = self._list_filters(request, seen)
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (datetime.fromisoformat(position["c"]), str(position["i"])) if position else None
        async with self._db.transaction() as connection:
            if filters.service_id is not None:
                service = await repository.get_service(connection, filters.service_id)
                if service is None or not seen.may_see_service(service):
                    raise NotFound("No such programme service")
            rows = await repository.list_enrolments(connection, filters, after, size + 1)
            page = rows[:size]
            counts = await repository.attendance_counts(connection, [r.id for r in page])
            fields = self._fields(seen)
            await self._audit.record(
                connection,
                caller,
                [enrolment_entry(r, "enrolment.list-result", fields) for r in page],
            )
        token = (
            pagination.encode_token(
                {"c": as_utc(page[-1].created_at).isoformat(), "i": page[-1].id}
            )
            if len(rows) > size
            else ""
        )
        return programme_pb2.ListEnrolmentsResponse(
            enrolments=[
                convert.enrolment_message(
                    r, counts.get(r.id, (0, 0)), for_provider=seen.is_provider
                )
                for r in page
            ],
            next_page_token=token,
        )

    def _list_filters(
        self, request: programme_pb2.ListEnrolmentsRequest, seen: access.Viewer
    ) -> repository.EnrolmentFilters:
        collector = Collector()
        service_id = collector.check(
            "programme_service_id",
            lambda: (
                parse_uuid(request.programme_service_id, "programme_service_id")
                if request.programme_service_id
                else None
            ),
        )
        client_id = collector.check(
            "client_id",
            lambda: parse_uuid(request.client_id, "client_id") if request.client_id else None,
        )
        status = from_proto(EnrolmentStatus, request.status)
        if request.status and status is None:
            collector.fail("status", "is not a known enrolment status")
        if len(request.plan_id) > 64:
            collector.fail("plan_id", "is too long")
        collector.raise_if_any()
        return repository.EnrolmentFilters(
            municipality=seen.municipality,
            provider=seen.provider,
            service_id=service_id,
            client_id=client_id,
            plan_id=request.plan_id or None,
            status=status.value if status is not None else None,
        )

    # --- reports -------------------------------------------------------------------------

    async def RecordAttendance(
        self, request: programme_pb2.RecordAttendanceRequest, context: Context
    ) -> programme_pb2.AttendanceRecord:
        caller = current_caller()
        seen = access.reporter(caller)
        collector = Collector()
        day = collector.check("date", lambda: parse_date(request.date, "date", required=True))
        mark = from_proto(AttendanceMark, request.mark)
        if mark is None:
            collector.fail("mark", "is required: PRESENT or ABSENT")
        collector.raise_if_any()
        assert day is not None
        assert mark is not None
        async with self._db.transaction() as connection:
            row, _ = await self._visible(
                connection, caller, seen, request.enrolment_id, "attendance.record", report=True
            )
            end = row.interruption_date or row.completion_date
            try:
                validate_attendance_day(day, row.start_date, end, self._today())
            except ProgrammeDomainError as error:
                raise invalid(error) from None
            record = await repository.record_attendance(
                connection, row.id, day, mark.value, self._now()
            )
            await self._audit.record(
                connection, caller, [enrolment_entry(row, "attendance.record", ("attendance",))]
            )
            return convert.attendance_message(record)

    async def ListAttendance(
        self, request: programme_pb2.ListAttendanceRequest, context: Context
    ) -> programme_pb2.ListAttendanceResponse:
        caller = current_caller()
        seen = access.viewer(caller)
        async with self._db.transaction() as connection:
            row, _ = await self._visible(
                connection, caller, seen, request.enrolment_id, "attendance.read"
            )
            records = await repository.list_attendance(connection, row.id)
            await self._audit.record(
                connection, caller, [enrolment_entry(row, "attendance.read", ("attendance",))]
            )
        return programme_pb2.ListAttendanceResponse(
            records=[convert.attendance_message(r) for r in records]
        )

    async def RecordInterruption(
        self, request: programme_pb2.RecordInterruptionRequest, context: Context
    ) -> programme_pb2.Enrolment:
        caller = current_caller()
        seen = access.reporter(caller)
        expected_version(request.expected_version)
        async with self._db.transaction() as connection:
            row, service = await self._visible(
                connection, caller, seen, request.enrolment_id, "enrolment.interrupt", report=True
            )
            self._transition(row, EnrolmentStatus.INTERRUPTED)
            values = interruption_values(request.interruption, await self._dates(connection, row))
            outcome = PlanOutcome(
                plan_id=row.plan_id,
                plan_service_id=row.plan_service_id,
                status=OutcomeStatus.INTERRUPTED,
                outcome_date=values["date"],
                summary=interruption_summary(values["date"], values["reason"]),
            )
            updated = await self._end(
                connection,
                row,
                request.expected_version,
                {
                    "status": EnrolmentStatus.INTERRUPTED.value,
                    "interruption_date": values["date"],
                    "interruption_reason": values["reason"].value,
                    "interruption_details": values["details"] or None,
                },
                outcome,
            )
            await self._audit.record(
                connection,
                caller,
                [enrolment_entry(updated, "enrolment.interrupt", ("status", "interruption"))],
            )
            await self._facts.record(
                connection, [reporting_facts.ended(self._facts, updated, str(service.type))]
            )
            message = await self._message(connection, updated, seen)
        self._on_outcome()
        return message

    async def RecordCompletion(
        self, request: programme_pb2.RecordCompletionRequest, context: Context
    ) -> programme_pb2.Enrolment:
        caller = current_caller()
        seen = access.reporter(caller)
        expected_version(request.expected_version)
        async with self._db.transaction() as connection:
            row, service = await self._visible(
                connection, caller, seen, request.enrolment_id, "enrolment.complete", report=True
            )
            self._transition(row, EnrolmentStatus.COMPLETED)
            # The rules depend on the service's type and the enrolment's dates: checked here.
            day, result = completion_values(
                request.completion, ServiceType(service.type), await self._dates(connection, row)
            )
            outcome = PlanOutcome(
                plan_id=row.plan_id,
                plan_service_id=row.plan_service_id,
                status=OutcomeStatus.COMPLETED,
                outcome_date=day,
                summary=completion_summary(day, result),
            )
            updated = await self._end(
                connection,
                row,
                request.expected_version,
                {
                    "status": EnrolmentStatus.COMPLETED.value,
                    "completion_date": day,
                    "language_test": (
                        {k: v.value for k, v in result.levels().items()} if result else None
                    ),
                },
                outcome,
            )
            await self._audit.record(
                connection,
                caller,
                [enrolment_entry(updated, "enrolment.complete", ("status", "completion"))],
            )
            await self._facts.record(
                connection, [reporting_facts.ended(self._facts, updated, str(service.type))]
            )
            message = await self._message(connection, updated, seen)
        self._on_outcome()
        return message

    async def _dates(self, connection: AsyncConnection, row: Any) -> EnrolmentDates:
        return EnrolmentDates(
            start=row.start_date,
            enrolled_on=self._local_date(row.created_at),
            last_attendance=await repository.last_attendance_day(connection, row.id),
            today=self._today(),
        )

    def _transition(self, row: Any, target: EnrolmentStatus) -> None:
        try:
            transition_enrolment(EnrolmentStatus(row.status), target)
        except InvalidTransition as error:
            raise InvalidState(error.message) from None

    async def _end(
        self,
        connection: AsyncConnection,
        row: Any,
        expected_version: int,
        values: dict[str, Any],
        outcome: PlanOutcome,
    ) -> Any:
        """Ends the enrolment, frees its place and queues the outcome for the plans service,
        all in the caller's transaction."""
        if not await repository.end_enrolment(
            connection, row.id, expected_version, values, self._now()
        ):
            raise StaleVersion(f"The enrolment is at version {row.version}, not {expected_version}")
        await repository.release_place(connection, row.programme_service_id)
        await repository.enqueue_outcome(connection, row.id, outcome, self._now())
        return await repository.get_enrolment(connection, row.id)
