"""The migration creates exactly the tables the repository uses, and can be undone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kotopolku.common import migrations
from kotopolku.common.db import sync_url
from kotopolku.contracts.service import DEFINITION
from kotopolku.contracts.tables import metadata


def test_migration_matches_the_tables_and_downgrades(database_url: str) -> None:
    versions = DEFINITION.migrations
    assert versions is not None
    migrations.upgrade(database_url, "contracts", versions)
    assert migrations.current_revision(database_url, "contracts") == "contracts_0002"
    engine = sa.create_engine(sync_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_contracts"}
            )
            assert compare_metadata(context, metadata) == []
        with engine.begin() as connection:
            config = migrations.alembic_config("contracts", versions)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version_contracts"}
    finally:
        engine.dispose()
