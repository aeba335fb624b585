"""Idempotent creates: a retried request with the same ``Idempotency-Key`` returns the first
result instead of creating a second record.

The key is scoped to the caller (subject) and the operation, and remembered with a hash of the
request; the same key with a different request is refused rather than silently ignored.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.clock import Clock, utcnow
from kotopolku.common.errors import IdempotencyKeyReused, InvalidArgument

MAX_KEY_LENGTH = 200


def request_hash(request: Message) -> str:
    return hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()


def validate_key(key: str) -> str:
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidArgument.field(
            "idempotency_key", f"must be printable and at most {MAX_KEY_LENGTH} characters"
        )
    return key


class IdempotencyStore:
    def __init__(self, table: sa.Table, clock: Clock = utcnow) -> None:
        self._table = table
        self._clock = clock

    async def find(
        self,
        connection: AsyncConnection,
        scope: str,
        key: str,
        operation: str,
        fingerprint: str,
    ) -> str | None:
        """The id created by an earlier identical request, or None for a new key."""
        row = (
            await connection.execute(
                sa.select(
                    self._table.c.operation,
                    self._table.c.request_hash,
                    self._table.c.resource_id,
                ).where(self._table.c.scope == scope, self._table.c.idempotency_key == key)
            )
        ).first()
        if row is None:
            return None
        if row.operation != operation or row.request_hash != fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request"
            )
        return str(row.resource_id)

    async def remember(
        self,
        connection: AsyncConnection,
        scope: str,
        key: str,
        operation: str,
        fingerprint: str,
        resource_id: str,
    ) -> None:
        # Inserted in the creating transaction: a concurrent duplicate fails on the primary key
        # and rolls back its own create.
        await connection.execute(
            sa.insert(self._table).values(
                scope=scope,
                idempotency_key=key,
                operation=operation,
                request_hash=fingerprint,
                resource_id=resource_id,
                created_at=self._clock(),
            )
        )
