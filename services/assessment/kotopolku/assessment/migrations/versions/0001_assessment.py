"""Assessments, team areas, sensitive notes, corrections, refining measures, audit outbox,
idempotency keys.

Revision ID: assessment_0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "assessment_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("completed_by", sa.String(200)),
        sa.Column("completed_at", UtcDateTime),
    )
    op.create_index("ix_assessments_client", "assessments", ["client_id", "created_at", "id"])
    op.create_table(
        "assessment_team_areas",
        sa.Column(
            "assessment_id",
            sa.String(36),
            sa.ForeignKey("assessments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("welfare_area_code", sa.String(60), primary_key=True),
    )
    op.create_index(
        "ix_assessment_team_areas_area",
        "assessment_team_areas",
        ["welfare_area_code", "assessment_id"],
    )
    op.create_table(
        "sensitive_welfare_notes",
        sa.Column(
            "assessment_id",
            sa.String(36),
            sa.ForeignKey("assessments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("welfare_area_code", sa.String(60), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "assessment_corrections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("assessment_id", sa.String(36), sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("corrected_by", sa.String(200), nullable=False),
        sa.Column("corrected_at", UtcDateTime, nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("previous", sa.JSON, nullable=False),
        sa.Column("welfare_area_code", sa.String(60)),
        sa.UniqueConstraint("assessment_id", "version", name="uq_assessment_corrections_version"),
    )
    op.create_table(
        "refining_measures",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("assessment_id", sa.String(36), sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("provider_organisation", sa.String(100), nullable=False),
        sa.Column("instructions", sa.String(2000), nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("result_recorded_by", sa.String(200)),
        sa.Column("result_recorded_at", UtcDateTime),
        sa.Column("ordered_by", sa.String(200), nullable=False),
        sa.Column("ordered_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_refining_measures_assessment",
        "refining_measures",
        ["assessment_id", "ordered_at", "id"],
    )
    op.create_index(
        "ix_refining_measures_provider",
        "refining_measures",
        ["provider_organisation", "status", "ordered_at", "id"],
    )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for table in (
        "refining_measures",
        "assessment_corrections",
        "sensitive_welfare_notes",
        "assessment_team_areas",
        "assessments",
    ):
        op.drop_table(table)
