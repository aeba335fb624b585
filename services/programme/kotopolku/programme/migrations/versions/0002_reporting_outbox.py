"""The reporting outbox: facts for the reporting service, written with the change they describe.

Revision ID: programme_0002
Revises: programme_0001
Create Date: 2027-01-10
"""

from alembic import op

from kotopolku.common.facts import create_reporting_outbox, drop_reporting_outbox

revision = "programme_0002"
down_revision = "programme_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_reporting_outbox(op)


def downgrade() -> None:
    drop_reporting_outbox(op)
