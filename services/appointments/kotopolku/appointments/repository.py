"""Queries on the appointments service's own tables (SQLAlchemy Core)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.appointments.domain import (
    AppointmentKind,
    AppointmentStatus,
    Assignee,
    Booking,
    FieldChange,
    HistoryAction,
    PlannedReminder,
    ReminderState,
)
from kotopolku.appointments.tables import (
    appointments,
    assignees,
    calendar_feeds,
    calendar_locks,
    history,
    reminder_outbox,
    reminders,
)
from kotopolku.common.clock import as_utc


def _changed(result: Any) -> bool:
    return int(result.rowcount) == 1


def _upsert(connection: AsyncConnection) -> Any:
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


async def lock_people(
    connection: AsyncConnection, person_keys: Iterable[str], now: datetime
) -> None:
    """Locks the people's calendars until the transaction ends. Written first in a booking
    transaction: on PostgreSQL it takes row locks (sorted, so two bookings cannot deadlock), on
    SQLite the first write takes the database's write lock before anything is read."""
    for key in sorted(set(person_keys)):
        statement = _upsert(connection)(calendar_locks).values(person_key=key, touched_at=now)
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=[calendar_locks.c.person_key], set_={"touched_at": now}
            )
        )


# --- appointments ------------------------------------------------------------------------------


async def insert_appointment(
    connection: AsyncConnection, values: dict[str, Any], people: Sequence[Assignee], now: datetime
) -> str:
    appointment_id = str(values.get("id") or uuid.uuid4())
    await connection.execute(
        sa.insert(appointments).values(
            **{**values, "id": appointment_id},
            version=1,
            status=AppointmentStatus.SCHEDULED.value,
            created_at=now,
            updated_at=now,
        )
    )
    await replace_assignees(connection, appointment_id, values["client_id"], people)
    return appointment_id


async def replace_assignees(
    connection: AsyncConnection, appointment_id: str, client_id: str, people: Sequence[Assignee]
) -> None:
    await connection.execute(
        sa.delete(assignees).where(assignees.c.appointment_id == appointment_id)
    )
    await connection.execute(
        sa.insert(assignees),
        [
            {
                "appointment_id": appointment_id,
                "person_key": person.person_key(client_id),
                "position": position,
                "kind": person.kind.value,
                "subject": person.subject,
                "display_name": person.display_name,
                "organisation": person.organisation,
            }
            for position, person in enumerate(people)
        ],
    )


async def get_appointment(connection: AsyncConnection, appointment_id: str) -> Row[Any] | None:
    query = sa.select(appointments).where(appointments.c.id == appointment_id)
    return (await connection.execute(query)).first()


async def assignees_of(
    connection: AsyncConnection, appointment_ids: Sequence[str]
) -> dict[str, list[Row[Any]]]:
    if not appointment_ids:
        return {}
    query = (
        sa.select(assignees)
        .where(assignees.c.appointment_id.in_(list(appointment_ids)))
        .order_by(assignees.c.appointment_id, assignees.c.position)
    )
    found: dict[str, list[Row[Any]]] = {i: [] for i in appointment_ids}
    for row in (await connection.execute(query)).all():
        found[row.appointment_id].append(row)
    return found


async def update_appointment(
    connection: AsyncConnection,
    appointment_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Applies the change if nobody changed the appointment meanwhile and it is not deleted."""
    result = await connection.execute(
        sa.update(appointments)
        .where(
            appointments.c.id == appointment_id,
            appointments.c.version == expected_version,
            appointments.c.deleted_at.is_(None),
        )
        .values(**values, version=appointments.c.version + 1, updated_at=now)
    )
    return _changed(result)


async def bookings_of(
    connection: AsyncConnection, person_keys: Iterable[str], start: datetime, end: datetime
) -> list[Booking]:
    """The scheduled, time-blocking appointments of these people overlapping [start, end)."""
    keys = sorted(set(person_keys))
    if not keys:
        return []
    query = (
        sa.select(
            appointments.c.id,
            assignees.c.person_key,
            appointments.c.kind,
            appointments.c.status,
            appointments.c.starts_at,
            appointments.c.ends_at,
            appointments.c.municipality_code,
        )
        .join(assignees, assignees.c.appointment_id == appointments.c.id)
        .where(
            assignees.c.person_key.in_(keys),
            appointments.c.deleted_at.is_(None),
            appointments.c.status == AppointmentStatus.SCHEDULED.value,
            appointments.c.kind != AppointmentKind.TASK.value,
            appointments.c.starts_at < end,
            appointments.c.ends_at > start,
        )
    )
    return [
        Booking(
            appointment_id=row.id,
            person_key=row.person_key,
            kind=AppointmentKind(row.kind),
            status=AppointmentStatus(row.status),
            starts_at=as_utc(row.starts_at),
            ends_at=as_utc(row.ends_at),
            municipality_code=row.municipality_code,
        )
        for row in (await connection.execute(query)).all()
    ]


@dataclass(frozen=True, slots=True)
class CalendarFilter:
    """Which appointments a list shows; every list is within a period and leaves out deleted."""

    period_start: datetime
    period_end: datetime
    municipality: str | None = None
    client_id: str | None = None
    person_key: str | None = None
    team: str | None = None
    include_cancelled: bool = False


async def list_appointments(
    connection: AsyncConnection,
    where: CalendarFilter,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """One page in (starts_at, id) order."""
    table = appointments
    query = sa.select(table).where(
        table.c.deleted_at.is_(None),
        table.c.starts_at < where.period_end,
        # Overlapping the period, or a point in time (a task due) within it.
        sa.or_(table.c.ends_at > where.period_start, table.c.starts_at >= where.period_start),
    )
    if where.municipality is not None:
        query = query.where(table.c.municipality_code == where.municipality)
    if where.client_id is not None:
        query = query.where(table.c.client_id == where.client_id)
    if where.team is not None:
        query = query.where(table.c.team == where.team)
    if where.person_key is not None:
        query = query.where(
            table.c.id.in_(
                sa.select(assignees.c.appointment_id).where(
                    assignees.c.person_key == where.person_key
                )
            )
        )
    if not where.include_cancelled:
        query = query.where(table.c.status == AppointmentStatus.SCHEDULED.value)
    order = (table.c.starts_at, table.c.id)
    if after is not None:
        query = query.where(sa.tuple_(*order) > sa.tuple_(*after))
    return (await connection.execute(query.order_by(*order).limit(limit))).all()


async def is_assigned(connection: AsyncConnection, appointment_id: str, person_key: str) -> bool:
    query = sa.select(assignees.c.person_key).where(
        assignees.c.appointment_id == appointment_id, assignees.c.person_key == person_key
    )
    return (await connection.execute(query)).first() is not None


# --- history -----------------------------------------------------------------------------------


async def add_history(
    connection: AsyncConnection,
    appointment_id: str,
    version: int,
    at: datetime,
    actor: str,
    action: HistoryAction,
    changes: Sequence[FieldChange],
    reason: str = "",
    overridden: Sequence[str] = (),
) -> None:
    await connection.execute(
        sa.insert(history).values(
            appointment_id=appointment_id,
            version=version,
            at=at,
            actor_subject=actor,
            action=action.value,
            changes=[{"field": c.field, "before": c.before, "after": c.after} for c in changes],
            reason=reason,
            overridden_conflicts=list(overridden),
        )
    )


async def list_history(
    connection: AsyncConnection, appointment_id: str, after_version: int, limit: int
) -> Sequence[Row[Any]]:
    query = (
        sa.select(history)
        .where(history.c.appointment_id == appointment_id, history.c.version > after_version)
        .order_by(history.c.version)
        .limit(limit)
    )
    return (await connection.execute(query)).all()


# --- reminders ---------------------------------------------------------------------------------


async def reminders_of(
    connection: AsyncConnection, appointment_ids: Sequence[str]
) -> dict[str, list[Row[Any]]]:
    if not appointment_ids:
        return {}
    query = (
        sa.select(reminders)
        .where(reminders.c.appointment_id.in_(list(appointment_ids)))
        .order_by(reminders.c.appointment_id, reminders.c.send_at, reminders.c.created_at)
    )
    found: dict[str, list[Row[Any]]] = {i: [] for i in appointment_ids}
    for row in (await connection.execute(query)).all():
        found[row.appointment_id].append(row)
    return found


async def active_reminders(connection: AsyncConnection, appointment_id: str) -> list[Row[Any]]:
    query = sa.select(reminders).where(
        reminders.c.appointment_id == appointment_id,
        reminders.c.state.in_([s.value for s in ReminderState if s.is_active]),
    )
    return list((await connection.execute(query)).all())


async def schedule_reminder(
    connection: AsyncConnection, appointment_id: str, planned: PlannedReminder, now: datetime
) -> None:
    """A new reminder and its delivery to the messaging service, in the caller's transaction."""
    reminder_id = str(uuid.uuid4())
    await connection.execute(
        sa.insert(reminders).values(
            id=reminder_id,
            appointment_id=appointment_id,
            lead_minutes=planned.lead_minutes,
            send_at=planned.send_at,
            language=planned.language,
            variables=dict(planned.variables),
            idempotency_key=planned.idempotency_key,
            state=ReminderState.PENDING.value,
            created_at=now,
            updated_at=now,
        )
    )
    await _enqueue(connection, appointment_id, reminder_id, "send", now)


async def withdraw_reminder(connection: AsyncConnection, row: Row[Any], now: datetime) -> None:
    """Cancels an active reminder; the messaging service is told after any earlier work."""
    await connection.execute(
        sa.update(reminders)
        .where(reminders.c.id == row.id)
        .values(state=ReminderState.CANCELLED.value, updated_at=now)
    )
    await _enqueue(connection, row.appointment_id, row.id, "cancel", now)


async def _enqueue(
    connection: AsyncConnection,
    appointment_id: str,
    reminder_id: str,
    operation: str,
    now: datetime,
) -> None:
    await connection.execute(
        sa.insert(reminder_outbox).values(
            appointment_id=appointment_id,
            reminder_id=reminder_id,
            operation=operation,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )


# --- calendar feeds ----------------------------------------------------------------------------


async def replace_feed(
    connection: AsyncConnection, person_key: str, owner: str, token_hash: str, now: datetime
) -> Row[Any]:
    await connection.execute(
        sa.delete(calendar_feeds).where(calendar_feeds.c.person_key == person_key)
    )
    await connection.execute(
        sa.insert(calendar_feeds).values(
            person_key=person_key, token_hash=token_hash, owner_subject=owner, created_at=now
        )
    )
    row = await get_feed(connection, person_key)
    assert row is not None
    return row


async def get_feed(connection: AsyncConnection, person_key: str) -> Row[Any] | None:
    query = sa.select(calendar_feeds).where(calendar_feeds.c.person_key == person_key)
    return (await connection.execute(query)).first()


async def feed_by_token_hash(connection: AsyncConnection, token_hash: str) -> Row[Any] | None:
    query = sa.select(calendar_feeds).where(calendar_feeds.c.token_hash == token_hash)
    return (await connection.execute(query)).first()


async def delete_feed(connection: AsyncConnection, person_key: str) -> bool:
    result = await connection.execute(
        sa.delete(calendar_feeds).where(calendar_feeds.c.person_key == person_key)
    )
    return _changed(result)


async def touch_feed(connection: AsyncConnection, person_key: str, now: datetime) -> None:
    await connection.execute(
        sa.update(calendar_feeds)
        .where(calendar_feeds.c.person_key == person_key)
        .values(last_read_at=now)
    )
