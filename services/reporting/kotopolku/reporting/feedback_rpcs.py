"""RPCs of feedback: surveys, invitations to clients and stakeholders, and answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import AlreadyExists, InvalidArgument, InvalidState, NotFound
from kotopolku.common.idempotency import request_hash, validate_key
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import resource_id
from kotopolku.reporting import access, convert, notifications, repository
from kotopolku.reporting.domain import feedback as fb
from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.periods import month_of
from kotopolku.reporting.rpc_support import Context, RpcBase, after, invalid, next_token
from kotopolku.reporting.v1 import reporting_pb2 as pb


def _unkeyed(request: Any) -> str:
    copy = type(request)()
    copy.CopyFrom(request)
    copy.idempotency_key = ""
    return request_hash(copy)


def _invitation_entry(row: Any, action: str, fields: tuple[str, ...] = ()) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"feedback-invitations/{row.id}",
        subject_client_id=row.client_id or "",
        municipality=row.municipality_code,
        fields=fields,
    )


class FeedbackRpcs(RpcBase):
    # --- surveys -------------------------------------------------------------------------------

    async def CreateSurvey(self, request: pb.CreateSurveyRequest, context: Context) -> pb.Survey:
        caller = current_caller()
        municipality = access.survey_writer(caller)
        try:
            draft = fb.check_survey(convert.survey_draft(request.survey))
        except ReportingDomainError as error:
            raise invalid(error) from None
        key = validate_key(request.idempotency_key) if request.idempotency_key else ""
        digest = _unkeyed(request)
        async with self._db.transaction() as connection:
            if key:
                earlier = await self._idempotency.find(
                    connection, caller.subject, key, "CreateSurvey", digest
                )
                if earlier is not None:
                    row = await repository.get_survey(connection, earlier)
                    return convert.survey_message(row)
            row = await repository.insert_survey(
                connection,
                {
                    **convert.survey_values(draft),
                    "municipality_code": municipality,
                    "created_by": caller.subject,
                    "created_at": self._clock(),
                },
            )
            if key:
                await self._idempotency.remember(
                    connection, caller.subject, key, "CreateSurvey", digest, row.id
                )
            await self._audit.record(
                connection,
                caller,
                [AuditEntry("survey.create", f"surveys/{row.id}", municipality=municipality)],
            )
            return convert.survey_message(row)

    async def _survey(self, connection: AsyncConnection, survey_id: str, municipality: str) -> Any:
        row = await repository.get_survey(connection, resource_id(survey_id, "survey_id"))
        if row is None or row.municipality_code != municipality:
            raise NotFound("No such survey")
        return row

    async def GetSurvey(self, request: pb.GetSurveyRequest, context: Context) -> pb.Survey:
        municipality = access.survey_reader(current_caller())
        async with self._db.transaction() as connection:
            return convert.survey_message(
                await self._survey(connection, request.survey_id, municipality)
            )

    async def ListSurveys(
        self, request: pb.ListSurveysRequest, context: Context
    ) -> pb.ListSurveysResponse:
        municipality = access.survey_reader(current_caller())
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.list_surveys(
                connection, municipality, after(request.page_token), size + 1
            )
        return pb.ListSurveysResponse(
            surveys=[convert.survey_message(r) for r in rows[:size]],
            next_page_token=next_token(rows, size),
        )

    # --- invitations ---------------------------------------------------------------------------

    def _invitation_values(self, request: pb.CreateInvitationRequest) -> dict[str, Any]:
        try:
            respondent = convert.audience(request.respondent)
            values: dict[str, Any] = {
                "respondent": str(respondent),
                "context_kind": str(convert.context_kind(request.context_kind)),
                "language": fb.check_language(request.language),
                "stakeholder_organisation": fb.check_organisation(request.stakeholder_organisation)
                or None,
                "expires_on": fb.expiry(self._today(), request.valid_days),
            }
        except ReportingDomainError as error:
            raise invalid(error) from None
        if len(request.context_reference) > 100:
            raise InvalidArgument.field("context_reference", "is longer than 100 characters")
        values["context_reference"] = request.context_reference or None
        if respondent is fb.Audience.CLIENT:
            values["client_id"] = resource_id(request.client_id, "client_id", "client")
            if values["stakeholder_organisation"]:
                raise InvalidArgument.field(
                    "stakeholder_organisation", "is for stakeholder invitations"
                )
        elif request.client_id:
            raise InvalidArgument.field("client_id", "a stakeholder invitation names no client")
        else:
            values["client_id"] = None
        return values

    async def CreateInvitation(
        self, request: pb.CreateInvitationRequest, context: Context
    ) -> pb.Invitation:
        caller = current_caller()
        municipality = access.officer(caller)
        values = self._invitation_values(request)
        key = validate_key(request.idempotency_key) if request.idempotency_key else ""
        digest = _unkeyed(request)
        if key:
            async with self._db.transaction() as connection:
                earlier = await self._idempotency.find(
                    connection, caller.subject, key, "CreateInvitation", digest
                )
                if earlier is not None:
                    # A stakeholder's token was shown once and is not kept: none is returned.
                    row = await repository.get_invitation(connection, earlier)
                    return await self._staff_view(connection, caller, row, "read")
        if values["client_id"] is not None:
            # Asked as the officer: the clients service applies its own tenant rules.
            client = await self._clients.visible_client(
                values["client_id"], context.time_remaining()
            )
            if client.municipality_code != municipality:
                raise NotFound("No such client")
        token = fb.new_token() if values["client_id"] is None else ""
        async with self._db.transaction() as connection:
            survey = await self._survey(connection, request.survey_id, municipality)
            if survey.audience != values["respondent"]:
                raise InvalidArgument.field(
                    "respondent", f"the survey is for {survey.audience.lower()} respondents"
                )
            if key and await self._idempotency.find(
                connection, caller.subject, key, "CreateInvitation", digest
            ):
                raise AlreadyExists("The invitation was created concurrently with this key")
            row = await repository.insert_invitation(
                connection,
                {
                    **values,
                    "survey_id": survey.id,
                    "municipality_code": municipality,
                    "token_hash": fb.token_hash(token) if token else None,
                    "created_by": caller.subject,
                    "created_at": self._clock(),
                },
            )
            if row.client_id is not None:
                request_out = notifications.notification(
                    row, self._settings.feedback_url, self._settings.organiser
                )
                await repository.enqueue_notification(
                    connection, row.id, request_out.SerializeToString(), self._clock()
                )
            if key:
                await self._idempotency.remember(
                    connection, caller.subject, key, "CreateInvitation", digest, row.id
                )
            await self._audit.record(
                connection, caller, [_invitation_entry(row, "feedback-invitation.create")]
            )
            message = convert.invitation_message(
                row, fb.InvitationStatus.OPEN, for_staff=True, token=token
            )
        self._on_invitation()
        return message

    async def _staff_view(
        self, connection: AsyncConnection, caller: Caller, row: Any, verb: str
    ) -> pb.Invitation:
        answers = await repository.answers_of(connection, [row.id])
        await self._audit.record(
            connection, caller, [_invitation_entry(row, f"feedback-invitation.{verb}")]
        )
        return convert.invitation_message(
            row,
            fb.invitation_status(row.answered, row.expires_on, self._today()),
            for_staff=True,
            answer=answers.get(row.id),
        )

    async def ListClientInvitations(
        self, request: pb.ListClientInvitationsRequest, context: Context
    ) -> pb.ListInvitationsResponse:
        caller = current_caller()
        municipality = access.officer(caller)
        client_id = resource_id(request.client_id, "client_id", "client")
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.client_invitations(
                connection, client_id, municipality, after(request.page_token), size + 1
            )
            page = rows[:size]
            answers = await repository.answers_of(connection, [r.id for r in page])
            await self._audit.record(
                connection,
                caller,
                [
                    _invitation_entry(
                        r,
                        "feedback-invitation.list-result",
                        ("invitation", "answer") if r.id in answers else ("invitation",),
                    )
                    for r in page
                ],
            )
        today = self._today()
        return pb.ListInvitationsResponse(
            invitations=[
                convert.invitation_message(
                    r,
                    fb.invitation_status(r.answered, r.expires_on, today),
                    for_staff=True,
                    answer=answers.get(r.id),
                )
                for r in page
            ],
            next_page_token=next_token(rows, size),
        )

    # --- self-service --------------------------------------------------------------------------

    async def ListOwnInvitations(
        self, request: pb.ListOwnInvitationsRequest, context: Context
    ) -> pb.ListInvitationsResponse:
        caller = current_caller()
        client_id = access.own_client(caller)
        today = self._today()
        async with self._db.transaction() as connection:
            rows = await repository.client_invitations(
                connection, client_id, None, None, pagination.MAX_PAGE_SIZE
            )
            shown = [
                r
                for r in rows
                if request.include_closed
                or fb.invitation_status(r.answered, r.expires_on, today) is fb.InvitationStatus.OPEN
            ]
            surveys = {
                r.survey_id: await repository.get_survey(connection, r.survey_id) for r in shown
            }
            await self._audit.record(
                connection,
                caller,
                [_invitation_entry(r, "feedback-invitation.read", ("invitation",)) for r in shown],
            )
        return pb.ListInvitationsResponse(
            invitations=[
                convert.invitation_message(
                    r,
                    fb.invitation_status(r.answered, r.expires_on, today),
                    for_staff=False,
                    survey=surveys[r.survey_id],
                )
                for r in shown
            ]
        )

    async def AnswerOwnInvitation(
        self, request: pb.AnswerOwnInvitationRequest, context: Context
    ) -> pb.AnswerReceipt:
        caller = current_caller()
        client_id = access.own_client(caller)
        invitation_id = resource_id(request.invitation_id, "invitation_id", "invitation")
        async with self._db.transaction() as connection:
            row = await repository.get_invitation(connection, invitation_id)
            if row is None or row.client_id != client_id:
                await self._audit_refusal(
                    caller,
                    "feedback-invitation.answer",
                    f"feedback-invitations/{invitation_id}",
                    row if row is not None and row.client_id == client_id else None,
                )
                raise NotFound("No such feedback invitation")
            return await self._answer(connection, caller, row, request.answer)

    async def _answer(
        self, connection: AsyncConnection, caller: Caller, row: Any, message: pb.Answer
    ) -> pb.AnswerReceipt:
        status = fb.invitation_status(row.answered, row.expires_on, self._today())
        if status is not fb.InvitationStatus.OPEN:
            raise InvalidState(f"The invitation is {status.value.lower()}")
        survey = await repository.get_survey(connection, row.survey_id)
        try:
            answer = fb.check_answer(convert.answer_draft(message), convert.survey_of_row(survey))
        except ReportingDomainError as error:
            raise invalid(error) from None
        if not await repository.mark_answered(connection, row.id):
            raise InvalidState("The invitation is answered")
        now = self._clock()
        period = month_of(self._today())
        common = {
            "survey_id": row.survey_id,
            "municipality_code": row.municipality_code,
            "respondent": row.respondent,
            "context_kind": row.context_kind,
            "language": answer.language or row.language or "",
            "scores": answer.scores,
            "texts": answer.texts,
            "period": period,
        }
        if answer.anonymous:
            # No invitation, client, token or time: nothing leads back to the respondent.
            await repository.insert_anonymous_answer(connection, common)
        else:
            await repository.insert_answer(
                connection, {**common, "invitation_id": row.id, "answered_at": now}
            )
        await self._audit.record(
            connection, caller, [_invitation_entry(row, "feedback-invitation.answer", ("answer",))]
        )
        return pb.AnswerReceipt(anonymous=answer.anonymous, period=period)

    # --- one-time links ------------------------------------------------------------------------

    async def _by_token(self, connection: AsyncConnection, token: str) -> Any:
        if not 20 <= len(token) <= 100:
            raise NotFound("No such feedback link")
        row = await repository.invitation_by_token(connection, fb.token_hash(token))
        if row is None:
            raise NotFound("No such feedback link")
        return row

    async def GetLinkInvitation(
        self, request: pb.GetLinkInvitationRequest, context: Context
    ) -> pb.Invitation:
        caller = current_caller()
        access.link_caller(caller)
        async with self._db.transaction() as connection:
            row = await self._by_token(connection, request.token)
            survey = await repository.get_survey(connection, row.survey_id)
            await self._audit.record(
                connection, caller, [_invitation_entry(row, "feedback-invitation.read")]
            )
        return convert.invitation_message(
            row,
            fb.invitation_status(row.answered, row.expires_on, self._today()),
            for_staff=False,
            survey=survey,
        )

    async def AnswerLinkInvitation(
        self, request: pb.AnswerLinkInvitationRequest, context: Context
    ) -> pb.AnswerReceipt:
        caller = current_caller()
        access.link_caller(caller)
        async with self._db.transaction() as connection:
            row = await self._by_token(connection, request.token)
            return await self._answer(connection, caller, row, request.answer)
