"""The record of what MinimiseClientRecords did (the client-records contract of archiving).

Revision ID: reporting_0002
Revises: reporting_0001
Create Date: 2026-12-01
"""

from alembic import op

from kotopolku.common.tables import (
    create_client_minimisations_table,
    drop_client_minimisations_table,
)

revision = "reporting_0002"
down_revision = "reporting_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_client_minimisations_table(op)


def downgrade() -> None:
    drop_client_minimisations_table(op)
