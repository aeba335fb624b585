"""RPCs of placement proposals from the ELY centre and the reception of quota refugees.

Everything here is the municipality's own work: a welfare area never reaches a proposal (the
persons' data stay on the municipality's side); it learns of the decision through its
consultation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.domain.model import finnish_time
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.clock import as_utc, from_timestamp
from kotopolku.common.errors import (
    AlreadyExists,
    FieldViolation,
    InvalidArgument,
    InvalidState,
    StaleVersion,
)
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.welfare import access, convert, enums, repository
from kotopolku.welfare.domain import codes, placement
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError
from kotopolku.welfare.domain.feed import EventType, FeedEventDraft
from kotopolku.welfare.rpc_support import (
    Context,
    RpcBase,
    Violations,
    fingerprint,
    idempotency_key,
    invalid,
    new_id,
    next_token,
    parse_date,
    position,
)
from kotopolku.welfare.tables import consultations, placement_proposals, reception_tasks
from kotopolku.welfare.v1 import welfare_pb2 as pb
from kotopolku.welfare.validation import person_to_stored, proposal_values, text


def _entry(row: Any, action: str, fields: tuple[str, ...] = convert.PROPOSAL_FIELDS) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"placement-proposals/{row.id}",
        municipality=row.municipality_code,
        fields=fields,
    )


def _state_error(error: InvalidTransition) -> InvalidState:
    return InvalidState(error.message)


class PlacementRpcs(RpcBase):
    async def _own_proposal(
        self, connection: AsyncConnection, caller: Caller, proposal_id: str, action: str
    ) -> Any:
        """The proposal if it is the calling officer's municipality's; else as if missing."""
        municipality = access.staff_municipality(caller, self._allow_list)
        key = resource_id(proposal_id, "proposal_id", "placement proposal")
        row = await repository.get(connection, placement_proposals, key)
        if row is None or row.municipality_code != municipality:
            raise await self._refuse(caller, action, f"placement-proposals/{key}", row)
        return row

    async def _proposal_message(
        self, connection: AsyncConnection, row: Any
    ) -> pb.PlacementProposal:
        tasks = await repository.tasks_of(connection, [row.id])
        return convert.proposal_message(row, tasks)

    async def _proposal_read_back(
        self, connection: AsyncConnection, caller: Caller, proposal_id: str, action: str
    ) -> pb.PlacementProposal:
        row = await repository.get(connection, placement_proposals, proposal_id)
        assert row is not None
        await self._audit.record(connection, caller, [_entry(row, action)])
        return await self._proposal_message(connection, row)

    async def CreatePlacementProposal(
        self, request: pb.CreatePlacementProposalRequest, context: Context
    ) -> pb.PlacementProposal:
        caller = current_caller()
        municipality = access.placement_officer(caller, self._allow_list)
        today = self._today()
        values = proposal_values(request.proposal, today)
        try:
            placement.check_persons(values.persons, today)
        except WelfareDomainError as error:
            raise InvalidArgument.field(f"proposal.{error.field}", error.message) from None
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        earlier = await self._created_before(caller, key, "CreatePlacementProposal", digest)
        if earlier is not None:
            async with self._db.transaction() as connection:
                return await self._proposal_read_back(connection, caller, earlier, "placement.read")
        area = self._area_of(municipality)
        now = self._now()
        try:
            async with self._db.transaction() as connection:
                row = await repository.insert(
                    connection,
                    placement_proposals,
                    {
                        "id": new_id(),
                        "version": 1,
                        "municipality_code": municipality,
                        "welfare_area": area,
                        "ely_centre": values.ely_centre,
                        "ely_reference": values.ely_reference,
                        "basis": str(values.basis),
                        "persons": [person_to_stored(p) for p in values.persons],
                        "evident_service_needs": placement.evident_service_needs(
                            values.persons, values.declared_needs
                        ),
                        "response_due": values.response_due,
                        "state": str(codes.PlacementState.RECEIVED),
                        "created_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                await self._remember(
                    connection, caller, key, "CreatePlacementProposal", digest, row.id
                )
                await self._audit.record(connection, caller, [_entry(row, "placement.create")])
                return await self._proposal_message(connection, row)
        except IntegrityError:
            raise AlreadyExists("The proposal was recorded concurrently with this key") from None

    async def GetPlacementProposal(
        self, request: pb.GetPlacementProposalRequest, context: Context
    ) -> pb.PlacementProposal:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row = await self._own_proposal(
                connection, caller, request.proposal_id, "placement.read"
            )
            await self._audit.record(connection, caller, [_entry(row, "placement.read")])
            return await self._proposal_message(connection, row)

    async def ListPlacementProposals(
        self, request: pb.ListPlacementProposalsRequest, context: Context
    ) -> pb.ListPlacementProposalsResponse:
        caller = current_caller()
        municipality = access.staff_municipality(caller, self._allow_list)
        try:
            state = enums.from_proto(codes.PlacementState, request.state, "state")
        except WelfareDomainError as error:
            raise invalid(error) from None
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.list_proposals(
                connection,
                municipality,
                str(state) if state else None,
                position(request.page_token),
                size + 1,
            )
            page = rows[:size]
            tasks = await repository.tasks_of(connection, [r.id for r in page])
            await self._audit.record(
                connection, caller, [_entry(r, "placement.list") for r in page]
            )
        return pb.ListPlacementProposalsResponse(
            proposals=[
                convert.proposal_message(r, [t for t in tasks if t.proposal_id == r.id])
                for r in page
            ],
            next_page_token=next_token(rows, size),
        )

    async def DecidePlacement(
        self, request: pb.DecidePlacementRequest, context: Context
    ) -> pb.PlacementProposal:
        caller = current_caller()
        access.placement_officer(caller, self._allow_list)
        v = Violations()
        decision = v.check(
            lambda: enums.from_proto(
                codes.PlacementDecision, request.decision, "decision", required=True
            )
        )
        reason = v.check(lambda: placement.check_reason(request.reason))
        v.raise_if_any()
        assert decision is not None
        assert reason is not None
        expected = expected_version(request.expected_version)
        today, now = self._today(), self._now()
        async with self._db.transaction() as connection:
            row = await self._own_proposal(
                connection, caller, request.proposal_id, "placement.decide"
            )
            consultation = (
                await repository.get(connection, consultations, row.consultation_id)
                if row.consultation_id
                else None
            )
            try:
                placement.check_may_decide(
                    codes.PlacementState(row.state),
                    row.evident_service_needs,
                    codes.ConsultationState(consultation.state) if consultation else None,
                    consultation.answer_due if consultation else None,
                    today,
                )
            except InvalidTransition as error:
                raise _state_error(error) from None
            changed = await repository.update_versioned(
                connection,
                placement_proposals,
                row.id,
                expected,
                {
                    "state": str(placement.decided_state(decision)),
                    "decision": str(decision),
                    "decision_reason": reason,
                    "decided_at": now,
                    "updated_at": now,
                },
            )
            if not changed:
                raise StaleVersion(f"The proposal is at version {row.version}, not {expected}")
            await self._audit.record(
                connection, caller, [_entry(row, "placement.decide", ("state", "decision"))]
            )
            if consultation is not None:
                await repository.update_versioned(
                    connection,
                    consultations,
                    consultation.id,
                    consultation.version,
                    {
                        "state": str(codes.ConsultationState.DECIDED),
                        "decision": str(decision),
                        "decided_at": now,
                        "updated_at": now,
                    },
                )
                # The welfare area hears the decision, not its reason (free text stays here).
                await self._publish(
                    connection,
                    consultation.welfare_area,
                    [
                        FeedEventDraft(
                            EventType.CONSULTATION_DECIDED,
                            f"consultations/{consultation.id}",
                            {
                                "consultation_id": consultation.id,
                                "state": str(codes.ConsultationState.DECIDED),
                                "decision": str(decision),
                            },
                        )
                    ],
                )
            message = await self._proposal_read_back(connection, caller, row.id, "placement.read")
        if consultation is not None:
            self._published(consultation.welfare_area)
        return message

    # --- reception of quota refugees -------------------------------------------------------------

    async def _reception_step(
        self,
        caller: Caller,
        proposal_id: str,
        version: int,
        action: str,
        fields: tuple[str, ...],
        step: Any,
    ) -> pb.PlacementProposal:
        """One step of the reception: ``step(connection, row, tasks)`` checks and returns the new
        values (raising domain errors); written under the expected version."""
        access.placement_officer(caller, self._allow_list)
        expected = expected_version(version)
        async with self._db.transaction() as connection:
            row = await self._own_proposal(connection, caller, proposal_id, action)
            tasks = await repository.tasks_of(connection, [row.id])
            try:
                values = await step(connection, row, tasks)
            except InvalidTransition as error:
                raise _state_error(error) from None
            except WelfareDomainError as error:
                raise invalid(error) from None
            values["updated_at"] = self._now()
            if not await repository.update_versioned(
                connection, placement_proposals, row.id, expected, values
            ):
                raise StaleVersion(f"The proposal is at version {row.version}, not {expected}")
            await self._audit.record(connection, caller, [_entry(row, action, fields)])
            return await self._proposal_read_back(connection, caller, row.id, "placement.read")

    async def ReserveHousing(
        self, request: pb.ReserveHousingRequest, context: Context
    ) -> pb.PlacementProposal:
        caller = current_caller()
        v = Violations()
        reference = v.check(
            lambda: text(request.contract_reference, "contract_reference", 200, required=True)
        )
        available = v.check(
            lambda: parse_date(request.available_from, "available_from", required=True)
        )
        v.raise_if_any()
        assert reference
        assert available is not None
        today = self._today()

        async def step(connection: AsyncConnection, row: Any, tasks: list[Any]) -> dict[str, Any]:
            placement.check_housing(convert.reception_of(row, tasks), available, today)
            return {
                "housing_contract_reference": reference,
                "housing_available_from": available,
                "housing_recorded_at": self._now(),
            }

        return await self._reception_step(
            caller,
            request.proposal_id,
            request.expected_version,
            "reception.housing",
            ("housing",),
            step,
        )

    async def ReportEarliestArrival(
        self, request: pb.ReportEarliestArrivalRequest, context: Context
    ) -> pb.PlacementProposal:
        caller = current_caller()
        try:
            earliest = parse_date(request.date, "date", required=True)
        except WelfareDomainError as error:
            raise invalid(error) from None
        assert earliest is not None
        today = self._today()

        async def step(connection: AsyncConnection, row: Any, tasks: list[Any]) -> dict[str, Any]:
            placement.check_earliest_arrival(convert.reception_of(row, tasks), earliest, today)
            # Reported to the ELY centre, which passes it on to Migri (no interface yet: the
            # report is the record of when and what was said).
            return {"earliest_arrival": earliest, "earliest_arrival_reported_at": self._now()}

        return await self._reception_step(
            caller,
            request.proposal_id,
            request.expected_version,
            "reception.earliest-arrival",
            ("earliest_arrival",),
            step,
        )

    async def RecordArrival(
        self, request: pb.RecordArrivalRequest, context: Context
    ) -> pb.PlacementProposal:
        caller = current_caller()
        v = Violations()
        if not request.HasField("arrives_at"):
            v.items.append(FieldViolation("arrives_at", "is required"))
        place = v.check(lambda: text(request.place, "place", 200, required=True))
        v.raise_if_any()
        arrives_at = from_timestamp(request.arrives_at)

        async def step(connection: AsyncConnection, row: Any, tasks: list[Any]) -> dict[str, Any]:
            placement.check_arrival(
                convert.reception_of(row, tasks), arrives_at, self._local_day(arrives_at)
            )
            now = self._now()
            due = {str(kind): at for kind, at in placement.arrival_tasks(arrives_at)}
            if tasks:
                await repository.move_tasks(connection, row.id, due, now)
            else:
                # The appointments service (IS service 9) is where these will become tasks with
                # assignees and reminders; until then they are kept here.
                await repository.insert_tasks(
                    connection,
                    [
                        {
                            "id": new_id(),
                            "version": 1,
                            "proposal_id": row.id,
                            "kind": kind,
                            "assignee": "",
                            "status": str(codes.TaskStatus.OPEN),
                            "due_at": due_at,
                            "note": "",
                            "updated_at": now,
                        }
                        for kind, due_at in due.items()
                    ],
                )
            return {
                "arrives_at": arrives_at,
                "arrival_place": place,
                "arrival_announced_at": now,
            }

        return await self._reception_step(
            caller,
            request.proposal_id,
            request.expected_version,
            "reception.arrival",
            ("arrival", "tasks"),
            step,
        )

    def _local_day(self, moment: datetime) -> date:
        return as_utc(moment).astimezone(finnish_time()).date()

    async def UpdateReceptionTask(
        self, request: pb.UpdateReceptionTaskRequest, context: Context
    ) -> pb.ReceptionTask:
        caller = current_caller()
        municipality = access.placement_officer(caller, self._allow_list)
        paths = list(request.update_mask.paths)
        unknown = [p for p in paths if p not in ("assignee", "status", "note")]
        if not paths or unknown:
            raise InvalidArgument.field("update_mask", "name some of: assignee, status, note")
        expected = expected_version(request.expected_version)
        v = Violations()
        values: dict[str, Any] = {}
        if "assignee" in paths:
            values["assignee"] = v.check(lambda: text(request.task.assignee, "task.assignee", 200))
        if "note" in paths:
            values["note"] = v.check(lambda: text(request.task.note, "task.note", 2000))
        wanted = None
        if "status" in paths:
            wanted = v.check(
                lambda: enums.from_proto(
                    codes.TaskStatus, request.task.status, "task.status", required=True
                )
            )
        v.raise_if_any()
        key = resource_id(request.task_id, "task_id", "reception task")
        async with self._db.transaction() as connection:
            task = await repository.get(connection, reception_tasks, key)
            proposal = (
                await repository.get(connection, placement_proposals, task.proposal_id)
                if task is not None
                else None
            )
            if task is None or proposal is None or proposal.municipality_code != municipality:
                raise await self._refuse(caller, "reception.task", f"reception-tasks/{key}", None)
            if wanted is not None:
                try:
                    values["status"] = str(
                        placement.transition_task(codes.TaskStatus(task.status), wanted)
                    )
                except InvalidTransition as error:
                    raise _state_error(error) from None
            values["updated_at"] = self._now()
            if not await repository.update_versioned(
                connection, reception_tasks, task.id, expected, values
            ):
                raise StaleVersion(f"The task is at version {task.version}, not {expected}")
            await self._audit.record(
                connection, caller, [_entry(proposal, "reception.task", tuple(paths))]
            )
            updated = await repository.get(connection, reception_tasks, task.id)
            return convert.task_message(updated)
