"""Rows of the guidance service's tables as API messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from kotopolku.common.clock import to_timestamp
from kotopolku.guidance.domain import (
    AgeBand,
    ArticleStatus,
    Channel,
    FollowUp,
    ReferralTarget,
    SeriesStatus,
    TaskStatus,
    Topic,
)
from kotopolku.guidance.enums import to_proto
from kotopolku.guidance.v1 import guidance_pb2 as pb

# Field names reported to the audit log when a whole record is read.
VISIT_FIELDS = tuple(
    name for name in pb.Visit.DESCRIPTOR.fields_by_name if name not in ("id", "version")
)
SERIES_FIELDS = tuple(
    name for name in pb.GuidanceSeries.DESCRIPTOR.fields_by_name if name not in ("id", "version")
)


def iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _topics(values: Iterable[str]) -> list[Any]:
    return [to_proto(Topic(v)) for v in values]


def _referrals(values: Iterable[str]) -> list[Any]:
    return [to_proto(ReferralTarget(v)) for v in values]


def _interpretation(row: Any) -> pb.Interpretation:
    return pb.Interpretation(used=row.interpreter_used, language=row.interpreter_language or "")


def service_point_message(row: Any) -> pb.ServicePoint:
    return pb.ServicePoint(
        id=row.id,
        municipality_code=row.municipality_code,
        name=row.name,
        low_threshold=row.low_threshold,
        created_at=to_timestamp(row.created_at),
    )


def visit_message(row: Any) -> pb.Visit:
    return pb.Visit(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        client_id=row.client_id,
        visited_on=iso(row.visited_on),
        channel=to_proto(Channel(row.channel)),
        service_point_id=row.service_point_id or "",
        language=row.language,
        topics=_topics(row.topics),
        interpreter=_interpretation(row),
        referrals=_referrals(row.referrals),
        follow_up=to_proto(FollowUp(row.follow_up)),
        follow_up_due=iso(row.follow_up_due),
        notes=row.notes,
        anonymous_visit_id=row.anonymous_visit_id or "",
        consent_id=row.consent_id or "",
        recorded_by=row.recorded_by,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


def anonymous_visit_message(row: Any, linked: bool) -> pb.AnonymousVisit:
    return pb.AnonymousVisit(
        id=row.id,
        municipality_code=row.municipality_code,
        service_point_id=row.service_point_id,
        visited_on=iso(row.visited_on),
        channel=to_proto(Channel(row.channel)),
        language=row.language,
        age_band=to_proto(AgeBand(row.age_band)),
        topics=_topics(row.topics),
        interpreter=_interpretation(row),
        referrals=_referrals(row.referrals),
        follow_up=to_proto(FollowUp(row.follow_up)),
        linked=linked,
    )


def task_message(row: Any) -> pb.SeriesTask:
    return pb.SeriesTask(
        id=row.id,
        topic=to_proto(Topic(row.topic)),
        description=row.description,
        due_on=iso(row.due_on),
        status=to_proto(TaskStatus(row.status)),
        done_on=iso(row.done_on),
        visit_id=row.visit_id or "",
    )


def series_message(row: Any, tasks: Sequence[Any]) -> pb.GuidanceSeries:
    return pb.GuidanceSeries(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        client_id=row.client_id,
        plan_id=row.plan_id or "",
        started_on=iso(row.started_on),
        plan_ends_on=iso(row.plan_ends_on),
        status=to_proto(SeriesStatus(row.status)),
        ended_on=iso(row.ended_on),
        end_reason=row.end_reason or "",
        ended_by=row.ended_by or "",
        tasks=[task_message(t) for t in tasks],
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


def content_message(revision: Any) -> pb.ArticleContent:
    return pb.ArticleContent(
        question=revision.question, answer=revision.answer, topics=_topics(revision.topics)
    )


def article_message(
    row: Any,
    revision: Any,
    translations: Sequence[Any],
    *,
    for_editor: bool,
) -> pb.Article:
    """``revision`` is the one shown: the latest for editors, the published one for readers."""
    message = pb.Article(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        language=row.language,
        translation_group=row.translation_group,
        status=to_proto(ArticleStatus(row.status) if for_editor else ArticleStatus.PUBLISHED),
        revision=revision.revision,
        published_revision=row.published_revision or 0,
        content=content_message(revision),
        translations=[
            pb.ArticleTranslation(article_id=t.id, language=t.language) for t in translations
        ],
        review_comment=(row.review_comment or "") if for_editor else "",
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
        published_at=to_timestamp(row.published_at),
    )
    return message


def revision_message(revision: Any, article: Any) -> pb.ArticleRevision:
    """Only the latest revision can be unpublished: an edit of a published article starts a new
    one, an edit of a draft changes it in place."""
    status = (
        ArticleStatus(article.status)
        if revision.revision == article.revision
        else ArticleStatus.PUBLISHED
    )
    return pb.ArticleRevision(
        revision=revision.revision,
        content=content_message(revision),
        status=to_proto(status),
        superseded=(
            revision.published_at is not None and revision.revision != article.published_revision
        ),
        authors=list(revision.authors or []),
        submitted_by=revision.submitted_by or "",
        published_by=revision.published_by or "",
        created_at=to_timestamp(revision.created_at),
        published_at=to_timestamp(revision.published_at),
    )
