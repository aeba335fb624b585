"""Threads, participants and messages, templates, notifications and their deliveries (the
outbox of outgoing messages), campaigns, opt-outs, audit outbox, idempotency keys.

Revision ID: messaging_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "messaging_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("message_count", sa.Integer, nullable=False),
        sa.Column("last_message_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_threads_client", "threads", ["municipality_code", "client_id", "last_message_at", "id"]
    )
    op.create_table(
        "thread_participants",
        sa.Column("thread_id", sa.String(36), sa.ForeignKey("threads.id"), primary_key=True),
        sa.Column("subject", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        # Sequence number of the latest message read; 0 when none.
        sa.Column("last_read_sequence", sa.Integer, nullable=False),
        sa.Column("last_read_message_id", sa.String(36)),
        sa.Column("last_read_at", UtcDateTime),
    )
    op.create_index(
        "ix_thread_participants_subject", "thread_participants", ["subject", "thread_id"]
    )
    op.create_table(
        "thread_messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("thread_id", sa.String(36), sa.ForeignKey("threads.id"), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("author_subject", sa.String(200), nullable=False),
        sa.Column("author_kind", sa.String(20), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("thread_id", "sequence", name="uq_thread_messages_sequence"),
    )
    op.create_table(
        "templates",
        sa.Column("municipality_code", sa.String(3), primary_key=True),
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("language", sa.String(3), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("sms_text", sa.String(1000), nullable=False),
        sa.Column("variables", sa.JSON, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=False),
        sa.Column("template_key", sa.String(60), nullable=False),
        # The caller's override; empty: the client's languages.
        sa.Column("requested_language", sa.String(3), nullable=False),
        # Chosen by the fallback rules on the first attempt, then kept for every retry.
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("variables", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("send_at", UtcDateTime, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("campaign_id", sa.String(36)),
        # The campaign's opt-out topic; empty for transactional notifications.
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("cancelled", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_notifications_client",
        "notifications",
        ["municipality_code", "client_id", "created_at", "id"],
    )
    op.create_index(
        "ix_notifications_campaign", "notifications", ["campaign_id", "created_at", "id"]
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "notification_id", sa.String(36), sa.ForeignKey("notifications.id"), nullable=False
        ),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        # When a PENDING or RETRYING delivery is due.
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        # Until when the worker that claimed a SENDING delivery owns it.
        sa.Column("lease_until", UtcDateTime),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("last_error", sa.String(200), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False, unique=True),
        sa.Column("provider_message_id", sa.String(200), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_notification", "deliveries", ["notification_id"])
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("template_key", sa.String(60), nullable=False),
        sa.Column("variables", sa.JSON, nullable=False),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("client_ids", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("send_at", UtcDateTime),
        sa.Column("queued_count", sa.Integer, nullable=False),
        sa.Column("skipped_count", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_campaigns_municipality", "campaigns", ["municipality_code", "created_at", "id"]
    )
    op.create_table(
        "opt_outs",
        sa.Column("client_id", sa.String(36), primary_key=True),
        # "channel:email" or "topic:<slug>".
        sa.Column("scope", sa.String(80), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    for table in (
        "opt_outs",
        "campaigns",
        "deliveries",
        "notifications",
        "templates",
        "thread_messages",
        "thread_participants",
        "threads",
    ):
        op.drop_table(table)
