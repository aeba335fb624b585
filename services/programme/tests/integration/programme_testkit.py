"""Shared helpers of the programme service's integration tests: callers, a settable clock, a
running service with typed shortcuts, and valid sample data computed independently of the
service."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask

from kotopolku.audit.v1 import audit_pb2
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.programme.service import DEFINITION, ProgrammeSettings
from kotopolku.programme.tables import audit_outbox
from kotopolku.programme.v1 import programme_pb2 as pb
from kotopolku.programme.v1 import programme_pb2_grpc

PURPOSE = "integration-services"
UNREACHABLE = "127.0.0.1:1"
# 10:00 in Helsinki on Monday 2 March 2026.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
Metadata = tuple[tuple[str, str], ...]


def staff(subject: str, role: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


def provider_user(organisation: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=f"user-{organisation}-{municipality}",
        roles=frozenset({Role.SERVICE_PROVIDER}),
        purpose=PURPOSE,
        municipality=municipality,
        organisation=organisation,
    )


OFFICER = staff("officer-091", Role.MUNICIPAL_OFFICER)
EMPLOYMENT_OFFICER = staff("employment-091", Role.EMPLOYMENT_OFFICER)
MANAGER = staff("manager-091", Role.MANAGER)
OFFICER_837 = staff("officer-837", Role.MUNICIPAL_OFFICER, "837")
OPISTO = provider_user("opisto")
KANSALAISOPISTO = provider_user("kansalaisopisto")
OPISTO_837 = provider_user("opisto", "837")
CLIENT_USER = Caller(
    subject="client-1", roles=frozenset({Role.CLIENT}), purpose=PURPOSE, henkilotunnus="010190-999W"
)
WELFARE_WORKER = Caller(
    subject="welfare-1",
    roles=frozenset({Role.WELFARE_AREA_WORKER}),
    purpose=PURPOSE,
    municipality="091",
    welfare_area="HEL",
)


def business_id(seven: int) -> str:
    """A valid Y-tunnus from seven digits (the next number whose check digit exists)."""
    weights = (7, 9, 10, 5, 8, 4, 2)
    number = seven
    while True:
        digits = f"{number:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        number += 1


def provider(provider_id: str = "opisto", seven: int = 1234567, **fields: Any) -> pb.Provider:
    fields.setdefault(
        "contacts",
        [
            pb.ProviderContact(
                name="Outi Opettaja", email="outi@opisto.example.fi", phone="040 1234567"
            )
        ],
    )
    return pb.Provider(
        id=provider_id, name=f"{provider_id.title()} Oy", business_id=business_id(seven), **fields
    )


def service(**fields: Any) -> pb.CatalogueService:
    """A valid integration training of "opisto", with three intakes in 2026."""
    values: dict[str, Any] = {
        "type": pb.SERVICE_TYPE_INTEGRATION_TRAINING,
        "name": "Kotoutumiskoulutus, aamuryhmä",
        "description": "Suomen kieli ja yhteiskuntataidot",
        "provider_id": "opisto",
        "languages": ["fi"],
        "location": "Opistotie 1, Helsinki",
        "remote": False,
        "capacity": 3,
        "schedule": "ma–to 9–13",
        "intake_dates": ["2026-03-02", "2026-04-06", "2026-08-10"],
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    values.update(fields)
    return pb.CatalogueService(**values)


def mask(*paths: str) -> FieldMask:
    return FieldMask(paths=list(paths))


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Programme:
    """A running programme service, a channel to it, and shortcuts for the tests."""

    keys: testing.TestKeys
    host: ServiceHost
    channel: grpc.aio.Channel
    stub: programme_pb2_grpc.ProgrammeServiceAsyncStub
    clock: Clock
    counter: list[int] = field(default_factory=lambda: [0])

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def create_provider(
        self, message: pb.Provider | None = None, caller: Caller = OFFICER, key: str = ""
    ) -> pb.Provider:
        return await self.stub.CreateProvider(
            pb.CreateProviderRequest(provider=message or provider(), idempotency_key=key),
            metadata=self.md(caller),
        )

    async def create_service(
        self, message: pb.CatalogueService | None = None, caller: Caller = OFFICER, key: str = ""
    ) -> pb.CatalogueService:
        return await self.stub.CreateCatalogueService(
            pb.CreateCatalogueServiceRequest(service=message or service(), idempotency_key=key),
            metadata=self.md(caller),
        )

    async def get_service(self, service_id: str, caller: Caller = OFFICER) -> pb.CatalogueService:
        return await self.stub.GetCatalogueService(
            pb.GetCatalogueServiceRequest(service_id=service_id), metadata=self.md(caller)
        )

    async def search(
        self, caller: Caller = OFFICER, **criteria: Any
    ) -> pb.SearchCatalogueServicesResponse:
        return await self.stub.SearchCatalogueServices(
            pb.SearchCatalogueServicesRequest(**criteria), metadata=self.md(caller)
        )

    def enrolment_request(self, service_id: str, **fields: Any) -> pb.CreateEnrolmentRequest:
        self.counter[0] += 1
        n = self.counter[0]
        values: dict[str, Any] = {
            "plan_id": f"00000000-0000-4000-8000-{n:012d}",
            "plan_service_id": f"00000000-0000-4000-9000-{n:012d}",
            "programme_service_id": service_id,
            "client_id": f"00000000-0000-4000-a000-{n:012d}",
            "participant_display_name": f"Osallistuja {n}",
            "start_date": "2026-03-02",
        }
        values.update(fields)
        return pb.CreateEnrolmentRequest(**values)

    async def enrol(self, service_id: str, caller: Caller = OFFICER, **fields: Any) -> pb.Enrolment:
        return await self.stub.CreateEnrolment(
            self.enrolment_request(service_id, **fields), metadata=self.md(caller)
        )

    async def get_enrolment(self, enrolment_id: str, caller: Caller = OFFICER) -> pb.Enrolment:
        return await self.stub.GetEnrolment(
            pb.GetEnrolmentRequest(enrolment_id=enrolment_id), metadata=self.md(caller)
        )

    async def list_enrolments(
        self, caller: Caller = OFFICER, **criteria: Any
    ) -> pb.ListEnrolmentsResponse:
        return await self.stub.ListEnrolments(
            pb.ListEnrolmentsRequest(**criteria), metadata=self.md(caller)
        )

    async def attend(
        self, enrolment_id: str, day: str, present: bool = True, caller: Caller = OPISTO
    ) -> pb.AttendanceRecord:
        mark = pb.ATTENDANCE_MARK_PRESENT if present else pb.ATTENDANCE_MARK_ABSENT
        return await self.stub.RecordAttendance(
            pb.RecordAttendanceRequest(enrolment_id=enrolment_id, date=day, mark=mark),
            metadata=self.md(caller),
        )

    async def interrupt(
        self, enrolment: pb.Enrolment, interruption: pb.Interruption, caller: Caller = OPISTO
    ) -> pb.Enrolment:
        return await self.stub.RecordInterruption(
            pb.RecordInterruptionRequest(
                enrolment_id=enrolment.id,
                interruption=interruption,
                expected_version=enrolment.version,
            ),
            metadata=self.md(caller),
        )

    async def complete(
        self, enrolment: pb.Enrolment, completion: pb.Completion, caller: Caller = OPISTO
    ) -> pb.Enrolment:
        return await self.stub.RecordCompletion(
            pb.RecordCompletionRequest(
                enrolment_id=enrolment.id, completion=completion, expected_version=enrolment.version
            ),
            metadata=self.md(caller),
        )

    async def count(self, table: sa.Table) -> int:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

    async def rows(self, table: sa.Table) -> list[Any]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(sa.select(table))).all())

    async def outbox_payloads(self) -> list[bytes]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [bytes(row.payload) for row in rows]

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        return [audit_pb2.AuditEvent.FromString(p) for p in await self.outbox_payloads()]

    async def clear_audit(self) -> None:
        assert self.host.database is not None
        async with self.host.database.transaction() as connection:
            await connection.execute(sa.delete(audit_outbox))

    async def stop(self) -> None:
        try:
            await self.host.stop(0)
        finally:
            await self.channel.close()


async def start_programme(
    keys: testing.TestKeys, database_url: str, clock: Clock, **settings: Any
) -> Programme:
    settings.setdefault("plans_address", UNREACHABLE)
    host = ServiceHost(
        DEFINITION,
        ProgrammeSettings(
            database_url=database_url,
            grpc_port=0,
            metrics_port=0,
            gateway_public_key_file=keys.gateway_public,
            service_public_key_file=keys.service_public,
            service_key_file=keys.service_private,
            audit_address=UNREACHABLE,
            migrate_on_start=True,
            **settings,
        ),
        clock=clock,
        verifier=keys.verifier(),
        # The outcome relay is driven step by step by the tests that need it.
        run_background=False,
    )
    port = await host.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return Programme(keys, host, channel, programme_pb2_grpc.ProgrammeServiceStub(channel), clock)  # type: ignore[arg-type]
