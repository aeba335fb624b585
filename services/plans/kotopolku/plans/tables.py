"""The plans service's tables (it is their only owner)."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.facts import reporting_outbox_table
from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

metadata = sa.MetaData()

plans = sa.Table(
    "plans",
    metadata,
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
    # Kept in step with the rule in domain.reviews, so that overdue plans are one index range.
    sa.Column("review_due_date", sa.Date),
    sa.Column("review_request_reason", sa.String(20)),
    sa.Column("review_request_description", sa.Text),
    sa.Column("review_requested_on", sa.Date),
    sa.Column("review_requested_by", sa.String(200)),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_plans_client", "client_id", "created_at", "id"),
    sa.Index("ix_plans_review_due", "municipality_code", "review_due_date", "id"),
    sa.Index("ix_plans_welfare_area", "welfare_area", "created_at", "id"),
    sa.Index("ix_plans_kind_status", "kind", "status", "id"),
)

plan_members = sa.Table(
    "plan_members",
    metadata,
    sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("client_id", sa.String(36), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("ix_plan_members_client", "client_id"),
)

plan_goals = sa.Table(
    "plan_goals",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("target_date", sa.Date),
    sa.Index("ix_plan_goals_plan", "plan_id", "position"),
)

plan_services = sa.Table(
    "plan_services",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("programme_service_id", sa.String(64)),
    sa.Column("other_service", sa.String(500)),
    sa.Column("welfare_area_service", sa.Boolean, nullable=False),
    sa.Column("planned_start", sa.Date),
    sa.Column("planned_end", sa.Date),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("completion_date", sa.Date),
    sa.Column("outcome_summary", sa.Text, nullable=False),
    sa.Index("ix_plan_services_plan", "plan_id", "position"),
)

plan_approvals = sa.Table(
    "plan_approvals",
    metadata,
    sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("party", sa.String(20), primary_key=True),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("plan_version", sa.Integer, nullable=False),
    sa.Column("approved_at", UtcDateTime, nullable=False),
)

plan_status_changes = sa.Table(
    "plan_status_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("from_status", sa.String(20)),
    sa.Column("to_status", sa.String(20), nullable=False),
    sa.Column("actor_subject", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    sa.Index("ix_plan_status_changes_plan", "plan_id", "id"),
)

plan_reviews = sa.Table(
    "plan_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("reviewed_on", sa.Date, nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("authority", sa.String(30), nullable=False),
    sa.Column("actor_subject", sa.String(200), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Index("ix_plan_reviews_plan", "plan_id", "id"),
)

plan_extensions = sa.Table(
    "plan_extensions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("previous_end_date", sa.Date, nullable=False),
    sa.Column("new_end_date", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor_subject", sa.String(200), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Index("ix_plan_extensions_plan", "plan_id", "id"),
)

plan_transfers = sa.Table(
    "plan_transfers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "plan_id", sa.String(36), sa.ForeignKey("plans.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("from_authority", sa.String(30), nullable=False),
    sa.Column("to_authority", sa.String(30), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor_subject", sa.String(200), nullable=False),
    sa.Column("transferred_at", UtcDateTime, nullable=False),
    sa.Index("ix_plan_transfers_plan", "plan_id", "id"),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
reporting_outbox = reporting_outbox_table(metadata)
