"""The reporting service's tables (it is their only owner).

``facts`` keeps what the other services reported, pseudonymous and append-only. Feedback keeps
identified answers and anonymous answers in separate tables: ``anonymous_answers`` has no column
that could hold a person, an invitation, a token or a time finer than the month.
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

facts = sa.Table(
    "facts",
    metadata,
    # The sender's event id: a fact delivered twice is kept once.
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("source", sa.String(40), nullable=False),
    # The body's name in the Fact message, e.g. "assessment_started".
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    # Keyed hashes (never a client id, a name or an identity code).
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("record", sa.String(64), nullable=False),
    # The Finnish day the fact is about (start, completion, review, …), for period queries.
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Index("ix_facts_municipality_kind_day", "municipality_code", "kind", "day"),
)

surveys = sa.Table(
    "surveys",
    metadata,
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
    sa.Index("ix_surveys_municipality", "municipality_code", "created_at", "id"),
)

invitations = sa.Table(
    "feedback_invitations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("respondent", sa.String(20), nullable=False),
    sa.Column("client_id", sa.String(36)),
    sa.Column("stakeholder_organisation", sa.String(100)),
    sa.Column("context_kind", sa.String(30), nullable=False),
    sa.Column("context_reference", sa.String(100)),
    sa.Column("language", sa.String(3), nullable=False),
    # SHA-256 of a stakeholder's one-time token; the token itself is never stored.
    sa.Column("token_hash", sa.String(64), unique=True),
    # Answered or not, and nothing more: when, and whether anonymously, is not kept here.
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_feedback_invitations_client", "client_id", "created_at", "id"),
)

answers = sa.Table(
    "feedback_answers",
    metadata,
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
    sa.Index("ix_feedback_answers_period", "municipality_code", "period"),
)

anonymous_answers = sa.Table(
    "anonymous_feedback_answers",
    metadata,
    # Random; no sequence that would betray the order of answering.
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("survey_id", sa.String(36), sa.ForeignKey("surveys.id"), nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("respondent", sa.String(20), nullable=False),
    sa.Column("context_kind", sa.String(30), nullable=False),
    sa.Column("language", sa.String(3), nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("texts", sa.JSON, nullable=False),
    # YYYY-MM: the month only.
    sa.Column("period", sa.String(7), nullable=False),
    sa.Index("ix_anonymous_feedback_period", "municipality_code", "period"),
)

# Invitations for the messaging service (SendNotification), written with the invitation.
invitation_outbox = sa.Table(
    "invitation_outbox",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("invitation_id", sa.String(36), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.String(60)),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
