"""JSON shapes of the feedback and reporting API (IS services 10 and 13) and their conversion to
and from the reporting service's messages.

Types and sizes are checked here; the rules (Finnish texts required, scores 1–5, which filters a
report takes, periods) are checked once, in the reporting service, and come back as field
violations named like the JSON fields. Report codes (kinds, statuses, service types, CEFR
levels) are the owning services' codes, e.g. ``MULTI_SECTOR``, ``INTEGRATION_TRAINING``, ``B1``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model
from kotopolku.reporting.v1 import reporting_pb2 as pb


class QuestionKind(StrEnum):
    score = "score"
    text = "text"


class Audience(StrEnum):
    client = "client"
    stakeholder = "stakeholder"


class Anonymity(StrEnum):
    respondent_chooses = "respondent-chooses"
    always = "always"


class ContextKind(StrEnum):
    programme_service = "programme-service"
    guidance_visit = "guidance-visit"
    appointment = "appointment"
    assessment = "assessment"
    plan = "plan"
    other = "other"


class InvitationStatus(StrEnum):
    open = "open"
    answered = "answered"
    expired = "expired"


QUESTION_KINDS = enum_map("QUESTION_KIND_", QuestionKind, pb.QuestionKind)
AUDIENCES = enum_map("AUDIENCE_", Audience, pb.Audience)
ANONYMITY = enum_map("ANONYMITY_", Anonymity, pb.Anonymity)
CONTEXTS = enum_map("CONTEXT_KIND_", ContextKind, pb.ContextKind)
STATUSES = enum_map("INVITATION_STATUS_", InvitationStatus, pb.InvitationStatus)

Texts = dict[str, str]

# --- surveys -----------------------------------------------------------------------------------


class Question(Model):
    id: str = Field(max_length=40, examples=["overall"])
    kind: QuestionKind
    text: Texts = Field(
        description="The question per language (ISO 639-1); Finnish required",
        examples=[{"fi": "Kokonaisarvio palvelusta", "en": "Overall rating of the service"}],
    )
    required: bool = False

    def message(self) -> pb.Question:
        return pb.Question(
            id=self.id, kind=QUESTION_KINDS[self.kind], text=self.text, required=self.required
        )

    @classmethod
    def of(cls, m: pb.Question) -> Question:
        return cls(
            id=m.id,
            kind=from_proto(QUESTION_KINDS, m.kind),
            text=dict(m.text),
            required=m.required,
        )


class SurveyCreate(Model):
    name: str = Field(max_length=200, examples=["Kotoutumiskoulutus – asiakaspalaute"])
    title: Texts = Field(
        description="Shown to respondents, per language; Finnish required",
        examples=[{"fi": "Miten onnistuimme?", "en": "How did we do?"}],
    )
    questions: list[Question] = Field(max_length=20)
    audience: Audience = Field(description="Who answers: clients or stakeholders")
    anonymity: Anonymity = Field(
        Anonymity.respondent_chooses,
        description="respondent-chooses, or always: every answer is stored anonymously",
    )

    def message(self) -> pb.Survey:
        return pb.Survey(
            name=self.name,
            title=self.title,
            questions=[q.message() for q in self.questions],
            audience=AUDIENCES[self.audience],
            anonymity=ANONYMITY[self.anonymity],
        )


SURVEY_EXAMPLES: dict[str, Any] = {
    "client": {
        "summary": "A survey for clients after integration training",
        "value": {
            "name": "Kotoutumiskoulutus – asiakaspalaute",
            "title": {"fi": "Miten onnistuimme?", "en": "How did we do?", "ar": "كيف كان أداؤنا؟"},
            "questions": [
                {
                    "id": "overall",
                    "kind": "score",
                    "text": {"fi": "Kokonaisarvio (1–5)", "en": "Overall (1–5)"},
                    "required": True,
                },
                {
                    "id": "comment",
                    "kind": "text",
                    "text": {"fi": "Mitä haluat sanoa?", "en": "Anything to add?"},
                },
            ],
            "audience": "client",
            "anonymity": "respondent-chooses",
        },
    }
}


class Survey(SurveyCreate):
    id: str
    version: int
    municipality_code: str
    created_at: datetime

    @classmethod
    def of(cls, m: pb.Survey) -> Survey:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            name=m.name,
            title=dict(m.title),
            questions=[Question.of(q) for q in m.questions],
            audience=from_proto(AUDIENCES, m.audience),
            anonymity=from_proto(ANONYMITY, m.anonymity),
            created_at=from_timestamp(m.created_at),
        )


class SurveyPage(Model):
    items: list[Survey]
    next_page_token: str | None


# --- invitations and answers -------------------------------------------------------------------


class InvitationCreate(Model):
    survey_id: str = Field(max_length=36, examples=["0f8b6c1e-2d3a-4b5c-8d9e-0a1b2c3d4e5f"])
    context_kind: ContextKind = Field(description="What the feedback is about")
    context_reference: str = Field(
        "",
        max_length=100,
        description="The id of the service, visit or appointment (staff only)",
        examples=["c3a9e0a4-7d1b-4f0e-9b77-5c2d1e8f6a10"],
    )
    language: str = Field(
        "", max_length=3, description="ISO 639-1; empty: the client's own", examples=["ar"]
    )
    valid_days: int = Field(30, ge=1, le=180)

    def message(self, **fields: Any) -> pb.CreateInvitationRequest:
        return pb.CreateInvitationRequest(
            survey_id=self.survey_id,
            context_kind=CONTEXTS[self.context_kind],
            context_reference=self.context_reference,
            language=self.language,
            valid_days=self.valid_days,
            **fields,
        )


INVITATION_EXAMPLES: dict[str, Any] = {
    "after-training": {
        "summary": "Ask a client for feedback after integration training",
        "value": {
            "survey_id": "0f8b6c1e-2d3a-4b5c-8d9e-0a1b2c3d4e5f",
            "context_kind": "programme-service",
            "context_reference": "c3a9e0a4-7d1b-4f0e-9b77-5c2d1e8f6a10",
            "valid_days": 30,
        },
    }
}


class StakeholderInvitationCreate(InvitationCreate):
    stakeholder_organisation: str = Field(
        "", max_length=60, description="The organisation asked, if any", examples=["opisto"]
    )


STAKEHOLDER_EXAMPLES: dict[str, Any] = {
    "provider": {
        "summary": "Ask a service provider about the cooperation",
        "value": {
            "survey_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
            "context_kind": "programme-service",
            "stakeholder_organisation": "opisto",
            "valid_days": 14,
        },
    }
}


class ScoreAnswer(Model):
    question_id: str = Field(max_length=40, examples=["overall"])
    score: int = Field(ge=1, le=5, examples=[4])


class TextAnswer(Model):
    question_id: str = Field(max_length=40, examples=["comment"])
    text: str = Field(max_length=2000, examples=["Opettaja selitti asiat selvästi."])


class AnswerIn(Model):
    scores: list[ScoreAnswer] = Field(default_factory=list, max_length=20)
    texts: list[TextAnswer] = Field(default_factory=list, max_length=20)
    anonymous: bool = Field(
        False, description="Store the answer without any link to the respondent"
    )
    language: str = Field("", max_length=3, examples=["fi"])

    def message(self) -> pb.Answer:
        return pb.Answer(
            scores=[pb.ScoreAnswer(question_id=s.question_id, score=s.score) for s in self.scores],
            texts=[pb.TextAnswer(question_id=t.question_id, text=t.text) for t in self.texts],
            anonymous=self.anonymous,
            language=self.language,
        )

    @classmethod
    def of(cls, m: pb.Answer) -> AnswerIn:
        return cls(
            scores=[ScoreAnswer(question_id=s.question_id, score=s.score) for s in m.scores],
            texts=[TextAnswer(question_id=t.question_id, text=t.text) for t in m.texts],
            anonymous=m.anonymous,
            language=m.language,
        )


ANSWER_EXAMPLES: dict[str, Any] = {
    "anonymous": {
        "summary": "An anonymous answer with a score and a comment",
        "value": {
            "scores": [{"question_id": "overall", "score": 4}],
            "texts": [{"question_id": "comment", "text": "Opettaja selitti asiat selvästi."}],
            "anonymous": True,
            "language": "fi",
        },
    }
}


class AnswerReceipt(Model):
    anonymous: bool
    period: str = Field(description="The month the answer counts in (YYYY-MM)")


class Invitation(Model):
    id: str
    survey_id: str
    municipality_code: str
    respondent: Audience
    client_id: str | None
    stakeholder_organisation: str | None
    context_kind: ContextKind
    context_reference: str | None
    language: str
    status: InvitationStatus
    expires_on: str
    created_at: datetime
    survey: Survey | None = None
    answer: AnswerIn | None = Field(
        None, description="An identified answer (never an anonymous one)"
    )
    answered_at: datetime | None = None
    link: str | None = Field(
        None,
        description="A stakeholder's one-time link, shown once when the invitation is created",
    )

    @classmethod
    def of(cls, m: pb.Invitation, link: str | None = None) -> Invitation:
        return cls(
            id=m.id,
            survey_id=m.survey_id,
            municipality_code=m.municipality_code,
            respondent=from_proto(AUDIENCES, m.respondent),
            client_id=m.client_id or None,
            stakeholder_organisation=m.stakeholder_organisation or None,
            context_kind=from_proto(CONTEXTS, m.context_kind),
            context_reference=m.context_reference or None,
            language=m.language,
            status=from_proto(STATUSES, m.status),
            expires_on=m.expires_on,
            created_at=from_timestamp(m.created_at),
            survey=Survey.of(m.survey) if m.HasField("survey") else None,
            answer=AnswerIn.of(m.answer) if m.HasField("answer") else None,
            answered_at=from_timestamp(m.answered_at) if m.HasField("answered_at") else None,
            link=link,
        )


class InvitationPage(Model):
    items: list[Invitation]
    next_page_token: str | None = None


# --- reports -----------------------------------------------------------------------------------


class MeasureOut(Model):
    name: str = Field(examples=["lead_time_median_days"])
    unit: str = Field(description="count, days, score or percent", examples=["days"])


class ReportRow(Model):
    dimensions: dict[str, str] = Field(examples=[{"period": "2026-03", "kind": "BASIC"}])
    values: dict[str, float | None] = Field(
        description="null: nothing to measure, or withheld (see suppressed)",
        examples=[{"started": 12, "lead_time_median_days": 41.5}],
    )
    suppressed: list[str] = Field(
        default_factory=list, description="Measures withheld: too few answers in the group"
    )


class CommentOut(Model):
    dimensions: dict[str, str]
    question_id: str
    text: str


class Report(Model):
    kind: str = Field(examples=["assessments"])
    municipality_code: str = Field(examples=["091"])
    period_start: str = Field(examples=["2026-01"])
    period_end: str = Field(examples=["2026-06"])
    group_by: str = Field(examples=["month"])
    filters: dict[str, str]
    dimensions: list[str]
    measures: list[MeasureOut]
    rows: list[ReportRow]
    comments: list[CommentOut] = Field(
        description="Free text of feedback groups of at least min_group_size answers"
    )
    min_group_size: int
    notes: list[str]
    generated_at: datetime

    @classmethod
    def of(cls, m: pb.Report) -> Report:
        names = [measure.name for measure in m.measures]
        return cls(
            kind=m.kind,
            municipality_code=m.municipality_code,
            period_start=m.period_start,
            period_end=m.period_end,
            group_by=m.group_by,
            filters=dict(m.filters),
            dimensions=list(m.dimensions),
            measures=[MeasureOut(name=x.name, unit=x.unit) for x in m.measures],
            rows=[
                ReportRow(
                    dimensions=dict(zip(m.dimensions, row.dimensions, strict=True)),
                    values={
                        name: (cell.value if cell.HasField("value") else None)
                        for name, cell in zip(names, row.cells, strict=True)
                    },
                    suppressed=[
                        name for name, cell in zip(names, row.cells, strict=True) if cell.suppressed
                    ],
                )
                for row in m.rows
            ],
            comments=[
                CommentOut(
                    dimensions=dict(zip(m.dimensions, c.dimensions, strict=True)),
                    question_id=c.question_id,
                    text=c.text,
                )
                for c in m.comments
            ],
            min_group_size=m.min_group_size,
            notes=list(m.notes),
            generated_at=from_timestamp(m.generated_at),
        )
