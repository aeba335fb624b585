"""Queries on the programme service's own tables (SQLAlchemy Core, one round trip each)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.programme.domain import EnrolmentStatus, PlanOutcome
from kotopolku.programme.tables import (
    attendance,
    enrolments,
    plan_outcome_outbox,
    programme_services,
    providers,
    service_intakes,
    service_languages,
)


def _changed(result: Any) -> bool:
    return int(result.rowcount) == 1


# --- providers ---------------------------------------------------------------------------------


async def insert_provider(
    connection: AsyncConnection, municipality: str, values: dict[str, Any], now: datetime
) -> Row[Any]:
    await connection.execute(
        sa.insert(providers).values(
            **values, municipality_code=municipality, version=1, created_at=now, updated_at=now
        )
    )
    row = await get_provider(connection, municipality, values["id"])
    assert row is not None
    return row


async def get_provider(
    connection: AsyncConnection, municipality: str, provider_id: str
) -> Row[Any] | None:
    query = sa.select(providers).where(
        providers.c.municipality_code == municipality, providers.c.id == provider_id
    )
    return (await connection.execute(query)).first()


async def business_id_taken(
    connection: AsyncConnection, municipality: str, business_id: str, except_id: str = ""
) -> bool:
    query = sa.select(providers.c.id).where(
        providers.c.municipality_code == municipality,
        providers.c.business_id == business_id,
        providers.c.id != except_id,
    )
    return (await connection.execute(query)).first() is not None


async def update_provider(
    connection: AsyncConnection,
    municipality: str,
    provider_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    result = await connection.execute(
        sa.update(providers)
        .where(
            providers.c.municipality_code == municipality,
            providers.c.id == provider_id,
            providers.c.version == expected_version,
        )
        .values(**values, version=providers.c.version + 1, updated_at=now)
    )
    return _changed(result)


async def list_providers(
    connection: AsyncConnection,
    municipality: str,
    only: str | None,
    after: str | None,
    limit: int,
) -> Sequence[Row[Any]]:
    query = sa.select(providers).where(providers.c.municipality_code == municipality)
    if only is not None:
        query = query.where(providers.c.id == only)
    if after is not None:
        query = query.where(providers.c.id > after)
    return (await connection.execute(query.order_by(providers.c.id).limit(limit))).all()


# --- catalogue services ------------------------------------------------------------------------


def _service_columns(values: dict[str, Any]) -> dict[str, Any]:
    columns = dict(values)
    if "intake_dates" in columns:
        columns["intake_dates"] = [day.isoformat() for day in columns["intake_dates"]]
    return columns


async def _replace_search_keys(
    connection: AsyncConnection, service_id: str, values: dict[str, Any]
) -> None:
    if "languages" in values:
        await connection.execute(
            sa.delete(service_languages).where(service_languages.c.service_id == service_id)
        )
        if values["languages"]:
            await connection.execute(
                sa.insert(service_languages),
                [{"service_id": service_id, "language": code} for code in values["languages"]],
            )
    if "intake_dates" in values:
        await connection.execute(
            sa.delete(service_intakes).where(service_intakes.c.service_id == service_id)
        )
        if values["intake_dates"]:
            await connection.execute(
                sa.insert(service_intakes),
                [{"service_id": service_id, "intake_date": day} for day in values["intake_dates"]],
            )


async def insert_service(
    connection: AsyncConnection, municipality: str, values: dict[str, Any], now: datetime
) -> Row[Any]:
    service_id = str(uuid.uuid4())
    await connection.execute(
        sa.insert(programme_services).values(
            **_service_columns(values),
            id=service_id,
            version=1,
            municipality_code=municipality,
            active_enrolments=0,
            created_at=now,
            updated_at=now,
        )
    )
    await _replace_search_keys(connection, service_id, values)
    row = await get_service(connection, service_id)
    assert row is not None
    return row


async def get_service(connection: AsyncConnection, service_id: str) -> Row[Any] | None:
    query = sa.select(programme_services).where(programme_services.c.id == service_id)
    return (await connection.execute(query)).first()


async def update_service(
    connection: AsyncConnection,
    service_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    table = programme_services
    query = sa.update(table).where(table.c.id == service_id, table.c.version == expected_version)
    if "capacity" in values:
        # Enrolments do not change the version: guard the capacity rule against them here.
        query = query.where(table.c.active_enrolments <= values["capacity"])
    result = await connection.execute(
        query.values(**_service_columns(values), version=table.c.version + 1, updated_at=now)
    )
    if not _changed(result):
        return False
    await _replace_search_keys(connection, service_id, values)
    return True


async def take_place(connection: AsyncConnection, service_id: str) -> bool:
    """Takes one free place; False when the service is full. Safe under concurrent enrolments:
    the condition and the increment are one statement."""
    table = programme_services
    result = await connection.execute(
        sa.update(table)
        .where(table.c.id == service_id, table.c.active_enrolments < table.c.capacity)
        .values(active_enrolments=table.c.active_enrolments + 1)
    )
    return _changed(result)


async def release_place(connection: AsyncConnection, service_id: str) -> None:
    table = programme_services
    await connection.execute(
        sa.update(table)
        .where(table.c.id == service_id, table.c.active_enrolments > 0)
        .values(active_enrolments=table.c.active_enrolments - 1)
    )


@dataclass(frozen=True, slots=True)
class ServiceFilters:
    municipality: str
    provider: str | None = None
    type: str | None = None
    language: str | None = None
    intake_on_or_after: date | None = None
    has_free_places: bool = False
    valid_on: date | None = None


async def search_services(
    connection: AsyncConnection,
    filters: ServiceFilters,
    after: tuple[str, str, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """One page in (type, name, id) order."""
    table = programme_services
    query = sa.select(table).where(table.c.municipality_code == filters.municipality)
    if filters.provider is not None:
        query = query.where(table.c.provider_id == filters.provider)
    if filters.type is not None:
        query = query.where(table.c.type == filters.type)
    if filters.language is not None:
        query = query.where(
            table.c.id.in_(
                sa.select(service_languages.c.service_id).where(
                    service_languages.c.language == filters.language
                )
            )
        )
    if filters.intake_on_or_after is not None:
        query = query.where(
            table.c.id.in_(
                sa.select(service_intakes.c.service_id).where(
                    service_intakes.c.intake_date >= filters.intake_on_or_after
                )
            )
        )
    if filters.has_free_places:
        query = query.where(table.c.active_enrolments < table.c.capacity)
    if filters.valid_on is not None:
        query = query.where(
            table.c.valid_from <= filters.valid_on,
            sa.or_(table.c.valid_until.is_(None), table.c.valid_until >= filters.valid_on),
        )
    order = (table.c.type, table.c.name, table.c.id)
    if after is not None:
        query = query.where(sa.tuple_(*order) > sa.tuple_(*after))
    return (await connection.execute(query.order_by(*order).limit(limit))).all()


# --- enrolments --------------------------------------------------------------------------------


def active_keys(client_id: str, service_id: str, plan_service_id: str) -> dict[str, str]:
    """The unique keys an ENROLLED enrolment holds (NULL once it ends)."""
    return {
        "active_plan_service": plan_service_id,
        "active_client_service": f"{client_id}:{service_id}",
    }


async def find_active_enrolment(
    connection: AsyncConnection, client_id: str, service_id: str, plan_service_id: str
) -> Row[Any] | None:
    keys = active_keys(client_id, service_id, plan_service_id)
    query = sa.select(enrolments).where(
        sa.or_(
            enrolments.c.active_plan_service == keys["active_plan_service"],
            enrolments.c.active_client_service == keys["active_client_service"],
        )
    )
    return (await connection.execute(query)).first()


async def insert_enrolment(
    connection: AsyncConnection, municipality: str, values: dict[str, Any], now: datetime
) -> Row[Any]:
    enrolment_id = str(uuid.uuid4())
    keys = active_keys(
        values["client_id"], values["programme_service_id"], values["plan_service_id"]
    )
    await connection.execute(
        sa.insert(enrolments).values(
            **values,
            **keys,
            id=enrolment_id,
            version=1,
            municipality_code=municipality,
            status=EnrolmentStatus.ENROLLED.value,
            created_at=now,
            updated_at=now,
        )
    )
    row = await get_enrolment(connection, enrolment_id)
    assert row is not None
    return row


async def get_enrolment(connection: AsyncConnection, enrolment_id: str) -> Row[Any] | None:
    query = sa.select(enrolments).where(enrolments.c.id == enrolment_id)
    return (await connection.execute(query)).first()


async def end_enrolment(
    connection: AsyncConnection,
    enrolment_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Moves an ENROLLED enrolment to a final state, if nobody changed it meanwhile."""
    result = await connection.execute(
        sa.update(enrolments)
        .where(
            enrolments.c.id == enrolment_id,
            enrolments.c.version == expected_version,
            enrolments.c.status == EnrolmentStatus.ENROLLED.value,
        )
        .values(
            **values,
            active_plan_service=None,
            active_client_service=None,
            version=enrolments.c.version + 1,
            updated_at=now,
        )
    )
    return _changed(result)


@dataclass(frozen=True, slots=True)
class EnrolmentFilters:
    municipality: str
    provider: str | None = None
    service_id: str | None = None
    client_id: str | None = None
    plan_id: str | None = None
    status: str | None = None


async def list_enrolments(
    connection: AsyncConnection,
    filters: EnrolmentFilters,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """One page in (created_at, id) order; a provider's filter keeps only its own services."""
    query = sa.select(enrolments).where(enrolments.c.municipality_code == filters.municipality)
    if filters.provider is not None:
        query = query.where(
            enrolments.c.programme_service_id.in_(
                sa.select(programme_services.c.id).where(
                    programme_services.c.municipality_code == filters.municipality,
                    programme_services.c.provider_id == filters.provider,
                )
            )
        )
    if filters.service_id is not None:
        query = query.where(enrolments.c.programme_service_id == filters.service_id)
    if filters.client_id is not None:
        query = query.where(enrolments.c.client_id == filters.client_id)
    if filters.plan_id is not None:
        query = query.where(enrolments.c.plan_id == filters.plan_id)
    if filters.status is not None:
        query = query.where(enrolments.c.status == filters.status)
    order = (enrolments.c.created_at, enrolments.c.id)
    if after is not None:
        query = query.where(sa.tuple_(*order) > sa.tuple_(*after))
    return (await connection.execute(query.order_by(*order).limit(limit))).all()


# --- attendance --------------------------------------------------------------------------------


async def record_attendance(
    connection: AsyncConnection, enrolment_id: str, day: date, mark: str, now: datetime
) -> Row[Any]:
    """Inserts the day's mark or replaces it (one statement, so concurrent marks cannot clash)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(attendance).values(
        enrolment_id=enrolment_id, day=day, mark=mark, recorded_at=now
    )
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=[attendance.c.enrolment_id, attendance.c.day],
            set_={"mark": statement.excluded.mark, "recorded_at": statement.excluded.recorded_at},
        )
    )
    query = sa.select(attendance).where(
        attendance.c.enrolment_id == enrolment_id, attendance.c.day == day
    )
    row = (await connection.execute(query)).first()
    assert row is not None
    return row


async def list_attendance(connection: AsyncConnection, enrolment_id: str) -> Sequence[Row[Any]]:
    query = (
        sa.select(attendance)
        .where(attendance.c.enrolment_id == enrolment_id)
        .order_by(attendance.c.day)
    )
    return (await connection.execute(query)).all()


async def last_attendance_day(connection: AsyncConnection, enrolment_id: str) -> date | None:
    query = sa.select(sa.func.max(attendance.c.day)).where(
        attendance.c.enrolment_id == enrolment_id
    )
    value = await connection.scalar(query)
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))


async def attendance_counts(
    connection: AsyncConnection, enrolment_ids: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """(days present, days absent) per enrolment; enrolments without marks are left out."""
    if not enrolment_ids:
        return {}
    present = sa.func.sum(sa.case((attendance.c.mark == "PRESENT", 1), else_=0))
    absent = sa.func.sum(sa.case((attendance.c.mark == "ABSENT", 1), else_=0))
    query = (
        sa.select(attendance.c.enrolment_id, present, absent)
        .where(attendance.c.enrolment_id.in_(list(enrolment_ids)))
        .group_by(attendance.c.enrolment_id)
    )
    rows = (await connection.execute(query)).all()
    return {str(row[0]): (int(row[1] or 0), int(row[2] or 0)) for row in rows}


# --- plan outcome outbox -----------------------------------------------------------------------


async def enqueue_outcome(
    connection: AsyncConnection, enrolment_id: str, outcome: PlanOutcome, now: datetime
) -> None:
    await connection.execute(
        sa.insert(plan_outcome_outbox).values(
            enrolment_id=enrolment_id,
            plan_id=outcome.plan_id,
            plan_service_id=outcome.plan_service_id,
            status=outcome.status.value,
            outcome_date=outcome.outcome_date,
            summary=outcome.summary,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )
