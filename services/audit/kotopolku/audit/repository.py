"""Storage of the audit chain: appending under the head lock, trails, and chunked verification."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.audit.chain import (
    STORED_FIELDS,
    ChainEntry,
    ChainHead,
    ChainVerifier,
    EventData,
    VerificationResult,
    context_json,
    names_json,
    seal_all,
)
from kotopolku.audit.tables import HEAD_ID, audit_chain_head, audit_entries
from kotopolku.common.clock import Clock, as_utc, utcnow
from kotopolku.common.db import Database

VERIFY_CHUNK_SIZE: Final = 5_000
# SQLite: keeps the IN (...) of the duplicate check well below its parameter limit.
_LOOKUP_CHUNK: Final = 1_000
_COLUMN_NAMES: Final = tuple(column.name for column in audit_entries.c)
# Verification reads rows in the chain's stored order: the table must keep it.
assert STORED_FIELDS == _COLUMN_NAMES
# PostgreSQL takes a batch as one binary COPY: several times faster than a multi-row INSERT,
# whose parameters psycopg would have to render as text.
_PG_COPY: Final = f"COPY audit_entries ({', '.join(_COLUMN_NAMES)}) FROM STDIN (FORMAT BINARY)"
_PG_COPY_TYPES: Final = tuple(
    {
        sa.BigInteger: "int8",
        sa.String: "varchar",
        sa.Text: "text",
        sa.DateTime: "timestamptz",
    }[type(column.type)]
    for column in audit_entries.c
)
# PostgreSQL: the whole batch of ids as one array parameter.
_PG_EXISTING: Final = sa.select(audit_entries.c.event_id).where(
    audit_entries.c.event_id == sa.any_(sa.cast(sa.bindparam("ids"), postgresql.ARRAY(sa.Text)))
)
# Verification: the columns in table order, the times as format_time() writes them (built from
# the table definition, no outside input).
_PG_TIME: Final = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
_PG_VERIFY_COLUMNS: Final = ", ".join(
    _PG_TIME.format(name) if name.endswith("_at") else name for name in _COLUMN_NAMES
)
_PG_VERIFY_CHUNK: Final = (
    f"SELECT {_PG_VERIFY_COLUMNS} FROM audit_entries"  # noqa: S608
    " WHERE position > %s AND position <= %s ORDER BY position LIMIT %s"
)
# Marks a stored JSON list that no longer parses; valid entries never contain NUL.
_UNREADABLE: Final = "\x00unreadable"


@dataclass(frozen=True, slots=True)
class AppendResult:
    appended: int
    duplicates: int
    entries: tuple[ChainEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class TrailCriteria:
    """Filters of a trail; empty strings and None mean "any"."""

    subject_client_id: str = ""
    actor_subject: str = ""
    exclude_actor_subject: str = ""
    # Set by authorisation, never by the request: an auditor sees their municipality only.
    municipality_code: str | None = None
    # On recorded_at: from_time inclusive, to_time exclusive.
    from_time: datetime | None = None
    to_time: datetime | None = None
    # Keyset: only entries before this position (newest first).
    before_position: int | None = None


class AuditRepository:
    def __init__(
        self,
        database: Database,
        clock: Clock = utcnow,
        *,
        verify_chunk_size: int = VERIFY_CHUNK_SIZE,
    ) -> None:
        self._db = database
        self._clock = clock
        self._verify_chunk_size = verify_chunk_size

    # -- appending -----------------------------------------------------------------------------

    async def append(
        self, connection: AsyncConnection, events: Sequence[EventData]
    ) -> AppendResult:
        """Appends events not seen before, in order; call inside a transaction.

        The head row is locked first, so appends from any number of tasks or replicas take
        turns and the duplicate check below sees every event committed before.
        """
        if not events:
            return AppendResult(0, 0)
        head = await self._lock_head(connection)
        known = await self._existing_event_ids(connection, {e.event_id for e in events})
        fresh: list[EventData] = []
        for event in events:
            if event.event_id not in known:
                known.add(event.event_id)
                fresh.append(event)
        if not fresh:
            return AppendResult(0, len(events))
        sealed = seal_all(fresh, head, as_utc(self._clock()))
        await self._insert(connection, sealed)
        last = sealed[-1]
        await connection.execute(
            sa.update(audit_chain_head)
            .where(audit_chain_head.c.id == HEAD_ID)
            .values(position=last.position, entry_hash=last.entry_hash)
        )
        return AppendResult(len(fresh), len(events) - len(fresh), tuple(sealed))

    async def _lock_head(self, connection: AsyncConnection) -> ChainHead:
        head = audit_chain_head
        query = sa.select(head.c.position, head.c.entry_hash).where(head.c.id == HEAD_ID)
        if self._db.is_sqlite:
            # A write first: SQLite then holds its single writer lock (waiting for it under
            # busy_timeout) before the head is read, so the read is the newest head.
            await connection.execute(
                sa.update(head).where(head.c.id == HEAD_ID).values(position=head.c.position)
            )
        else:
            query = query.with_for_update()
        row = (await connection.execute(query)).one()
        return ChainHead(int(row.position), str(row.entry_hash))

    async def _existing_event_ids(
        self, connection: AsyncConnection, event_ids: set[str]
    ) -> set[str]:
        ids, existing = sorted(event_ids), set[str]()
        if not self._db.is_sqlite:
            result = await connection.execute(_PG_EXISTING, {"ids": ids})
            return set(result.scalars())
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = ids[start : start + _LOOKUP_CHUNK]
            result = await connection.execute(
                sa.select(audit_entries.c.event_id).where(audit_entries.c.event_id.in_(chunk))
            )
            existing.update(result.scalars())
        return existing

    async def _insert(self, connection: AsyncConnection, entries: Sequence[ChainEntry]) -> None:
        rows = [entry_row(entry) for entry in entries]
        if self._db.is_sqlite:
            await connection.execute(sa.insert(audit_entries), rows)
            return
        # The COPY runs on the driver connection beneath, inside the same transaction.
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        async with driver.cursor() as cursor, cursor.copy(_PG_COPY) as copy:
            copy.set_types(_PG_COPY_TYPES)
            for row in rows:
                await copy.write_row(tuple(row[name] for name in _COLUMN_NAMES))

    # -- reading -------------------------------------------------------------------------------

    async def head(self, connection: AsyncConnection) -> ChainHead:
        head = audit_chain_head
        row = (
            await connection.execute(
                sa.select(head.c.position, head.c.entry_hash).where(head.c.id == HEAD_ID)
            )
        ).one()
        return ChainHead(int(row.position), str(row.entry_hash))

    async def trail(
        self, connection: AsyncConnection, criteria: TrailCriteria, limit: int
    ) -> list[ChainEntry]:
        """Entries matching ``criteria``, newest first."""
        t = audit_entries
        conditions: list[sa.ColumnElement[bool]] = []
        if criteria.subject_client_id:
            conditions.append(t.c.subject_client_id == criteria.subject_client_id)
        if criteria.actor_subject:
            conditions.append(t.c.actor_subject == criteria.actor_subject)
        if criteria.exclude_actor_subject:
            conditions.append(t.c.actor_subject != criteria.exclude_actor_subject)
        if criteria.municipality_code is not None:
            conditions.append(t.c.municipality_code == criteria.municipality_code)
        if criteria.from_time is not None:
            conditions.append(t.c.recorded_at >= as_utc(criteria.from_time))
        if criteria.to_time is not None:
            conditions.append(t.c.recorded_at < as_utc(criteria.to_time))
        if criteria.before_position is not None:
            conditions.append(t.c.position < criteria.before_position)
        query = sa.select(t).where(*conditions).order_by(t.c.position.desc()).limit(limit)
        rows = (await connection.execute(query)).all()
        return [_entry(row) for row in rows]

    async def latest_link(
        self,
        connection: AsyncConnection,
        *,
        subject_client_id: str,
        actor_subject: str,
        action: str,
    ) -> EventData | None:
        """The newest successful ``action`` by ``actor_subject`` on ``subject_client_id``."""
        t = audit_entries
        row = (
            await connection.execute(
                sa.select(t)
                .where(
                    t.c.subject_client_id == subject_client_id,
                    t.c.actor_subject == actor_subject,
                    t.c.action == action,
                    t.c.outcome == "success",
                )
                .order_by(t.c.position.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else _entry(row).event

    async def subject_municipality(
        self, connection: AsyncConnection, subject_client_id: str
    ) -> str:
        """The municipality of the newest entry on a client that names one ("" if none)."""
        t = audit_entries
        found = await connection.scalar(
            sa.select(t.c.municipality_code)
            .where(t.c.subject_client_id == subject_client_id, t.c.municipality_code != "")
            .order_by(t.c.position.desc())
            .limit(1)
        )
        return str(found or "")

    # -- verification --------------------------------------------------------------------------

    async def verify(self) -> VerificationResult:
        """Recomputes the whole chain, a chunk of entries at a time, up to the current head.

        Every entry's hash is recomputed here from its stored fields (never by the database),
        and every link to the entry before is checked. Entries appended while this runs lie
        beyond the head read at the start and are left for the next verification. Hashing runs
        in a worker thread, so serving goes on, while the next chunk is already being fetched.
        """
        verifier = ChainVerifier()
        names, contexts = _CanonicalNames(), _CanonicalContexts()
        async with self._db.engine.connect() as connection:
            head = await self.head(connection)
            fetch = self._fetch_sqlite if self._db.is_sqlite else self._fetch_postgres
            after = 0

            def start(after: int) -> asyncio.Task[Sequence[Sequence[Any]]] | None:
                if after >= head.position:
                    return None
                return asyncio.create_task(fetch(connection, after, head.position))

            fetching = start(after)
            try:
                while fetching is not None:
                    try:
                        rows = await fetching
                    except (ValueError, TypeError, AttributeError):
                        # A stored value no longer parses (e.g. a time overwritten with text).
                        return verifier.fail(after + 1, f"entries after {after} cannot be read")
                    fetching = None
                    if not rows:
                        break
                    after = int(rows[-1][0])
                    fetching = start(after)
                    feed = verifier.feed_stored
                    if not await asyncio.to_thread(
                        feed, rows, names.__getitem__, contexts.__getitem__
                    ):
                        break
            finally:
                if fetching is not None:
                    # Let a fetch in flight finish: the connection goes back to the pool clean.
                    with suppress(Exception):
                        await fetching
        return verifier.result(head)

    async def _fetch_postgres(
        self, connection: AsyncConnection, after: int, last: int
    ) -> Sequence[Sequence[Any]]:
        """Plain tuples straight from the driver, times already in the chain's text form (the
        cost of verifying is mostly per row, so no row objects and no datetime round trip)."""
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        async with driver.cursor(binary=True) as cursor:
            await cursor.execute(_PG_VERIFY_CHUNK, (after, last, self._verify_chunk_size))
            rows: Sequence[Sequence[Any]] = await cursor.fetchall()
            return rows

    async def _fetch_sqlite(
        self, connection: AsyncConnection, after: int, last: int
    ) -> Sequence[Sequence[Any]]:
        t = audit_entries
        query = (
            sa.select(t)
            .where(t.c.position > after, t.c.position <= last)
            .order_by(t.c.position)
            .limit(self._verify_chunk_size)
        )
        rows = (await connection.execute(query)).all()
        # SQLite hands back naive times; they are UTC.
        return [(*row[:2], as_utc(row[2]), as_utc(row[3]), *row[4:]) for row in rows]


class _CanonicalContexts(dict[str, str]):
    """Stored contexts → their canonical text (``""`` for none). Most entries have none; the
    others are remembered while they repeat."""

    _LIMIT: Final = 50_000

    def __missing__(self, stored: str) -> str:
        if len(self) >= self._LIMIT:
            self.clear()
        canonical = self[stored] = context_json(_context(stored))
        return canonical


class _CanonicalNames(dict[str, str]):
    """Stored JSON name lists → their canonical text, remembered: a chain holds few distinct
    lists (role sets, field sets), so each is parsed once per verification. Looked up as
    ``names.__getitem__`` (a plain dictionary look-up on the hot path)."""

    _LIMIT: Final = 50_000

    def __missing__(self, stored: str) -> str:
        if len(self) >= self._LIMIT:
            self.clear()
        canonical = self[stored] = names_json(_names(stored))
        return canonical


def entry_row(entry: ChainEntry) -> dict[str, Any]:
    """The ``audit_entries`` row of a sealed entry."""
    event = entry.event
    return {
        "position": entry.position,
        "event_id": event.event_id,
        "occurred_at": as_utc(event.occurred_at),
        "recorded_at": as_utc(entry.recorded_at),
        "actor_subject": event.actor_subject,
        "actor_roles": names_json(event.actor_roles),
        "municipality_code": event.municipality_code,
        "welfare_area_code": event.welfare_area_code,
        "subject_client_id": event.subject_client_id,
        "action": event.action,
        "resource": event.resource,
        "fields": names_json(event.fields),
        "purpose": event.purpose,
        "trace_id": event.trace_id,
        "service": event.service,
        "outcome": event.outcome,
        "previous_hash": entry.previous_hash,
        "entry_hash": entry.entry_hash,
        "context": _CONTEXT_ENCODER.encode(dict(event.context)) if event.context else "",
    }


_DECODER: Final = json.JSONDecoder()
# How a context is stored: a compact JSON object, UTF-8 text as is.
_CONTEXT_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _names(stored: str) -> tuple[str, ...]:
    try:
        value = _DECODER.decode(stored)
    except ValueError:
        return (_UNREADABLE, stored)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return (_UNREADABLE, stored)
    return tuple(value)


def _context(stored: str) -> tuple[tuple[str, str], ...]:
    if not stored:
        return ()
    try:
        value = _DECODER.decode(stored)
    except ValueError:
        return ((_UNREADABLE, stored),)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return ((_UNREADABLE, stored),)
    return tuple(sorted(value.items()))


def _entry(row: Any) -> ChainEntry:
    """A row of ``select(audit_entries)``, columns in table order (unpacked: it is the hot path)."""
    (
        position,
        event_id,
        occurred_at,
        recorded_at,
        actor_subject,
        actor_roles,
        municipality_code,
        welfare_area_code,
        subject_client_id,
        action,
        resource,
        fields,
        purpose,
        trace_id,
        service,
        outcome,
        previous_hash,
        stored_hash,
        context,
    ) = row
    return ChainEntry(
        event=EventData(
            event_id=event_id,
            occurred_at=as_utc(occurred_at),
            actor_subject=actor_subject,
            actor_roles=_names(actor_roles),
            municipality_code=municipality_code,
            welfare_area_code=welfare_area_code,
            subject_client_id=subject_client_id,
            action=action,
            resource=resource,
            fields=_names(fields),
            purpose=purpose,
            trace_id=trace_id,
            service=service,
            outcome=outcome,
            context=_context(context),
        ),
        position=int(position),
        recorded_at=as_utc(recorded_at),
        previous_hash=previous_hash,
        entry_hash=stored_hash,
    )
