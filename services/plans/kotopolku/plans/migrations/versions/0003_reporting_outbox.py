"""The reporting outbox: facts for the reporting service, written with the change they describe.

Revision ID: plans_0003
Revises: plans_0002
Create Date: 2027-01-10
"""

from alembic import op

from kotopolku.common.facts import create_reporting_outbox, drop_reporting_outbox

revision = "plans_0003"
down_revision = "plans_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_reporting_outbox(op)


def downgrade() -> None:
    drop_reporting_outbox(op)
