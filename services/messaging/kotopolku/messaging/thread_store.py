"""Queries of message threads, their participants and messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.messaging.tables import thread_messages, thread_participants, threads


async def get_thread(connection: AsyncConnection, thread_id: str) -> Any | None:
    return (await connection.execute(sa.select(threads).where(threads.c.id == thread_id))).first()


async def participants(connection: AsyncConnection, thread_id: str) -> list[Any]:
    return list(
        (
            await connection.execute(
                sa.select(thread_participants)
                .where(thread_participants.c.thread_id == thread_id)
                .order_by(thread_participants.c.kind, thread_participants.c.subject)
            )
        ).all()
    )


async def insert_thread(
    connection: AsyncConnection,
    *,
    municipality: str,
    client_id: str,
    subject: str,
    created_by: str,
    now: datetime,
) -> str:
    thread_id = str(uuid.uuid4())
    await connection.execute(
        sa.insert(threads).values(
            id=thread_id,
            version=1,
            municipality_code=municipality,
            client_id=client_id,
            subject=subject,
            created_by=created_by,
            message_count=0,
            last_message_at=now,
            created_at=now,
        )
    )
    return thread_id


async def ensure_participant(
    connection: AsyncConnection, thread_id: str, subject: str, kind: str, display_name: str = ""
) -> None:
    exists = await connection.scalar(
        sa.select(sa.func.count())
        .select_from(thread_participants)
        .where(
            thread_participants.c.thread_id == thread_id, thread_participants.c.subject == subject
        )
    )
    if not exists:
        await connection.execute(
            sa.insert(thread_participants).values(
                thread_id=thread_id,
                subject=subject,
                kind=kind,
                display_name=display_name,
                last_read_sequence=0,
                last_read_message_id=None,
                last_read_at=None,
            )
        )


async def append_message(
    connection: AsyncConnection,
    thread: Any,
    *,
    author: str,
    author_kind: str,
    body: str,
    now: datetime,
) -> Any | None:
    """Adds the next message; None when another message took the sequence number first."""
    sequence = thread.message_count + 1
    moved = await connection.execute(
        sa.update(threads)
        .where(threads.c.id == thread.id, threads.c.message_count == thread.message_count)
        .values(message_count=sequence, last_message_at=now, version=threads.c.version + 1)
    )
    if moved.rowcount != 1:
        return None
    message_id = str(uuid.uuid4())
    await connection.execute(
        sa.insert(thread_messages).values(
            id=message_id,
            thread_id=thread.id,
            sequence=sequence,
            author_subject=author,
            author_kind=author_kind,
            body=body,
            created_at=now,
        )
    )
    await mark_read(connection, thread.id, author, sequence, message_id, now)
    return (
        await connection.execute(
            sa.select(thread_messages).where(thread_messages.c.id == message_id)
        )
    ).first()


async def mark_read(
    connection: AsyncConnection,
    thread_id: str,
    subject: str,
    sequence: int,
    message_id: str,
    now: datetime,
) -> None:
    await connection.execute(
        sa.update(thread_participants)
        .where(
            thread_participants.c.thread_id == thread_id,
            thread_participants.c.subject == subject,
            thread_participants.c.last_read_sequence < sequence,
        )
        .values(last_read_sequence=sequence, last_read_message_id=message_id, last_read_at=now)
    )


async def message_by_id(connection: AsyncConnection, thread_id: str, message_id: str) -> Any | None:
    return (
        await connection.execute(
            sa.select(thread_messages).where(
                thread_messages.c.thread_id == thread_id, thread_messages.c.id == message_id
            )
        )
    ).first()


async def latest_message(connection: AsyncConnection, thread_id: str) -> Any | None:
    return (
        await connection.execute(
            sa.select(thread_messages)
            .where(thread_messages.c.thread_id == thread_id)
            .order_by(thread_messages.c.sequence.desc())
            .limit(1)
        )
    ).first()


async def list_messages(
    connection: AsyncConnection, thread_id: str, after_sequence: int, limit: int
) -> list[Any]:
    return list(
        (
            await connection.execute(
                sa.select(thread_messages)
                .where(
                    thread_messages.c.thread_id == thread_id,
                    thread_messages.c.sequence > after_sequence,
                )
                .order_by(thread_messages.c.sequence)
                .limit(limit)
            )
        ).all()
    )


async def list_threads(
    connection: AsyncConnection,
    *,
    reader: str,
    municipality: str | None,
    client_id: str | None,
    participant_only: bool,
    unread_only: bool,
    position: dict[str, Any] | None,
    limit: int,
) -> list[Any]:
    """Threads newest activity first; keyset on (last_message_at, id)."""
    mine = thread_participants.alias("mine")
    query = sa.select(threads).select_from(
        threads.outerjoin(mine, sa.and_(mine.c.thread_id == threads.c.id, mine.c.subject == reader))
    )
    if municipality is not None:
        query = query.where(threads.c.municipality_code == municipality)
    if client_id is not None:
        query = query.where(threads.c.client_id == client_id)
    if participant_only:
        query = query.where(mine.c.subject.is_not(None))
    if unread_only:
        query = query.where(
            sa.func.coalesce(mine.c.last_read_sequence, 0) < threads.c.message_count
        )
    if position is not None:
        at = position["at"]
        query = query.where(
            sa.or_(
                threads.c.last_message_at < at,
                sa.and_(threads.c.last_message_at == at, threads.c.id < str(position["id"])),
            )
        )
    query = query.order_by(threads.c.last_message_at.desc(), threads.c.id.desc()).limit(limit)
    return list((await connection.execute(query)).all())
