"""Shared helpers of the outreach integration tests: callers, a settable clock, the running
clients service with both its stubs, and list files built from valid test identity codes."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION
from kotopolku.clients.tables import audit_outbox, reporting_outbox
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc, outreach_pb2_grpc
from kotopolku.clients.v1 import outreach_pb2 as pb
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.reporting.v1 import reporting_pb2

PURPOSE = "integration-services"
# 10:00 in Helsinki on Monday 2 March 2026.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
Metadata = tuple[tuple[str, str], ...]


def staff(subject: str, role: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


OFFICER = staff("officer-091", Role.MUNICIPAL_OFFICER)
OTHER_OFFICER = staff("officer-091-b", Role.MUNICIPAL_OFFICER)
MANAGER = staff("manager-091", Role.MANAGER)
EMPLOYMENT_OFFICER = staff("employment-091", Role.EMPLOYMENT_OFFICER)
AUDITOR = staff("auditor-091", Role.AUDITOR)
OFFICER_837 = staff("officer-837", Role.MUNICIPAL_OFFICER, "837")

HEADER = "henkilotunnus,first_names,last_name,date_of_birth,target_group,first_permit_date"
_individuals = itertools.count(900)


class Clock:
    """The services' clock; tests move it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Person:
    code: str
    first_names: str
    last_name: str
    born: date

    def row(self, group: str = "social-assistance", first_permit: date | str = "2024-03-01") -> str:
        permit = first_permit.isoformat() if isinstance(first_permit, date) else first_permit
        return ",".join(
            (self.code, self.first_names, self.last_name, self.born.isoformat(), group, permit)
        )

    def client(self) -> clients_pb2.Client:
        return clients_pb2.Client(
            first_names=self.first_names,
            last_name=self.last_name,
            date_of_birth=self.born.isoformat(),
            henkilotunnus=self.code,
        )


def people(count: int, last_name: str = "Testinen", born: date = date(1990, 1, 1)) -> list[Person]:
    """``count`` different people with valid (temporary) identity codes."""
    found = []
    for index in range(count):
        day = born + timedelta(days=index // 100)
        individual = 900 + index % 100
        found.append(
            Person(
                testing.temporary_henkilotunnus(day, individual),
                f"Henkilö{index}",
                last_name,
                day,
            )
        )
    return found


def csv_list(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@dataclass
class Outreach:
    keys: testing.TestKeys
    host: ServiceHost
    channel: grpc.aio.Channel
    stub: outreach_pb2_grpc.OutreachServiceAsyncStub
    clients: clients_pb2_grpc.ClientsServiceAsyncStub
    clock: Clock
    _keys: itertools.count[int]

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def import_list(
        self,
        content: bytes,
        *,
        source: int = pb.TARGET_LIST_SOURCE_KELA,
        media_type: str = "text/csv",
        key: str | None = None,
        caller: Caller = OFFICER,
    ) -> pb.OutreachImport:
        return await self.stub.ImportTargetList(
            pb.ImportTargetListRequest(
                source=source,  # type: ignore[arg-type]
                media_type=media_type,
                content=content,
                idempotency_key=key or f"key-{next(self._keys)}",
            ),
            metadata=self.md(caller),
        )

    async def create_client(
        self, client: clients_pb2.Client, caller: Caller = OFFICER
    ) -> clients_pb2.Client:
        return await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(client=client), metadata=self.md(caller)
        )

    async def targets(self, caller: Caller = OFFICER, **criteria: Any) -> list[pb.OutreachTarget]:
        """Every page of ListTargets."""
        found: list[pb.OutreachTarget] = []
        token = ""
        while True:
            page = await self.stub.ListTargets(
                pb.ListTargetsRequest(page_token=token, **criteria), metadata=self.md(caller)
            )
            found.extend(page.targets)
            token = page.next_page_token
            if not token:
                return found

    async def target_of(self, person: Person, caller: Caller = OFFICER) -> pb.OutreachTarget:
        [target] = [t for t in await self.targets(caller) if t.henkilotunnus == person.code]
        return await self.stub.GetTarget(
            pb.GetTargetRequest(target_id=target.id), metadata=self.md(caller)
        )

    async def contact(
        self,
        target: pb.OutreachTarget,
        outcome: int,
        *,
        channel: int = pb.CONTACT_CHANNEL_PHONE,
        contacted_on: str = "",
        note: str = "",
        caller: Caller = OFFICER,
        version: int | None = None,
    ) -> pb.OutreachTarget:
        return await self.stub.RecordContactAttempt(
            pb.RecordContactAttemptRequest(
                target_id=target.id,
                expected_version=target.version if version is None else version,
                outcome=outcome,  # type: ignore[arg-type]
                channel=channel,  # type: ignore[arg-type]
                contacted_on=contacted_on,
                note=note,
            ),
            metadata=self.md(caller),
        )

    async def count(self, *tables: sa.Table) -> dict[str, int]:
        assert self.host.database is not None
        counts = {}
        async with self.host.database.engine.connect() as connection:
            for table in tables:
                query = sa.select(sa.func.count()).select_from(table)
                counts[table.name] = int(await connection.scalar(query) or 0)
        return counts

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [audit_pb2.AuditEvent.FromString(bytes(row.payload)) for row in rows]

    async def facts(self) -> list[reporting_pb2.Fact]:
        """The reporting facts waiting in the outbox (nothing delivers them in these tests)."""
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(reporting_outbox.c.payload).order_by(reporting_outbox.c.seq)
            )
            return [reporting_pb2.Fact.FromString(bytes(row.payload)) for row in rows]

    async def stop(self) -> None:
        try:
            await self.host.stop(0)
        finally:
            await self.channel.close()


async def start_outreach(
    keys: testing.TestKeys, database_url: str, clock: Clock, **settings: Any
) -> Outreach:
    host = await testing.start_host(
        DEFINITION, keys, clock=clock, database_url=database_url, **settings
    )
    assert host.port is not None
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{host.port}")
    return Outreach(
        keys,
        host,
        channel,
        outreach_pb2_grpc.OutreachServiceStub(channel),  # type: ignore[arg-type]
        clients_pb2_grpc.ClientsServiceStub(channel),  # type: ignore[arg-type]
        clock,
        itertools.count(1),
    )


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


def fields(error: RemoteError) -> list[str]:
    return [v.field for v in error.violations]


def target_resources(events: Sequence[audit_pb2.AuditEvent]) -> list[str]:
    return [e.resource for e in events if e.resource.startswith("outreach-targets/")]
