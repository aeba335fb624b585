"""The migrations create exactly the tables the repository uses, carry existing search keys
over to the tenant-scoped layout, and can be undone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from kotopolku.clients import repository
from kotopolku.clients.service import DEFINITION
from kotopolku.clients.tables import metadata
from kotopolku.common import migrations
from kotopolku.common.db import sync_url

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _client(client_id: str, municipality: str, first: str, last: str) -> dict[str, object]:
    return {
        "id": client_id,
        "version": 1,
        "municipality_code": municipality,
        "first_names": first,
        "last_name": last,
        "sort_name": repository.sort_name(first, last),
        "date_of_birth": date(1980, 1, 1),
        "henkilotunnus": None,
        "system_identifier": f"KP{client_id[-10:]}",
        "languages": "[]",
        "contact": "{}",
        "segment": None,
        "residence_permit_type": None,
        "first_permit_date": None,
        "status": "ACTIVE",
        "created_at": NOW,
        "updated_at": NOW,
    }


def test_migrations_match_the_tables_backfill_the_keys_and_downgrade(database_url: str) -> None:
    assert DEFINITION.migrations is not None
    migrations.upgrade(database_url, "clients", DEFINITION.migrations, "clients_0001")
    engine = sa.create_engine(sync_url(database_url), poolclass=sa.pool.NullPool)
    try:
        # Clients stored before the search keys carried municipality and sort name.
        people = [
            ("00000000-0000-4000-8000-000000000001", "091", "Aino", "Hämäläinen"),
            ("00000000-0000-4000-8000-000000000002", "837", "Omar", "Hassan"),
        ]
        with engine.begin() as connection:
            for client_id, municipality, first, last in people:
                connection.execute(
                    sa.text(
                        "INSERT INTO clients VALUES (:id, :version, :municipality_code,"
                        " :first_names, :last_name, :sort_name, :date_of_birth, :henkilotunnus,"
                        " :system_identifier, :languages, :contact, :segment,"
                        " :residence_permit_type, :first_permit_date, :status, :created_at,"
                        " :updated_at)"
                    ),
                    _client(client_id, municipality, first, last),
                )
                for row in repository.search_key_rows(client_id, municipality, first, last):
                    connection.execute(
                        sa.text("INSERT INTO client_search_keys VALUES (:search_key, :client_id)"),
                        row,
                    )

        migrations.upgrade(database_url, "clients", DEFINITION.migrations)
        assert migrations.current_revision(database_url, "clients") == "clients_0004"
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": "alembic_version_clients"}
            )
            assert compare_metadata(context, metadata) == []
            stored = connection.execute(
                sa.text(
                    "SELECT search_key, client_id, municipality_code, sort_name"
                    " FROM client_search_keys"
                )
            ).all()
        expected = {
            (row["search_key"], row["client_id"], row["municipality_code"], row["sort_name"])
            for client_id, municipality, first, last in people
            for row in repository.search_key_rows(client_id, municipality, first, last)
        }
        assert set(map(tuple, stored)) == expected

        with engine.begin() as connection:
            config = migrations.alembic_config("clients", DEFINITION.migrations)
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.connect() as connection:
            left = set(sa.inspect(connection).get_table_names())
            assert left <= {"alembic_version_clients"}, left
    finally:
        engine.dispose()
