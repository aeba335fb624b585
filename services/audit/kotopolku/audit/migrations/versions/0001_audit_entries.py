"""Audit entries and the chain head.

Revision ID: audit_0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_0001"
down_revision = None
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)
_GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("occurred_at", _UTC, nullable=False),
        sa.Column("recorded_at", _UTC, nullable=False),
        sa.Column("actor_subject", sa.Text, nullable=False),
        sa.Column("actor_roles", sa.Text, nullable=False),
        sa.Column("municipality_code", sa.Text, nullable=False),
        sa.Column("welfare_area_code", sa.Text, nullable=False),
        sa.Column("subject_client_id", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("trace_id", sa.Text, nullable=False),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_audit_entries_event_id"),
    )
    op.create_index(
        "ix_audit_entries_subject_position", "audit_entries", ["subject_client_id", "position"]
    )
    op.create_index(
        "ix_audit_entries_actor_position", "audit_entries", ["actor_subject", "position"]
    )
    op.create_index(
        "ix_audit_entries_municipality_recorded",
        "audit_entries",
        ["municipality_code", "recorded_at"],
    )
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "position": 0, "entry_hash": _GENESIS_HASH}])


def downgrade() -> None:
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_entries_municipality_recorded", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor_position", table_name="audit_entries")
    op.drop_index("ix_audit_entries_subject_position", table_name="audit_entries")
    op.drop_table("audit_entries")
