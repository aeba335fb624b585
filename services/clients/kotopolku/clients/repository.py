"""Queries on the clients service's own tables (SQLAlchemy Core, one round trip each)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.domain import names
from kotopolku.clients.tables import (
    client_search_keys,
    clients,
    consents,
    family_links,
    referrals,
)

# Crockford's base32 without I, L, O, U: readable over the phone.
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_system_identifier() -> str:
    return "KP" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def sort_name(first_names: str, last_name: str) -> str:
    return f"{names.fold(last_name)} {names.fold(first_names)}"[:120]


async def insert_client(
    connection: AsyncConnection, municipality: str, values: dict[str, Any], now: datetime
) -> Row[Any]:
    client_id = str(uuid.uuid4())
    row = {
        **values,
        "id": client_id,
        "version": 1,
        "municipality_code": municipality,
        "system_identifier": new_system_identifier(),
        "sort_name": sort_name(values["first_names"], values["last_name"]),
        "created_at": now,
        "updated_at": now,
    }
    await connection.execute(sa.insert(clients).values(row))
    await replace_search_keys(
        connection, client_id, municipality, values["first_names"], values["last_name"]
    )
    created = await get_client(connection, client_id)
    assert created is not None
    return created


async def replace_search_keys(
    connection: AsyncConnection,
    client_id: str,
    municipality: str,
    first_names: str,
    last_name: str,
) -> None:
    await connection.execute(
        sa.delete(client_search_keys).where(client_search_keys.c.client_id == client_id)
    )
    rows = search_key_rows(client_id, municipality, first_names, last_name)
    if rows:
        await connection.execute(sa.insert(client_search_keys), rows)


def search_key_rows(
    client_id: str, municipality: str, first_names: str, last_name: str
) -> list[dict[str, Any]]:
    """The ``client_search_keys`` rows of a client with these names.

    Each key row carries the client's municipality and sort name as well, so that a search
    finds a municipality's matches, in order, in the key table's index alone.
    """
    ordering = sort_name(first_names, last_name)
    return [
        {
            "search_key": key,
            "client_id": client_id,
            "municipality_code": municipality,
            "sort_name": ordering,
        }
        for key in sorted(names.search_keys(first_names, last_name))
    ]


async def rename_client(
    connection: AsyncConnection,
    client_id: str,
    municipality: str,
    first_names: str,
    last_name: str,
) -> None:
    """Keeps the ordering column and the search keys in step with the names."""
    await connection.execute(
        sa.update(clients)
        .where(clients.c.id == client_id)
        .values(sort_name=sort_name(first_names, last_name))
    )
    await replace_search_keys(connection, client_id, municipality, first_names, last_name)


async def get_client(connection: AsyncConnection, client_id: str) -> Row[Any] | None:
    return (await connection.execute(sa.select(clients).where(clients.c.id == client_id))).first()


async def find_by_henkilotunnus(
    connection: AsyncConnection, henkilotunnus: str, municipality: str | None = None
) -> list[Row[Any]]:
    query = sa.select(clients).where(clients.c.henkilotunnus == henkilotunnus)
    if municipality is not None:
        query = query.where(clients.c.municipality_code == municipality)
    return list((await connection.execute(query.order_by(clients.c.updated_at.desc()))).all())


async def update_client(
    connection: AsyncConnection,
    client_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Applies the change only if nobody changed the record since ``expected_version``."""
    result = await connection.execute(
        sa.update(clients)
        .where(clients.c.id == client_id, clients.c.version == expected_version)
        .values(**values, version=clients.c.version + 1, updated_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def add_family_link(
    connection: AsyncConnection,
    client_id: str,
    related_id: str,
    relation: str,
    inverse: str,
    now: datetime,
) -> None:
    """Stores the link in both directions, so either member's list shows it."""
    for owner, other, kind in ((client_id, related_id, relation), (related_id, client_id, inverse)):
        await connection.execute(
            sa.delete(family_links).where(
                family_links.c.client_id == owner, family_links.c.related_client_id == other
            )
        )
        await connection.execute(
            sa.insert(family_links).values(
                client_id=owner, related_client_id=other, relation=kind, created_at=now
            )
        )


async def remove_family_link(connection: AsyncConnection, client_id: str, related_id: str) -> int:
    result = await connection.execute(
        sa.delete(family_links).where(
            sa.or_(
                sa.and_(
                    family_links.c.client_id == client_id,
                    family_links.c.related_client_id == related_id,
                ),
                sa.and_(
                    family_links.c.client_id == related_id,
                    family_links.c.related_client_id == client_id,
                ),
            )
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def list_family_links(connection: AsyncConnection, client_id: str) -> Sequence[Row[Any]]:
    return (
        await connection.execute(
            sa.select(family_links)
            .where(family_links.c.client_id == client_id)
            .order_by(family_links.c.created_at, family_links.c.related_client_id)
        )
    ).all()


async def insert_consent(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    consent_id = str(uuid.uuid4())
    await connection.execute(sa.insert(consents).values(id=consent_id, **values))
    row = await get_consent(connection, consent_id)
    assert row is not None
    return row


async def get_consent(connection: AsyncConnection, consent_id: str) -> Row[Any] | None:
    return (
        await connection.execute(sa.select(consents).where(consents.c.id == consent_id))
    ).first()


async def withdraw_consent(connection: AsyncConnection, consent_id: str, now: datetime) -> None:
    await connection.execute(
        sa.update(consents)
        .where(consents.c.id == consent_id, consents.c.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )


async def list_consents(connection: AsyncConnection, client_id: str) -> Sequence[Row[Any]]:
    return (
        await connection.execute(
            sa.select(consents)
            .where(consents.c.client_id == client_id)
            .order_by(consents.c.given_at, consents.c.id)
        )
    ).all()


async def insert_referral(connection: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    referral_id = str(uuid.uuid4())
    await connection.execute(sa.insert(referrals).values(id=referral_id, version=1, **values))
    row = await get_referral(connection, referral_id)
    assert row is not None
    return row


async def get_referral(connection: AsyncConnection, referral_id: str) -> Row[Any] | None:
    return (
        await connection.execute(sa.select(referrals).where(referrals.c.id == referral_id))
    ).first()


async def list_referrals(
    connection: AsyncConnection,
    municipality: str,
    status: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    query = sa.select(referrals).where(referrals.c.municipality_code == municipality)
    if status is not None:
        query = query.where(referrals.c.status == status)
    if after is not None:
        query = query.where(sa.tuple_(referrals.c.created_at, referrals.c.id) > sa.tuple_(*after))
    order = (referrals.c.created_at, referrals.c.id)
    return (await connection.execute(query.order_by(*order).limit(limit))).all()


async def decide_referral(
    connection: AsyncConnection,
    referral_id: str,
    expected_status: str,
    values: dict[str, Any],
) -> bool:
    result = await connection.execute(
        sa.update(referrals)
        .where(referrals.c.id == referral_id, referrals.c.status == expected_status)
        .values(**values, version=referrals.c.version + 1)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def ids(rows: Iterable[Row[Any]]) -> list[str]:
    return [str(row.id) for row in rows]
