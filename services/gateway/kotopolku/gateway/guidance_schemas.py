"""JSON shapes of the guidance API (IS services 4 and 21) and their conversion to and from the
guidance service's messages.

Types and sizes are checked here; the domain rules (dates, language codes, follow-up rules, the
review lifecycle) are checked once, in the guidance service, and come back as field violations
named like the JSON fields (``topics[1]``, ``interpreter.language``, ``follow_up_due``).

An anonymous visit's body has no field for personal data and no free text: unknown fields are
refused (422), and its follow-up can only be ``none`` or ``return-visit``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import Field

from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model
from kotopolku.guidance.v1 import guidance_pb2 as pb

DATE = "YYYY-MM-DD"


class Channel(StrEnum):
    on_site = "on-site"
    phone = "phone"
    chat = "chat"
    video = "video"


class Topic(StrEnum):
    housing = "housing"
    employment = "employment"
    education = "education"
    language_studies = "language-studies"
    health_services = "health-services"
    social_security = "social-security"
    residence_permit = "residence-permit"
    family = "family"
    finances = "finances"
    digital_services = "digital-services"
    everyday_life = "everyday-life"
    leisure = "leisure"
    other = "other"


class AgeBand(StrEnum):
    under_18 = "under-18"
    from_18_to_29 = "18-to-29"
    from_30_to_44 = "30-to-44"
    from_45_to_64 = "45-to-64"
    aged_65_or_over = "65-or-over"
    not_told = "not-told"


class Referral(StrEnum):
    welfare_social_services = "welfare-social-services"
    welfare_health_services = "welfare-health-services"
    mental_health_services = "mental-health-services"
    employment_services = "employment-services"
    education = "education"
    language_training = "language-training"
    kela = "kela"
    migri = "migri"
    dvv = "dvv"
    housing_services = "housing-services"
    legal_aid = "legal-aid"
    organisation = "organisation"
    integration_assessment = "integration-assessment"
    other = "other"


class FollowUp(StrEnum):
    none = "none"
    return_visit = "return-visit"
    staff_contacts_client = "staff-contacts-client"
    check_referral = "check-referral"


class AnonymousFollowUp(StrEnum):
    """Nobody can contact an anonymous visitor: only these two."""

    none = "none"
    return_visit = "return-visit"


class SeriesState(StrEnum):
    active = "active"
    ended_not_needed = "ended-not-needed"
    ended_plan_period = "ended-plan-period"


class TaskState(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class ArticleState(StrEnum):
    draft = "draft"
    in_review = "in-review"
    published = "published"
    withdrawn = "withdrawn"


CHANNELS = enum_map("CHANNEL_", Channel, pb.Channel)
TOPICS = enum_map("TOPIC_", Topic, pb.Topic)
AGE_BANDS = enum_map("AGE_BAND_", AgeBand, pb.AgeBand)
REFERRALS = enum_map("REFERRAL_TARGET_", Referral, pb.ReferralTarget)
FOLLOW_UPS = enum_map("FOLLOW_UP_", FollowUp, pb.FollowUp)
ANONYMOUS_FOLLOW_UPS = enum_map("FOLLOW_UP_", AnonymousFollowUp, pb.FollowUp)
SERIES_STATES = enum_map("SERIES_STATUS_", SeriesState, pb.SeriesStatus)
TASK_STATES = enum_map("TASK_STATUS_", TaskState, pb.TaskStatus)
ARTICLE_STATES = enum_map("ARTICLE_STATUS_", ArticleState, pb.ArticleStatus)


def _time(ts: Timestamp, present: bool) -> datetime | None:
    return from_timestamp(ts) if present else None


def _topics(values: list[Topic]) -> list[Any]:
    return [TOPICS[t] for t in values]


def _referrals(values: list[Referral]) -> list[Any]:
    return [REFERRALS[r] for r in values]


# --- service points ----------------------------------------------------------------------------


class ServicePointCreate(Model):
    name: str = Field(max_length=200, examples=["Neuvontapiste Kamppi"])
    low_threshold: bool = Field(
        True, description="A low-threshold point, where visits may be anonymous"
    )

    def message(self) -> pb.ServicePoint:
        return pb.ServicePoint(name=self.name, low_threshold=self.low_threshold)


class ServicePoint(Model):
    id: str
    municipality_code: str
    name: str
    low_threshold: bool
    created_at: datetime

    @classmethod
    def of(cls, m: pb.ServicePoint) -> ServicePoint:
        return cls(
            id=m.id,
            municipality_code=m.municipality_code,
            name=m.name,
            low_threshold=m.low_threshold,
            created_at=from_timestamp(m.created_at),
        )


class ServicePointPage(Model):
    items: list[ServicePoint]
    next_page_token: str | None


# --- visits ------------------------------------------------------------------------------------


class Interpretation(Model):
    used: bool = False
    language: str | None = Field(
        None, max_length=3, description="ISO 639 code; required when used", examples=["ar"]
    )

    def message(self) -> pb.Interpretation:
        return pb.Interpretation(used=self.used, language=self.language or "")

    @classmethod
    def of(cls, m: pb.Interpretation) -> Interpretation:
        return cls(used=m.used, language=m.language or None)


class VisitCreate(Model):
    visited_on: str = Field(description=DATE, examples=["2026-03-02"])
    channel: Channel = Field(examples=["phone"])
    service_point_id: str | None = Field(None, max_length=64)
    language: str = Field(max_length=3, description="ISO 639 code", examples=["fi"])
    topics: list[Topic] = Field(max_length=20, examples=[["employment"]])
    interpreter: Interpretation = Field(default_factory=Interpretation)  # type: ignore[arg-type]
    referrals: list[Referral] = Field(
        default_factory=list, max_length=20, examples=[["employment-services"]]
    )
    follow_up: FollowUp = Field(FollowUp.none, examples=["check-referral"])
    follow_up_due: str | None = Field(
        None, description=f"{DATE}; only with a follow-up by staff", examples=["2026-03-16"]
    )
    notes: str = Field("", max_length=4000, examples=["Haluaa töihin ravintola-alalle."])

    def message(self, client_id: str) -> pb.Visit:
        return pb.Visit(
            client_id=client_id,
            visited_on=self.visited_on,
            channel=CHANNELS[self.channel],
            service_point_id=self.service_point_id or "",
            language=self.language,
            topics=_topics(self.topics),
            interpreter=self.interpreter.message(),
            referrals=_referrals(self.referrals),
            follow_up=FOLLOW_UPS[self.follow_up],
            follow_up_due=self.follow_up_due or "",
            notes=self.notes,
        )


class VisitPatch(Model):
    """Only the fields present are changed (null clears an optional one)."""

    visited_on: str | None = None
    channel: Channel | None = None
    service_point_id: str | None = Field(None, max_length=64)
    language: str | None = Field(None, max_length=3)
    topics: list[Topic] | None = Field(None, max_length=20)
    interpreter: Interpretation | None = None
    referrals: list[Referral] | None = Field(None, max_length=20)
    follow_up: FollowUp | None = Field(None, examples=["none"])
    follow_up_due: str | None = Field(None, examples=[None])
    notes: str | None = Field(None, max_length=4000, examples=["Ohjattu TE-palveluihin."])

    def message_and_mask(self) -> tuple[pb.Visit, list[str]]:
        message = pb.Visit(
            visited_on=self.visited_on or "",
            channel=CHANNELS.get(self.channel, 0),
            service_point_id=self.service_point_id or "",
            language=self.language or "",
            topics=_topics(self.topics or []),
            interpreter=(self.interpreter or Interpretation()).message(),  # type: ignore[call-arg]
            referrals=_referrals(self.referrals or []),
            follow_up=FOLLOW_UPS.get(self.follow_up, 0),
            follow_up_due=self.follow_up_due or "",
            notes=self.notes or "",
        )
        return message, [n for n in type(self).model_fields if n in self.model_fields_set]


class Visit(Model):
    id: str
    version: int
    municipality_code: str
    client_id: str
    visited_on: str
    channel: Channel
    service_point_id: str | None
    language: str
    topics: list[Topic]
    interpreter: Interpretation
    referrals: list[Referral]
    follow_up: FollowUp
    follow_up_due: str | None
    notes: str
    anonymous_visit_id: str | None
    consent_id: str | None
    recorded_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.Visit) -> Visit:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            client_id=m.client_id,
            visited_on=m.visited_on,
            channel=from_proto(CHANNELS, m.channel),
            service_point_id=m.service_point_id or None,
            language=m.language,
            topics=[from_proto(TOPICS, t) for t in m.topics],
            interpreter=Interpretation.of(m.interpreter),
            referrals=[from_proto(REFERRALS, r) for r in m.referrals],
            follow_up=from_proto(FOLLOW_UPS, m.follow_up),
            follow_up_due=m.follow_up_due or None,
            notes=m.notes,
            anonymous_visit_id=m.anonymous_visit_id or None,
            consent_id=m.consent_id or None,
            recorded_by=m.recorded_by,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class VisitPage(Model):
    items: list[Visit]
    next_page_token: str | None


class AnonymousVisitCreate(Model):
    """Codes, a language, a date and the service point: nothing else is accepted."""

    service_point_id: str = Field(max_length=64)
    visited_on: str = Field(description=DATE, examples=["2026-03-02"])
    channel: Channel = Field(examples=["on-site"])
    language: str = Field(max_length=3, description="ISO 639 code", examples=["ar"])
    age_band: AgeBand = Field(examples=["30-to-44"])
    topics: list[Topic] = Field(max_length=20, examples=[["housing", "social-security"]])
    interpreter: Interpretation = Field(default_factory=Interpretation)  # type: ignore[arg-type]
    referrals: list[Referral] = Field(default_factory=list, max_length=20, examples=[["kela"]])
    follow_up: AnonymousFollowUp = Field(AnonymousFollowUp.none, examples=["return-visit"])

    def message(self) -> pb.AnonymousVisit:
        return pb.AnonymousVisit(
            service_point_id=self.service_point_id,
            visited_on=self.visited_on,
            channel=CHANNELS[self.channel],
            language=self.language,
            age_band=AGE_BANDS[self.age_band],
            topics=_topics(self.topics),
            interpreter=self.interpreter.message(),
            referrals=_referrals(self.referrals),
            follow_up=ANONYMOUS_FOLLOW_UPS[self.follow_up],
        )


class AnonymousVisit(Model):
    id: str
    municipality_code: str
    service_point_id: str
    visited_on: str
    channel: Channel
    language: str
    age_band: AgeBand
    topics: list[Topic]
    interpreter: Interpretation
    referrals: list[Referral]
    follow_up: AnonymousFollowUp
    linked: bool

    @classmethod
    def of(cls, m: pb.AnonymousVisit) -> AnonymousVisit:
        return cls(
            id=m.id,
            municipality_code=m.municipality_code,
            service_point_id=m.service_point_id,
            visited_on=m.visited_on,
            channel=from_proto(CHANNELS, m.channel),
            language=m.language,
            age_band=from_proto(AGE_BANDS, m.age_band),
            topics=[from_proto(TOPICS, t) for t in m.topics],
            interpreter=Interpretation.of(m.interpreter),
            referrals=[from_proto(REFERRALS, r) for r in m.referrals],
            follow_up=from_proto(ANONYMOUS_FOLLOW_UPS, m.follow_up),
            linked=m.linked,
        )


class AnonymousVisitPage(Model):
    items: list[AnonymousVisit]
    next_page_token: str | None


class LinkIn(Model):
    client_id: str = Field(max_length=64, examples=["3f9a6a57-2c0d-4b4e-9a53-1d0c3e1c2b7a"])
    consent_id: str = Field(
        max_length=64,
        examples=["8d1e2f4a-0b6c-4d7e-8f9a-1b2c3d4e5f60"],
        description="The client's consent of purpose counselling-visit-link (clients service)",
    )
    notes: str = Field("", max_length=4000)


# --- series ------------------------------------------------------------------------------------


class SeriesStart(Model):
    plan_id: str | None = Field(None, max_length=64, description="The client's integration plan")
    started_on: str | None = Field(None, description=f"{DATE}; default today")
    plan_ends_on: str = Field(
        description=f"{DATE}: the last day of the plan period", examples=["2026-12-31"]
    )
    propose_schedule: bool = Field(
        True, description="Add check-ins: weekly, then every two weeks, then monthly"
    )


class SeriesTaskIn(Model):
    topic: Topic = Field(examples=["finances"])
    description: str = Field(max_length=500, examples=["Pankkitilin avaaminen yhdessä"])
    due_on: str = Field(description=DATE, examples=["2026-03-09"])

    def message(self) -> pb.SeriesTask:
        return pb.SeriesTask(
            topic=TOPICS[self.topic], description=self.description, due_on=self.due_on
        )


class TaskCompletion(Model):
    done_on: str | None = Field(None, description=f"{DATE}; default today", examples=["2026-03-09"])
    visit_id: str | None = Field(None, max_length=64)
    cancel: bool = Field(False, description="Cancel the task instead of marking it done")


class SeriesEnd(Model):
    reason: str = Field(
        max_length=2000, examples=["Asioi itsenäisesti; alkuvaiheen ohjausta ei enää tarvita"]
    )
    ended_on: str | None = Field(None, description=f"{DATE}; default today")


class SeriesTask(Model):
    id: str
    topic: Topic
    description: str
    due_on: str
    status: TaskState
    done_on: str | None
    visit_id: str | None

    @classmethod
    def of(cls, m: pb.SeriesTask) -> SeriesTask:
        return cls(
            id=m.id,
            topic=from_proto(TOPICS, m.topic),
            description=m.description,
            due_on=m.due_on,
            status=from_proto(TASK_STATES, m.status),
            done_on=m.done_on or None,
            visit_id=m.visit_id or None,
        )


class Series(Model):
    id: str
    version: int
    municipality_code: str
    client_id: str
    plan_id: str | None
    started_on: str
    plan_ends_on: str
    status: SeriesState
    ended_on: str | None
    end_reason: str | None
    ended_by: str | None
    tasks: list[SeriesTask]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.GuidanceSeries) -> Series:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            client_id=m.client_id,
            plan_id=m.plan_id or None,
            started_on=m.started_on,
            plan_ends_on=m.plan_ends_on,
            status=from_proto(SERIES_STATES, m.status),
            ended_on=m.ended_on or None,
            end_reason=m.end_reason or None,
            ended_by=m.ended_by or None,
            tasks=[SeriesTask.of(t) for t in m.tasks],
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class SeriesPage(Model):
    items: list[Series]
    next_page_token: str | None


# --- knowledge base ----------------------------------------------------------------------------


class ArticleCreate(Model):
    language: str = Field(max_length=3, description="ISO 639 code", examples=["fi"])
    question: str = Field(max_length=500, examples=["Miten haen vuokra-asuntoa?"])
    answer: str = Field(
        max_length=10_000,
        examples=["Kaupungin vuokra-asuntoa haetaan sähköisellä hakemuksella."],
    )
    topics: list[Topic] = Field(default_factory=list, max_length=20, examples=[["housing"]])
    translation_of: str | None = Field(
        None, max_length=64, description="The article this one translates"
    )

    def message(self, idempotency_key: str) -> pb.CreateArticleRequest:
        return pb.CreateArticleRequest(
            language=self.language,
            content=pb.ArticleContent(
                question=self.question, answer=self.answer, topics=_topics(self.topics)
            ),
            translation_of=self.translation_of or "",
            idempotency_key=idempotency_key,
        )


class ArticlePatch(Model):
    question: str | None = Field(None, max_length=500)
    answer: str | None = Field(
        None, max_length=10_000, examples=["Hakemus tehdään kaupungin verkkosivuilla."]
    )
    topics: list[Topic] | None = Field(None, max_length=20)

    def message_and_mask(self) -> tuple[pb.ArticleContent, list[str]]:
        message = pb.ArticleContent(
            question=self.question or "",
            answer=self.answer or "",
            topics=_topics(self.topics or []),
        )
        return message, [n for n in type(self).model_fields if n in self.model_fields_set]


class ReturnIn(Model):
    comment: str = Field(max_length=2000, examples=["Lisää hakemuksen linkki."])


class Translation(Model):
    article_id: str
    language: str


class Article(Model):
    id: str
    version: int
    municipality_code: str
    language: str
    translation_group: str
    status: ArticleState
    revision: int
    published_revision: int | None
    question: str
    answer: str
    topics: list[Topic]
    translations: list[Translation]
    review_comment: str | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, m: pb.Article) -> Article:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            language=m.language,
            translation_group=m.translation_group,
            status=from_proto(ARTICLE_STATES, m.status),
            revision=m.revision,
            published_revision=m.published_revision or None,
            question=m.content.question,
            answer=m.content.answer,
            topics=[from_proto(TOPICS, t) for t in m.content.topics],
            translations=[
                Translation(article_id=t.article_id, language=t.language) for t in m.translations
            ],
            review_comment=m.review_comment or None,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
            published_at=_time(m.published_at, m.HasField("published_at")),
        )


class ArticlePage(Model):
    items: list[Article]
    next_page_token: str | None


class ArticleRevision(Model):
    revision: int
    status: ArticleState
    superseded: bool
    question: str
    answer: str
    topics: list[Topic]
    authors: list[str]
    submitted_by: str | None
    published_by: str | None
    created_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, m: pb.ArticleRevision) -> ArticleRevision:
        return cls(
            revision=m.revision,
            status=from_proto(ARTICLE_STATES, m.status),
            superseded=m.superseded,
            question=m.content.question,
            answer=m.content.answer,
            topics=[from_proto(TOPICS, t) for t in m.content.topics],
            authors=list(m.authors),
            submitted_by=m.submitted_by or None,
            published_by=m.published_by or None,
            created_at=from_timestamp(m.created_at),
            published_at=_time(m.published_at, m.HasField("published_at")),
        )


class ArticleSearch(Model):
    """The query travels in the body: what people ask may say something about them."""

    query: str = Field(max_length=500, examples=["asunnon hakeminen"])
    languages: list[str] = Field(
        default_factory=list, max_length=10, description="ISO 639 codes; empty: all"
    )
    municipality_code: str | None = Field(None, max_length=3, examples=["091"])
    page_size: int = Field(20, ge=1, le=200)
    page_token: str = Field("", max_length=1000)

    def message(self) -> pb.SearchArticlesRequest:
        return pb.SearchArticlesRequest(
            query=self.query,
            languages=self.languages,
            municipality_code=self.municipality_code or "",
            page_size=self.page_size,
            page_token=self.page_token,
        )


class SearchHit(Model):
    article: Article
    score: float = Field(description="Higher is better; comparable within one search only")


class SearchPage(Model):
    items: list[SearchHit]
    next_page_token: str | None
