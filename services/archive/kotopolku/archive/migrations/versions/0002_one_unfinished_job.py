"""At most one unfinished (running or held) archive job per client: a partial unique index.

Revision ID: archive_0002
Revises: archive_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.archive.tables import ONE_UNFINISHED_JOB

revision = "archive_0002"
down_revision = "archive_0001"
branch_labels = None
depends_on = None

_UNFINISHED = sa.text("state IN ('running', 'held')")


def upgrade() -> None:
    op.create_index(
        ONE_UNFINISHED_JOB,
        "archive_jobs",
        ["municipality_code", "client_id"],
        unique=True,
        postgresql_where=_UNFINISHED,
        sqlite_where=_UNFINISHED,
    )


def downgrade() -> None:
    op.drop_index(ONE_UNFINISHED_JOB, table_name="archive_jobs")
