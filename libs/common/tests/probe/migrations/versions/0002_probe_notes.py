"""The probe service of the status tests: a second revision, to see a schema fall behind.

Revision ID: probe_0002
Revises: probe_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "probe_0002"
down_revision = "probe_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("probe_notes", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("probe_notes")
