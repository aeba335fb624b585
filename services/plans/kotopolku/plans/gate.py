"""Finding the plan a caller may see or change, and the audit entries of what they did with it.

A plan outside the caller's reach answers NOT_FOUND, exactly like a missing one, and the refusal
is audited in a transaction of its own (the caller's transaction is about to roll back).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.db import Database
from kotopolku.common.errors import InvalidArgument, InvalidState, NotFound, StaleVersion
from kotopolku.common.identity import Caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.plans import access, convert, repository
from kotopolku.plans.directory import ClientRef
from kotopolku.plans.domain.errors import PlanDomainError, PlanStateError
from kotopolku.plans.repository import PlanRecord
from kotopolku.plans.welfare_gate import WelfareGate


def plan_id_of(value: str, field: str = "plan_id") -> str:
    return resource_id(value, field, "plan")


def check_version(row: Any, expected: int) -> None:
    if row.version != expected:
        raise StaleVersion(f"The plan is at version {row.version}, not {expected}")


require_expected_version = expected_version


@contextmanager
def domain_rules(*, as_argument: bool = False) -> Iterator[None]:
    """Broken rules as API errors: state errors are FAILED_PRECONDITION (unless the value in
    the request is what is wrong), the others INVALID_ARGUMENT naming the field."""
    try:
        yield
    except PlanStateError as error:
        if as_argument:
            raise InvalidArgument.field(error.field, error.message) from error
        raise InvalidState(error.message) from error
    except PlanDomainError as error:
        raise InvalidArgument.field(error.field, error.message) from error


def entries(
    row: Any,
    people: Sequence[str],
    action: str,
    fields: tuple[str, ...] = convert.PLAN_FIELDS,
) -> list[AuditEntry]:
    """One entry per person whose data the plan holds (a family plan holds several)."""
    return [
        AuditEntry(
            action=action,
            resource=f"plans/{row.id}",
            subject_client_id=person,
            municipality=row.municipality_code,
            fields=fields,
        )
        for person in people
    ]


def record_entries(
    record: PlanRecord, action: str, fields: tuple[str, ...] = convert.PLAN_FIELDS
) -> list[AuditEntry]:
    return entries(record.row, record.people, action, fields)


class PlanGate:
    def __init__(self, database: Database, audit: AuditRecorder, welfare: WelfareGate) -> None:
        self._db = database
        self._audit = audit
        self._welfare = welfare

    async def readable(
        self,
        connection: AsyncConnection,
        caller: Caller,
        plan_id: str,
        action: str,
        own: ClientRef | None = None,
    ) -> Any:
        """The plan row if the caller may read it: staff of its municipality, the welfare area
        of a multi-sector plan, or a client user (``own``: their record) who is its client or a
        member of its family."""
        access.require_reader(caller)
        row = await repository.get_plan(connection, plan_id_of(plan_id))
        if row is None or not await self._may_read(connection, caller, row, own):
            await self._refuse(caller, plan_id, action, row)
            raise NotFound("No such plan")
        return row

    async def writable(
        self, connection: AsyncConnection, caller: Caller, plan_id: str, action: str
    ) -> Any:
        """The plan row if the caller is an officer of its municipality acting for the
        authority responsible for it."""
        access.staff_municipality(caller, write=True)
        row = await self.readable(connection, caller, plan_id, action)
        access.require_responsible(caller, row)
        return row

    async def _may_read(
        self, connection: AsyncConnection, caller: Caller, row: Any, own: ClientRef | None
    ) -> bool:
        if access.staff_may_read(caller, row):
            return True
        if access.welfare_area_may_read(caller, row):
            # Only on an accepted cooperation and a basis that holds (welfare_gate.py).
            return (await self._welfare.allowed([row], convert.PLAN_FIELDS))[0]
        if own is None or not access.is_client_user(caller):
            return False
        return own.id == row.client_id or await repository.is_member(connection, row.id, own.id)

    async def _refuse(self, caller: Caller, plan_id: str, action: str, row: Any) -> None:
        entry = AuditEntry(
            action=action,
            resource=f"plans/{plan_id}",
            subject_client_id=row.client_id if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])
