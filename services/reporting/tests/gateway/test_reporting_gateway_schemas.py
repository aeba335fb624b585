"""The JSON shapes of the feedback and reporting API: enum values both ways, a report's rows by
name, and examples on every request body in the OpenAPI document."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kotopolku.gateway.app import create_app
from kotopolku.gateway.reporting_schemas import AnswerIn, Report, Survey, SurveyCreate
from kotopolku.reporting.v1 import reporting_pb2 as pb

SURVEY = {
    "name": "Kotoutumiskoulutus",
    "title": {"fi": "Miten onnistuimme?"},
    "questions": [
        {"id": "overall", "kind": "score", "text": {"fi": "Arvio"}, "required": True},
        {"id": "comment", "kind": "text", "text": {"fi": "Terveiset"}, "required": False},
    ],
    "audience": "stakeholder",
    "anonymity": "always",
}


def test_a_survey_round_trips_through_its_message() -> None:
    message = SurveyCreate.model_validate(SURVEY).message()
    assert message.audience == pb.AUDIENCE_STAKEHOLDER
    assert message.anonymity == pb.ANONYMITY_ALWAYS
    assert [q.kind for q in message.questions] == [pb.QUESTION_KIND_SCORE, pb.QUESTION_KIND_TEXT]
    message.id, message.version, message.municipality_code = "s-1", 1, "091"
    message.created_at.FromSeconds(0)
    back = Survey.of(message).model_dump(mode="json")
    assert {k: back[k] for k in SURVEY} == SURVEY


@pytest.mark.parametrize(
    "bad",
    [
        {"scores": [{"question_id": "overall", "score": 6}]},
        {"scores": [{"question_id": "overall", "score": 0}]},
        {"client_id": "c-1"},
        {"texts": [{"question_id": "comment", "text": "x" * 2001}]},
    ],
)
def test_answers_are_typed_and_bounded(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AnswerIn.model_validate(bad)


def test_a_report_names_its_values_and_what_was_withheld() -> None:
    report = pb.Report(
        kind="feedback",
        municipality_code="091",
        dimensions=["period", "survey", "respondent"],
        measures=[pb.Measure(name="answers", unit="count"), pb.Measure(name="mean", unit="score")],
        rows=[
            pb.ReportRow(
                dimensions=["2026-03", "Koulutus", "CLIENT"],
                cells=[pb.Cell(value=3), pb.Cell(suppressed=True)],
            )
        ],
    )
    [row] = Report.of(report).model_dump(mode="json")["rows"]
    assert row == {
        "dimensions": {"period": "2026-03", "survey": "Koulutus", "respondent": "CLIENT"},
        "values": {"answers": 3.0, "mean": None},
        "suppressed": ["mean"],
    }


def test_every_feedback_request_body_has_an_example() -> None:
    document = create_app().openapi()
    paths = {
        path: item
        for path, item in document["paths"].items()
        if "feedback" in path or path.startswith("/v1/reports") or "national" in path
    }
    assert "/v1/reports/{report}" in paths
    assert "/v1/feedback/links/{token}" in paths
    assert paths["/v1/feedback/links/{token}"]["get"]["security"] == []
    for path, item in paths.items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            content = body["content"]["application/json"]
            assert content.get("examples") or content.get("example"), (method, path)
