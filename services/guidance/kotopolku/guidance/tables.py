"""The guidance service's tables (it is their only owner).

``anonymous_visits`` has, on purpose, no column that could hold personal data: codes, a language
code, a date and a service point; no client, free text, time of day or staff member. The tests
check the table's columns against this list.
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

service_points = sa.Table(
    "service_points",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("low_threshold", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("municipality_code", "name", name="uq_service_points_name"),
)

visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("visited_on", sa.Date, nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("service_point_id", sa.String(36), sa.ForeignKey("service_points.id")),
    sa.Column("language", sa.String(3), nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("interpreter_used", sa.Boolean, nullable=False),
    sa.Column("interpreter_language", sa.String(3)),
    sa.Column("referrals", sa.JSON, nullable=False),
    sa.Column("follow_up", sa.String(30), nullable=False),
    sa.Column("follow_up_due", sa.Date),
    sa.Column("notes", sa.Text, nullable=False),
    # Set when the visit was made from an anonymous one with the client's consent.
    sa.Column("anonymous_visit_id", sa.String(36), unique=True),
    sa.Column("consent_id", sa.String(36)),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_visits_client", "client_id", "visited_on", "id"),
)

ANONYMOUS_VISIT_COLUMNS = (
    "id",
    "municipality_code",
    "service_point_id",
    "visited_on",
    "channel",
    "language",
    "age_band",
    "topics",
    "interpreter_used",
    "interpreter_language",
    "referrals",
    "follow_up",
)

anonymous_visits = sa.Table(
    "anonymous_visits",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column(
        "service_point_id", sa.String(36), sa.ForeignKey("service_points.id"), nullable=False
    ),
    sa.Column("visited_on", sa.Date, nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("language", sa.String(3), nullable=False),
    sa.Column("age_band", sa.String(20), nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("interpreter_used", sa.Boolean, nullable=False),
    sa.Column("interpreter_language", sa.String(3)),
    sa.Column("referrals", sa.JSON, nullable=False),
    sa.Column("follow_up", sa.String(30), nullable=False),
    sa.Index("ix_anonymous_visits_list", "municipality_code", "visited_on", "id"),
)

guidance_series = sa.Table(
    "guidance_series",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("plan_id", sa.String(64)),
    sa.Column("started_on", sa.Date, nullable=False),
    sa.Column("plan_ends_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("ended_on", sa.Date),
    sa.Column("end_reason", sa.String(2000)),
    sa.Column("ended_by", sa.String(200)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_guidance_series_client", "client_id", "started_on", "id"),
    sa.Index("ix_guidance_series_expiry", "status", "plan_ends_on"),
)

series_tasks = sa.Table(
    "series_tasks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("series_id", sa.String(36), sa.ForeignKey("guidance_series.id"), nullable=False),
    sa.Column("topic", sa.String(30), nullable=False),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("done_on", sa.Date),
    sa.Column("visit_id", sa.String(36)),
    sa.Index("ix_series_tasks_series", "series_id", "due_on"),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("language", sa.String(3), nullable=False),
    sa.Column("translation_group", sa.String(36), nullable=False),
    # Status of the latest revision.
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    # The revision search finds; NULL when none is live.
    sa.Column("published_revision", sa.Integer),
    sa.Column("review_comment", sa.String(2000)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime),
    sa.UniqueConstraint("translation_group", "language", name="uq_articles_translation"),
    sa.Index("ix_articles_list", "municipality_code", "updated_at", "id"),
)

article_revisions = sa.Table(
    "article_revisions",
    metadata,
    sa.Column("article_id", sa.String(36), sa.ForeignKey("articles.id"), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("question", sa.String(500), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    # Subjects of the staff who edited this revision: none of them may publish it.
    sa.Column("authors", sa.JSON, nullable=False),
    sa.Column("submitted_by", sa.String(200)),
    sa.Column("published_by", sa.String(200)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime),
)

# What search finds: one row per article with a live revision. PostgreSQL adds a tsvector column
# ``document`` (GIN-indexed); SQLite keeps the terms in the FTS5 table article_search_terms. Both
# are created by the migration and written only by kotopolku.guidance.search.index.
article_search = sa.Table(
    "article_search",
    metadata,
    sa.Column("article_id", sa.String(36), sa.ForeignKey("articles.id"), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("language", sa.String(3), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Index("ix_article_search_filter", "language", "municipality_code"),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
