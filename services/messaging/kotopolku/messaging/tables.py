"""The messaging service's tables (it is their only owner).

``deliveries`` is the transactional outbox of outgoing messages: a notification and its
deliveries are written in the transaction that accepts the request, and the delivery worker
sends what is due from there.
"""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

metadata = sa.MetaData()

threads = sa.Table(
    "threads",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("message_count", sa.Integer, nullable=False),
    sa.Column("last_message_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_threads_client", "municipality_code", "client_id", "last_message_at", "id"),
)

thread_participants = sa.Table(
    "thread_participants",
    metadata,
    sa.Column("thread_id", sa.String(36), sa.ForeignKey("threads.id"), primary_key=True),
    sa.Column("subject", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    # Sequence number of the latest message read; 0 when none.
    sa.Column("last_read_sequence", sa.Integer, nullable=False),
    sa.Column("last_read_message_id", sa.String(36)),
    sa.Column("last_read_at", UtcDateTime),
    sa.Index("ix_thread_participants_subject", "subject", "thread_id"),
)

thread_messages = sa.Table(
    "thread_messages",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("thread_id", sa.String(36), sa.ForeignKey("threads.id"), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("author_subject", sa.String(200), nullable=False),
    sa.Column("author_kind", sa.String(20), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("thread_id", "sequence", name="uq_thread_messages_sequence"),
)

# A municipality's own templates; the defaults ship as files (default_templates/).
templates = sa.Table(
    "templates",
    metadata,
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

notifications = sa.Table(
    "notifications",
    metadata,
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
    sa.Index("ix_notifications_client", "municipality_code", "client_id", "created_at", "id"),
    sa.Index("ix_notifications_campaign", "campaign_id", "created_at", "id"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("notification_id", sa.String(36), sa.ForeignKey("notifications.id"), nullable=False),
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
    sa.Index("ix_deliveries_due", "status", "next_attempt_at"),
    sa.Index("ix_deliveries_notification", "notification_id"),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
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
    sa.Index("ix_campaigns_municipality", "municipality_code", "created_at", "id"),
)

opt_outs = sa.Table(
    "opt_outs",
    metadata,
    sa.Column("client_id", sa.String(36), primary_key=True),
    # "channel:email" or "topic:<slug>".
    sa.Column("scope", sa.String(80), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("opted_out", sa.Boolean, nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
