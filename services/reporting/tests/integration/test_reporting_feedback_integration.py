"""Feedback: a survey, an invitation sent through the messaging service, answers in
self-service and by a one-time link; an anonymous answer keeps nothing that leads back to the
respondent; scores and free text reach reports only in large enough groups."""

from __future__ import annotations

import grpc
import sqlalchemy as sa
from reporting_testkit import (
    LINK,
    MANAGER,
    OFFICER,
    OFFICER_837,
    Reporting,
    client_survey,
    client_user,
    rpc_error,
)

from kotopolku.common.clock import utcnow
from kotopolku.common.facts import finnish_day
from kotopolku.messaging.tables import notifications
from kotopolku.reporting.notifications import InvitationRelay
from kotopolku.reporting.service import INVITATION_RELAY
from kotopolku.reporting.tables import (
    anonymous_answers,
    answers,
    invitation_outbox,
    invitations,
    metadata,
)
from kotopolku.reporting.v1 import reporting_pb2 as pb

# The services count by Finnish calendar days.
MONTH = finnish_day(utcnow()).strftime("%Y-%m")


def answer(score: int, text: str = "", anonymous: bool = False) -> pb.Answer:
    return pb.Answer(
        scores=[pb.ScoreAnswer(question_id="overall", score=score)],
        texts=[pb.TextAnswer(question_id="comment", text=text)] if text else [],
        anonymous=anonymous,
        language="fi",
    )


async def _relay(svc: Reporting) -> InvitationRelay:
    relay = svc.host._runtime.extras[INVITATION_RELAY]  # type: ignore[union-attr]
    assert isinstance(relay, InvitationRelay)
    return relay


async def _messaging_notifications(svc: Reporting) -> list:
    assert svc.messaging_host.database is not None
    async with svc.messaging_host.database.engine.connect() as connection:
        return list((await connection.execute(sa.select(notifications))).all())


async def test_a_client_is_invited_through_messaging_and_answers_anonymously(
    svc: Reporting,
) -> None:
    client = await svc.new_client()
    survey = await svc.survey()
    invitation = await svc.invite(
        survey_id=survey.id, client_id=client.id, context_reference="enrolment-123"
    )
    assert invitation.status == pb.INVITATION_STATUS_OPEN
    assert invitation.link_token == ""

    # The invitation goes to the messaging service, at least once and never twice.
    assert len(await svc.rows(invitation_outbox)) == 1
    relay = await _relay(svc)
    assert await relay.deliver_once() == 1
    assert await svc.rows(invitation_outbox) == []
    [sent] = await _messaging_notifications(svc)
    assert (sent.client_id, sent.template_key) == (client.id, "feedback-invitation")
    assert sent.variables["feedback_url"] == "https://kotopolku.example.fi/app/#feedback"
    assert client.id not in sent.variables["feedback_url"]

    me = client_user(client.id)
    [own] = (
        await svc.stub.ListOwnInvitations(pb.ListOwnInvitationsRequest(), metadata=svc.md(me))
    ).invitations
    assert own.id == invitation.id
    assert own.survey.title["fi"] == "Miten onnistuimme?"
    assert own.context_reference == ""
    receipt = await svc.stub.AnswerOwnInvitation(
        pb.AnswerOwnInvitationRequest(
            invitation_id=invitation.id, answer=answer(5, "Opettaja oli hyvä", anonymous=True)
        ),
        metadata=svc.md(me),
    )
    assert receipt == pb.AnswerReceipt(anonymous=True, period=MONTH)

    # The proof: the anonymous answer's row holds nothing of the person, the invitation or the
    # time, and no row anywhere relates the two.
    [kept] = await svc.rows(anonymous_answers)
    assert set(kept._mapping) == {
        "id",
        "survey_id",
        "municipality_code",
        "respondent",
        "context_kind",
        "language",
        "scores",
        "texts",
        "period",
    }
    assert kept.scores == {"overall": 5}
    assert kept.texts == {"comment": "Opettaja oli hyvä"}
    assert kept.period == MONTH
    values = {str(v) for v in kept._mapping.values()}
    for identifying in (client.id, invitation.id, "enrolment-123", me.subject):
        assert not any(identifying in v for v in values)
    assert kept.id != invitation.id
    assert await svc.rows(answers) == []
    [asked] = await svc.rows(invitations)
    assert asked.answered is True
    assert "answered_at" not in asked._mapping
    for table in metadata.sorted_tables:
        for row in await svc.rows(table):
            text = " ".join(str(v) for v in row._mapping.values())
            assert not (kept.id in text and client.id in text), table.name

    # The officer sees that it was answered, not what or how.
    [listed] = (
        await svc.stub.ListClientInvitations(
            pb.ListClientInvitationsRequest(client_id=client.id), metadata=svc.md(OFFICER)
        )
    ).invitations
    assert listed.status == pb.INVITATION_STATUS_ANSWERED
    assert not listed.HasField("answer")
    # Answered once only.
    await rpc_error(
        svc.stub.AnswerOwnInvitation(
            pb.AnswerOwnInvitationRequest(invitation_id=invitation.id, answer=answer(1)),
            metadata=svc.md(me),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )


async def test_an_identified_answer_is_personal_data_seen_by_the_officer_and_audited(
    svc: Reporting,
) -> None:
    client = await svc.new_client()
    survey = await svc.survey()
    invitation = await svc.invite(survey_id=survey.id, client_id=client.id)
    me = client_user(client.id)
    await svc.stub.AnswerOwnInvitation(
        pb.AnswerOwnInvitationRequest(invitation_id=invitation.id, answer=answer(2, "Liian nopea")),
        metadata=svc.md(me),
    )
    [listed] = (
        await svc.stub.ListClientInvitations(
            pb.ListClientInvitationsRequest(client_id=client.id), metadata=svc.md(OFFICER)
        )
    ).invitations
    assert listed.answer.scores[0].score == 2
    assert listed.answer.texts[0].text == "Liian nopea"
    [row] = await svc.rows(answers)
    assert row.invitation_id == invitation.id
    actions = [(e.action, e.subject_client_id) for e in await svc.audit_events()]
    assert ("feedback-invitation.create", client.id) in actions
    assert ("feedback-invitation.answer", client.id) in actions
    assert ("feedback-invitation.list-result", client.id) in actions
    # Another municipality's officer finds nothing; another client cannot answer it.
    found = await svc.stub.ListClientInvitations(
        pb.ListClientInvitationsRequest(client_id=client.id), metadata=svc.md(OFFICER_837)
    )
    assert list(found.invitations) == []
    other = await svc.new_client(last_name="Toinen")
    await rpc_error(
        svc.stub.AnswerOwnInvitation(
            pb.AnswerOwnInvitationRequest(invitation_id=invitation.id, answer=answer(5)),
            metadata=svc.md(client_user(other.id)),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    await rpc_error(
        svc.invite(OFFICER_837, survey_id=survey.id, client_id=client.id),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_a_stakeholder_answers_once_with_a_one_time_link(svc: Reporting) -> None:
    survey = await svc.survey(
        client_survey(audience=pb.AUDIENCE_STAKEHOLDER, anonymity=pb.ANONYMITY_ALWAYS)
    )
    invitation = await svc.invite(
        survey_id=survey.id,
        respondent=pb.AUDIENCE_STAKEHOLDER,
        stakeholder_organisation="opisto",
        context_kind=pb.CONTEXT_KIND_OTHER,
    )
    token = invitation.link_token
    assert len(token) >= 40
    [row] = await svc.rows(invitations)
    assert token not in str(row._mapping.values())
    assert row.client_id is None
    shown = await svc.stub.GetLinkInvitation(
        pb.GetLinkInvitationRequest(token=token), metadata=svc.md(LINK)
    )
    assert shown.survey.questions[0].id == "overall"
    receipt = await svc.stub.AnswerLinkInvitation(
        pb.AnswerLinkInvitationRequest(token=token, answer=answer(4)), metadata=svc.md(LINK)
    )
    assert receipt.anonymous  # the survey makes every answer anonymous
    await rpc_error(
        svc.stub.AnswerLinkInvitation(
            pb.AnswerLinkInvitationRequest(token=token, answer=answer(4)), metadata=svc.md(LINK)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    await rpc_error(
        svc.stub.GetLinkInvitation(
            pb.GetLinkInvitationRequest(token="x" * 43), metadata=svc.md(LINK)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    # Only the link route may use a token; an officer may not answer for the stakeholder.
    await rpc_error(
        svc.stub.GetLinkInvitation(
            pb.GetLinkInvitationRequest(token=token), metadata=svc.md(OFFICER)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    # A client survey cannot invite a stakeholder, nor a stakeholder survey a client.
    error = await rpc_error(
        svc.invite(survey_id=survey.id, client_id=(await svc.new_client()).id),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["respondent"]


async def test_feedback_reports_hide_scores_and_text_of_small_groups(svc: Reporting) -> None:
    survey = await svc.survey()
    for index in range(6):
        client = await svc.new_client(last_name=f"Palaute{index}")
        invitation = await svc.invite(survey_id=survey.id, client_id=client.id)
        await svc.stub.AnswerOwnInvitation(
            pb.AnswerOwnInvitationRequest(
                invitation_id=invitation.id,
                answer=answer(4 if index % 2 else 2, f"kommentti {index}", anonymous=index > 2),
            ),
            metadata=svc.md(client_user(client.id)),
        )
        if index == 3:
            small = await svc.report(MANAGER, kind="feedback", period_start=MONTH, period_end=MONTH)
            [row] = small.rows
            assert row.cells[0].value == 4
            assert row.cells[1].suppressed
            assert not row.cells[1].HasField("value")
            assert list(small.comments) == []
    report = await svc.report(MANAGER, kind="feedback", period_start=MONTH, period_end=MONTH)
    [row] = report.rows
    assert list(row.dimensions) == [MONTH, survey.name, "CLIENT"]
    assert row.cells[0].value == 6
    assert row.cells[1].value == 3.0
    assert row.cells[2].value == 50.0
    assert sorted(c.text for c in report.comments) == [f"kommentti {i}" for i in range(6)]


async def test_survey_and_invitation_input_names_the_field(svc: Reporting) -> None:
    error = await rpc_error(
        svc.survey(client_survey(title={"en": "Only English"})), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in error.violations] == ["title.fi"]
    await rpc_error(svc.survey(caller=client_user("x")), grpc.StatusCode.PERMISSION_DENIED)
    survey = await svc.survey()
    error = await rpc_error(
        svc.invite(survey_id=survey.id, client_id=(await svc.new_client()).id, valid_days=400),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["valid_days"]
    error = await rpc_error(
        svc.invite(survey_id=survey.id, respondent=pb.AUDIENCE_STAKEHOLDER, client_id=survey.id),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["client_id"]
    assert await svc.rows(invitations) == []
