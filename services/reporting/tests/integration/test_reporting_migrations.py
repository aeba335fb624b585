"""The migration creates exactly the tables the repository uses, and can be undone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kotopolku.common import migrations
from kotopolku.common.db import sync_url
from kotopolku.reporting.service import DEFINITION
from kotopolku.reporting.tables import metadata


def test_migration_matches_the_tables_and_downgrades(database_url: str) -> None:
    assert DEFINITION.migrations is not None
    migrations.upgrade(database_url, "reporting", DEFINITION.migrations)
    assert migrations.current_revision(database_url, "reporting") == "reporting_0002"
    engine = sa.create_engine(sync_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_reporting"}
            )
            assert compare_metadata(context, metadata) == []
        with engine.begin() as connection:
            config = migrations.alembic_config("reporting", DEFINITION.migrations)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.connect() as connection:
            left = set(sa.inspect(connection).get_table_names())
            assert left <= {"alembic_version_reporting"}, left
    finally:
        engine.dispose()
