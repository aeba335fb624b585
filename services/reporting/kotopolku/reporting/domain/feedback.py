"""Client and stakeholder feedback (asiakas- ja sidosryhmäpalaute).

* A survey has a title and questions in several languages (Finnish required): scores from 1 to
  5 and free text. It is for clients or for stakeholders, and either lets the respondent choose
  anonymity or makes every answer anonymous.
* An invitation asks one client (answered in self-service) or one stakeholder (answered with a
  one-time link) for feedback after a service or visit; it is open until it is answered or
  expires.
* An anonymous answer is stored without anything that could lead back to the respondent: no
  client, no invitation, no token and no time finer than the month.
* Reports show scores and free text only for groups of at least the minimum group size; a
  smaller group shows its number of answers and nothing else.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.periods import Period
from kotopolku.reporting.domain.statistics import mean, percent
from kotopolku.reporting.domain.table import Comment, Measure, Table, Value

MAX_QUESTIONS: Final = 20
MAX_QUESTION_TEXT: Final = 500
MAX_ANSWER_TEXT: Final = 2000
MAX_NAME: Final = 200
MIN_SCORE: Final = 1
MAX_SCORE: Final = 5
DEFAULT_VALID_DAYS: Final = 30
MAX_VALID_DAYS: Final = 180
REQUIRED_LANGUAGE: Final = "fi"
_QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_ORGANISATION = re.compile(r"^[a-z0-9-]{1,60}$")


class QuestionKind(enum.StrEnum):
    SCORE = "SCORE"
    TEXT = "TEXT"


class Audience(enum.StrEnum):
    CLIENT = "CLIENT"
    STAKEHOLDER = "STAKEHOLDER"


class Anonymity(enum.StrEnum):
    RESPONDENT_CHOOSES = "RESPONDENT_CHOOSES"
    ALWAYS = "ALWAYS"


class ContextKind(enum.StrEnum):
    PROGRAMME_SERVICE = "PROGRAMME_SERVICE"
    GUIDANCE_VISIT = "GUIDANCE_VISIT"
    APPOINTMENT = "APPOINTMENT"
    ASSESSMENT = "ASSESSMENT"
    PLAN = "PLAN"
    OTHER = "OTHER"


class InvitationStatus(enum.StrEnum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: QuestionKind
    text: Mapping[str, str]
    required: bool


@dataclass(frozen=True, slots=True)
class SurveyDraft:
    name: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    audience: Audience
    anonymity: Anonymity


def _texts(values: Mapping[str, str], field: str, limit: int) -> dict[str, str]:
    if REQUIRED_LANGUAGE not in values or not values[REQUIRED_LANGUAGE].strip():
        raise ReportingDomainError(f"{field}.{REQUIRED_LANGUAGE}", "is required")
    checked = {}
    for language, text in values.items():
        if not _LANGUAGE.match(language):
            raise ReportingDomainError(f"{field}.{language}", "is not an ISO 639-1 language code")
        text = text.strip()
        if not text or len(text) > limit or "\n" in text:
            raise ReportingDomainError(
                f"{field}.{language}", f"must be one line of 1 to {limit} characters"
            )
        checked[language] = text
    return checked


def check_survey(draft: SurveyDraft) -> SurveyDraft:
    """The survey with its texts trimmed; raises on the first broken rule."""
    name = draft.name.strip()
    if not name or len(name) > MAX_NAME:
        raise ReportingDomainError("name", f"must be 1 to {MAX_NAME} characters")
    title = _texts(draft.title, "title", MAX_NAME)
    if not 1 <= len(draft.questions) <= MAX_QUESTIONS:
        raise ReportingDomainError("questions", f"must have 1 to {MAX_QUESTIONS} questions")
    seen: set[str] = set()
    questions = []
    for index, question in enumerate(draft.questions):
        where = f"questions[{index}]"
        if not _QUESTION_ID.match(question.id):
            raise ReportingDomainError(
                f"{where}.id", "must be lower-case letters, digits and '-' (at most 40)"
            )
        if question.id in seen:
            raise ReportingDomainError(f"{where}.id", "is used by another question")
        seen.add(question.id)
        questions.append(
            Question(
                question.id,
                question.kind,
                _texts(question.text, f"{where}.text", MAX_QUESTION_TEXT),
                question.required,
            )
        )
    return SurveyDraft(name, title, tuple(questions), draft.audience, draft.anonymity)


# --- invitations -------------------------------------------------------------------------------


def expiry(created_on: date, valid_days: int) -> date:
    days = valid_days or DEFAULT_VALID_DAYS
    if not 1 <= days <= MAX_VALID_DAYS:
        raise ReportingDomainError("valid_days", f"must be 1 to {MAX_VALID_DAYS}")
    return created_on + timedelta(days=days)


def check_organisation(value: str) -> str:
    if value and not _ORGANISATION.match(value):
        raise ReportingDomainError(
            "stakeholder_organisation", "must be lower-case letters, digits and '-'"
        )
    return value


def check_language(value: str, field: str = "language") -> str:
    if value and not _LANGUAGE.match(value):
        raise ReportingDomainError(field, "is not an ISO 639-1 language code")
    return value


def invitation_status(answered: bool, expires_on: date, today: date) -> InvitationStatus:
    if answered:
        return InvitationStatus.ANSWERED
    return InvitationStatus.EXPIRED if today > expires_on else InvitationStatus.OPEN


def new_token() -> str:
    """A one-time link token: 256 random bits, URL-safe. Only its hash is stored."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- answers -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerDraft:
    scores: Sequence[tuple[str, int]]
    texts: Sequence[tuple[str, str]]
    anonymous: bool
    language: str


@dataclass(frozen=True, slots=True)
class CheckedAnswer:
    scores: dict[str, int]
    texts: dict[str, str]
    anonymous: bool
    language: str


def check_answer(answer: AnswerDraft, survey: SurveyDraft) -> CheckedAnswer:
    kinds = {q.id: q.kind for q in survey.questions}
    scores: dict[str, int] = {}
    for index, (question, score) in enumerate(answer.scores):
        where = f"answer.scores[{index}]"
        if kinds.get(question) is not QuestionKind.SCORE:
            raise ReportingDomainError(f"{where}.question_id", "is not a score question")
        if question in scores:
            raise ReportingDomainError(f"{where}.question_id", "is answered twice")
        if not MIN_SCORE <= score <= MAX_SCORE:
            raise ReportingDomainError(f"{where}.score", f"must be {MIN_SCORE} to {MAX_SCORE}")
        scores[question] = score
    texts: dict[str, str] = {}
    for index, (question, text) in enumerate(answer.texts):
        where = f"answer.texts[{index}]"
        if kinds.get(question) is not QuestionKind.TEXT:
            raise ReportingDomainError(f"{where}.question_id", "is not a free-text question")
        if question in texts:
            raise ReportingDomainError(f"{where}.question_id", "is answered twice")
        text = text.strip()
        if len(text) > MAX_ANSWER_TEXT:
            raise ReportingDomainError(f"{where}.text", f"is longer than {MAX_ANSWER_TEXT}")
        if text:
            texts[question] = text
    for asked in survey.questions:
        if asked.required and asked.id not in scores and asked.id not in texts:
            raise ReportingDomainError("answer", f"question {asked.id} is required")
    if not scores and not texts:
        raise ReportingDomainError("answer", "answers no question")
    return CheckedAnswer(
        scores,
        texts,
        anonymous=answer.anonymous or survey.anonymity is Anonymity.ALWAYS,
        language=check_language(answer.language, "answer.language"),
    )


# --- the feedback report -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """An answer as the report reads it (identified and anonymous alike)."""

    survey_id: str
    survey_name: str
    respondent: str
    context_kind: str
    period: str
    scores: Mapping[str, int]
    texts: Mapping[str, str] = field(default_factory=dict)


def feedback_report(
    answers: Sequence[KeptAnswer],
    period: Period,
    filters: Mapping[str, str],
    min_group_size: int,
) -> Table:
    """Answers and scores per period, survey and respondent; scores and free text of a group
    only when it has at least ``min_group_size`` answers."""
    table = Table(
        "feedback",
        ("period", "survey", "respondent"),
        (
            Measure("answers", "count"),
            Measure("mean_score", "score"),
            Measure("satisfied_percent", "percent"),
        ),
    )
    groups: dict[tuple[str, str, str], list[KeptAnswer]] = defaultdict(list)
    for answer in answers:
        if any(
            filters.get(name, value) != value
            for name, value in (
                ("survey_id", answer.survey_id),
                ("respondent", answer.respondent),
                ("context_kind", answer.context_kind),
            )
        ):
            continue
        bucket = period.bucket_of_month(answer.period)
        if bucket is not None:
            groups[bucket, answer.survey_name, answer.respondent].append(answer)
    for key in sorted(groups):
        group = groups[key]
        scores = [s for a in group for s in a.scores.values()]
        if len(group) < min_group_size:
            table.add(key, len(group), Value(None, suppressed=True), Value(None, suppressed=True))
            continue
        satisfied = sum(1 for s in scores if s >= 4)
        table.add(key, len(group), mean(scores), percent(satisfied, len(scores)))
        # In alphabetical order: the order of answering is not shown.
        table.comments.extend(
            sorted(
                (Comment(key, question, text) for a in group for question, text in a.texts.items()),
                key=lambda c: (c.question_id, c.text),
            )
        )
    if any(row.values[1].suppressed for row in table.rows):
        table.notes.append(
            f"Scores and comments are shown only for groups of at least {min_group_size} answers."
        )
    return table
