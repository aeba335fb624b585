"""The clients service's part of the client-records contract (archiving, docs/archiving.md).

Everything about the client goes into the archival package and is then removed: the client
record, consents, family links (also those that name the client from another record), the
referrals that became this client, the outreach target that became this client (with its target
groups and contact history: personal data that must not outlive the record, and whose reference
to the record would otherwise keep it from being removed), and the derived search keys.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kotopolku.clients.tables import (
    client_search_keys,
    clients,
    consents,
    family_links,
    outreach_target_events,
    outreach_target_groups,
    outreach_targets,
    referrals,
)
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


def _outreach_targets(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(
        outreach_targets.c.client_id == client_id,
        outreach_targets.c.municipality_code == municipality,
    )


PARENT = ("clients.client", "client_id")
TARGET = ("clients.outreach-target", "target_id")

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
            "clients.outreach-target",
            outreach_targets,
            _outreach_targets,
            parent=PARENT,
        ),
        RecordSource(
            "clients.outreach-target-group",
            outreach_target_groups,
            rows_of(outreach_target_groups, "target_id", outreach_targets, _outreach_targets),
            id_columns=("target_id", "target_group"),
            created_column="listed_at",
            updated_column=None,
            parent=TARGET,
        ),
        RecordSource(
            "clients.outreach-target-event",
            outreach_target_events,
            rows_of(outreach_target_events, "target_id", outreach_targets, _outreach_targets),
            id_columns=("sequence",),
            created_column="occurred_at",
            updated_column=None,
            parent=TARGET,
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
