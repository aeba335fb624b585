"""Disposal (hävittäminen) of archival packages whose retention has ended: the package leaves
object storage and a disposal record says what was disposed of, when, by whom and under which
rule. The record holds no content; it is kept for good.

The object is removed before the disposal is recorded: a crash in between leaves a package that
the next run disposes of again (removing a missing object is no error), never a record of a
disposal that did not happen. A legal hold on the client keeps the package.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date
from typing import Any

from kotopolku.archive import repository
from kotopolku.archive.domain.jobs import PackageState
from kotopolku.archive.domain.retention import helsinki_day, is_due
from kotopolku.archive.domain.tos import Preservation
from kotopolku.common.audit import AuditEntry, AuditRecorder
from kotopolku.common.clock import Clock
from kotopolku.common.db import Database
from kotopolku.common.errors import InvalidState
from kotopolku.common.identity import Caller, service_caller
from kotopolku.common.objectstore import ObjectStore

log = logging.getLogger(__name__)
_BATCH = 100


def rule_text(package: Any) -> str:
    ends = ", ".join(
        f"{t['record_type']} until {t['ends_on']}" for t in package.record_types if t.get("ends_on")
    )
    return f"TOS {package.tos_version}: retention ended ({ends})"[:2000]


class Disposer:
    def __init__(
        self,
        database: Database,
        store: ObjectStore,
        audit: AuditRecorder,
        clock: Clock,
        *,
        interval_seconds: float,
    ) -> None:
        self._db = database
        self._store = store
        self._audit = audit
        self._clock = clock
        self._interval = interval_seconds

    def today(self) -> date:
        return helsinki_day(self._clock())

    def check_due(self, package: Any) -> None:
        """Refuses a package that is not (or no longer) for disposal."""
        if package.state == PackageState.DISPOSED.value:
            raise InvalidState("The package has already been disposed of")
        if package.state != PackageState.VERIFIED.value:
            raise InvalidState("Only a verified package can be disposed of")
        if package.preservation == Preservation.PERMANENT.value:
            raise InvalidState("The TOS preserves this package permanently")
        if not is_due(Preservation(package.preservation), package.disposal_due_on, self.today()):
            raise InvalidState(
                f"The retention of this package ends on {package.disposal_due_on}; "
                "it can be disposed of after that"
            )

    async def dispose(self, package: Any, caller: Caller) -> Any:
        """Disposes of one due package (checked by the caller) and returns the disposal record."""
        async with self._db.transaction() as connection:
            if await repository.has_active_hold(
                connection, package.client_id, package.municipality_code
            ):
                raise InvalidState("A legal hold on the client keeps the package")
        await self._store.delete(package.object_key)
        now = self._clock()
        async with self._db.transaction() as connection:
            existing = await repository.disposal_of(connection, package.id)
            if existing is not None:
                return existing
            values = {
                "id": str(uuid.uuid4()),
                "package_id": package.id,
                "municipality_code": package.municipality_code,
                "client_id": package.client_id,
                "record_types": sorted(t["record_type"] for t in package.record_types),
                "rule": rule_text(package),
                "package_sha256": package.sha256,
                "disposed_by": caller.subject,
                "disposed_at": now,
            }
            await repository.insert_disposal(connection, values)
            await repository.update_package(
                connection, package.id, state=PackageState.DISPOSED.value, disposed_at=now
            )
            entry = AuditEntry(
                action="archive-package.dispose",
                resource=f"archival-packages/{package.id}",
                subject_client_id=package.client_id,
                municipality=package.municipality_code,
                fields=tuple(values["record_types"]),
            )
            await self._audit.record(connection, caller, [entry])
            return await repository.disposal_of(connection, package.id)

    async def dispose_due(self, caller: Caller, municipality: str | None) -> tuple[list[Any], int]:
        """Every due package (of one municipality, or all); returns the records and how many
        packages a legal hold kept."""
        disposed: list[Any] = []
        held = 0
        skipped: set[str] = set()
        while True:
            async with self._db.transaction() as connection:
                due = await repository.due_packages(
                    connection, self.today(), municipality, _BATCH + len(skipped)
                )
            due = [p for p in due if p.id not in skipped]
            if not due:
                return disposed, held
            for package in due:
                try:
                    disposed.append(await self.dispose(package, caller))
                except InvalidState:
                    held += 1
                    skipped.add(package.id)

    async def run(self, stop: asyncio.Event) -> None:
        caller = service_caller("archive")
        while not stop.is_set():
            try:
                disposed, held = await self.dispose_due(caller, None)
                if disposed or held:
                    log.info("disposal run", extra={"disposed": len(disposed), "held": held})
            except Exception:
                log.exception("disposal run failed; the next run tries again")
            try:
                await asyncio.wait_for(stop.wait(), self._interval)
            except TimeoutError:
                pass
