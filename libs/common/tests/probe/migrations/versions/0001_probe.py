"""The probe service of the status tests: the common tables.

Revision ID: probe_0001
Revises:
"""

from alembic import op

from kotopolku.common.tables import create_common_tables, drop_common_tables

revision = "probe_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
