"""Placement proposals and reception tasks, consultations, reception transfers, cooperations,
disclosure bases, disclosures and their log, the change feed, audit outbox, idempotency keys.

Revision ID: welfare_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "welfare_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "placement_proposals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("ely_centre", sa.String(100), nullable=False),
        sa.Column("ely_reference", sa.String(100), nullable=False),
        sa.Column("basis", sa.String(30), nullable=False),
        sa.Column("persons", sa.JSON, nullable=False),
        sa.Column("evident_service_needs", sa.Boolean, nullable=False),
        sa.Column("response_due", sa.Date),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("decision", sa.String(20)),
        sa.Column("decision_reason", sa.String(2000)),
        sa.Column("decided_at", UtcDateTime),
        sa.Column("consultation_id", sa.String(36)),
        sa.Column("housing_contract_reference", sa.String(200)),
        sa.Column("housing_available_from", sa.Date),
        sa.Column("housing_recorded_at", UtcDateTime),
        sa.Column("earliest_arrival", sa.Date),
        sa.Column("earliest_arrival_reported_at", UtcDateTime),
        sa.Column("arrives_at", UtcDateTime),
        sa.Column("arrival_place", sa.String(200)),
        sa.Column("arrival_announced_at", UtcDateTime),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "reception_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column(
            "proposal_id", sa.String(36), sa.ForeignKey("placement_proposals.id"), nullable=False
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("proposal_id", "kind", name="uq_reception_tasks_kind"),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("proposal_id", sa.String(36), nullable=False, unique=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("profile", sa.JSON, nullable=False),
        sa.Column("answer_due", sa.Date, nullable=False),
        sa.Column("decision_due", sa.Date),
        sa.Column("answer", sa.JSON),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("answered_at", UtcDateTime),
        sa.Column("decision", sa.String(20)),
        sa.Column("decided_at", UtcDateTime),
        sa.Column("note_reviewed_by", sa.String(200)),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "reception_transfers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("reception_centre", sa.String(200), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("basis", sa.String(30), nullable=False),
        sa.Column("consent", sa.JSON, nullable=False),
        sa.Column("person", sa.JSON, nullable=False),
        sa.Column("service_needs", sa.JSON, nullable=False),
        sa.Column("proposal_id", sa.String(36)),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("existing_client", sa.Boolean, nullable=False),
        sa.Column("carried_fields", sa.JSON, nullable=False),
        sa.Column("still_to_ask", sa.JSON, nullable=False),
        sa.Column("notice_disclosure_id", sa.String(36)),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "cooperations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("assessment_id", sa.String(36), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("municipal_contact", sa.JSON, nullable=False),
        sa.Column("person", sa.JSON, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("answer_due", sa.Date, nullable=False),
        sa.Column("responsible", sa.JSON),
        sa.Column("decline_reason", sa.String(2000)),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("answered_at", UtcDateTime),
        sa.Column("end_reason", sa.String(2000)),
        sa.Column("ended_at", UtcDateTime),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "disclosure_bases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("cooperation_id", sa.String(36)),
        sa.Column("transfer_id", sa.String(36)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("legal_reference", sa.String(300), nullable=False),
        sa.Column("consent_given_on", sa.Date),
        sa.Column("consent_reference", sa.String(100), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("withdrawn_at", UtcDateTime),
        sa.Column("withdrawn_by", sa.String(200)),
        sa.Column("withdrawal_reason", sa.String(2000)),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "disclosures",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("cooperation_id", sa.String(36)),
        sa.Column("transfer_id", sa.String(36)),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("resource", sa.String(100), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("first_delivered_at", UtcDateTime),
    )
    op.create_table(
        "disclosure_log",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("welfare_area", sa.String(100), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("resource", sa.String(100), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("basis_id", sa.String(36), nullable=False),
        sa.Column("basis_kind", sa.String(20), nullable=False),
        sa.Column("legal_reference", sa.String(300), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("disclosed_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "feed_heads",
        sa.Column("welfare_area", sa.String(100), primary_key=True),
        sa.Column("last_position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "feed_events",
        sa.Column("welfare_area", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("resource", sa.String(100), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_placement_proposals_list",
        "placement_proposals",
        ["municipality_code", "created_at", "id"],
    )
    op.create_index("ix_consultations_area", "consultations", ["welfare_area", "created_at", "id"])
    op.create_index(
        "ix_consultations_municipality", "consultations", ["municipality_code", "created_at", "id"]
    )
    op.create_index("ix_cooperations_area", "cooperations", ["welfare_area", "created_at", "id"])
    op.create_index(
        "ix_cooperations_client", "cooperations", ["client_id", "welfare_area", "state"]
    )
    op.create_index("ix_disclosure_bases_cooperation", "disclosure_bases", ["cooperation_id"])
    op.create_index("ix_disclosure_bases_client", "disclosure_bases", ["client_id", "welfare_area"])
    op.create_index(
        "ix_disclosures_cooperation", "disclosures", ["cooperation_id", "created_at", "id"]
    )
    op.create_index(
        "ix_disclosure_log_client", "disclosure_log", ["client_id", "disclosed_at", "id"]
    )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for table in (
        "feed_events",
        "feed_heads",
        "disclosure_log",
        "disclosures",
        "disclosure_bases",
        "cooperations",
        "reception_transfers",
        "consultations",
        "reception_tasks",
        "placement_proposals",
    ):
        op.drop_table(table)
