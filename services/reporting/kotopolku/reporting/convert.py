"""Between the reporting service's messages, its rows and its domain values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from google.protobuf import json_format

from kotopolku.common.clock import as_utc, to_timestamp
from kotopolku.reporting.domain import feedback as fb
from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.table import Table
from kotopolku.reporting.v1 import reporting_pb2 as pb

_QUESTION_KINDS: Final = {
    pb.QUESTION_KIND_SCORE: fb.QuestionKind.SCORE,
    pb.QUESTION_KIND_TEXT: fb.QuestionKind.TEXT,
}
_AUDIENCES: Final = {
    pb.AUDIENCE_CLIENT: fb.Audience.CLIENT,
    pb.AUDIENCE_STAKEHOLDER: fb.Audience.STAKEHOLDER,
}
_ANONYMITY: Final = {
    pb.ANONYMITY_RESPONDENT_CHOOSES: fb.Anonymity.RESPONDENT_CHOOSES,
    pb.ANONYMITY_ALWAYS: fb.Anonymity.ALWAYS,
}
_CONTEXTS: Final = {
    pb.CONTEXT_KIND_PROGRAMME_SERVICE: fb.ContextKind.PROGRAMME_SERVICE,
    pb.CONTEXT_KIND_GUIDANCE_VISIT: fb.ContextKind.GUIDANCE_VISIT,
    pb.CONTEXT_KIND_APPOINTMENT: fb.ContextKind.APPOINTMENT,
    pb.CONTEXT_KIND_ASSESSMENT: fb.ContextKind.ASSESSMENT,
    pb.CONTEXT_KIND_PLAN: fb.ContextKind.PLAN,
    pb.CONTEXT_KIND_OTHER: fb.ContextKind.OTHER,
}
_STATUSES: Final = {
    fb.InvitationStatus.OPEN: pb.INVITATION_STATUS_OPEN,
    fb.InvitationStatus.ANSWERED: pb.INVITATION_STATUS_ANSWERED,
    fb.InvitationStatus.EXPIRED: pb.INVITATION_STATUS_EXPIRED,
}
FORMATS: Final = {
    pb.DOCUMENT_FORMAT_JSON: "json",
    pb.DOCUMENT_FORMAT_CSV: "csv",
    pb.DOCUMENT_FORMAT_PNG: "png",
    pb.DOCUMENT_FORMAT_SVG: "svg",
}


def decode(mapping: Mapping[Any, Any], value: int, field: str) -> Any:
    if value not in mapping:
        raise ReportingDomainError(field, "is required" if value == 0 else "is not a known value")
    return mapping[value]


def encode(mapping: Mapping[Any, Any], value: Any) -> Any:
    return next(number for number, member in mapping.items() if member == value)


def context_kind(value: int) -> fb.ContextKind:
    return fb.ContextKind(decode(_CONTEXTS, value, "context_kind"))


def audience(value: int, field: str = "respondent") -> fb.Audience:
    return fb.Audience(decode(_AUDIENCES, value, field))


def survey_draft(message: pb.Survey) -> fb.SurveyDraft:
    return fb.SurveyDraft(
        name=message.name,
        title=dict(message.title),
        questions=tuple(
            fb.Question(
                q.id,
                decode(_QUESTION_KINDS, q.kind, f"questions[{i}].kind"),
                dict(q.text),
                q.required,
            )
            for i, q in enumerate(message.questions)
        ),
        audience=audience(message.audience, "audience"),
        anonymity=decode(_ANONYMITY, message.anonymity, "anonymity"),
    )


def survey_values(draft: fb.SurveyDraft) -> dict[str, Any]:
    return {
        "name": draft.name,
        "title": dict(draft.title),
        "questions": [
            {"id": q.id, "kind": str(q.kind), "text": dict(q.text), "required": q.required}
            for q in draft.questions
        ],
        "audience": str(draft.audience),
        "anonymity": str(draft.anonymity),
    }


def survey_of_row(row: Any) -> fb.SurveyDraft:
    return fb.SurveyDraft(
        name=row.name,
        title=row.title,
        questions=tuple(
            fb.Question(q["id"], fb.QuestionKind(q["kind"]), q["text"], bool(q["required"]))
            for q in row.questions
        ),
        audience=fb.Audience(row.audience),
        anonymity=fb.Anonymity(row.anonymity),
    )


def survey_message(row: Any) -> pb.Survey:
    return pb.Survey(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        name=row.name,
        title=row.title,
        questions=[
            pb.Question(
                id=q["id"],
                kind=encode(_QUESTION_KINDS, fb.QuestionKind(q["kind"])),
                text=q["text"],
                required=bool(q["required"]),
            )
            for q in row.questions
        ],
        audience=encode(_AUDIENCES, fb.Audience(row.audience)),
        anonymity=encode(_ANONYMITY, fb.Anonymity(row.anonymity)),
        created_by=row.created_by,
        created_at=to_timestamp(row.created_at),
    )


def invitation_message(
    row: Any,
    status: fb.InvitationStatus,
    *,
    for_staff: bool,
    survey: Any = None,
    answer: Any = None,
    token: str = "",
) -> pb.Invitation:
    message = pb.Invitation(
        id=row.id,
        survey_id=row.survey_id,
        municipality_code=row.municipality_code,
        respondent=encode(_AUDIENCES, fb.Audience(row.respondent)),
        client_id=row.client_id or "",
        stakeholder_organisation=row.stakeholder_organisation or "",
        context_kind=encode(_CONTEXTS, fb.ContextKind(row.context_kind)),
        # The reference points into another service's records: staff only.
        context_reference=(row.context_reference or "") if for_staff else "",
        language=row.language,
        status=_STATUSES[status],
        expires_on=row.expires_on.isoformat(),
        created_at=to_timestamp(row.created_at),
        link_token=token,
    )
    if survey is not None:
        message.survey.CopyFrom(survey_message(survey))
    if answer is not None:
        message.answer.CopyFrom(
            pb.Answer(
                scores=[pb.ScoreAnswer(question_id=q, score=s) for q, s in answer.scores.items()],
                texts=[pb.TextAnswer(question_id=q, text=t) for q, t in answer.texts.items()],
                anonymous=False,
                language=answer.language,
            )
        )
        message.answered_at.FromDatetime(as_utc(answer.answered_at))
    return message


def answer_draft(message: pb.Answer) -> fb.AnswerDraft:
    return fb.AnswerDraft(
        scores=[(s.question_id, s.score) for s in message.scores],
        texts=[(t.question_id, t.text) for t in message.texts],
        anonymous=message.anonymous,
        language=message.language,
    )


def fact_body(fact: pb.Fact) -> tuple[str | None, dict[str, Any]]:
    kind = fact.WhichOneof("body")
    if kind is None:
        return None, {}
    return kind, json_format.MessageToDict(getattr(fact, kind), preserving_proto_field_name=True)


def report_message(
    table: Table,
    municipality: str,
    start: str,
    end: str,
    group_by: str,
    filters: dict[str, str],
    min_group_size: int,
) -> pb.Report:
    return pb.Report(
        kind=table.kind,
        municipality_code=municipality,
        period_start=start,
        period_end=end,
        group_by=group_by,
        filters=filters,
        dimensions=list(table.dimensions),
        measures=[pb.Measure(name=m.name, unit=m.unit) for m in table.measures],
        rows=[
            pb.ReportRow(
                dimensions=list(row.dimensions),
                cells=[
                    pb.Cell(value=v.number, suppressed=v.suppressed)
                    if v.number is not None
                    else pb.Cell(suppressed=v.suppressed)
                    for v in row.values
                ],
            )
            for row in table.rows
        ],
        comments=[
            pb.Comment(dimensions=list(c.dimensions), question_id=c.question_id, text=c.text)
            for c in table.comments
        ],
        min_group_size=min_group_size,
        notes=table.notes,
    )
