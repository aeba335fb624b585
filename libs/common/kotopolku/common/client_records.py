"""The client-records contract (``kotopolku.records.v1``), implemented once for every service.

A service that holds a client's data declares, in a small file of its own, which tables hold it
(:class:`RecordSource`: a record type, a table, how the client's rows are selected) and what
minimisation means for each (:class:`Delete`, :class:`Redact` or :class:`Keep`), and hands the
declaration to its ``ServiceDefinition`` (``client_records=``); the host then serves
``ClientRecordsService`` (:mod:`kotopolku.common.client_records_servicer`) from it.

* **Export** reads every declared table in order and turns each row into a JSON document (or,
  for a stored file, the file itself) with a SHA-256; the export's digest covers them all.
* **Minimise** runs in one transaction: it refuses when the records no longer match the digest of
  the export that went into the archival package (something was written since), applies the
  declared actions in reverse order (children before parents), records what it did in
  ``client_minimisations`` and writes the audit event. A repeat for the same package finds that
  record and changes nothing, so the archive may retry as often as it needs to.

Rows are selected by a ``where`` clause built from the client id and the municipality: a child
table selects through its parent (``plan_id IN (SELECT id FROM plans WHERE …)``), which is why
children are listed after their parents and minimised before them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Final

import grpc
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from kotopolku.common.clock import as_utc
from kotopolku.common.errors import DomainError
from kotopolku.common.tables import client_minimisations_table

JSON_MEDIA_TYPE: Final = "application/json"
MINIMISED_TEXT: Final = "[minimised]"

Selector = Callable[[str, str], ColumnElement[bool]]
"""``(client_id, municipality_code) -> WHERE clause`` on the source's table."""


class RecordsChanged(DomainError):
    """The client's records differ from the export that was archived: minimising now would
    remove something no package holds."""

    status = grpc.StatusCode.FAILED_PRECONDITION
    type = "records-changed"
    title = "The client's records changed after they were exported"


@dataclass(frozen=True, slots=True)
class Delete:
    """The rows are removed."""

    action: ClassVar[str] = "deleted"
    note: str = ""


@dataclass(frozen=True, slots=True)
class Redact:
    """The rows stay, with the personal fields cleared (``values`` gives the new column values,
    SQL expressions allowed); ``note`` says why the rest must stay."""

    values: Callable[[sa.Table], Mapping[str, Any]]
    note: str
    action: ClassVar[str] = "minimised"


@dataclass(frozen=True, slots=True)
class Keep:
    """The rows stay as they are (another law requires them); exported all the same."""

    note: str
    action: ClassVar[str] = "kept"


Minimisation = Delete | Redact | Keep


def cleared_text(table: sa.Table, *columns: str) -> dict[str, Any]:
    """``Redact`` values that replace non-empty free text with a marker and leave empty text empty,
    so that a reader still sees that something was there."""
    return {
        name: sa.case((table.c[name] == "", ""), else_=sa.literal(MINIMISED_TEXT))
        for name in columns
    }


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A column holding a file (e.g. a signed PDF), exported as the file itself."""

    content_column: str
    media_type_column: str


@dataclass(frozen=True, slots=True)
class RecordSource:
    """One record type a service holds about clients."""

    # "<service>.<record>", the key of the archive's retention rules.
    record_type: str
    table: sa.Table
    where: Selector
    minimise: Minimisation = field(default_factory=Delete)
    id_columns: tuple[str, ...] = ("id",)
    created_column: str | None = "created_at"
    updated_column: str | None = "updated_at"
    # The record this one belongs to: (its record type, the column holding its id).
    parent: tuple[str, str] | None = None
    file: StoredFile | None = None
    # Derived rows (search keys, locks, pending deliveries) are minimised but not exported.
    exported: bool = True
    # Columns left out of the export (secrets such as a token hash).
    omit: frozenset[str] = frozenset()


class MinimisationBlocked(DomainError):
    """The service must keep the records for now (e.g. costs not yet claimed)."""

    status = grpc.StatusCode.FAILED_PRECONDITION
    type = "minimisation-blocked"
    title = "The client's records cannot be minimised yet"


BeforeMinimise = Callable[[AsyncConnection, str, str], Awaitable[None]]
Blockers = Callable[[AsyncConnection, str, str, date], Awaitable[list[str]]]
"""``(connection, client_id, municipality_code, today) -> reasons``, no personal data in them."""


def while_rows_remain(
    table: sa.Table,
    which: Callable[[str, str], ColumnElement[bool]],
    reason: str,
) -> Blockers:
    """A blocker that holds while ``table`` has rows of the client that ``which`` selects;
    ``reason`` is completed with their count (``"{count} plans are still in force"``)."""

    async def blockers(
        connection: AsyncConnection, client_id: str, municipality: str, today: date
    ) -> list[str]:
        del today
        found = await connection.scalar(
            sa.select(sa.func.count()).select_from(table).where(which(client_id, municipality))
        )
        count = int(found or 0)
        return [reason.format(count=count)] if count else []

    return blockers


@dataclass(frozen=True, slots=True)
class ClientRecordsConfig:
    """A service's part of the contract: its sources, parents before children."""

    sources: tuple[RecordSource, ...]
    # Runs in the minimising transaction before any row is touched (e.g. to free places held
    # by the client's enrolments).
    before_minimise: BeforeMinimise | None = None
    # Why the records must stay for now; minimisation is refused while there are any.
    blockers: Blockers | None = None

    def __post_init__(self) -> None:
        types = [s.record_type for s in self.sources]
        if len(types) != len(set(types)):
            raise ValueError("a record type is declared twice")


@dataclass(frozen=True, slots=True)
class ExportedRecord:
    record_type: str
    record_id: str
    media_type: str
    content: bytes
    sha256: str
    created_at: datetime | None
    updated_at: datetime | None
    related: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Export:
    records: tuple[ExportedRecord, ...]
    digest: str


@dataclass(frozen=True, slots=True)
class MinimisedType:
    record_type: str
    action: str
    count: int
    note: str

    def as_json(self) -> dict[str, Any]:
        return {
            "record_type": self.record_type,
            "action": self.action,
            "count": self.count,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class MinimisationOutcome:
    results: tuple[MinimisedType, ...]
    repeated: bool
    minimised_at: datetime


_minimisations = client_minimisations_table(sa.MetaData())


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
    return value


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no insignificant white space, UTF-8: the same rows give the same bytes."""
    return json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def digest_of(records: Iterable[ExportedRecord]) -> str:
    hasher = hashlib.sha256()
    for record in records:
        hasher.update(f"{record.record_type}\n{record.record_id}\n{record.sha256}\n".encode())
    return hasher.hexdigest()


def _moment(row: Mapping[Any, Any], column: str | None) -> datetime | None:
    value = row.get(column) if column else None
    return as_utc(value) if isinstance(value, datetime) else None


def _record(source: RecordSource, row: Mapping[Any, Any]) -> ExportedRecord:
    record_id = "/".join(str(row[name]) for name in source.id_columns)
    if source.file is not None:
        content = bytes(row[source.file.content_column])
        media_type = str(row[source.file.media_type_column])
    else:
        fields = {k: _json_value(v) for k, v in row.items() if k not in source.omit}
        content, media_type = canonical_json(fields), JSON_MEDIA_TYPE
    related: tuple[str, ...] = ()
    if source.parent is not None and row.get(source.parent[1]) is not None:
        related = (f"{source.parent[0]}/{row[source.parent[1]]}",)
    return ExportedRecord(
        record_type=source.record_type,
        record_id=record_id,
        media_type=media_type,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=_moment(row, source.created_column),
        updated_at=_moment(row, source.updated_column),
        related=related,
    )


class ClientRecordsStore:
    """Describe, export and minimise by a service's declaration, on the service's database."""

    def __init__(self, config: ClientRecordsConfig) -> None:
        self.config = config

    @property
    def exported_sources(self) -> Sequence[RecordSource]:
        return [s for s in self.config.sources if s.exported]

    async def describe(
        self, connection: AsyncConnection, client_id: str, municipality: str
    ) -> list[tuple[str, int]]:
        counts = []
        for source in self.exported_sources:
            query = sa.select(sa.func.count()).select_from(source.table)
            found = await connection.scalar(query.where(source.where(client_id, municipality)))
            counts.append((source.record_type, int(found or 0)))
        return counts

    async def blockers(
        self, connection: AsyncConnection, client_id: str, municipality: str, today: date
    ) -> list[str]:
        if self.config.blockers is None:
            return []
        return await self.config.blockers(connection, client_id, municipality, today)

    async def export(
        self, connection: AsyncConnection, client_id: str, municipality: str
    ) -> Export:
        records: list[ExportedRecord] = []
        for source in self.exported_sources:
            table = source.table
            query = (
                sa.select(table)
                .where(source.where(client_id, municipality))
                .order_by(*(table.c[name] for name in source.id_columns))
            )
            rows = (await connection.execute(query)).mappings().all()
            records.extend(_record(source, row) for row in rows)
        return Export(tuple(records), digest_of(records))

    async def recorded(
        self, connection: AsyncConnection, client_id: str, package_id: str
    ) -> MinimisationOutcome | None:
        row = (
            await connection.execute(
                sa.select(_minimisations).where(
                    _minimisations.c.client_id == client_id,
                    _minimisations.c.package_id == package_id,
                )
            )
        ).first()
        if row is None:
            return None
        results = tuple(MinimisedType(**item) for item in row.results)
        return MinimisationOutcome(results, True, as_utc(row.minimised_at))

    async def minimise(
        self,
        connection: AsyncConnection,
        *,
        client_id: str,
        municipality: str,
        package_id: str,
        expected_digest: str,
        actor: str,
        now: datetime,
    ) -> MinimisationOutcome:
        """Inside the caller's transaction; :meth:`recorded` has found no earlier run."""
        # Written first: on SQLite this takes the database's write lock before anything is read,
        # so no other writer can slip in between the digest check and the deletes.
        await connection.execute(
            sa.insert(_minimisations).values(
                client_id=client_id,
                package_id=package_id,
                municipality_code=municipality,
                digest=expected_digest,
                results=[],
                minimised_by=actor,
                minimised_at=now,
            )
        )
        reasons = await self.blockers(connection, client_id, municipality, now.date())
        if reasons:
            raise MinimisationBlocked("; ".join(reasons))
        current = await self.export(connection, client_id, municipality)
        if current.digest != expected_digest:
            raise RecordsChanged(
                "The client's records were changed after the export; archive them again"
            )
        if self.config.before_minimise is not None:
            await self.config.before_minimise(connection, client_id, municipality)
        results: list[MinimisedType] = []
        for source in reversed(self.config.sources):
            results.append(await _apply(connection, source, client_id, municipality))
        results.reverse()
        await connection.execute(
            sa.update(_minimisations)
            .where(
                _minimisations.c.client_id == client_id,
                _minimisations.c.package_id == package_id,
            )
            .values(results=[r.as_json() for r in results])
        )
        return MinimisationOutcome(tuple(results), False, now)


async def _apply(
    connection: AsyncConnection, source: RecordSource, client_id: str, municipality: str
) -> MinimisedType:
    where = source.where(client_id, municipality)
    table = source.table
    rule = source.minimise
    if isinstance(rule, Delete):
        count = (await connection.execute(sa.delete(table).where(where))).rowcount
    elif isinstance(rule, Redact):
        statement = sa.update(table).where(where).values(**rule.values(table))
        count = (await connection.execute(statement)).rowcount
    else:
        found = await connection.scalar(sa.select(sa.func.count()).select_from(table).where(where))
        count = int(found or 0)
    return MinimisedType(source.record_type, rule.action, max(int(count), 0), rule.note)


def rows_of(
    table: sa.Table, column: str, parent: sa.Table, selector: Selector, *, parent_key: str = "id"
) -> Selector:
    """A child table's selector: its rows whose ``column`` names a selected row of ``parent``."""

    def where(client_id: str, municipality: str) -> ColumnElement[bool]:
        return table.c[column].in_(
            sa.select(parent.c[parent_key]).where(selector(client_id, municipality))
        )

    return where


def owned_by_client(table: sa.Table, *, client_column: str = "client_id") -> Selector:
    """Rows with the client's id and the municipality's code."""

    def where(client_id: str, municipality: str) -> ColumnElement[bool]:
        return sa.and_(
            table.c[client_column] == client_id, table.c.municipality_code == municipality
        )

    return where
