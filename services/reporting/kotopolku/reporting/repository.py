"""Queries of the reporting service's own tables (SQLAlchemy Core, SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.reporting.domain.facts import Fact
from kotopolku.reporting.domain.feedback import KeptAnswer
from kotopolku.reporting.tables import (
    anonymous_answers,
    answers,
    facts,
    invitation_outbox,
    invitations,
    surveys,
)


def new_id() -> str:
    return str(uuid.uuid4())


# --- facts -------------------------------------------------------------------------------------


async def insert_facts(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> int:
    """Keeps the facts whose event ids are new; returns how many were new. A concurrent
    delivery of the same fact loses the race on the primary key and is retried by its sender."""
    ids = [row["event_id"] for row in rows]
    known = set(
        (
            await connection.execute(sa.select(facts.c.event_id).where(facts.c.event_id.in_(ids)))
        ).scalars()
    )
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["event_id"] not in known:
            fresh.setdefault(row["event_id"], row)
    if fresh:
        await connection.execute(sa.insert(facts), list(fresh.values()))
    return len(fresh)


def _fact(row: Row[Any]) -> Fact:
    return Fact(
        kind=row.kind,
        subject=row.subject,
        record=row.record,
        day=row.day,
        occurred_at=row.occurred_at,
        body=row.body,
    )


async def load_facts(
    connection: AsyncConnection,
    municipality: str,
    kinds: Iterable[str],
    since: date,
    until: date,
) -> list[Fact]:
    query = (
        sa.select(facts)
        .where(
            facts.c.municipality_code == municipality,
            facts.c.kind.in_(list(kinds)),
            facts.c.day >= since,
            facts.c.day <= until,
        )
        .order_by(facts.c.day, facts.c.occurred_at, facts.c.event_id)
    )
    return [_fact(row) for row in (await connection.execute(query)).all()]


async def municipalities_with_facts(connection: AsyncConnection) -> list[str]:
    query = sa.select(facts.c.municipality_code).distinct().order_by(facts.c.municipality_code)
    return list((await connection.execute(query)).scalars())


# --- surveys -----------------------------------------------------------------------------------


async def insert_survey(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    survey_id = new_id()
    await connection.execute(sa.insert(surveys).values(id=survey_id, version=1, **values))
    row = await get_survey(connection, survey_id)
    assert row is not None
    return row


async def get_survey(connection: AsyncConnection, survey_id: str) -> Row[Any] | None:
    return (await connection.execute(sa.select(surveys).where(surveys.c.id == survey_id))).first()


async def list_surveys(
    connection: AsyncConnection,
    municipality: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row[Any]]:
    query = sa.select(surveys).where(surveys.c.municipality_code == municipality)
    if after is not None:
        query = query.where(sa.tuple_(surveys.c.created_at, surveys.c.id) > sa.tuple_(*after))
    query = query.order_by(surveys.c.created_at, surveys.c.id).limit(limit)
    return list((await connection.execute(query)).all())


async def survey_names(connection: AsyncConnection, ids: Iterable[str]) -> dict[str, str]:
    query = sa.select(surveys.c.id, surveys.c.name).where(surveys.c.id.in_(list(ids)))
    return {row.id: row.name for row in (await connection.execute(query)).all()}


# --- invitations -------------------------------------------------------------------------------


async def insert_invitation(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    invitation_id = new_id()
    await connection.execute(
        sa.insert(invitations).values(id=invitation_id, answered=False, **values)
    )
    row = await get_invitation(connection, invitation_id)
    assert row is not None
    return row


async def get_invitation(connection: AsyncConnection, invitation_id: str) -> Row[Any] | None:
    query = sa.select(invitations).where(invitations.c.id == invitation_id)
    return (await connection.execute(query)).first()


async def invitation_by_token(connection: AsyncConnection, digest: str) -> Row[Any] | None:
    query = sa.select(invitations).where(invitations.c.token_hash == digest)
    return (await connection.execute(query)).first()


async def client_invitations(
    connection: AsyncConnection,
    client_id: str,
    municipality: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Row[Any]]:
    query = sa.select(invitations).where(invitations.c.client_id == client_id)
    if municipality is not None:
        query = query.where(invitations.c.municipality_code == municipality)
    if after is not None:
        query = query.where(
            sa.tuple_(invitations.c.created_at, invitations.c.id) > sa.tuple_(*after)
        )
    query = query.order_by(invitations.c.created_at, invitations.c.id).limit(limit)
    return list((await connection.execute(query)).all())


async def mark_answered(connection: AsyncConnection, invitation_id: str) -> bool:
    """False when the invitation was answered meanwhile (the second answer loses)."""
    result = await connection.execute(
        sa.update(invitations)
        .where(invitations.c.id == invitation_id, invitations.c.answered.is_(False))
        .values(answered=True)
    )
    return result.rowcount == 1


# --- answers -----------------------------------------------------------------------------------


async def insert_answer(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(answers).values(id=new_id(), **values))


async def insert_anonymous_answer(connection: AsyncConnection, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(anonymous_answers).values(id=new_id(), **values))


async def answers_of(
    connection: AsyncConnection, invitation_ids: Iterable[str]
) -> dict[str, Row[Any]]:
    query = sa.select(answers).where(answers.c.invitation_id.in_(list(invitation_ids)))
    return {row.invitation_id: row for row in (await connection.execute(query)).all()}


async def kept_answers(
    connection: AsyncConnection, municipality: str, first: str, last: str
) -> list[KeptAnswer]:
    """Identified and anonymous answers of the months ``first``..``last`` (YYYY-MM)."""
    found: list[KeptAnswer] = []
    for table in (answers, anonymous_answers):
        query = sa.select(
            table.c.survey_id,
            table.c.respondent,
            table.c.context_kind,
            table.c.period,
            table.c.scores,
            table.c.texts,
        ).where(
            table.c.municipality_code == municipality,
            table.c.period >= first,
            table.c.period <= last,
        )
        for row in (await connection.execute(query)).all():
            found.append(
                KeptAnswer(
                    survey_id=row.survey_id,
                    survey_name="",
                    respondent=row.respondent,
                    context_kind=row.context_kind,
                    period=row.period,
                    scores=row.scores,
                    texts=row.texts,
                )
            )
    names = await survey_names(connection, {a.survey_id for a in found})
    return [
        KeptAnswer(
            a.survey_id,
            names.get(a.survey_id, a.survey_id),
            a.respondent,
            a.context_kind,
            a.period,
            a.scores,
            a.texts,
        )
        for a in found
    ]


# --- the invitation outbox ---------------------------------------------------------------------


async def enqueue_notification(
    connection: AsyncConnection, invitation_id: str, payload: bytes, now: datetime
) -> None:
    await connection.execute(
        sa.insert(invitation_outbox).values(
            invitation_id=invitation_id,
            payload=payload,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
