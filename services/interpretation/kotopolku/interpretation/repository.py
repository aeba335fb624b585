"""Queries on the interpretation service's own tables (SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.interpretation.domain import BookingStatus
from kotopolku.interpretation.tables import bookings, records, translations


def _changed(result: Any) -> bool:
    return int(result.rowcount) == 1


# --- bookings ----------------------------------------------------------------------------------


async def insert_booking(
    connection: AsyncConnection, values: dict[str, Any], now: datetime
) -> Row[Any]:
    booking_id = str(uuid.uuid4())
    await connection.execute(
        sa.insert(bookings).values(
            **values,
            id=booking_id,
            version=1,
            status=BookingStatus.REQUESTED.value,
            created_at=now,
            updated_at=now,
        )
    )
    row = await get_booking(connection, booking_id)
    assert row is not None
    return row


async def get_booking(connection: AsyncConnection, booking_id: str) -> Row[Any] | None:
    query = sa.select(bookings).where(bookings.c.id == booking_id)
    return (await connection.execute(query)).first()


async def update_booking(
    connection: AsyncConnection,
    booking_id: str,
    expected_version: int,
    expected_status: str,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    result = await connection.execute(
        sa.update(bookings)
        .where(
            bookings.c.id == booking_id,
            bookings.c.version == expected_version,
            bookings.c.status == expected_status,
        )
        .values(**values, version=bookings.c.version + 1, updated_at=now)
    )
    return _changed(result)


@dataclass(frozen=True, slots=True)
class BookingFilter:
    municipality: str | None = None
    organisation: str | None = None
    interpreter_subject: str | None = None
    status: str | None = None
    appointment_id: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None


async def list_bookings(
    connection: AsyncConnection,
    where: BookingFilter,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    table = bookings
    query = sa.select(table)
    if where.municipality is not None:
        query = query.where(table.c.municipality_code == where.municipality)
    if where.organisation is not None:
        # An interpreter: the service's open bookings and their own.
        query = query.where(
            table.c.provider_organisation == where.organisation,
            sa.or_(
                table.c.interpreter_subject.is_(None),
                table.c.interpreter_subject == where.interpreter_subject,
            ),
        )
    if where.status is not None:
        query = query.where(table.c.status == where.status)
    if where.appointment_id is not None:
        query = query.where(table.c.appointment_id == where.appointment_id)
    if where.starts_from is not None:
        query = query.where(table.c.starts_at >= where.starts_from)
    if where.starts_before is not None:
        query = query.where(table.c.starts_at < where.starts_before)
    order = (table.c.starts_at, table.c.id)
    if after is not None:
        query = query.where(sa.tuple_(*order) > sa.tuple_(*after))
    return (await connection.execute(query.order_by(*order).limit(limit))).all()


# --- interpretation records ---------------------------------------------------------------------


async def insert_record(
    connection: AsyncConnection, values: dict[str, Any], now: datetime
) -> Row[Any]:
    record_id = str(uuid.uuid4())
    await connection.execute(sa.insert(records).values(**values, id=record_id, recorded_at=now))
    row = await get_record(connection, record_id)
    assert row is not None
    return row


async def get_record(connection: AsyncConnection, record_id: str) -> Row[Any] | None:
    return (await connection.execute(sa.select(records).where(records.c.id == record_id))).first()


async def list_records(
    connection: AsyncConnection,
    municipality: str,
    client_id: str | None,
    reference_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    query = sa.select(records).where(records.c.municipality_code == municipality)
    if client_id is not None:
        query = query.where(records.c.client_id == client_id)
    if reference_id is not None:
        query = query.where(records.c.reference_id == reference_id)
    order = (records.c.recorded_at, records.c.id)
    if after is not None:
        query = query.where(sa.tuple_(*order) > sa.tuple_(*after))
    return (await connection.execute(query.order_by(*order).limit(limit))).all()


# --- translations ------------------------------------------------------------------------------


async def latest_translation(
    connection: AsyncConnection, municipality: str, key: str, language: str
) -> Row[Any] | None:
    query = (
        sa.select(translations)
        .where(
            translations.c.municipality_code == municipality,
            translations.c.key == key,
            translations.c.language == language,
        )
        .order_by(translations.c.revision.desc())
        .limit(1)
    )
    return (await connection.execute(query)).first()


async def insert_translation(connection: AsyncConnection, values: dict[str, Any]) -> None:
    """Fails on the primary key if another save made the same revision meanwhile."""
    await connection.execute(sa.insert(translations).values(**values))


async def latest_translations(
    connection: AsyncConnection, municipality: str, key: str
) -> Sequence[Row[Any]]:
    latest = (
        sa.select(translations.c.language, sa.func.max(translations.c.revision).label("revision"))
        .where(translations.c.municipality_code == municipality, translations.c.key == key)
        .group_by(translations.c.language)
        .subquery()
    )
    query = (
        sa.select(translations)
        .join(
            latest,
            sa.and_(
                translations.c.language == latest.c.language,
                translations.c.revision == latest.c.revision,
            ),
        )
        .where(translations.c.municipality_code == municipality, translations.c.key == key)
        .order_by(translations.c.language)
    )
    return (await connection.execute(query)).all()


async def translation_revisions(
    connection: AsyncConnection,
    municipality: str,
    key: str,
    language: str,
    before: int | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Newest first."""
    query = sa.select(translations).where(
        translations.c.municipality_code == municipality,
        translations.c.key == key,
        translations.c.language == language,
    )
    if before is not None:
        query = query.where(translations.c.revision < before)
    query = query.order_by(translations.c.revision.desc()).limit(limit)
    return (await connection.execute(query)).all()
