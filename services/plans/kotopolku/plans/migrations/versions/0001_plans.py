"""Plans, members, goals, agreed services, approvals, history, reviews, extensions, transfers,
audit outbox, idempotency keys.

Revision ID: plans_0001
Revises:
Create Date: 2026-12-01
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "plans_0001"
down_revision = None
branch_labels = None
depends_on = None


def _plan_id() -> sa.Column[Any]:
    return sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("responsible_authority", sa.String(30), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("original_end_date", sa.Date),
        sa.Column("receives_social_assistance", sa.Boolean, nullable=False),
        sa.Column("receives_unemployment_benefit", sa.Boolean, nullable=False),
        sa.Column("follow_up_plan", sa.Text, nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("guardian_consent_reference", sa.String(100), nullable=False),
        sa.Column("activated_on", sa.Date),
        sa.Column("last_review_on", sa.Date),
        sa.Column("review_due_date", sa.Date),
        sa.Column("review_request_reason", sa.String(20)),
        sa.Column("review_request_description", sa.Text),
        sa.Column("review_requested_on", sa.Date),
        sa.Column("review_requested_by", sa.String(200)),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_plans_client", "plans", ["client_id", "created_at", "id"])
    op.create_index("ix_plans_review_due", "plans", ["municipality_code", "review_due_date", "id"])
    op.create_table(
        "plan_members",
        sa.Column(
            "plan_id",
            sa.String(36),
            sa.ForeignKey("plans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("client_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_plan_members_client", "plan_members", ["client_id"])
    op.create_table(
        "plan_goals",
        sa.Column("id", sa.String(36), primary_key=True),
        _plan_id(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("target_date", sa.Date),
    )
    op.create_index("ix_plan_goals_plan", "plan_goals", ["plan_id", "position"])
    op.create_table(
        "plan_services",
        sa.Column("id", sa.String(36), primary_key=True),
        _plan_id(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("programme_service_id", sa.String(64)),
        sa.Column("other_service", sa.String(500)),
        sa.Column("welfare_area_service", sa.Boolean, nullable=False),
        sa.Column("planned_start", sa.Date),
        sa.Column("planned_end", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("completion_date", sa.Date),
        sa.Column("outcome_summary", sa.Text, nullable=False),
    )
    op.create_index("ix_plan_services_plan", "plan_services", ["plan_id", "position"])
    op.create_table(
        "plan_approvals",
        sa.Column(
            "plan_id",
            sa.String(36),
            sa.ForeignKey("plans.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("party", sa.String(20), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("plan_version", sa.Integer, nullable=False),
        sa.Column("approved_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "plan_status_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _plan_id(),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changed_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_plan_status_changes_plan", "plan_status_changes", ["plan_id", "id"])
    op.create_table(
        "plan_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _plan_id(),
        sa.Column("reviewed_on", sa.Date, nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("authority", sa.String(30), nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_plan_reviews_plan", "plan_reviews", ["plan_id", "id"])
    op.create_table(
        "plan_extensions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _plan_id(),
        sa.Column("previous_end_date", sa.Date, nullable=False),
        sa.Column("new_end_date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_plan_extensions_plan", "plan_extensions", ["plan_id", "id"])
    op.create_table(
        "plan_transfers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _plan_id(),
        sa.Column("from_authority", sa.String(30), nullable=False),
        sa.Column("to_authority", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("transferred_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_plan_transfers_plan", "plan_transfers", ["plan_id", "id"])
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for table in (
        "plan_transfers",
        "plan_extensions",
        "plan_reviews",
        "plan_status_changes",
        "plan_approvals",
        "plan_services",
        "plan_goals",
        "plan_members",
        "plans",
    ):
        op.drop_table(table)
