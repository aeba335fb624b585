"""The reporting service's part of the client-records contract, served by the real service:
the client's facts and feedback are exported; minimisation leaves every report as it was while
nothing left relates the facts and answers to the client."""

from __future__ import annotations

import json

import grpc
from reporting_testkit import MANAGER, OFFICER, Reporting, client_user, rpc_error
from test_reporting_facts_integration import MONTH, recorder, started
from test_reporting_feedback_integration import answer

from kotopolku.records.v1 import records_pb2 as rpb
from kotopolku.records.v1 import records_pb2_grpc
from kotopolku.reporting.tables import answers, facts, invitation_outbox, invitations
from kotopolku.reporting.v1 import reporting_pb2 as pb


async def test_minimisation_keeps_the_figures_and_forgets_the_client(svc: Reporting) -> None:
    client = await svc.new_client()
    other = await svc.new_client(first_names="Omar")
    rec = recorder(svc)
    await svc.stub.RecordFacts(
        pb.RecordFactsRequest(
            facts=[started(rec, "091", client.id), started(rec, "091", other.id)]
        ),
        metadata=svc.service_md("assessment"),
    )
    survey = await svc.survey()
    answered = await svc.invite(survey_id=survey.id, client_id=client.id, context_reference="e-1")
    await svc.stub.AnswerOwnInvitation(
        pb.AnswerOwnInvitationRequest(
            invitation_id=answered.id, answer=answer(4, "Tulkki auttoi paljon")
        ),
        metadata=svc.md(client_user(client.id)),
    )
    still_open = await svc.invite(survey_id=survey.id, client_id=client.id)
    before = await svc.report(MANAGER, kind="assessments", period_start=MONTH, period_end=MONTH)

    records = records_pb2_grpc.ClientRecordsServiceStub(svc.channel)
    archive = svc.service_md("archive")
    await rpc_error(
        records.ExportClientRecords(
            rpb.ExportClientRecordsRequest(client_id=client.id, municipality_code="091"),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    export = await records.ExportClientRecords(
        rpb.ExportClientRecordsRequest(client_id=client.id, municipality_code="091"),
        metadata=archive,
    )
    types = [r.record_type for r in export.records]
    assert types == [
        "reporting.fact",
        "reporting.feedback-invitation",
        "reporting.feedback-answer",
        "reporting.open-feedback-invitation",
    ]
    fact = json.loads(export.records[0].content)
    assert fact["subject"] == rec.subject("091", client.id)
    assert json.loads(export.records[2].content)["texts"] == {"comment": "Tulkki auttoi paljon"}
    elsewhere = await records.ExportClientRecords(
        rpb.ExportClientRecordsRequest(client_id=client.id, municipality_code="837"),
        metadata=archive,
    )
    assert list(elsewhere.records) == []

    done = await records.MinimiseClientRecords(
        rpb.MinimiseClientRecordsRequest(
            client_id=client.id,
            municipality_code="091",
            package_id="pkg-1",
            expected_digest=export.digest,
        ),
        metadata=archive,
    )
    assert [(r.record_type, r.action, r.count) for r in done.results] == [
        ("reporting.fact", "minimised", 1),
        ("reporting.feedback-invitation", "minimised", 1),
        ("reporting.feedback-answer", "minimised", 1),
        ("reporting.open-feedback-invitation", "deleted", 1),
        ("reporting.invitation-delivery", "deleted", 2),
    ]

    # The figures are the same; the client's fact is there under a subject of no one.
    after = await svc.report(MANAGER, kind="assessments", period_start=MONTH, period_end=MONTH)
    assert list(after.rows) == list(before.rows)
    subjects = {row.subject for row in await svc.rows(facts)}
    assert rec.subject("091", other.id) in subjects
    assert rec.subject("091", client.id) not in subjects
    assert len(subjects) == 2
    [kept_invitation] = await svc.rows(invitations)
    assert (kept_invitation.id, kept_invitation.client_id) == (answered.id, None)
    assert kept_invitation.context_reference is None
    assert still_open.id != kept_invitation.id
    [kept_answer] = await svc.rows(answers)
    assert (kept_answer.scores, kept_answer.texts) == ({"overall": 4}, {})
    assert await svc.rows(invitation_outbox) == []
    again = await records.ExportClientRecords(
        rpb.ExportClientRecordsRequest(client_id=client.id, municipality_code="091"),
        metadata=archive,
    )
    assert list(again.records) == []
