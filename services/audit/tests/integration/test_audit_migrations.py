"""The migration creates exactly the tables the repository uses, and can be undone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kotopolku.audit.service import MIGRATIONS
from kotopolku.audit.tables import metadata
from kotopolku.common import migrations
from kotopolku.common.db import sync_url


def test_migration_matches_the_tables_and_downgrades(database_url: str) -> None:
    migrations.upgrade(database_url, "audit", MIGRATIONS)
    assert migrations.current_revision(database_url, "audit") == "audit_0002"
    engine = sa.create_engine(sync_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_audit"}
            )
            assert compare_metadata(context, metadata) == []
            head = connection.execute(
                sa.text("SELECT id, position, entry_hash FROM audit_chain_head")
            )
            assert head.all() == [(1, 0, "0" * 64)]
        with engine.begin() as connection:
            config = migrations.alembic_config("audit", MIGRATIONS)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            assert not tables & {"audit_entries", "audit_chain_head"}
    finally:
        engine.dispose()
