"""Named facts of an audit event (X-Road headers, a disclosure's recipient and basis).

Revision ID: audit_0002
Revises: audit_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_entries", sa.Column("context", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("context")
