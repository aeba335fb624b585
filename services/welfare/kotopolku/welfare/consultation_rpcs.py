"""RPCs of the consultation before placement (hyvinvointialueen kuuleminen).

The municipality starts it from a placement proposal: the service builds the anonymised profile
itself, so nothing that identifies the persons can be typed into it. The welfare area reads the
consultations addressed to it (without the link to the proposal) and answers once; the answer
and the municipality's decision are visible to both, with the deadlines.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import AlreadyExists, InvalidState, NotFound
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import resource_id
from kotopolku.welfare import access, convert, enums, repository
from kotopolku.welfare.domain import codes, consultation, deadlines
from kotopolku.welfare.domain.anonymise import anonymised_profile, reviewed_note
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
from kotopolku.welfare.tables import consultations, placement_proposals
from kotopolku.welfare.v1 import welfare_pb2 as pb
from kotopolku.welfare.validation import person_from_stored


def _entry(row: Any, action: str, viewer: access.Viewer) -> AuditEntry:
    fields = (
        convert.WELFARE_CONSULTATION_FIELDS
        if viewer.is_welfare_area
        else convert.CONSULTATION_FIELDS
    )
    return AuditEntry(
        action=action,
        resource=f"consultations/{row.id}",
        municipality=row.municipality_code,
        fields=fields,
    )


class ConsultationRpcs(RpcBase):
    async def _visible_consultation(
        self,
        connection: AsyncConnection,
        caller: Caller,
        viewer: access.Viewer,
        consultation_id: str,
        action: str,
    ) -> Any:
        key = resource_id(consultation_id, "consultation_id", "consultation")
        row = await repository.get(connection, consultations, key)
        if row is None or not viewer.sees(row):
            raise await self._refuse(caller, action, f"consultations/{key}", row)
        return row

    def _consultation_message(self, row: Any, viewer: access.Viewer) -> pb.Consultation:
        return convert.consultation_message(
            row, self._today(), for_welfare_area=viewer.is_welfare_area
        )

    async def _read_consultation(
        self, caller: Caller, viewer: access.Viewer, row_id: str
    ) -> pb.Consultation:
        async with self._db.transaction() as connection:
            row = await repository.get(connection, consultations, row_id)
            assert row is not None
            await self._audit.record(connection, caller, [_entry(row, "consultation.read", viewer)])
            return self._consultation_message(row, viewer)

    async def StartConsultation(
        self, request: pb.StartConsultationRequest, context: Context
    ) -> pb.Consultation:
        caller = current_caller()
        municipality = access.placement_officer(caller, self._allow_list)
        viewer = access.Viewer(municipality=municipality)
        today = self._today()
        try:
            requested_due = parse_date(request.answer_due, "answer_due")
            due = deadlines.answer_due(requested_due, today)
        except WelfareDomainError as error:
            raise invalid(error) from None
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        earlier = await self._created_before(caller, key, "StartConsultation", digest)
        if earlier is not None:
            return await self._read_consultation(caller, viewer, earlier)
        now = self._now()
        proposal_key = resource_id(request.proposal_id, "proposal_id", "placement proposal")
        try:
            async with self._db.transaction() as connection:
                proposal = await repository.get(connection, placement_proposals, proposal_key)
                if proposal is None or proposal.municipality_code != municipality:
                    raise await self._refuse(
                        caller,
                        "consultation.start",
                        f"placement-proposals/{proposal_key}",
                        proposal,
                    )
                try:
                    consultation.check_may_start(
                        codes.PlacementState(proposal.state), proposal.consultation_id
                    )
                except InvalidTransition as error:
                    raise InvalidState(error.message) from None
                persons = [person_from_stored(p) for p in proposal.persons]
                v = Violations()
                note = v.check(lambda: reviewed_note(request.note, request.note_reviewed, persons))
                v.raise_if_any()
                profile = anonymised_profile(
                    codes.PlacementBasis(proposal.basis), persons, today, note or ""
                )
                row = await repository.insert(
                    connection,
                    consultations,
                    {
                        "id": new_id(),
                        "version": 1,
                        "municipality_code": municipality,
                        "welfare_area": proposal.welfare_area,
                        "proposal_id": proposal.id,
                        "state": str(codes.ConsultationState.OPEN),
                        "profile": profile.as_dict(),
                        "answer_due": due,
                        "decision_due": proposal.response_due,
                        "note_reviewed_by": caller.subject if note else None,
                        "created_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                if not await repository.update_versioned(
                    connection,
                    placement_proposals,
                    proposal.id,
                    proposal.version,
                    {"consultation_id": row.id, "updated_at": now},
                ):
                    raise AlreadyExists("The proposal changed concurrently; read it again")
                await self._remember(connection, caller, key, "StartConsultation", digest, row.id)
                await self._audit.record(
                    connection,
                    caller,
                    [
                        _entry(row, "consultation.start", viewer),
                        AuditEntry(
                            action="placement.read",
                            resource=f"placement-proposals/{proposal.id}",
                            municipality=municipality,
                            fields=("basis", "persons"),
                        ),
                    ],
                )
                await self._publish(
                    connection,
                    row.welfare_area,
                    [
                        FeedEventDraft(
                            EventType.CONSULTATION_OPENED,
                            f"consultations/{row.id}",
                            {
                                "consultation_id": row.id,
                                "state": str(codes.ConsultationState.OPEN),
                                "answer_due": due.isoformat(),
                            },
                        )
                    ],
                )
                message = self._consultation_message(row, viewer)
        except IntegrityError:
            raise AlreadyExists("The proposal is being consulted already") from None
        self._published(row.welfare_area)
        return message

    async def GetConsultation(
        self, request: pb.GetConsultationRequest, context: Context
    ) -> pb.Consultation:
        caller = current_caller()
        viewer = access.viewer(caller, self._allow_list)
        async with self._db.transaction() as connection:
            row = await self._visible_consultation(
                connection, caller, viewer, request.consultation_id, "consultation.read"
            )
            await self._audit.record(connection, caller, [_entry(row, "consultation.read", viewer)])
            return self._consultation_message(row, viewer)

    async def ListConsultations(
        self, request: pb.ListConsultationsRequest, context: Context
    ) -> pb.ListConsultationsResponse:
        caller = current_caller()
        viewer = access.viewer(caller, self._allow_list)
        try:
            state = enums.from_proto(codes.ConsultationState, request.state, "state")
        except WelfareDomainError as error:
            raise invalid(error) from None
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.list_consultations(
                connection,
                municipality=viewer.municipality,
                welfare_area=viewer.welfare_area,
                state=str(state) if state else None,
                after=position(request.page_token),
                limit=size + 1,
            )
            page = rows[:size]
            await self._audit.record(
                connection, caller, [_entry(r, "consultation.list", viewer) for r in page]
            )
        return pb.ListConsultationsResponse(
            consultations=[self._consultation_message(r, viewer) for r in page],
            next_page_token=next_token(rows, size),
        )

    async def AnswerConsultation(
        self, request: pb.AnswerConsultationRequest, context: Context
    ) -> pb.Consultation:
        caller = current_caller()
        area = access.welfare_area_of(caller, self._allow_list)
        viewer = access.Viewer(welfare_area=area)
        v = Violations()
        recommendation = v.check(
            lambda: enums.from_proto(
                codes.Recommendation,
                request.answer.recommendation,
                "answer.recommendation",
                required=True,
            )
        )
        prepared = v.check(
            lambda: enums.many(
                codes.ServiceNeed, request.answer.prepared_services, "answer.prepared_services"
            )
        )
        comments = v.check(
            lambda: consultation.check_answer(request.answer.comments, prepared or ())
        )
        v.raise_if_any()
        assert recommendation is not None
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        earlier = await self._created_before(caller, key, "AnswerConsultation", digest)
        if earlier is not None:
            return await self._read_consultation(caller, viewer, earlier)
        try:
            now, today = self._now(), self._today()
            async with self._db.transaction() as connection:
                row = await self._visible_consultation(
                    connection, caller, viewer, request.consultation_id, "consultation.answer"
                )
                try:
                    consultation.check_may_answer(codes.ConsultationState(row.state))
                except InvalidTransition as error:
                    raise InvalidState(error.message) from None
                answered = await repository.update_versioned(
                    connection,
                    consultations,
                    row.id,
                    row.version,
                    {
                        "state": str(codes.ConsultationState.ANSWERED),
                        "answer": {
                            "recommendation": str(recommendation),
                            "comments": comments or "",
                            "prepared_services": [str(n) for n in prepared or ()],
                            "late": deadlines.overdue(row.answer_due, today),
                        },
                        "answered_by": caller.subject,
                        "answered_at": now,
                        "updated_at": now,
                    },
                )
                if not answered:
                    raise AlreadyExists("The consultation was answered concurrently")
                try:
                    await self._remember(
                        connection, caller, key, "AnswerConsultation", digest, row.id
                    )
                except IntegrityError:
                    raise AlreadyExists("Answered concurrently with this key") from None
                await self._audit.record(
                    connection,
                    caller,
                    [
                        AuditEntry(
                            action="consultation.answer",
                            resource=f"consultations/{row.id}",
                            municipality=row.municipality_code,
                            fields=("answer",),
                        )
                    ],
                )
                await self._publish(
                    connection,
                    area,
                    [
                        FeedEventDraft(
                            EventType.CONSULTATION_ANSWERED,
                            f"consultations/{row.id}",
                            {
                                "consultation_id": row.id,
                                "state": str(codes.ConsultationState.ANSWERED),
                            },
                        )
                    ],
                )
                updated = await repository.get(connection, consultations, row.id)
                if updated is None:
                    raise NotFound("No such consultation")
                message = self._consultation_message(updated, viewer)
            self._published(area)
            return message
        except (InvalidState, AlreadyExists):
            # A concurrent request with the same Idempotency-Key (e.g. a second replica of the
            # welfare area's system) answered first: this one is its retry, not a new answer.
            earlier = await self._created_before(caller, key, "AnswerConsultation", digest)
            if earlier is None:
                raise
            return await self._read_consultation(caller, viewer, earlier)
