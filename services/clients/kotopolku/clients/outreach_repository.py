"""Queries on the outreach tables (SQLAlchemy Core). Lists of people are read and written in
batches: an import touches thousands of targets in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.tables import (
    clients,
    outreach_imports,
    outreach_target_events,
    outreach_target_groups,
    outreach_targets,
)

# Bound parameters per IN list: well below SQLite's and PostgreSQL's limits.
_CHUNK = 500
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


# --- imports -------------------------------------------------------------------------------------


async def insert_import(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(outreach_imports).values(**values))


async def get_import(connection: AsyncConnection, import_id: str) -> Row[Any] | None:
    query = sa.select(outreach_imports).where(outreach_imports.c.id == import_id)
    return (await connection.execute(query)).first()


async def list_imports(
    connection: AsyncConnection,
    municipality: str,
    before: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Newest first."""
    query = sa.select(outreach_imports).where(outreach_imports.c.municipality_code == municipality)
    if before is not None:
        query = query.where(
            sa.tuple_(outreach_imports.c.imported_at, outreach_imports.c.id) < sa.tuple_(*before)
        )
    order = (outreach_imports.c.imported_at.desc(), outreach_imports.c.id.desc())
    return (await connection.execute(query.order_by(*order).limit(limit))).all()


# --- what an import matches against --------------------------------------------------------------


async def targets_by_person(
    connection: AsyncConnection, municipality: str, keys: Sequence[str]
) -> dict[str, Row[Any]]:
    found: dict[str, Row[Any]] = {}
    for chunk in _chunks(keys):
        query = sa.select(outreach_targets).where(
            outreach_targets.c.municipality_code == municipality,
            outreach_targets.c.person_key.in_(chunk),
        )
        found.update({row.person_key: row for row in await connection.execute(query)})
    return found


async def client_ids_by_henkilotunnus(
    connection: AsyncConnection, municipality: str, codes: Sequence[str]
) -> dict[str, str]:
    """The municipality's clients with these identity codes (one per code: the code is unique
    within a municipality)."""
    found: dict[str, str] = {}
    for chunk in _chunks(codes):
        query = sa.select(clients.c.henkilotunnus, clients.c.id).where(
            clients.c.municipality_code == municipality, clients.c.henkilotunnus.in_(chunk)
        )
        found.update({row.henkilotunnus: row.id for row in await connection.execute(query)})
    return found


async def groups_of(
    connection: AsyncConnection, target_ids: Sequence[str]
) -> dict[str, list[Row[Any]]]:
    found: dict[str, list[Row[Any]]] = {target_id: [] for target_id in target_ids}
    for chunk in _chunks(target_ids):
        query = (
            sa.select(outreach_target_groups)
            .where(outreach_target_groups.c.target_id.in_(chunk))
            .order_by(outreach_target_groups.c.listed_at, outreach_target_groups.c.target_group)
        )
        for row in await connection.execute(query):
            found[row.target_id].append(row)
    return found


# --- writing targets -----------------------------------------------------------------------------


async def insert_targets(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(sa.insert(outreach_targets), rows)


async def insert_groups(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(sa.insert(outreach_target_groups), rows)


async def insert_events(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(sa.insert(outreach_target_events), rows)


async def update_target(
    connection: AsyncConnection,
    target_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Applies the change only if nobody changed the target since ``expected_version``."""
    result = await connection.execute(
        sa.update(outreach_targets)
        .where(outreach_targets.c.id == target_id, outreach_targets.c.version == expected_version)
        .values(**values, version=outreach_targets.c.version + 1, updated_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def get_target(connection: AsyncConnection, target_id: str) -> Row[Any] | None:
    query = sa.select(outreach_targets).where(outreach_targets.c.id == target_id)
    return (await connection.execute(query)).first()


# --- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetFilters:
    municipality: str
    statuses: tuple[str, ...] = ()
    target_group: str | None = None
    assignee_subject: str | None = None
    unassigned: bool = False
    window_ends_from: date | None = None
    window_ends_until: date | None = None


async def list_targets(
    connection: AsyncConnection,
    filters: TargetFilters,
    after: tuple[date, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """One page in (window end, id) order: the most urgent first."""
    t = outreach_targets
    query = sa.select(t).where(t.c.municipality_code == filters.municipality)
    if filters.statuses:
        query = query.where(t.c.status.in_(filters.statuses))
    if filters.target_group is not None:
        query = query.where(
            sa.exists().where(
                outreach_target_groups.c.target_id == t.c.id,
                outreach_target_groups.c.target_group == filters.target_group,
            )
        )
    if filters.assignee_subject is not None:
        query = query.where(t.c.assignee_subject == filters.assignee_subject)
    if filters.unassigned:
        query = query.where(t.c.assignee_subject.is_(None))
    if filters.window_ends_from is not None:
        query = query.where(t.c.window_ends_on >= filters.window_ends_from)
    if filters.window_ends_until is not None:
        query = query.where(t.c.window_ends_on <= filters.window_ends_until)
    if after is not None:
        query = query.where(sa.tuple_(t.c.window_ends_on, t.c.id) > sa.tuple_(*after))
    query = query.order_by(t.c.window_ends_on, t.c.id).limit(limit)
    return (await connection.execute(query)).all()


async def events_of(connection: AsyncConnection, target_id: str) -> Sequence[Row[Any]]:
    e = outreach_target_events
    query = sa.select(e).where(e.c.target_id == target_id).order_by(e.c.sequence)
    return (await connection.execute(query)).all()


async def contact_events_of(connection: AsyncConnection, target_id: str) -> Sequence[Row[Any]]:
    e = outreach_target_events
    query = (
        sa.select(e).where(e.c.target_id == target_id, e.c.kind == "CONTACT").order_by(e.c.sequence)
    )
    return (await connection.execute(query)).all()


# --- coverage ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageCell:
    target_group: str
    status: str
    targets: int
    window_ended: int


async def coverage(
    connection: AsyncConnection, municipality: str, today: date
) -> list[CoverageCell]:
    t, g = outreach_targets, outreach_target_groups
    ended = sa.func.sum(sa.case((t.c.window_ends_on < today, 1), else_=0))
    query = (
        sa.select(g.c.target_group, t.c.status, sa.func.count(), ended)
        .select_from(g.join(t, t.c.id == g.c.target_id))
        .where(t.c.municipality_code == municipality)
        .group_by(g.c.target_group, t.c.status)
    )
    return [
        CoverageCell(row[0], row[1], int(row[2]), int(row[3] or 0))
        for row in await connection.execute(query)
    ]


async def count_persons(connection: AsyncConnection, municipality: str) -> int:
    query = sa.select(sa.func.count()).where(outreach_targets.c.municipality_code == municipality)
    return int((await connection.execute(query)).scalar_one())


def ids(rows: Iterable[Row[Any]]) -> list[str]:
    return [str(row.id) for row in rows]
