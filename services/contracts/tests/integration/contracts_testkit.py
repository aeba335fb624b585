"""Shared helpers of the contracts service's integration tests: callers, a settable clock, the
real clients service and the real contracts service running in-process, and sample data."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.contracts.service import DEFINITION
from kotopolku.contracts.tables import audit_outbox
from kotopolku.contracts.v1 import contracts_pb2 as pb
from kotopolku.contracts.v1 import contracts_pb2_grpc

PURPOSE = "integration-services"
# 10:00 in Helsinki on Monday 2 March 2026.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def staff(subject: str, role: str, municipality: str = "091") -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


OFFICER = staff("officer-091", Role.MUNICIPAL_OFFICER)
MANAGER = staff("manager-091", Role.MANAGER)
EMPLOYMENT_OFFICER = staff("employment-091", Role.EMPLOYMENT_OFFICER)
AUDITOR = staff("auditor-091", Role.AUDITOR)
OFFICER_837 = staff("officer-837", Role.MUNICIPAL_OFFICER, "837")
PROVIDER = Caller(
    subject="provider-opisto",
    roles=frozenset({Role.SERVICE_PROVIDER}),
    purpose=PURPOSE,
    municipality="091",
    organisation="opisto",
)


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

    def set_helsinki(self, year: int, month: int, day: int, hour: int = 10) -> None:
        """A moment given as Helsinki wall-clock time (winter: UTC+2, summer: UTC+3)."""
        from zoneinfo import ZoneInfo

        local = datetime(year, month, day, hour, tzinfo=ZoneInfo("Europe/Helsinki"))
        self.now = local.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def party(role: int = pb.PARTY_ROLE_PROVIDER, **fields: Any) -> pb.Party:
    values: dict[str, Any] = {
        "role": role,
        "name": "Tulkkauspalvelu Oy",
        "business_id": "0112038-9",
    }
    values.update(fields)
    return pb.Party(**values)


def contract(**fields: Any) -> pb.Contract:
    """An interpreting framework agreement for 2026, fixed term."""
    values: dict[str, Any] = {
        "kind": pb.CONTRACT_KIND_INTERPRETING,
        "title": "Tulkkauspalvelujen puitesopimus 2026",
        "reference": "HEL 2025-012345",
        "parties": [party()],
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "renewal": pb.RenewalTerms(type=pb.RENEWAL_TYPE_FIXED_TERM),
        "amount_cents": 6500,
        "amount_basis": pb.AMOUNT_BASIS_PER_HOUR,
    }
    values.update(fields)
    return pb.Contract(**values)


def housing_lease(**fields: Any) -> pb.Contract:
    """A flat leased for a quota refugee family before arrival: open-ended, 30 days' notice."""
    values: dict[str, Any] = {
        "kind": pb.CONTRACT_KIND_HOUSING_LEASE,
        "title": "Vuokrasopimus, Kontulantie 1 A 2",
        "parties": [
            party(
                pb.PARTY_ROLE_LESSOR,
                name="Maija Vuokranantaja",
                business_id="",
                is_person=True,
                contact_phone="040 1234567",
            )
        ],
        "valid_from": "2026-02-01",
        "renewal": pb.RenewalTerms(type=pb.RENEWAL_TYPE_OPEN_ENDED, notice_period_days=30),
        "amount_cents": 85_000,
        "amount_basis": pb.AMOUNT_BASIS_PER_MONTH,
    }
    values.update(fields)
    return pb.Contract(**values)


def placement_agreement() -> pb.Contract:
    return pb.Contract(
        kind=pb.CONTRACT_KIND_PLACEMENT_AGREEMENT,
        title="Sopimus kuntaan osoittamisesta ja kotoutumisen edistämisestä",
        parties=[
            party(pb.PARTY_ROLE_ELY_CENTRE, name="Uudenmaan ELY-keskus", business_id="2296962-1")
        ],
        valid_from="2020-01-01",
        renewal=pb.RenewalTerms(type=pb.RENEWAL_TYPE_OPEN_ENDED, notice_period_days=180),
    )


@dataclass
class System:
    """The running clients and contracts services, channels to them, and shortcuts."""

    keys: testing.TestKeys
    clients_host: ServiceHost
    host: ServiceHost
    channels: list[grpc.aio.Channel]
    stub: contracts_pb2_grpc.ContractsServiceAsyncStub
    clients: clients_pb2_grpc.ClientsServiceAsyncStub
    clock: Clock
    counter: list[int] = field(default_factory=lambda: [0])

    def md(self, caller: Caller) -> tuple[tuple[str, str], ...]:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def new_client(
        self,
        segment: int = clients_pb2.CLIENT_SEGMENT_QUOTA_REFUGEE,
        permit: int = clients_pb2.RESIDENCE_PERMIT_TYPE_INTERNATIONAL_PROTECTION,
        first_permit_date: str = "2023-01-10",
        caller: Caller = OFFICER,
    ) -> clients_pb2.Client:
        self.counter[0] += 1
        return await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina",
                    last_name=f"Hassan{chr(ord('a') + self.counter[0] % 26)}",
                    date_of_birth="1990-01-01",
                    segment=segment,
                    residence_permit_type=permit,
                    first_permit_date=first_permit_date,
                )
            ),
            metadata=self.md(caller),
        )

    async def create_contract(
        self, message: pb.Contract | None = None, caller: Caller = OFFICER, key: str = ""
    ) -> pb.Contract:
        return await self.stub.CreateContract(
            pb.CreateContractRequest(contract=message or contract(), idempotency_key=key),
            metadata=self.md(caller),
        )

    async def activate(self, created: pb.Contract, caller: Caller = OFFICER) -> pb.Contract:
        return await self.stub.ActivateContract(
            pb.ActivateContractRequest(contract_id=created.id, expected_version=created.version),
            metadata=self.md(caller),
        )

    async def agreement(self, caller: Caller = OFFICER) -> pb.Contract:
        return await self.activate(
            await self.create_contract(placement_agreement(), caller), caller
        )

    async def cost(
        self,
        client_id: str,
        activity_date: str = "2026-02-10",
        amount_cents: int = 12_345,
        account_code: str = "4391",
        caller: Caller = OFFICER,
        contract_id: str = "",
        key: str = "",
    ) -> pb.CostEntry:
        return await self.stub.CreateCostEntry(
            pb.CreateCostEntryRequest(
                cost_entry=pb.CostEntry(
                    client_id=client_id,
                    contract_id=contract_id,
                    account_code=account_code,
                    amount_cents=amount_cents,
                    activity_date=activity_date,
                    description="Tulkkaus alkukartoituksessa, arabia, 2 h",
                    invoice_reference="LASKU-2026-0042",
                ),
                idempotency_key=key,
            ),
            metadata=self.md(caller),
        )

    async def claim(
        self,
        start: str = "2026-01-01",
        end: str = "2026-03-31",
        kind: int = pb.COMPENSATION_TYPE_INTERPRETING,
        ids: tuple[str, ...] = (),
        caller: Caller = OFFICER,
        key: str = "",
    ) -> pb.Claim:
        return await self.stub.CreateClaim(
            pb.CreateClaimRequest(
                compensation_type=kind,
                period_start=start,
                period_end=end,
                cost_entry_ids=list(ids),
                idempotency_key=key,
            ),
            metadata=self.md(caller),
        )

    async def get_claim(self, claim_id: str, caller: Caller = OFFICER) -> pb.Claim:
        return await self.stub.GetClaim(
            pb.GetClaimRequest(claim_id=claim_id), metadata=self.md(caller)
        )

    async def rows(self, table: sa.Table) -> list[Any]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(sa.select(table))).all())

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [audit_pb2.AuditEvent.FromString(bytes(row.payload)) for row in rows]

    async def clear_audit(self) -> None:
        assert self.host.database is not None
        async with self.host.database.transaction() as connection:
            await connection.execute(sa.delete(audit_outbox))

    async def stop(self) -> None:
        try:
            await self.host.stop(0)
        finally:
            await self.clients_host.stop(0)
            for channel in self.channels:
                await channel.close()


async def start_system(
    keys: testing.TestKeys,
    database_url: str,
    clients_database_url: str,
    object_store_url: str,
    clock: Clock,
    **settings: Any,
) -> System:
    clients_host = await testing.start_host(
        CLIENTS_DEFINITION, keys, database_url=clients_database_url
    )
    try:
        host = await testing.start_host(
            DEFINITION,
            keys,
            clock=clock,
            database_url=database_url,
            clients_address=f"127.0.0.1:{clients_host.port}",
            object_store_url=object_store_url,
            **settings,
        )
    except BaseException:
        await clients_host.stop(0)
        raise
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{host.port}")
    clients_channel = grpc.aio.insecure_channel(f"127.0.0.1:{clients_host.port}")
    return System(
        keys,
        clients_host,
        host,
        [channel, clients_channel],
        contracts_pb2_grpc.ContractsServiceStub(channel),  # type: ignore[arg-type]
        clients_pb2_grpc.ClientsServiceStub(clients_channel),  # type: ignore[arg-type]
        clock,
    )
