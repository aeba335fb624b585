"""The clients service's part of the client-records contract (archiving, docs/archiving.md).

Everything about the client goes into the archival package and is then removed: the client
record, consents, family links (also those that name the client from another record), the
referrals that became this client, and the derived search keys.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kotopolku.clients.tables import client_search_keys, clients, consents, family_links, referrals
from kotopolku.common.client_records import ClientRecordsConfig, RecordSource, rows_of


def _client(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(clients.c.id == client_id, clients.c.municipality_code == municipality)


def _family_links(client_id: str, municipality: str) -> ColumnElement[bool]:
    mine = sa.select(clients.c.id).where(_client(client_id, municipality))
    return sa.or_(family_links.c.client_id.in_(mine), family_links.c.related_client_id.in_(mine))


def _referrals(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(
        referrals.c.client_id == client_id, referrals.c.municipality_code == municipality
    )


PARENT = ("clients.client", "client_id")

CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("clients.client", clients, _client),
        RecordSource(
            "clients.consent",
            consents,
            rows_of(consents, "client_id", clients, _client),
            created_column="given_at",
            updated_column="withdrawn_at",
            parent=PARENT,
        ),
        RecordSource(
            "clients.family-link",
            family_links,
            _family_links,
            id_columns=("client_id", "related_client_id"),
            updated_column=None,
            parent=PARENT,
        ),
        RecordSource(
            "clients.referral",
            referrals,
            _referrals,
            updated_column="decided_at",
            parent=PARENT,
        ),
        RecordSource(
            "clients.search-key",
            client_search_keys,
            rows_of(client_search_keys, "client_id", clients, _client),
            id_columns=("client_id", "search_key"),
            created_column=None,
            updated_column=None,
            exported=False,
        ),
    )
)
