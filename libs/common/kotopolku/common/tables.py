"""Tables every service with personal data has: the audit outbox and idempotency records.

They are defined once here; each service's first migration creates them with
:func:`create_common_tables` and its repository adds them to its own ``MetaData``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

UtcDateTime = sa.DateTime(timezone=True)


def _outbox_columns() -> list[sa.Column[Any]]:
    return [
        # Insertion order for delivery; events of one transaction keep their order.
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    ]


def _idempotency_columns() -> list[sa.Column[Any]]:
    return [
        # Scoped to the caller so that two callers cannot collide on a key.
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    ]


def audit_outbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table("audit_outbox", metadata, *_outbox_columns())


def idempotency_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table("idempotency_keys", metadata, *_idempotency_columns())


def create_common_tables(op: Any) -> None:
    """For a service's first Alembic migration: ``create_common_tables(op)``."""
    op.create_table("audit_outbox", *_outbox_columns())
    op.create_table("idempotency_keys", *_idempotency_columns())


def drop_common_tables(op: Any) -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("audit_outbox")


def _client_minimisation_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("client_id", sa.String(64), primary_key=True),
        # The archival package that holds the records: a repeat for it changes nothing.
        sa.Column("package_id", sa.String(64), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        # [{"record_type", "action", "count", "note"}]: what was done, without any content.
        sa.Column("results", sa.JSON, nullable=False),
        sa.Column("minimised_by", sa.String(200), nullable=False),
        sa.Column("minimised_at", UtcDateTime, nullable=False),
    ]


def client_minimisations_table(metadata: sa.MetaData) -> sa.Table:
    """What MinimiseClientRecords did (kotopolku.common.client_records), one row per package."""
    return sa.Table("client_minimisations", metadata, *_client_minimisation_columns())


def create_client_minimisations_table(op: Any) -> None:
    """For the migration that adds the client-records contract to a service."""
    op.create_table("client_minimisations", *_client_minimisation_columns())


def drop_client_minimisations_table(op: Any) -> None:
    op.drop_table("client_minimisations")
