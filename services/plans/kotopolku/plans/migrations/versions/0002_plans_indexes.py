"""Indexes for the welfare area's multi-sector plans and for the periodic family-plan check.

Revision ID: plans_0002
Revises: plans_0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "plans_0002"
down_revision = "plans_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_plans_welfare_area", "plans", ["welfare_area", "created_at", "id"])
    op.create_index("ix_plans_kind_status", "plans", ["kind", "status", "id"])


def downgrade() -> None:
    op.drop_index("ix_plans_kind_status", table_name="plans")
    op.drop_index("ix_plans_welfare_area", table_name="plans")
