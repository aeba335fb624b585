"""Queries on the e-signature service's own tables (SQLAlchemy Core)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import grpc
import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.errors import DomainError
from kotopolku.esign.domain.model import RequestStatus, Signer, SignerParty
from kotopolku.esign.tables import deliveries, documents, signers, signing_requests

PDF = "application/pdf"


class DocumentCorrupted(DomainError):
    """A stored document no longer has the hash it is stored under."""

    status = grpc.StatusCode.DATA_LOSS
    type = "document-corrupted"
    title = "A stored document is damaged"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    row: Any
    signers: list[Any] = field(default_factory=list)

    def domain_signers(self) -> list[Signer]:
        return [
            Signer(
                position=s.position,
                party=SignerParty(s.party),
                welfare_area=s.welfare_area,
                signed=s.signed_at is not None,
                declined=s.declined_at is not None,
            )
            for s in self.signers
        ]

    def signer_row(self, position: int) -> Any:
        return next(s for s in self.signers if s.position == position)


# --- documents -----------------------------------------------------------------------------


async def store_document(connection: AsyncConnection, content: bytes, now: datetime) -> str:
    """Stores ``content`` under its SHA-256 (once) and returns the hash."""
    digest = hashlib.sha256(content).hexdigest()
    exists = await connection.scalar(
        sa.select(documents.c.sha256).where(documents.c.sha256 == digest)
    )
    if exists is None:
        await connection.execute(
            sa.insert(documents).values(
                sha256=digest, content=content, size=len(content), media_type=PDF, created_at=now
            )
        )
    return digest


async def load_document(connection: AsyncConnection, digest: str) -> bytes:
    content = await connection.scalar(
        sa.select(documents.c.content).where(documents.c.sha256 == digest)
    )
    if content is None or hashlib.sha256(content).hexdigest() != digest:
        raise DocumentCorrupted("The stored document does not match its hash")
    return bytes(content)


# --- signing requests ----------------------------------------------------------------------


async def insert_request(
    connection: AsyncConnection, values: dict[str, Any], request_signers: Sequence[Signer]
) -> None:
    await connection.execute(sa.insert(signing_requests).values(**values))
    await connection.execute(
        sa.insert(signers),
        [
            {
                "request_id": values["id"],
                "position": s.position,
                "party": s.party,
                "welfare_area": s.welfare_area,
            }
            for s in request_signers
        ],
    )


async def get_request(connection: AsyncConnection, request_id: str) -> Row[Any] | None:
    return (
        await connection.execute(
            sa.select(signing_requests).where(signing_requests.c.id == request_id)
        )
    ).first()


async def load_requests(connection: AsyncConnection, rows: Sequence[Any]) -> list[RequestRecord]:
    ids = [row.id for row in rows]
    by_request: dict[str, list[Any]] = defaultdict(list)
    if ids:
        found = await connection.execute(
            sa.select(signers)
            .where(signers.c.request_id.in_(ids))
            .order_by(signers.c.request_id, signers.c.position)
        )
        for signer in found:
            by_request[signer.request_id].append(signer)
    return [RequestRecord(row, by_request[row.id]) for row in rows]


async def load_request(connection: AsyncConnection, request_id: str) -> RequestRecord | None:
    row = await get_request(connection, request_id)
    if row is None:
        return None
    return (await load_requests(connection, [row]))[0]


async def pending_requests_of_plan(connection: AsyncConnection, plan_id: str) -> list[Any]:
    """The plan's requests stored as PENDING (some may have expired by now)."""
    found = await connection.execute(
        sa.select(signing_requests).where(
            signing_requests.c.plan_id == plan_id,
            signing_requests.c.status == RequestStatus.PENDING,
        )
    )
    return list(found.all())


async def update_request(
    connection: AsyncConnection,
    request_id: str,
    version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Updates the request if it is still at ``version``; False when another change won."""
    result = await connection.execute(
        sa.update(signing_requests)
        .where(signing_requests.c.id == request_id, signing_requests.c.version == version)
        .values(**values, version=version + 1, updated_at=now)
    )
    return result.rowcount == 1


async def update_signer(
    connection: AsyncConnection, request_id: str, position: int, values: dict[str, Any]
) -> None:
    await connection.execute(
        sa.update(signers)
        .where(signers.c.request_id == request_id, signers.c.position == position)
        .values(**values)
    )


async def list_requests(
    connection: AsyncConnection,
    column: str,
    value: str,
    municipality: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Any]:
    """Requests of one plan or client in one municipality, newest first."""
    table = signing_requests
    query = sa.select(table).where(
        table.c[column] == value, table.c.municipality_code == municipality
    )
    if after is not None:
        created, request_id = after
        query = query.where(
            sa.or_(
                table.c.created_at < created,
                sa.and_(table.c.created_at == created, table.c.id < request_id),
            )
        )
    query = query.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit)
    return list((await connection.execute(query)).all())


# --- deliveries ----------------------------------------------------------------------------


async def add_delivery(
    connection: AsyncConnection,
    *,
    kind: str,
    request_id: str,
    payload: bytes,
    due: datetime,
    now: datetime,
    signer_position: int | None = None,
) -> None:
    await connection.execute(
        sa.insert(deliveries).values(
            kind=kind,
            request_id=request_id,
            signer_position=signer_position,
            payload=payload,
            attempts=0,
            next_attempt_at=due,
            last_error="",
            created_at=now,
        )
    )


async def municipality_of_client(connection: AsyncConnection, client_id: str) -> str | None:
    """The municipality of a client's requests (a client record belongs to one)."""
    found = await connection.scalar(
        sa.select(signing_requests.c.municipality_code)
        .where(signing_requests.c.client_id == client_id)
        .limit(1)
    )
    return None if found is None else str(found)
