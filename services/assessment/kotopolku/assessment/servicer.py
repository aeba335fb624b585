"""AssessmentService: RPCs to domain rules, queries and audit records. Kept thin on purpose."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

import grpc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.assessment import access, convert, reporting_facts, repository
from kotopolku.assessment.access import Standing, Viewer
from kotopolku.assessment.client_directory import ClientDirectory
from kotopolku.assessment.domain import (
    AssessmentDomainError,
    AssessmentKind,
    AssessmentState,
    InvalidTransition,
    MeasureKind,
    MeasureStatus,
    model,
    rules,
    validation,
)
from kotopolku.assessment.v1 import assessment_pb2 as pb
from kotopolku.assessment.v1 import assessment_pb2_grpc
from kotopolku.assessment.welfare_gate import WelfareGate
from kotopolku.clients.v1 import clients_pb2
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import (
    FieldViolation,
    InvalidArgument,
    InvalidState,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from kotopolku.common.facts import FactRecorder, finnish_day
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller, Role, current_caller
from kotopolku.common.localtime import finnish_date
from kotopolku.common.requests import expected_version, resource_id

Context = grpc.aio.ServicerContext[Any, Any]
T = TypeVar("T")


class _Violations:
    """Runs validators and keeps every violation, so one answer names all bad fields."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def check(self, validator: Callable[[], T]) -> T | None:
        try:
            return validator()
        except AssessmentDomainError as error:
            self.items.append(FieldViolation(error.field, error.message))
            return None

    def raise_if_any(self) -> None:
        if self.items:
            fields = ", ".join(v.field for v in self.items)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.items)


def _field_value(message: pb.Assessment, path: str) -> Any:
    return validation.field_value(path, convert.request_value(message, path))


def _invalid(error: AssessmentDomainError) -> InvalidArgument:
    return InvalidArgument.field(error.field, error.message)


def _check_version(row: Any, expected: int) -> None:
    if row.version != expected:
        raise StaleVersion(f"The resource is at version {row.version}, not {expected}")


def _assessment_entry(row: Any, action: str, fields: Iterable[str]) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"assessments/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=tuple(fields),
    )


def _measure_entry(row: Any, action: str, fields: Iterable[str]) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"measures/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=tuple(fields),
    )


def _team_fields(row: Any) -> tuple[str, ...]:
    """What a welfare-area team member is shown of an assessment (names, not values)."""
    return ("kind", "state", *(p for p in model.CONTENT_FIELDS if row.content.get(p)))


def _position(token: str) -> tuple[datetime, str] | None:
    position = pagination.decode_token(token)
    if position is None:
        return None
    try:
        return datetime.fromisoformat(str(position["t"])), str(position["i"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


def _token(rows: Sequence[Any], size: int, column: str) -> str:
    if len(rows) <= size:
        return ""
    last = rows[size - 1]
    return pagination.encode_token({"t": as_utc(getattr(last, column)).isoformat(), "i": last.id})


class AssessmentServicer(assessment_pb2_grpc.AssessmentServiceServicer):
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        clients: ClientDirectory,
        welfare: WelfareGate,
        facts: FactRecorder,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._clients = clients
        self._welfare = welfare
        self._facts = facts

    def _today(self) -> date:
        return finnish_date(self._clock())

    # --- reading with access checks ------------------------------------------------------

    async def _refuse(
        self, caller: Caller, resource: str, action: str, row: Any, what: str
    ) -> NotFound:
        """Records the refused access in a transaction of its own (the caller's rolls back)
        and returns the answer a missing record gets."""
        entry = AuditEntry(
            action=action,
            resource=resource,
            subject_client_id=row.client_id if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])
        return NotFound(f"No such {what}")

    async def _load(
        self, connection: AsyncConnection, caller: Caller, assessment_id: str, action: str
    ) -> tuple[Any, Viewer]:
        access.require_assessment_reader(caller)
        key = resource_id(assessment_id, "assessment_id")
        row = await repository.get_assessment(connection, key)
        viewer = (
            access.viewer_of(caller, row.municipality_code, model.team_areas(row.content))
            if row is not None
            else None
        )
        if viewer is not None and viewer.standing is Standing.TEAM:
            # A welfare area's member: only on an accepted cooperation (welfare_gate.py).
            [allowed] = await self._welfare.allowed([(row, _team_fields(row))])
            viewer = viewer if allowed else None
        if viewer is None:
            raise await self._refuse(caller, f"assessments/{key}", action, row, "assessment")
        return row, viewer

    async def _view(
        self, connection: AsyncConnection, row: Any, viewer: Viewer
    ) -> tuple[pb.Assessment, tuple[str, ...]]:
        """The assessment as this viewer may see it, and the names of the fields it shows."""
        measures = [
            convert.measure_message(m) for m in await repository.measures_of(connection, row.id)
        ]
        corrections = []
        for correction in await repository.list_corrections(connection, row.id):
            fields = viewer.sees_correction(correction.fields, correction.welfare_area_code)
            if fields:
                corrections.append(convert.correction_message(correction, fields))
        note = None
        if viewer.sees_sensitive_note and viewer.welfare_area:
            note = await repository.get_sensitive_note(connection, row.id, viewer.welfare_area)
        message = convert.assessment_message(
            row, measures=measures, corrections=corrections, sensitive_note=note
        )
        shown = ["kind", "state", *(p for p in model.CONTENT_FIELDS if row.content.get(p))]
        if note is not None:
            shown.append(model.SENSITIVE_NOTE)
        if measures:
            shown.append("measures")
        if corrections:
            shown.append("corrections")
        return message, tuple(shown)

    def _changes(
        self,
        message: pb.Assessment,
        paths: Iterable[str],
        kind: AssessmentKind,
        viewer: Viewer,
        caller: Caller,
        *,
        field: str = "update_mask",
    ) -> dict[str, Any]:
        """The validated new value of every field the request names (None clears one)."""
        try:
            expanded = model.expand_paths(paths, kind, field=field)
        except AssessmentDomainError as error:
            raise _invalid(error) from None
        viewer.require_writable(expanded)
        violations = _Violations()
        changes: dict[str, Any] = {}
        now = self._clock()
        author_area = viewer.welfare_area if viewer.standing is Standing.TEAM else None
        for path in expanded:
            value = violations.check(partial(_field_value, message, path))
            if path in model.SECTIONS and value is not None:
                value = rules.recorded_section(value, caller.subject, author_area, now)
            changes[path] = value
        violations.raise_if_any()
        return changes

    # --- assessments ---------------------------------------------------------------------

    async def CreateAssessment(
        self, request: pb.CreateAssessmentRequest, context: Context
    ) -> pb.Assessment:
        caller = current_caller()
        municipality = access.staff_writer_municipality(caller)
        client_id = resource_id(request.client_id, "client_id")
        try:
            kind = convert.enum_value(convert.KIND_FROM_PROTO, request.kind, "kind", required=True)
        except AssessmentDomainError as error:
            raise _invalid(error) from None
        assert kind is not None
        changes = self._changes(
            request.assessment,
            request.fields.paths,
            kind,
            Viewer(Standing.OFFICER),
            caller,
            field="fields",
        )
        key = validate_key(request.idempotency_key) if request.idempotency_key else ""
        unkeyed = pb.CreateAssessmentRequest()
        unkeyed.CopyFrom(request)
        unkeyed.idempotency_key = ""
        fingerprint = request_hash(unkeyed)
        if key:
            async with self._db.transaction() as connection:
                replay = await self._replay(connection, caller, key, fingerprint)
                if replay is not None:
                    return replay

        client = await self._clients.visible_client(client_id, context.time_remaining())
        if client.municipality_code != municipality:
            raise NotFound("No such client")
        if client.status != clients_pb2.CLIENT_STATUS_ACTIVE:
            raise InvalidState("The client's record is not active")

        content, _ = rules.apply_changes({}, changes)
        now = self._clock()
        try:
            async with self._db.transaction() as connection:
                row = await repository.insert_assessment(
                    connection,
                    {
                        "client_id": client.id,
                        "municipality_code": client.municipality_code,
                        "kind": str(kind),
                        "state": str(AssessmentState.DRAFT),
                        "content": content,
                        "created_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                await repository.replace_team_areas(connection, row.id, model.team_areas(content))
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateAssessment", fingerprint, row.id
                    )
                await self._audit.record(
                    connection,
                    caller,
                    [_assessment_entry(row, "assessment.create", ("kind", *content))],
                )
                await self._facts.record(
                    connection,
                    [reporting_facts.started(self._facts, row, client, finnish_day(now))],
                )
                message, _ = await self._view(connection, row, Viewer(Standing.OFFICER))
                return message
        except IntegrityError:
            if not key:
                raise
        # A concurrent retry with the same key won the race: answer with its assessment.
        async with self._db.transaction() as connection:
            replay = await self._replay(connection, caller, key, fingerprint)
        if replay is None:
            raise StaleVersion("The assessment was created concurrently; read it again")
        return replay

    async def _replay(
        self, connection: AsyncConnection, caller: Caller, key: str, fingerprint: str
    ) -> pb.Assessment | None:
        existing = await self._idempotency.find(
            connection, caller.subject, key, "CreateAssessment", fingerprint
        )
        if existing is None:
            return None
        row, viewer = await self._load(connection, caller, existing, "assessment.read")
        message, shown = await self._view(connection, row, viewer)
        await self._audit.record(
            connection, caller, [_assessment_entry(row, "assessment.read", shown)]
        )
        return message

    async def GetAssessment(
        self, request: pb.GetAssessmentRequest, context: Context
    ) -> pb.Assessment:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row, viewer = await self._load(
                connection, caller, request.assessment_id, "assessment.read"
            )
            message, shown = await self._view(connection, row, viewer)
            await self._audit.record(
                connection, caller, [_assessment_entry(row, "assessment.read", shown)]
            )
            return message

    async def _write(
        self,
        connection: AsyncConnection,
        caller: Caller,
        row: Any,
        viewer: Viewer,
        changes: dict[str, Any],
        expected_version: int,
        extra: dict[str, Any] | None = None,
    ) -> tuple[tuple[str, ...], dict[str, Any]]:
        """Applies the changes under optimistic concurrency; returns the changed fields and
        their previous values."""
        now = self._clock()
        note = changes.pop(model.SENSITIVE_NOTE, ...)
        content, changed = rules.apply_changes(row.content, changes)
        previous: dict[str, Any] = {path: row.content.get(path) for path in changed}
        if note is not ...:
            assert viewer.welfare_area is not None
            before = await repository.get_sensitive_note(connection, row.id, viewer.welfare_area)
            before_text = before.text if before is not None else None
            if before_text != note:
                await repository.put_sensitive_note(
                    connection, row.id, viewer.welfare_area, note, caller.subject, now
                )
                changed = (*changed, model.SENSITIVE_NOTE)
                previous[model.SENSITIVE_NOTE] = before_text
        values = {"content": content, "updated_at": now, **(extra or {})}
        if not await repository.update_assessment(connection, row.id, expected_version, values):
            raise StaleVersion(f"The assessment changed since version {expected_version}")
        if model.TEAM in changed:
            await repository.replace_team_areas(connection, row.id, model.team_areas(content))
        return changed, previous

    async def _answer(
        self, connection: AsyncConnection, caller: Caller, assessment_id: str
    ) -> pb.Assessment:
        """The assessment after a write, as the writer now sees it."""
        row = await repository.get_assessment(connection, assessment_id)
        assert row is not None
        viewer = access.viewer_of(caller, row.municipality_code, model.team_areas(row.content))
        if viewer is None:
            # The writer's own change took away their access (a team member removed).
            raise NotFound("No such assessment")
        message, _ = await self._view(connection, row, viewer)
        return message

    async def UpdateAssessment(
        self, request: pb.UpdateAssessmentRequest, context: Context
    ) -> pb.Assessment:
        caller = current_caller()
        access.require_assessment_reader(caller)
        if not request.update_mask.paths:
            raise InvalidArgument.field("update_mask", "names no field to change")
        expected = expected_version(request.expected_version)
        async with self._db.transaction() as connection:
            row, viewer = await self._load(
                connection, caller, request.assessment_id, "assessment.update"
            )
            changes = self._changes(
                request.assessment,
                request.update_mask.paths,
                AssessmentKind(row.kind),
                viewer,
                caller,
            )
            try:
                rules.require_draft(AssessmentState(row.state))
            except InvalidTransition as error:
                raise InvalidState(error.message) from None
            _check_version(row, expected)
            written = tuple(changes)
            await self._write(connection, caller, row, viewer, changes, expected)
            await self._audit.record(
                connection, caller, [_assessment_entry(row, "assessment.update", written)]
            )
            return await self._answer(connection, caller, row.id)

    async def CompleteAssessment(
        self, request: pb.CompleteAssessmentRequest, context: Context
    ) -> pb.Assessment:
        caller = current_caller()
        expected = expected_version(request.expected_version)
        async with self._db.transaction() as connection:
            row, viewer = await self._load(
                connection, caller, request.assessment_id, "assessment.complete"
            )
            if viewer.standing is not Standing.OFFICER:
                raise PermissionDenied("Only the municipality's officers complete an assessment")
            try:
                state = rules.complete(AssessmentState(row.state))
            except InvalidTransition as error:
                raise InvalidState("The assessment is already completed") from error
            _check_version(row, expected)
            problems = rules.completion_problems(AssessmentKind(row.kind), row.content)
            if problems:
                raise InvalidState(
                    "The assessment is not complete: "
                    + ", ".join(problem.field for problem in problems),
                    violations=[FieldViolation(p.field, p.message) for p in problems],
                )
            now = self._clock()
            await self._write(
                connection,
                caller,
                row,
                viewer,
                {},
                expected,
                {"state": str(state), "completed_by": caller.subject, "completed_at": now},
            )
            await self._audit.record(
                connection, caller, [_assessment_entry(row, "assessment.complete", ("state",))]
            )
            await self._facts.record(
                connection, [reporting_facts.completed(self._facts, row, finnish_day(now))]
            )
            return await self._answer(connection, caller, row.id)

    async def CorrectAssessment(
        self, request: pb.CorrectAssessmentRequest, context: Context
    ) -> pb.Assessment:
        caller = current_caller()
        access.require_assessment_reader(caller)
        try:
            reason = validation.text(request.reason, "reason", validation.MAX_REASON, required=True)
        except AssessmentDomainError as error:
            raise _invalid(error) from None
        if not request.update_mask.paths:
            raise InvalidArgument.field("update_mask", "names no field to correct")
        expected = expected_version(request.expected_version)
        async with self._db.transaction() as connection:
            row, viewer = await self._load(
                connection, caller, request.assessment_id, "assessment.correct"
            )
            kind = AssessmentKind(row.kind)
            changes = self._changes(
                request.assessment, request.update_mask.paths, kind, viewer, caller
            )
            try:
                rules.require_completed(AssessmentState(row.state))
            except InvalidTransition as error:
                raise InvalidState(error.message) from None
            _check_version(row, expected)
            shared = {p: v for p, v in changes.items() if p != model.SENSITIVE_NOTE}
            corrected, _ = rules.apply_changes(row.content, shared)
            try:
                rules.require_correctable(kind, corrected)
            except AssessmentDomainError as error:
                raise _invalid(error) from None
            changed, previous = await self._write(
                connection, caller, row, viewer, changes, expected
            )
            if not changed:
                raise InvalidArgument.field("update_mask", "the correction changes nothing")
            await repository.insert_correction(
                connection,
                {
                    "assessment_id": row.id,
                    "version": row.version + 1,
                    "corrected_by": caller.subject,
                    "corrected_at": self._clock(),
                    "reason": reason,
                    "fields": list(changed),
                    "previous": previous,
                    "welfare_area_code": (
                        viewer.welfare_area if model.SENSITIVE_NOTE in changed else None
                    ),
                },
            )
            await self._audit.record(
                connection, caller, [_assessment_entry(row, "assessment.correct", changed)]
            )
            return await self._answer(connection, caller, row.id)

    async def ListAssessments(
        self, request: pb.ListAssessmentsRequest, context: Context
    ) -> pb.ListAssessmentsResponse:
        caller = current_caller()
        access.require_assessment_reader(caller)
        client_id = resource_id(request.client_id, "client_id")
        size = pagination.page_size(request.page_size)
        before = _position(request.page_token)
        staff = caller.has_any(*access.STAFF_READERS) and caller.municipality
        worker = caller.has_any(Role.WELFARE_AREA_WORKER) and caller.welfare_area
        async with self._db.transaction() as connection:
            rows = await repository.list_assessments(
                connection,
                client_id,
                municipality=caller.municipality if staff else None,
                welfare_area=caller.welfare_area if worker else None,
                before=before,
                limit=size + 1,
            )
            page = list(rows[:size])
            if worker and not staff:
                # A welfare area lists only what an accepted cooperation opens (welfare_gate.py).
                allowed = await self._welfare.allowed([(r, convert.SUMMARY_FIELDS) for r in page])
                page = [r for r, ok in zip(page, allowed, strict=True) if ok]
            await self._audit.record(
                connection,
                caller,
                [_assessment_entry(r, "assessment.list", convert.SUMMARY_FIELDS) for r in page],
            )
        return pb.ListAssessmentsResponse(
            assessments=[convert.summary_message(r) for r in page],
            next_page_token=_token(rows, size, "created_at"),
        )

    # --- refining measures ---------------------------------------------------------------

    async def OrderMeasure(
        self, request: pb.OrderMeasureRequest, context: Context
    ) -> pb.RefiningMeasure:
        caller = current_caller()
        access.staff_writer_municipality(caller)
        measure = request.measure
        try:
            kind = convert.enum_value(
                convert.MEASURE_KIND_FROM_PROTO, measure.kind, "measure.kind", required=True
            )
            order = validation.measure_order(
                kind,
                measure.provider_organisation,
                measure.instructions,
                measure.due_date,
                today=self._today(),
            )
        except AssessmentDomainError as error:
            raise _invalid(error) from None
        key = validate_key(request.idempotency_key) if request.idempotency_key else ""
        unkeyed = pb.OrderMeasureRequest()
        unkeyed.CopyFrom(request)
        unkeyed.idempotency_key = ""
        fingerprint = request_hash(unkeyed)
        async with self._db.transaction() as connection:
            row, viewer = await self._load(
                connection, caller, request.assessment_id, "measure.order"
            )
            if viewer.standing is not Standing.OFFICER:
                raise PermissionDenied("Only the municipality's officers order measures")
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "OrderMeasure", fingerprint
                )
                if existing is not None:
                    found = await repository.get_measure(connection, existing)
                    assert found is not None
                    await self._audit.record(
                        connection,
                        caller,
                        [_measure_entry(found, "measure.read", convert.MEASURE_FIELDS)],
                    )
                    return convert.measure_message(found)
            try:
                rules.require_draft(AssessmentState(row.state))
            except InvalidTransition:
                raise InvalidState("Measures are ordered while the assessment is a draft") from None
            created = await repository.insert_measure(
                connection,
                {
                    **order,
                    "assessment_id": row.id,
                    "client_id": row.client_id,
                    "municipality_code": row.municipality_code,
                    "status": str(MeasureStatus.ORDERED),
                    "ordered_by": caller.subject,
                    "ordered_at": self._clock(),
                },
            )
            if key:
                await self._idempotency.remember(
                    connection, caller.subject, key, "OrderMeasure", fingerprint, created.id
                )
            await self._audit.record(
                connection,
                caller,
                [_measure_entry(created, "measure.order", tuple(order))],
            )
            return convert.measure_message(created)

    async def _measure_view(
        self, connection: AsyncConnection, caller: Caller, measure_id: str, action: str
    ) -> tuple[Any, bool]:
        """The measure if the caller may see it, and whether as its provider."""
        if not access.may_read_measures(caller):
            raise PermissionDenied("This role may not read refining measures")
        key = resource_id(measure_id, "measure_id")
        row = await repository.get_measure(connection, key)
        if row is not None:
            if access.provider_sees_measure(caller, row):
                return row, True
            assessment = await repository.get_assessment(connection, row.assessment_id)
            seen = (
                access.viewer_of(
                    caller, assessment.municipality_code, model.team_areas(assessment.content)
                )
                if assessment is not None
                else None
            )
            if seen is not None and seen.standing is Standing.TEAM:
                [allowed] = await self._welfare.allowed([(assessment, ("measures",))])
                seen = seen if allowed else None
            if seen is not None:
                return row, False
        raise await self._refuse(caller, f"measures/{key}", action, row, "measure")

    async def GetMeasure(
        self, request: pb.GetMeasureRequest, context: Context
    ) -> pb.RefiningMeasure:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row, as_provider = await self._measure_view(
                connection, caller, request.measure_id, "measure.read"
            )
            fields = convert.PROVIDER_MEASURE_FIELDS if as_provider else convert.MEASURE_FIELDS
            await self._audit.record(
                connection, caller, [_measure_entry(row, "measure.read", fields)]
            )
            return convert.measure_message(row, provider_view=as_provider)

    async def ListMeasures(
        self, request: pb.ListMeasuresRequest, context: Context
    ) -> pb.ListMeasuresResponse:
        caller = current_caller()
        size = pagination.page_size(request.page_size)
        after = _position(request.page_token)
        try:
            status = convert.enum_value(convert.MEASURE_STATUS_FROM_PROTO, request.status, "status")
        except AssessmentDomainError as error:
            raise _invalid(error) from None
        status_name = str(status) if status is not None else None
        async with self._db.transaction() as connection:
            if request.mine:
                organisation = access.provider_organisation(caller)
                rows = await repository.list_measures(
                    connection,
                    provider=organisation,
                    municipality=caller.municipality or None,
                    status=status_name,
                    after=after,
                    limit=size + 1,
                )
                as_provider = True
            else:
                if not request.assessment_id:
                    raise InvalidArgument.field(
                        "assessment_id", "give an assessment, or ask for your own measures"
                    )
                assessment, _ = await self._load(
                    connection, caller, request.assessment_id, "measure.read"
                )
                rows = await repository.list_measures(
                    connection,
                    assessment_id=assessment.id,
                    status=status_name,
                    after=after,
                    limit=size + 1,
                )
                as_provider = False
            page = rows[:size]
            fields = convert.PROVIDER_MEASURE_FIELDS if as_provider else convert.MEASURE_FIELDS
            await self._audit.record(
                connection, caller, [_measure_entry(r, "measure.read", fields) for r in page]
            )
        return pb.ListMeasuresResponse(
            measures=[convert.measure_message(r, provider_view=as_provider) for r in page],
            next_page_token=_token(rows, size, "ordered_at"),
        )

    async def RecordMeasureResult(
        self, request: pb.RecordMeasureResultRequest, context: Context
    ) -> pb.RefiningMeasure:
        caller = current_caller()
        access.provider_organisation(caller)
        result = request.result
        async with self._db.transaction() as connection:
            row, as_provider = await self._measure_view(
                connection, caller, request.measure_id, "measure.result"
            )
            if not as_provider:
                raise PermissionDenied("Only the provider records the result of its measure")
            try:
                values = validation.measure_result(
                    MeasureKind(row.kind),
                    convert.proficiency_value(result.proficiency, "result.proficiency")
                    if result.HasField("proficiency")
                    else None,
                    result.summary,
                    result.completed_on,
                    today=self._today(),
                )
            except AssessmentDomainError as error:
                raise _invalid(error) from None
            try:
                rules.require_measure_open(MeasureStatus(row.status))
            except InvalidTransition as error:
                raise InvalidState(error.message) from None
            if request.expected_version:
                _check_version(row, request.expected_version)
            recorded = await repository.record_measure_result(
                connection,
                row.id,
                expected_status=str(MeasureStatus.ORDERED),
                expected_version=request.expected_version or None,
                values={
                    "status": str(MeasureStatus.COMPLETED),
                    "result": values,
                    "result_recorded_by": caller.subject,
                    "result_recorded_at": self._clock(),
                },
            )
            if not recorded:
                raise StaleVersion("The result was recorded concurrently; read the measure again")
            await self._audit.record(
                connection, caller, [_measure_entry(row, "measure.result", ("status", "result"))]
            )
            updated = await repository.get_measure(connection, row.id)
            return convert.measure_message(updated, provider_view=True)
