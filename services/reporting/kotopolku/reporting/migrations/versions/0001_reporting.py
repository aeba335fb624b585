"""Facts, surveys, feedback invitations and answers (identified and anonymous), the invitation
outbox, the audit outbox and idempotency keys.

Revision ID: reporting_0001
Revises:
Create Date: 2027-01-10
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "reporting_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facts",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("record", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_facts_municipality_kind_day", "facts", ["municipality_code", "kind", "day"])
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("anonymity", sa.String(30), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_surveys_municipality", "surveys", ["municipality_code", "created_at", "id"])
    op.create_table(
        "feedback_invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("respondent", sa.String(20), nullable=False),
        sa.Column("client_id", sa.String(36)),
        sa.Column("stakeholder_organisation", sa.String(100)),
        sa.Column("context_kind", sa.String(30), nullable=False),
        sa.Column("context_reference", sa.String(100)),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_feedback_invitations_client", "feedback_invitations", ["client_id", "created_at", "id"]
    )
    op.create_table(
        "feedback_answers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "invitation_id",
            sa.String(36),
            sa.ForeignKey("feedback_invitations.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("respondent", sa.String(20), nullable=False),
        sa.Column("context_kind", sa.String(30), nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("texts", sa.JSON, nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("answered_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_feedback_answers_period", "feedback_answers", ["municipality_code", "period"]
    )
    op.create_table(
        "anonymous_feedback_answers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("respondent", sa.String(20), nullable=False),
        sa.Column("context_kind", sa.String(30), nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("texts", sa.JSON, nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
    )
    op.create_index(
        "ix_anonymous_feedback_period",
        "anonymous_feedback_answers",
        ["municipality_code", "period"],
    )
    op.create_table(
        "invitation_outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("invitation_id", sa.String(36), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("last_error", sa.String(60)),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    op.drop_table("invitation_outbox")
    op.drop_table("anonymous_feedback_answers")
    op.drop_table("feedback_answers")
    op.drop_table("feedback_invitations")
    op.drop_table("surveys")
    op.drop_table("facts")
