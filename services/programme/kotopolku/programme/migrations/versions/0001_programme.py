"""Providers, programme services and their search keys, enrolments, attendance, plan outcome
outbox, audit outbox, idempotency keys.

Revision ID: programme_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "programme_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "providers",
        sa.Column("municipality_code", sa.String(3), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("business_id", sa.String(9), nullable=False),
        sa.Column("contacts", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("municipality_code", "business_id", name="uq_providers_business_id"),
    )
    op.create_table(
        "programme_services",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("provider_id", sa.String(36), nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("location", sa.String(300), nullable=False),
        sa.Column("remote", sa.Boolean, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("active_enrolments", sa.Integer, nullable=False),
        sa.Column("schedule", sa.String(500), nullable=False),
        sa.Column("intake_dates", sa.JSON, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code", "provider_id"],
            ["providers.municipality_code", "providers.id"],
            name="fk_programme_services_provider",
        ),
    )
    op.create_index(
        "ix_programme_services_order",
        "programme_services",
        ["municipality_code", "type", "name", "id"],
    )
    op.create_index(
        "ix_programme_services_provider", "programme_services", ["municipality_code", "provider_id"]
    )
    op.create_table(
        "programme_service_languages",
        sa.Column(
            "service_id", sa.String(36), sa.ForeignKey("programme_services.id"), primary_key=True
        ),
        sa.Column("language", sa.String(3), primary_key=True),
    )
    op.create_index(
        "ix_programme_service_languages_language",
        "programme_service_languages",
        ["language", "service_id"],
    )
    op.create_table(
        "programme_service_intakes",
        sa.Column(
            "service_id", sa.String(36), sa.ForeignKey("programme_services.id"), primary_key=True
        ),
        sa.Column("intake_date", sa.Date, primary_key=True),
    )
    op.create_index(
        "ix_programme_service_intakes_date",
        "programme_service_intakes",
        ["intake_date", "service_id"],
    )
    op.create_table(
        "enrolments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column(
            "programme_service_id",
            sa.String(36),
            sa.ForeignKey("programme_services.id"),
            nullable=False,
        ),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("plan_service_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("participant_display_name", sa.String(200), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("active_plan_service", sa.String(64), unique=True),
        sa.Column("active_client_service", sa.String(80), unique=True),
        sa.Column("interruption_date", sa.Date),
        sa.Column("interruption_reason", sa.String(20)),
        sa.Column("interruption_details", sa.String(1000)),
        sa.Column("completion_date", sa.Date),
        sa.Column("language_test", sa.JSON),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_enrolments_list", "enrolments", ["municipality_code", "created_at", "id"])
    op.create_index(
        "ix_enrolments_service", "enrolments", ["programme_service_id", "created_at", "id"]
    )
    op.create_index("ix_enrolments_client", "enrolments", ["client_id"])
    op.create_table(
        "attendance",
        sa.Column("enrolment_id", sa.String(36), sa.ForeignKey("enrolments.id"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("mark", sa.String(10), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "plan_outcome_outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("enrolment_id", sa.String(36), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("plan_service_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome_date", sa.Date, nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("last_error", sa.String(60)),
    )
    op.create_index(
        "ix_plan_outcome_outbox_plan_service", "plan_outcome_outbox", ["plan_service_id", "seq"]
    )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for table in (
        "plan_outcome_outbox",
        "attendance",
        "enrolments",
        "programme_service_intakes",
        "programme_service_languages",
        "programme_services",
        "providers",
    ):
        op.drop_table(table)
