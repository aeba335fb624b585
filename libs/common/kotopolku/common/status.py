"""The status API every backend service serves (``kotopolku.ops.v1.StatusService``).

Registered by :class:`~kotopolku.common.server.ServiceHost` for every service, so a new service
gets it for free. It answers what an operator asks first: which code runs, whether the database
schema matches it, and whether outboxes are draining. Only a service assertion or an
administrator may ask; the answer holds no personal data.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kotopolku.common import backlog, migrations
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role, current_caller
from kotopolku.ops.v1 import status_pb2, status_pb2_grpc

STATUS_SERVICE = status_pb2.DESCRIPTOR.services_by_name["StatusService"].full_name
# Name under which the audit outbox is reported.
AUDIT_OUTBOX = "audit"


def package_version() -> str:
    try:
        return metadata.version("kotopolku")
    except metadata.PackageNotFoundError:
        return "unknown"


def may_read_status(caller: Caller) -> bool:
    """Services (their own assertion) and administrators; nobody else."""
    return caller.is_internal_service or Role.ADMIN in caller.roles


@dataclass(frozen=True, slots=True)
class StatusSources:
    """Where the answer comes from; assembled by the server for each service."""

    service: str
    database: Database
    clock: Clock
    build: str
    migrations: Path | None
    # name -> outbox table (with a ``created_at`` column)
    outboxes: Sequence[tuple[str, sa.Table]]
    ready: Callable[[], bool]


class StatusServicer(status_pb2_grpc.StatusServiceServicer):
    def __init__(self, sources: StatusSources) -> None:
        self._sources = sources
        self._started = time.monotonic()
        self._head: str | None = None
        self._head_known = False

    async def _migration_head(self) -> str | None:
        if not self._head_known and self._sources.migrations is not None:
            # Reads the revision files once; they do not change while the process runs.
            self._head = await asyncio.to_thread(
                migrations.head_revision, self._sources.service, self._sources.migrations
            )
            self._head_known = True
        return self._head

    async def _migration_revision(self) -> str | None:
        if self._sources.migrations is None:
            return None
        async with self._sources.database.engine.connect() as connection:
            revision: str | None = await connection.run_sync(
                partial(migrations.revision_on, service=self._sources.service)
            )
        return revision

    async def GetStatus(
        self, request: status_pb2.GetStatusRequest, context: Any
    ) -> status_pb2.ServiceStatus:
        if not may_read_status(current_caller()):
            raise PermissionDenied("Only services and administrators may read the status")
        sources = self._sources
        head = await self._migration_head()
        revision = await self._migration_revision()
        now = sources.clock()
        outboxes = []
        for name, table in sources.outboxes:
            waiting = await backlog.measure(sources.database, table, now)
            outboxes.append(
                status_pb2.OutboxStatus(
                    name=name,
                    backlog=waiting.waiting,
                    oldest_age_seconds=waiting.oldest_age_seconds,
                )
            )
        return status_pb2.ServiceStatus(
            service=sources.service,
            version=package_version(),
            build=sources.build,
            migration_revision=revision or "",
            migration_head=head or "",
            migrations_current=sources.migrations is None or (revision == head),
            outboxes=outboxes,
            uptime_seconds=time.monotonic() - self._started,
            ready=sources.ready(),
        )
