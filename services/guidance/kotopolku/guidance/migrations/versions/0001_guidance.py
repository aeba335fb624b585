"""Service points, client and anonymous counselling visits, initial-phase guidance series and
their tasks, knowledge-base articles, revisions and search index, audit outbox, idempotency keys.

The search index is the one part that differs by database: PostgreSQL gets a tsvector column with
a GIN index, SQLite an FTS5 table of terms.

Revision ID: guidance_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from kotopolku.common.tables import UtcDateTime, create_common_tables, drop_common_tables

revision = "guidance_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_points",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("low_threshold", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("municipality_code", "name", name="uq_service_points_name"),
    )
    op.create_table(
        "visits",
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
        sa.Column("anonymous_visit_id", sa.String(36), unique=True),
        sa.Column("consent_id", sa.String(36)),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_visits_client", "visits", ["client_id", "visited_on", "id"])
    op.create_table(
        "anonymous_visits",
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
    )
    op.create_index(
        "ix_anonymous_visits_list", "anonymous_visits", ["municipality_code", "visited_on", "id"]
    )
    op.create_table(
        "guidance_series",
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
    )
    op.create_index(
        "ix_guidance_series_client", "guidance_series", ["client_id", "started_on", "id"]
    )
    op.create_index("ix_guidance_series_expiry", "guidance_series", ["status", "plan_ends_on"])
    op.create_table(
        "series_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("series_id", sa.String(36), sa.ForeignKey("guidance_series.id"), nullable=False),
        sa.Column("topic", sa.String(30), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("done_on", sa.Date),
        sa.Column("visit_id", sa.String(36)),
    )
    op.create_index("ix_series_tasks_series", "series_tasks", ["series_id", "due_on"])
    op.create_table(
        "articles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("translation_group", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("published_revision", sa.Integer),
        sa.Column("review_comment", sa.String(2000)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime),
        sa.UniqueConstraint("translation_group", "language", name="uq_articles_translation"),
    )
    op.create_index("ix_articles_list", "articles", ["municipality_code", "updated_at", "id"])
    op.create_table(
        "article_revisions",
        sa.Column("article_id", sa.String(36), sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("question", sa.String(500), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("submitted_by", sa.String(200)),
        sa.Column("published_by", sa.String(200)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime),
    )
    op.create_table(
        "article_search",
        sa.Column("article_id", sa.String(36), sa.ForeignKey("articles.id"), primary_key=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_index("ix_article_search_filter", "article_search", ["language", "municipality_code"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE article_search ADD COLUMN document tsvector NOT NULL")
        op.execute("CREATE INDEX ix_article_search_document ON article_search USING gin (document)")
    else:
        # The terms are computed by the service (stems and base forms); FTS5 only splits on
        # white space and ranks with bm25.
        op.execute(
            "CREATE VIRTUAL TABLE article_search_terms USING fts5("
            "article_id UNINDEXED, question, answer, tokenize = 'unicode61 remove_diacritics 0')"
        )
    create_common_tables(op)


def downgrade() -> None:
    drop_common_tables(op)
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE article_search_terms")
    for table in (
        "article_search",
        "article_revisions",
        "articles",
        "series_tasks",
        "guidance_series",
        "anonymous_visits",
        "visits",
        "service_points",
    ):
        op.drop_table(table)
