"""The migration creates exactly the tables the repository uses (plus each database's search
index), and can be undone."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kotopolku.common import migrations
from kotopolku.common.db import sync_url
from kotopolku.guidance.service import DEFINITION
from kotopolku.guidance.tables import metadata


def _search_index_only(difference: Any) -> bool:
    """The parts the search index adds outside the shared metadata: PostgreSQL's tsvector column
    and its GIN index, SQLite's FTS5 table and its shadow tables."""
    text = repr(difference)
    return "article_search_terms" in text or "document" in text


def test_migration_matches_the_tables_and_downgrades(database_url: str) -> None:
    versions = DEFINITION.migrations
    assert versions is not None
    migrations.upgrade(database_url, "guidance", versions)
    assert migrations.current_revision(database_url, "guidance") == "guidance_0002"
    engine = sa.create_engine(sync_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_guidance"}
            )
            differences = compare_metadata(context, metadata)
            assert [d for d in differences if not _search_index_only(d)] == []
            assert differences  # the index is there
        with engine.begin() as connection:
            config = migrations.alembic_config("guidance", versions)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version_guidance"}
    finally:
        engine.dispose()
