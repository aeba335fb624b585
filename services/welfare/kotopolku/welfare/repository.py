"""Queries on the welfare service's own tables (SQLAlchemy Core, one round trip each)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.welfare.domain.codes import CooperationState
from kotopolku.welfare.tables import (
    consultations,
    cooperations,
    disclosure_bases,
    disclosure_log,
    disclosures,
    placement_proposals,
    reception_tasks,
    reception_transfers,
)

Position = tuple[datetime, str]


async def get(connection: AsyncConnection, table: sa.Table, row_id: str) -> Row[Any] | None:
    return (await connection.execute(sa.select(table).where(table.c.id == row_id))).first()


async def insert(connection: AsyncConnection, table: sa.Table, values: dict[str, Any]) -> Row[Any]:
    await connection.execute(sa.insert(table).values(**values))
    row = await get(connection, table, values["id"])
    assert row is not None
    return row


async def update_versioned(
    connection: AsyncConnection,
    table: sa.Table,
    row_id: str,
    expected_version: int,
    values: dict[str, Any],
) -> bool:
    """Optimistic update: only the version that was read is changed; True when it was."""
    result = await connection.execute(
        sa.update(table)
        .where(table.c.id == row_id, table.c.version == expected_version)
        .values(**values, version=table.c.version + 1)
    )
    return int(result.rowcount) == 1


def _keyset(query: sa.Select[Any], table: sa.Table, after: Position | None, limit: int) -> Any:
    if after is not None:
        query = query.where(sa.tuple_(table.c.created_at, table.c.id) > sa.tuple_(*after))
    return query.order_by(table.c.created_at, table.c.id).limit(limit)


# --- placement proposals and reception tasks -----------------------------------------------------


async def list_proposals(
    connection: AsyncConnection,
    municipality: str,
    state: str | None,
    after: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    table = placement_proposals
    query = sa.select(table).where(table.c.municipality_code == municipality)
    if state is not None:
        query = query.where(table.c.state == state)
    return (await connection.execute(_keyset(query, table, after, limit))).all()


async def tasks_of(connection: AsyncConnection, proposal_ids: Iterable[str]) -> list[Row[Any]]:
    ids = sorted(set(proposal_ids))
    if not ids:
        return []
    query = (
        sa.select(reception_tasks)
        .where(reception_tasks.c.proposal_id.in_(ids))
        .order_by(reception_tasks.c.proposal_id, reception_tasks.c.due_at, reception_tasks.c.kind)
    )
    return list((await connection.execute(query)).all())


async def insert_tasks(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(sa.insert(reception_tasks), rows)


async def move_tasks(
    connection: AsyncConnection, proposal_id: str, due: dict[str, datetime], now: datetime
) -> None:
    """A new arrival time moves the due times of the open tasks."""
    for kind, due_at in due.items():
        await connection.execute(
            sa.update(reception_tasks)
            .where(reception_tasks.c.proposal_id == proposal_id, reception_tasks.c.kind == kind)
            .values(due_at=due_at, updated_at=now, version=reception_tasks.c.version + 1)
        )


# --- consultations -------------------------------------------------------------------------------


async def list_consultations(
    connection: AsyncConnection,
    *,
    municipality: str | None,
    welfare_area: str | None,
    state: str | None,
    after: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    table = consultations
    query = sa.select(table)
    if welfare_area is not None:
        query = query.where(table.c.welfare_area == welfare_area)
    else:
        query = query.where(table.c.municipality_code == municipality)
    if state is not None:
        query = query.where(table.c.state == state)
    return (await connection.execute(_keyset(query, table, after, limit))).all()


# --- cooperations, bases -------------------------------------------------------------------------


async def list_cooperations(
    connection: AsyncConnection,
    *,
    municipality: str | None,
    client_id: str | None,
    welfare_area: str | None,
    state: str | None,
    after: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    table = cooperations
    query = sa.select(table)
    if welfare_area is not None:
        query = query.where(table.c.welfare_area == welfare_area)
    else:
        query = query.where(
            table.c.municipality_code == municipality, table.c.client_id == client_id
        )
    if state is not None:
        query = query.where(table.c.state == state)
    return (await connection.execute(_keyset(query, table, after, limit))).all()


async def accepted_cooperations(
    connection: AsyncConnection, welfare_area: str, client_ids: Iterable[str] | None = None
) -> list[Row[Any]]:
    table = cooperations
    query = sa.select(table).where(
        table.c.welfare_area == welfare_area, table.c.state == str(CooperationState.ACCEPTED)
    )
    if client_ids is not None:
        query = query.where(table.c.client_id.in_(sorted(set(client_ids))))
    return list((await connection.execute(query)).all())


async def bases_of(
    connection: AsyncConnection,
    *,
    cooperation_ids: Iterable[str] = (),
    transfer_id: str | None = None,
) -> list[Row[Any]]:
    table = disclosure_bases
    if transfer_id is not None:
        condition = table.c.transfer_id == transfer_id
    else:
        ids = sorted(set(cooperation_ids))
        if not ids:
            return []
        condition = table.c.cooperation_id.in_(ids)
    query = sa.select(table).where(condition).order_by(table.c.recorded_at, table.c.id)
    return list((await connection.execute(query)).all())


async def withdraw_basis(
    connection: AsyncConnection, basis_id: str, by: str, reason: str, now: datetime
) -> bool:
    result = await connection.execute(
        sa.update(disclosure_bases)
        .where(disclosure_bases.c.id == basis_id, disclosure_bases.c.withdrawn_at.is_(None))
        .values(withdrawn_at=now, withdrawn_by=by, withdrawal_reason=reason)
    )
    return int(result.rowcount) == 1


# --- transfers, disclosures and the log ----------------------------------------------------------


async def set_transfer_notice(
    connection: AsyncConnection, transfer_id: str, disclosure_id: str
) -> None:
    await connection.execute(
        sa.update(reception_transfers)
        .where(reception_transfers.c.id == transfer_id)
        .values(notice_disclosure_id=disclosure_id)
    )


async def list_disclosures(
    connection: AsyncConnection, cooperation_id: str, after: Position | None, limit: int
) -> Sequence[Row[Any]]:
    query = sa.select(disclosures).where(disclosures.c.cooperation_id == cooperation_id)
    return (await connection.execute(_keyset(query, disclosures, after, limit))).all()


async def mark_delivered(connection: AsyncConnection, disclosure_id: str, now: datetime) -> None:
    await connection.execute(
        sa.update(disclosures)
        .where(disclosures.c.id == disclosure_id, disclosures.c.first_delivered_at.is_(None))
        .values(first_delivered_at=now)
    )


async def insert_log(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(sa.insert(disclosure_log), rows)


async def list_log(
    connection: AsyncConnection,
    client_id: str,
    municipality: str | None,
    before: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """The disclosures of a client, newest first."""
    table = disclosure_log
    query = sa.select(table).where(table.c.client_id == client_id)
    if municipality is not None:
        query = query.where(table.c.municipality_code == municipality)
    if before is not None:
        query = query.where(sa.tuple_(table.c.disclosed_at, table.c.id) < sa.tuple_(*before))
    query = query.order_by(table.c.disclosed_at.desc(), table.c.id.desc()).limit(limit)
    return (await connection.execute(query)).all()
