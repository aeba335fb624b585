"""Alembic migrations per service, with one shared environment.

Each service keeps only its revision files (``<package>/migrations/versions``); the environment
(``kotopolku/common/alembic/env.py``) is shared. Each service records its level in its own version
table, so services may even share a database in small installations.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, pool

from kotopolku.common.db import ensure_sqlite_directory, sync_url

_ENVIRONMENT = Path(__file__).with_name("alembic")


def alembic_config(service: str, versions: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_ENVIRONMENT))
    config.set_main_option("version_locations", str(versions))
    config.set_main_option("path_separator", "os")
    config.attributes["version_table"] = f"alembic_version_{service}"
    return config


def upgrade(database_url: str, service: str, versions: Path, revision: str = "head") -> None:
    ensure_sqlite_directory(database_url)
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            config = alembic_config(service, versions)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current_revision(database_url: str, service: str) -> str | None:
    engine = create_engine(sync_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return revision_on(connection, service)
    finally:
        engine.dispose()


def revision_on(connection: Connection, service: str) -> str | None:
    """The service's applied revision, read on an open (synchronous) connection."""
    context = MigrationContext.configure(
        connection, opts={"version_table": f"alembic_version_{service}"}
    )
    return context.get_current_revision()


def head_revision(service: str, versions: Path) -> str | None:
    """The newest revision among the service's revision files."""
    return ScriptDirectory.from_config(alembic_config(service, versions)).get_current_head()
