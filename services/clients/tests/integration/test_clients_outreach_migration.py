"""The outreach migration creates exactly the tables the repository uses, and can be undone
down to the client tables alone."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kotopolku.clients.service import DEFINITION
from kotopolku.clients.tables import metadata
from kotopolku.common import migrations
from kotopolku.common.db import sync_url

OUTREACH_TABLES = {
    "outreach_imports",
    "outreach_targets",
    "outreach_target_groups",
    "outreach_target_events",
    "reporting_outbox",
}


def test_outreach_migration_matches_the_tables_and_downgrades(database_url: str) -> None:
    versions = DEFINITION.migrations
    assert versions is not None
    migrations.upgrade(database_url, "clients", versions)
    assert migrations.current_revision(database_url, "clients") == "clients_0004"
    engine = sa.create_engine(sync_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_clients"}
            )
            assert compare_metadata(context, metadata) == []
        with engine.begin() as connection:
            config = migrations.alembic_config("clients", versions)
            config.attributes["connection"] = connection
            command.downgrade(config, "clients_0001")
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
        assert not tables & OUTREACH_TABLES
        assert {"clients", "referrals", "consents"} <= tables
    finally:
        engine.dispose()
