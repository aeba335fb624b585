"""Outreach (tavoittaminen): target-group list imports, targets, their groups and history, and
the outbox of reporting facts.

Revision ID: clients_0003
Revises: clients_0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.facts import create_reporting_outbox, drop_reporting_outbox
from kotopolku.common.tables import UtcDateTime

revision = "clients_0003"
down_revision = "clients_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outreach_imports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("persons", sa.Integer, nullable=False),
        sa.Column("targets_created", sa.Integer, nullable=False),
        sa.Column("groups_added", sa.Integer, nullable=False),
        sa.Column("matched_clients", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("imported_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_outreach_imports_list", "outreach_imports", ["municipality_code", "imported_at", "id"]
    )
    op.create_table(
        "outreach_targets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("henkilotunnus", sa.String(11)),
        sa.Column("source_person_id", sa.String(40), nullable=False),
        sa.Column("first_names", sa.String(200), nullable=False),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("contact", sa.JSON, nullable=False),
        sa.Column("first_permit_date", sa.Date, nullable=False),
        sa.Column("window_ends_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempt_count", sa.Integer, nullable=False),
        sa.Column("last_attempt_on", sa.Date),
        sa.Column("assignee_subject", sa.String(200)),
        sa.Column("assignee_name", sa.String(200)),
        sa.Column("client_id", sa.String(36), sa.ForeignKey("clients.id")),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("municipality_code", "person_key", name="uq_outreach_targets_person"),
    )
    op.create_index(
        "ix_outreach_targets_window",
        "outreach_targets",
        ["municipality_code", "window_ends_on", "id"],
    )
    op.create_index(
        "ix_outreach_targets_status",
        "outreach_targets",
        ["municipality_code", "status", "window_ends_on", "id"],
    )
    op.create_index(
        "ix_outreach_targets_assignee",
        "outreach_targets",
        ["municipality_code", "assignee_subject", "window_ends_on", "id"],
    )
    op.create_table(
        "outreach_target_groups",
        sa.Column(
            "target_id",
            sa.String(36),
            sa.ForeignKey("outreach_targets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("target_group", sa.String(40), primary_key=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("first_permit_date", sa.Date, nullable=False),
        sa.Column(
            "first_import_id",
            sa.String(36),
            sa.ForeignKey("outreach_imports.id"),
            nullable=False,
        ),
        sa.Column("listed_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "outreach_target_events",
        sa.Column("sequence", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "target_id",
            sa.String(36),
            sa.ForeignKey("outreach_targets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("status_after", sa.String(20), nullable=False),
        sa.Column("import_id", sa.String(36)),
        sa.Column("target_group", sa.String(40)),
        sa.Column("outcome", sa.String(20)),
        sa.Column("channel", sa.String(20)),
        sa.Column("contacted_on", sa.Date),
        sa.Column("note", sa.String(2000)),
        sa.Column("assignee_subject", sa.String(200)),
        sa.Column("assignee_name", sa.String(200)),
        sa.Column("client_id", sa.String(36)),
    )
    op.create_index(
        "ix_outreach_target_events_target", "outreach_target_events", ["target_id", "sequence"]
    )
    create_reporting_outbox(op)


def downgrade() -> None:
    drop_reporting_outbox(op)
    for table in (
        "outreach_target_events",
        "outreach_target_groups",
        "outreach_targets",
        "outreach_imports",
    ):
        op.drop_table(table)
