"""The migration creates exactly the tables the service uses, and can be undone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kotopolku.common import migrations
from kotopolku.common.db import sync_url
from kotopolku.welfare.service import DEFINITION
from kotopolku.welfare.tables import metadata


def test_migration_matches_the_tables_and_downgrades(database_url: str) -> None:
    assert DEFINITION.migrations is not None
    migrations.upgrade(database_url, "welfare", DEFINITION.migrations)
    assert migrations.current_revision(database_url, "welfare") == "welfare_0002"
    engine = sa.create_engine(sync_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_welfare"}
            )
            assert compare_metadata(context, metadata) == []
        with engine.begin() as connection:
            config = migrations.alembic_config("welfare", DEFINITION.migrations)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version_welfare"}
    finally:
        engine.dispose()
