"""Queries on the assessment service's own tables (SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.assessment.tables import (
    assessments,
    corrections,
    measures,
    sensitive_notes,
    team_areas,
)

# --- assessments -------------------------------------------------------------------------


async def insert_assessment(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    assessment_id = str(uuid.uuid4())
    await connection.execute(sa.insert(assessments).values(id=assessment_id, version=1, **values))
    row = await get_assessment(connection, assessment_id)
    assert row is not None
    return row


async def get_assessment(connection: AsyncConnection, assessment_id: str) -> Row[Any] | None:
    return (
        await connection.execute(sa.select(assessments).where(assessments.c.id == assessment_id))
    ).first()


async def update_assessment(
    connection: AsyncConnection,
    assessment_id: str,
    expected_version: int,
    values: dict[str, Any],
) -> bool:
    """Applies the change only if nobody changed the assessment since ``expected_version``."""
    result = await connection.execute(
        sa.update(assessments)
        .where(assessments.c.id == assessment_id, assessments.c.version == expected_version)
        .values(**values, version=assessments.c.version + 1)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def replace_team_areas(
    connection: AsyncConnection, assessment_id: str, areas: Iterable[str]
) -> None:
    await connection.execute(
        sa.delete(team_areas).where(team_areas.c.assessment_id == assessment_id)
    )
    rows = [{"assessment_id": assessment_id, "welfare_area_code": a} for a in sorted(set(areas))]
    if rows:
        await connection.execute(sa.insert(team_areas), rows)


async def list_assessments(
    connection: AsyncConnection,
    client_id: str,
    *,
    municipality: str | None,
    welfare_area: str | None,
    before: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """A page of one client's assessments, newest first, that a staff member of
    ``municipality`` or a team member from ``welfare_area`` may see."""
    scope = []
    if municipality is not None:
        scope.append(assessments.c.municipality_code == municipality)
    if welfare_area is not None:
        scope.append(
            assessments.c.id.in_(
                sa.select(team_areas.c.assessment_id).where(
                    team_areas.c.welfare_area_code == welfare_area
                )
            )
        )
    if not scope:
        return []
    query = sa.select(assessments).where(assessments.c.client_id == client_id, sa.or_(*scope))
    if before is not None:
        query = query.where(
            sa.tuple_(assessments.c.created_at, assessments.c.id) < sa.tuple_(*before)
        )
    query = query.order_by(assessments.c.created_at.desc(), assessments.c.id.desc()).limit(limit)
    return (await connection.execute(query)).all()


# --- sensitive notes ---------------------------------------------------------------------


async def get_sensitive_note(
    connection: AsyncConnection, assessment_id: str, welfare_area: str
) -> Row[Any] | None:
    """One area's note; the only query that reads the table."""
    return (
        await connection.execute(
            sa.select(sensitive_notes).where(
                sensitive_notes.c.assessment_id == assessment_id,
                sensitive_notes.c.welfare_area_code == welfare_area,
            )
        )
    ).first()


async def put_sensitive_note(
    connection: AsyncConnection,
    assessment_id: str,
    welfare_area: str,
    text: str | None,
    subject: str,
    now: datetime,
) -> None:
    await connection.execute(
        sa.delete(sensitive_notes).where(
            sensitive_notes.c.assessment_id == assessment_id,
            sensitive_notes.c.welfare_area_code == welfare_area,
        )
    )
    if text is not None:
        await connection.execute(
            sa.insert(sensitive_notes).values(
                assessment_id=assessment_id,
                welfare_area_code=welfare_area,
                text=text,
                recorded_by=subject,
                recorded_at=now,
            )
        )


# --- corrections -------------------------------------------------------------------------


async def insert_correction(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(corrections).values(id=str(uuid.uuid4()), **values))


async def list_corrections(connection: AsyncConnection, assessment_id: str) -> Sequence[Row[Any]]:
    return (
        await connection.execute(
            sa.select(corrections)
            .where(corrections.c.assessment_id == assessment_id)
            .order_by(corrections.c.version)
        )
    ).all()


# --- refining measures -------------------------------------------------------------------


async def insert_measure(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    measure_id = str(uuid.uuid4())
    await connection.execute(sa.insert(measures).values(id=measure_id, version=1, **values))
    row = await get_measure(connection, measure_id)
    assert row is not None
    return row


async def get_measure(connection: AsyncConnection, measure_id: str) -> Row[Any] | None:
    return (
        await connection.execute(sa.select(measures).where(measures.c.id == measure_id))
    ).first()


async def measures_of(connection: AsyncConnection, assessment_id: str) -> Sequence[Row[Any]]:
    return (
        await connection.execute(
            sa.select(measures)
            .where(measures.c.assessment_id == assessment_id)
            .order_by(measures.c.ordered_at, measures.c.id)
        )
    ).all()


async def list_measures(
    connection: AsyncConnection,
    *,
    assessment_id: str | None = None,
    provider: str | None = None,
    municipality: str | None = None,
    status: str | None = None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """A page of measures of one assessment, or ordered from one provider, oldest first."""
    query = sa.select(measures)
    if assessment_id is not None:
        query = query.where(measures.c.assessment_id == assessment_id)
    if provider is not None:
        query = query.where(measures.c.provider_organisation == provider)
    if municipality is not None:
        query = query.where(measures.c.municipality_code == municipality)
    if status is not None:
        query = query.where(measures.c.status == status)
    if after is not None:
        query = query.where(sa.tuple_(measures.c.ordered_at, measures.c.id) > sa.tuple_(*after))
    query = query.order_by(measures.c.ordered_at, measures.c.id).limit(limit)
    return (await connection.execute(query)).all()


async def record_measure_result(
    connection: AsyncConnection,
    measure_id: str,
    *,
    expected_status: str,
    expected_version: int | None,
    values: dict[str, Any],
) -> bool:
    conditions = [measures.c.id == measure_id, measures.c.status == expected_status]
    if expected_version is not None:
        conditions.append(measures.c.version == expected_version)
    result = await connection.execute(
        sa.update(measures).where(*conditions).values(**values, version=measures.c.version + 1)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def as_date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""
