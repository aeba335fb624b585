"""Archive jobs and their steps, legal holds, archival packages, disposal records, audit outbox,
idempotency keys.

Revision ID: archive_0001
Revises:
Create Date: 2026-12-01
"""

from alembic import op

from kotopolku.archive.tables import TABLE_COLUMNS
from kotopolku.common.tables import create_common_tables, drop_common_tables

revision = "archive_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, columns in TABLE_COLUMNS.items():
        op.create_table(name, *columns())
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for name in reversed(TABLE_COLUMNS):
        op.drop_table(name)
