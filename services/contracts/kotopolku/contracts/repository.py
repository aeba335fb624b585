"""Queries on the contracts service's own tables (SQLAlchemy Core). Every query of a record is
scoped to the caller's municipality: another municipality's record is simply not found."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.contracts.tables import (
    attachments,
    claim_events,
    claim_lines,
    claims,
    contracts,
    cost_entries,
)

Position = tuple[Any, str]


def _changed(result: Any) -> bool:
    return int(result.rowcount) == 1


def new_id() -> str:
    return str(uuid.uuid4())


def _after(query: Any, columns: tuple[Any, Any], after: Position | None) -> Any:
    if after is not None:
        query = query.where(sa.tuple_(*columns) > sa.tuple_(*after))
    return query.order_by(*columns)


# --- contracts ---------------------------------------------------------------------------------


async def insert_contract(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    await connection.execute(sa.insert(contracts).values(**values))
    row = await get_contract(connection, values["municipality_code"], values["id"])
    assert row is not None
    return row


async def get_contract(
    connection: AsyncConnection, municipality: str, contract_id: str
) -> Row[Any] | None:
    query = sa.select(contracts).where(
        contracts.c.municipality_code == municipality, contracts.c.id == contract_id
    )
    return (await connection.execute(query)).first()


async def update_contract(
    connection: AsyncConnection,
    municipality: str,
    contract_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    result = await connection.execute(
        sa.update(contracts)
        .where(
            contracts.c.municipality_code == municipality,
            contracts.c.id == contract_id,
            contracts.c.version == expected_version,
        )
        .values(**values, version=contracts.c.version + 1, updated_at=now)
    )
    return _changed(result)


async def list_contracts(
    connection: AsyncConnection,
    municipality: str,
    kind: str | None,
    status: str | None,
    after: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    query = sa.select(contracts).where(contracts.c.municipality_code == municipality)
    if kind is not None:
        query = query.where(contracts.c.kind == kind)
    if status is not None:
        query = query.where(contracts.c.status == status)
    query = _after(query, (contracts.c.created_at, contracts.c.id), after)
    return (await connection.execute(query.limit(limit))).all()


async def renewals_due(
    connection: AsyncConnection, municipality: str, today: date
) -> Sequence[Row[Any]]:
    """Active auto-renewing contracts whose stored notice deadline has passed: they renewed."""
    query = sa.select(contracts).where(
        contracts.c.municipality_code == municipality,
        contracts.c.status == "ACTIVE",
        contracts.c.renewal_type == "AUTO_RENEWAL",
        contracts.c.next_deadline < today,
    )
    return (await connection.execute(query)).all()


async def set_next_deadline(
    connection: AsyncConnection, contract_id: str, previous: date | None, day: date | None
) -> None:
    """Moves the stored deadline forward; a concurrent roll of the same row does no harm."""
    await connection.execute(
        sa.update(contracts)
        .where(contracts.c.id == contract_id, contracts.c.next_deadline == previous)
        .values(next_deadline=day)
    )


async def expiring_contracts(
    connection: AsyncConnection,
    municipality: str,
    today: date,
    until: date,
    responsible: str | None,
    after: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    query = sa.select(contracts).where(
        contracts.c.municipality_code == municipality,
        contracts.c.status.in_(("ACTIVE", "TERMINATED")),
        contracts.c.next_deadline >= today,
        contracts.c.next_deadline <= until,
    )
    if responsible is not None:
        query = query.where(contracts.c.responsible_officer == responsible)
    query = _after(query, (contracts.c.next_deadline, contracts.c.id), after)
    return (await connection.execute(query.limit(limit))).all()


async def placement_agreements(
    connection: AsyncConnection, municipality: str
) -> Sequence[Row[Any]]:
    query = sa.select(contracts).where(
        contracts.c.municipality_code == municipality,
        contracts.c.kind == "PLACEMENT_AGREEMENT",
        contracts.c.status.in_(("ACTIVE", "TERMINATED")),
    )
    return (await connection.execute(query)).all()


# --- attachments -------------------------------------------------------------------------------


async def insert_attachment(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    await connection.execute(sa.insert(attachments).values(**values))
    query = sa.select(attachments).where(attachments.c.id == values["id"])
    row = (await connection.execute(query)).first()
    assert row is not None
    return row


async def list_attachments(
    connection: AsyncConnection, municipality: str, owner_kind: str, owner_id: str
) -> Sequence[Row[Any]]:
    query = (
        sa.select(attachments)
        .where(
            attachments.c.municipality_code == municipality,
            attachments.c.owner_kind == owner_kind,
            attachments.c.owner_id == owner_id,
        )
        .order_by(attachments.c.uploaded_at, attachments.c.id)
    )
    return (await connection.execute(query)).all()


async def get_attachment(
    connection: AsyncConnection,
    municipality: str,
    owner_kind: str,
    owner_id: str,
    attachment_id: str,
) -> Row[Any] | None:
    query = sa.select(attachments).where(
        attachments.c.municipality_code == municipality,
        attachments.c.owner_kind == owner_kind,
        attachments.c.owner_id == owner_id,
        attachments.c.id == attachment_id,
    )
    return (await connection.execute(query)).first()


async def attachment_counts(
    connection: AsyncConnection, owner_kind: str, owner_ids: Sequence[str]
) -> dict[str, int]:
    if not owner_ids:
        return {}
    query = (
        sa.select(attachments.c.owner_id, sa.func.count())
        .where(attachments.c.owner_kind == owner_kind, attachments.c.owner_id.in_(owner_ids))
        .group_by(attachments.c.owner_id)
    )
    return {row[0]: int(row[1]) for row in await connection.execute(query)}


# --- cost entries ------------------------------------------------------------------------------


async def insert_cost_entry(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    await connection.execute(sa.insert(cost_entries).values(**values))
    row = await get_cost_entry(connection, values["municipality_code"], values["id"])
    assert row is not None
    return row


async def get_cost_entry(
    connection: AsyncConnection, municipality: str, entry_id: str
) -> Row[Any] | None:
    query = sa.select(cost_entries).where(
        cost_entries.c.municipality_code == municipality, cost_entries.c.id == entry_id
    )
    return (await connection.execute(query)).first()


async def get_cost_entries(
    connection: AsyncConnection, municipality: str, entry_ids: Iterable[str]
) -> dict[str, Row[Any]]:
    wanted = list(entry_ids)
    if not wanted:
        return {}
    query = sa.select(cost_entries).where(
        cost_entries.c.municipality_code == municipality, cost_entries.c.id.in_(wanted)
    )
    return {row.id: row for row in await connection.execute(query)}


async def update_cost_entry(
    connection: AsyncConnection,
    municipality: str,
    entry_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Changes an OPEN entry of the given version (a claim may have taken it meanwhile)."""
    result = await connection.execute(
        sa.update(cost_entries)
        .where(
            cost_entries.c.municipality_code == municipality,
            cost_entries.c.id == entry_id,
            cost_entries.c.version == expected_version,
            cost_entries.c.status == "OPEN",
        )
        .values(**values, version=cost_entries.c.version + 1, updated_at=now)
    )
    return _changed(result)


@dataclass(frozen=True, slots=True)
class CostFilters:
    municipality: str
    client_id: str | None = None
    contract_id: str | None = None
    status: str | None = None
    compensation_type: str | None = None
    activity_from: date | None = None
    activity_to: date | None = None


async def list_cost_entries(
    connection: AsyncConnection, filters: CostFilters, after: Position | None, limit: int
) -> Sequence[Row[Any]]:
    table = cost_entries
    query = sa.select(table).where(table.c.municipality_code == filters.municipality)
    for column, value in (
        (table.c.client_id, filters.client_id),
        (table.c.contract_id, filters.contract_id),
        (table.c.status, filters.status),
        (table.c.compensation_type, filters.compensation_type),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.activity_from is not None:
        query = query.where(table.c.activity_date >= filters.activity_from)
    if filters.activity_to is not None:
        query = query.where(table.c.activity_date <= filters.activity_to)
    query = _after(query, (table.c.created_at, table.c.id), after)
    return (await connection.execute(query.limit(limit))).all()


async def claimable_entries(
    connection: AsyncConnection, municipality: str, compensation_type: str, start: date, end: date
) -> Sequence[Row[Any]]:
    query = sa.select(cost_entries).where(
        cost_entries.c.municipality_code == municipality,
        cost_entries.c.compensation_type == compensation_type,
        cost_entries.c.status == "OPEN",
        cost_entries.c.activity_date >= start,
        cost_entries.c.activity_date <= end,
    )
    return (await connection.execute(query)).all()


async def take_for_claim(
    connection: AsyncConnection, entry_ids: Sequence[str], claim_id: str, now: datetime
) -> int:
    """Marks OPEN entries as claimed by one statement; a concurrent claim that took some of
    them first makes the count come short, and the caller rolls back."""
    result = await connection.execute(
        sa.update(cost_entries)
        .where(cost_entries.c.id.in_(entry_ids), cost_entries.c.status == "OPEN")
        .values(
            status="CLAIMED",
            claim_id=claim_id,
            version=cost_entries.c.version + 1,
            updated_at=now,
        )
    )
    return int(result.rowcount)


async def release_from_claim(connection: AsyncConnection, claim_id: str, now: datetime) -> None:
    await connection.execute(
        sa.update(cost_entries)
        .where(cost_entries.c.claim_id == claim_id, cost_entries.c.status == "CLAIMED")
        .values(status="OPEN", claim_id=None, version=cost_entries.c.version + 1, updated_at=now)
    )


# --- claims ------------------------------------------------------------------------------------


async def insert_claim(
    connection: AsyncConnection, values: dict[str, Any], lines: Sequence[dict[str, Any]]
) -> None:
    await connection.execute(sa.insert(claims).values(**values))
    if lines:
        await connection.execute(sa.insert(claim_lines), list(lines))


async def get_claim(
    connection: AsyncConnection, municipality: str, claim_id: str
) -> Row[Any] | None:
    query = sa.select(claims).where(
        claims.c.municipality_code == municipality, claims.c.id == claim_id
    )
    return (await connection.execute(query)).first()


async def get_lines(connection: AsyncConnection, claim_id: str) -> Sequence[Row[Any]]:
    query = (
        sa.select(claim_lines)
        .where(claim_lines.c.claim_id == claim_id)
        .order_by(claim_lines.c.line_number)
    )
    return (await connection.execute(query)).all()


async def get_events(connection: AsyncConnection, claim_id: str) -> Sequence[Row[Any]]:
    query = (
        sa.select(claim_events)
        .where(claim_events.c.claim_id == claim_id)
        .order_by(claim_events.c.seq)
    )
    return (await connection.execute(query)).all()


async def add_event(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(claim_events).values(**values))


async def update_claim(
    connection: AsyncConnection,
    municipality: str,
    claim_id: str,
    expected_version: int,
    expected_status: str,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    result = await connection.execute(
        sa.update(claims)
        .where(
            claims.c.municipality_code == municipality,
            claims.c.id == claim_id,
            claims.c.version == expected_version,
            claims.c.status == expected_status,
        )
        .values(**values, version=claims.c.version + 1, updated_at=now)
    )
    return _changed(result)


async def decide_lines(
    connection: AsyncConnection, claim_id: str, decisions: Iterable[tuple[str, int, str]]
) -> None:
    for entry_id, approved, note in decisions:
        await connection.execute(
            sa.update(claim_lines)
            .where(claim_lines.c.claim_id == claim_id, claim_lines.c.cost_entry_id == entry_id)
            .values(approved_cents=approved, decision_note=note)
        )


async def list_claims(
    connection: AsyncConnection,
    municipality: str,
    status: str | None,
    after: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    query = sa.select(claims).where(claims.c.municipality_code == municipality)
    if status is not None:
        query = query.where(claims.c.status == status)
    query = _after(query, (claims.c.created_at, claims.c.id), after)
    return (await connection.execute(query.limit(limit))).all()


async def claim_clients(
    connection: AsyncConnection, claim_ids: Sequence[str]
) -> dict[str, set[str]]:
    """The distinct clients of each claim (for the audit records of a list)."""
    if not claim_ids:
        return {}
    query = (
        sa.select(claim_lines.c.claim_id, claim_lines.c.client_id)
        .where(claim_lines.c.claim_id.in_(claim_ids))
        .distinct()
    )
    found: dict[str, set[str]] = {}
    for row in await connection.execute(query):
        found.setdefault(row.claim_id, set()).add(row.client_id)
    return found
