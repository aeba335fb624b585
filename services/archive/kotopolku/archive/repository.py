"""Queries on the archive's own tables (SQLAlchemy Core); no rules, no I/O beyond the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.archive.domain.jobs import HoldState, JobState, PackageState, StepState
from kotopolku.archive.domain.tos import Preservation
from kotopolku.archive.tables import disposals, holds, jobs, packages, steps

Row = Any


def _after(table: sa.Table, column: str, position: tuple[datetime, str] | None) -> Any:
    """Keyset condition for lists ordered newest first by (column, id)."""
    if position is None:
        return sa.true()
    moment, ident = position
    return sa.or_(table.c[column] < moment, sa.and_(table.c[column] == moment, table.c.id < ident))


# --- jobs --------------------------------------------------------------------------------------


async def insert_job(
    connection: AsyncConnection, job: dict[str, Any], plan: Sequence[dict[str, Any]]
) -> None:
    await connection.execute(sa.insert(jobs).values(**job))
    await connection.execute(sa.insert(steps), list(plan))


async def job(connection: AsyncConnection, job_id: str, *, lock: bool = False) -> Row | None:
    query = sa.select(jobs).where(jobs.c.id == job_id)
    if lock:
        query = query.with_for_update()
    return (await connection.execute(query)).first()


async def job_steps(connection: AsyncConnection, job_id: str) -> list[Row]:
    query = sa.select(steps).where(steps.c.job_id == job_id).order_by(steps.c.position)
    return list((await connection.execute(query)).all())


async def jobs_page(
    connection: AsyncConnection,
    municipality: str,
    *,
    client_id: str,
    state: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row]:
    query = sa.select(jobs).where(
        jobs.c.municipality_code == municipality, _after(jobs, "created_at", after)
    )
    if client_id:
        query = query.where(jobs.c.client_id == client_id)
    if state:
        query = query.where(jobs.c.state == state)
    query = query.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
    return list((await connection.execute(query)).all())


async def unfinished_job(
    connection: AsyncConnection, client_id: str, municipality: str
) -> Row | None:
    query = sa.select(jobs).where(
        jobs.c.client_id == client_id,
        jobs.c.municipality_code == municipality,
        jobs.c.state.in_([JobState.RUNNING.value, JobState.HELD.value]),
    )
    return (await connection.execute(query.limit(1))).first()


async def latest_jobs(
    connection: AsyncConnection, municipality: str, client_ids: Sequence[str]
) -> dict[str, str]:
    if not client_ids:
        return {}
    query = (
        sa.select(jobs.c.client_id, jobs.c.id)
        .where(jobs.c.municipality_code == municipality, jobs.c.client_id.in_(client_ids))
        .order_by(jobs.c.created_at)
    )
    return {row.client_id: row.id for row in await connection.execute(query)}


async def update_job(connection: AsyncConnection, job_id: str, **values: Any) -> None:
    await connection.execute(
        sa.update(jobs).where(jobs.c.id == job_id).values(version=jobs.c.version + 1, **values)
    )


async def claim_job(
    connection: AsyncConnection, now: datetime, lease_until: datetime
) -> str | None:
    """Takes the most overdue runnable job that no live worker owns; None when there is none."""
    runnable = sa.and_(
        jobs.c.state == JobState.RUNNING.value,
        jobs.c.next_attempt_at <= now,
        sa.or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now),
    )
    found = (
        await connection.execute(
            sa.select(jobs.c.id).where(runnable).order_by(jobs.c.next_attempt_at).limit(1)
        )
    ).first()
    if found is None:
        return None
    # Guarded: of two workers that saw the same job, one updates it and the other none.
    claimed = await connection.execute(
        sa.update(jobs).where(jobs.c.id == found.id, runnable).values(lease_until=lease_until)
    )
    return str(found.id) if claimed.rowcount == 1 else None


async def update_step(
    connection: AsyncConnection, job_id: str, position: int, **values: Any
) -> None:
    await connection.execute(
        sa.update(steps)
        .where(steps.c.job_id == job_id, steps.c.position == position)
        .values(**values)
    )


async def reset_failed_steps(connection: AsyncConnection, job_id: str) -> None:
    await connection.execute(
        sa.update(steps)
        .where(steps.c.job_id == job_id, steps.c.state == StepState.FAILED.value)
        .values(state=StepState.PENDING.value, attempts=0)
    )


async def held_jobs(connection: AsyncConnection, client_id: str, municipality: str) -> list[Row]:
    query = sa.select(jobs).where(
        jobs.c.client_id == client_id,
        jobs.c.municipality_code == municipality,
        jobs.c.state == JobState.HELD.value,
    )
    return list((await connection.execute(query)).all())


# --- legal holds -------------------------------------------------------------------------------


async def insert_hold(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(holds).values(**values))


async def hold(connection: AsyncConnection, hold_id: str) -> Row | None:
    return (await connection.execute(sa.select(holds).where(holds.c.id == hold_id))).first()


async def has_active_hold(connection: AsyncConnection, client_id: str, municipality: str) -> bool:
    query = sa.select(holds.c.id).where(
        holds.c.client_id == client_id,
        holds.c.municipality_code == municipality,
        holds.c.state == HoldState.ACTIVE.value,
    )
    return (await connection.execute(query.limit(1))).first() is not None


async def holds_page(
    connection: AsyncConnection,
    municipality: str,
    *,
    client_id: str,
    active_only: bool,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row]:
    query = sa.select(holds).where(
        holds.c.municipality_code == municipality, _after(holds, "set_at", after)
    )
    if client_id:
        query = query.where(holds.c.client_id == client_id)
    if active_only:
        query = query.where(holds.c.state == HoldState.ACTIVE.value)
    query = query.order_by(holds.c.set_at.desc(), holds.c.id.desc()).limit(limit)
    return list((await connection.execute(query)).all())


async def update_hold(connection: AsyncConnection, hold_id: str, **values: Any) -> None:
    await connection.execute(
        sa.update(holds).where(holds.c.id == hold_id).values(version=holds.c.version + 1, **values)
    )


# --- packages and disposal ---------------------------------------------------------------------


async def package(connection: AsyncConnection, package_id: str) -> Row | None:
    return (
        await connection.execute(sa.select(packages).where(packages.c.id == package_id))
    ).first()


async def save_package(connection: AsyncConnection, values: dict[str, Any]) -> None:
    """Inserts the package, or replaces one stored but not yet verified (a repeated step)."""
    existing = await package(connection, values["id"])
    if existing is None:
        await connection.execute(sa.insert(packages).values(version=1, **values))
    else:
        await connection.execute(
            sa.update(packages)
            .where(packages.c.id == values["id"])
            .values(version=packages.c.version + 1, **values)
        )


async def update_package(connection: AsyncConnection, package_id: str, **values: Any) -> None:
    await connection.execute(
        sa.update(packages)
        .where(packages.c.id == package_id)
        .values(version=packages.c.version + 1, **values)
    )


async def packages_page(
    connection: AsyncConnection,
    municipality: str,
    *,
    client_id: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row]:
    query = sa.select(packages).where(
        packages.c.municipality_code == municipality, _after(packages, "created_at", after)
    )
    if client_id:
        query = query.where(packages.c.client_id == client_id)
    query = query.order_by(packages.c.created_at.desc(), packages.c.id.desc()).limit(limit)
    return list((await connection.execute(query)).all())


async def due_packages(
    connection: AsyncConnection, today: date, municipality: str | None, limit: int
) -> list[Row]:
    """Verified packages whose retention ended before today."""
    query = sa.select(packages).where(
        packages.c.state == PackageState.VERIFIED.value,
        packages.c.preservation == Preservation.DISPOSE.value,
        packages.c.disposal_due_on < today,
    )
    if municipality is not None:
        query = query.where(packages.c.municipality_code == municipality)
    return list((await connection.execute(query.order_by(packages.c.id).limit(limit))).all())


async def insert_disposal(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(disposals).values(**values))


async def disposal_of(connection: AsyncConnection, package_id: str) -> Row | None:
    query = sa.select(disposals).where(disposals.c.package_id == package_id)
    return (await connection.execute(query)).first()


async def disposals_page(
    connection: AsyncConnection,
    municipality: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row]:
    query = (
        sa.select(disposals)
        .where(
            disposals.c.municipality_code == municipality,
            _after(disposals, "disposed_at", after),
        )
        .order_by(disposals.c.disposed_at.desc(), disposals.c.id.desc())
        .limit(limit)
    )
    return list((await connection.execute(query)).all())
