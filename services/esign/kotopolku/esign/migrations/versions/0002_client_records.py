"""The record of what MinimiseClientRecords did (the client-records contract of archiving).

Revision ID: 0002_esign
Revises: 0001_esign
Create Date: 2026-12-01
"""

from alembic import op

from kotopolku.common.tables import (
    create_client_minimisations_table,
    drop_client_minimisations_table,
)

revision = "0002_esign"
down_revision = "0001_esign"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_client_minimisations_table(op)


def downgrade() -> None:
    drop_client_minimisations_table(op)
