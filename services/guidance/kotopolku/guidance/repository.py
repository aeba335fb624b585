"""Queries on the guidance service's own tables (SQLAlchemy Core, one round trip each)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.guidance.domain import SeriesStatus
from kotopolku.guidance.tables import (
    anonymous_visits,
    article_revisions,
    articles,
    guidance_series,
    series_tasks,
    service_points,
    visits,
)


def new_id() -> str:
    return str(uuid.uuid4())


def _changed(result: Any) -> bool:
    return int(result.rowcount) == 1


async def _one(connection: AsyncConnection, query: Any) -> Row[Any] | None:
    return (await connection.execute(query)).first()


# --- service points ----------------------------------------------------------------------------


async def insert_service_point(
    connection: AsyncConnection, values: dict[str, Any], now: datetime
) -> Row[Any]:
    point_id = new_id()
    await connection.execute(
        sa.insert(service_points).values(**values, id=point_id, created_at=now)
    )
    row = await get_service_point(connection, point_id)
    assert row is not None
    return row


async def get_service_point(connection: AsyncConnection, point_id: str) -> Row[Any] | None:
    return await _one(connection, sa.select(service_points).where(service_points.c.id == point_id))


async def service_point_named(
    connection: AsyncConnection, municipality: str, name: str
) -> Row[Any] | None:
    return await _one(
        connection,
        sa.select(service_points).where(
            service_points.c.municipality_code == municipality, service_points.c.name == name
        ),
    )


async def list_service_points(
    connection: AsyncConnection, municipality: str, after: tuple[str, str] | None, limit: int
) -> Sequence[Row[Any]]:
    query = sa.select(service_points).where(service_points.c.municipality_code == municipality)
    if after is not None:
        query = query.where(sa.tuple_(service_points.c.name, service_points.c.id) > after)
    query = query.order_by(service_points.c.name, service_points.c.id).limit(limit)
    return (await connection.execute(query)).all()


# --- client visits -----------------------------------------------------------------------------


async def insert_visit(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    visit_id = new_id()
    await connection.execute(sa.insert(visits).values(**values, id=visit_id, version=1))
    row = await get_visit(connection, visit_id)
    assert row is not None
    return row


async def get_visit(connection: AsyncConnection, visit_id: str) -> Row[Any] | None:
    return await _one(connection, sa.select(visits).where(visits.c.id == visit_id))


async def visit_of_anonymous(connection: AsyncConnection, anonymous_id: str) -> Row[Any] | None:
    return await _one(
        connection, sa.select(visits).where(visits.c.anonymous_visit_id == anonymous_id)
    )


async def update_visit(
    connection: AsyncConnection,
    visit_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    result = await connection.execute(
        sa.update(visits)
        .where(visits.c.id == visit_id, visits.c.version == expected_version)
        .values(**values, version=visits.c.version + 1, updated_at=now)
    )
    return _changed(result)


def _newest_first(table: sa.Table, day: str, after: tuple[date, str] | None) -> Any:
    """Keyset condition and order for (day, id) descending."""
    columns = sa.tuple_(table.c[day], table.c.id)
    condition = columns < after if after is not None else sa.true()
    return condition, (table.c[day].desc(), table.c.id.desc())


async def list_client_visits(
    connection: AsyncConnection,
    municipality: str,
    client_id: str,
    after: tuple[date, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    condition, order = _newest_first(visits, "visited_on", after)
    query = (
        sa.select(visits)
        .where(
            visits.c.municipality_code == municipality, visits.c.client_id == client_id, condition
        )
        .order_by(*order)
        .limit(limit)
    )
    return (await connection.execute(query)).all()


# --- anonymous visits --------------------------------------------------------------------------


async def insert_anonymous_visit(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    visit_id = new_id()
    await connection.execute(sa.insert(anonymous_visits).values(**values, id=visit_id))
    row = await get_anonymous_visit(connection, visit_id)
    assert row is not None
    return row


async def get_anonymous_visit(connection: AsyncConnection, visit_id: str) -> Row[Any] | None:
    return await _one(
        connection, sa.select(anonymous_visits).where(anonymous_visits.c.id == visit_id)
    )


@dataclass(frozen=True, slots=True)
class AnonymousFilters:
    municipality: str
    visited_from: date | None
    visited_until: date | None
    service_point_id: str | None


async def list_anonymous_visits(
    connection: AsyncConnection,
    filters: AnonymousFilters,
    after: tuple[date, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    condition, order = _newest_first(anonymous_visits, "visited_on", after)
    query = sa.select(anonymous_visits).where(
        anonymous_visits.c.municipality_code == filters.municipality, condition
    )
    if filters.visited_from is not None:
        query = query.where(anonymous_visits.c.visited_on >= filters.visited_from)
    if filters.visited_until is not None:
        query = query.where(anonymous_visits.c.visited_on <= filters.visited_until)
    if filters.service_point_id is not None:
        query = query.where(anonymous_visits.c.service_point_id == filters.service_point_id)
    return (await connection.execute(query.order_by(*order).limit(limit))).all()


async def linked_anonymous_ids(connection: AsyncConnection, ids: Iterable[str]) -> set[str]:
    wanted = list(ids)
    if not wanted:
        return set()
    rows = await connection.execute(
        sa.select(visits.c.anonymous_visit_id).where(visits.c.anonymous_visit_id.in_(wanted))
    )
    return {str(row[0]) for row in rows}


# --- initial-phase guidance series -------------------------------------------------------------


async def insert_series(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    series_id = new_id()
    await connection.execute(sa.insert(guidance_series).values(**values, id=series_id, version=1))
    row = await get_series(connection, series_id)
    assert row is not None
    return row


async def get_series(connection: AsyncConnection, series_id: str) -> Row[Any] | None:
    return await _one(
        connection, sa.select(guidance_series).where(guidance_series.c.id == series_id)
    )


async def list_client_series(
    connection: AsyncConnection,
    municipality: str,
    client_id: str,
    after: tuple[date, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    condition, order = _newest_first(guidance_series, "started_on", after)
    query = (
        sa.select(guidance_series)
        .where(
            guidance_series.c.municipality_code == municipality,
            guidance_series.c.client_id == client_id,
            condition,
        )
        .order_by(*order)
        .limit(limit)
    )
    return (await connection.execute(query)).all()


async def update_series(
    connection: AsyncConnection,
    series_id: str,
    expected_version: int | None,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Bumps the version; ``expected_version`` None is for the automatic end, which applies to
    any version as long as the series is still active."""
    query = sa.update(guidance_series).where(guidance_series.c.id == series_id)
    if expected_version is None:
        query = query.where(guidance_series.c.status == SeriesStatus.ACTIVE.value)
    else:
        query = query.where(guidance_series.c.version == expected_version)
    result = await connection.execute(
        query.values(**values, version=guidance_series.c.version + 1, updated_at=now)
    )
    return _changed(result)


async def expired_series(
    connection: AsyncConnection, today: date, limit: int, ids: Sequence[str] | None = None
) -> Sequence[Row[Any]]:
    query = sa.select(guidance_series).where(
        guidance_series.c.status == SeriesStatus.ACTIVE.value,
        guidance_series.c.plan_ends_on < today,
    )
    if ids is not None:
        query = query.where(guidance_series.c.id.in_(list(ids)))
    return (await connection.execute(query.order_by(guidance_series.c.id).limit(limit))).all()


async def tasks_of(
    connection: AsyncConnection, series_ids: Sequence[str]
) -> dict[str, list[Row[Any]]]:
    found: dict[str, list[Row[Any]]] = {series_id: [] for series_id in series_ids}
    if not series_ids:
        return found
    rows = await connection.execute(
        sa.select(series_tasks)
        .where(series_tasks.c.series_id.in_(list(series_ids)))
        .order_by(series_tasks.c.due_on, series_tasks.c.id)
    )
    for row in rows:
        found[row.series_id].append(row)
    return found


async def insert_tasks(
    connection: AsyncConnection, series_id: str, tasks: Sequence[dict[str, Any]]
) -> None:
    if tasks:
        await connection.execute(
            sa.insert(series_tasks),
            [{**task, "id": new_id(), "series_id": series_id} for task in tasks],
        )


async def update_task(
    connection: AsyncConnection, series_id: str, task_id: str, values: dict[str, Any]
) -> None:
    await connection.execute(
        sa.update(series_tasks)
        .where(series_tasks.c.series_id == series_id, series_tasks.c.id == task_id)
        .values(**values)
    )


# --- knowledge base ----------------------------------------------------------------------------


async def insert_article(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    await connection.execute(sa.insert(articles).values(**values))
    row = await get_article(connection, values["id"])
    assert row is not None
    return row


async def get_article(connection: AsyncConnection, article_id: str) -> Row[Any] | None:
    return await _one(connection, sa.select(articles).where(articles.c.id == article_id))


async def update_article(
    connection: AsyncConnection,
    article_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    result = await connection.execute(
        sa.update(articles)
        .where(articles.c.id == article_id, articles.c.version == expected_version)
        .values(**values, version=articles.c.version + 1, updated_at=now)
    )
    return _changed(result)


async def group_articles(connection: AsyncConnection, group: str) -> Sequence[Row[Any]]:
    return (
        await connection.execute(
            sa.select(articles)
            .where(articles.c.translation_group == group)
            .order_by(articles.c.language)
        )
    ).all()


@dataclass(frozen=True, slots=True)
class ArticleFilters:
    municipality: str
    status: str | None
    language: str | None


async def list_articles(
    connection: AsyncConnection,
    filters: ArticleFilters,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    query = sa.select(articles).where(articles.c.municipality_code == filters.municipality)
    if filters.status is not None:
        query = query.where(articles.c.status == filters.status)
    if filters.language is not None:
        query = query.where(articles.c.language == filters.language)
    if after is not None:
        query = query.where(sa.tuple_(articles.c.updated_at, articles.c.id) < after)
    query = query.order_by(articles.c.updated_at.desc(), articles.c.id.desc()).limit(limit)
    return (await connection.execute(query)).all()


async def insert_revision(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(article_revisions).values(**values))


async def get_revision(
    connection: AsyncConnection, article_id: str, revision: int
) -> Row[Any] | None:
    return await _one(
        connection,
        sa.select(article_revisions).where(
            article_revisions.c.article_id == article_id, article_revisions.c.revision == revision
        ),
    )


async def update_revision(
    connection: AsyncConnection, article_id: str, revision: int, values: dict[str, Any]
) -> None:
    await connection.execute(
        sa.update(article_revisions)
        .where(
            article_revisions.c.article_id == article_id, article_revisions.c.revision == revision
        )
        .values(**values)
    )


async def list_revisions(connection: AsyncConnection, article_id: str) -> Sequence[Row[Any]]:
    return (
        await connection.execute(
            sa.select(article_revisions)
            .where(article_revisions.c.article_id == article_id)
            .order_by(article_revisions.c.revision)
        )
    ).all()


async def published_articles(
    connection: AsyncConnection, article_ids: Sequence[str]
) -> dict[str, tuple[Row[Any], Row[Any]]]:
    """Articles with a live revision, and that revision, by article id."""
    if not article_ids:
        return {}
    rows = (
        await connection.execute(
            sa.select(articles).where(
                articles.c.id.in_(list(article_ids)), articles.c.published_revision.is_not(None)
            )
        )
    ).all()
    if not rows:
        return {}
    keys = [(row.id, row.published_revision) for row in rows]
    revisions = {
        revision.article_id: revision
        for revision in await connection.execute(
            sa.select(article_revisions).where(
                sa.tuple_(article_revisions.c.article_id, article_revisions.c.revision).in_(keys)
            )
        )
    }
    return {row.id: (row, revisions[row.id]) for row in rows if row.id in revisions}
