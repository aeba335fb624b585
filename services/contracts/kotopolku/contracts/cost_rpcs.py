"""RPCs of the chart of account codes and of cost entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.errors import InvalidState, NotFound, StaleVersion
from kotopolku.common.identity import current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.contracts import access, convert, repository
from kotopolku.contracts.domain.accounts import CHART, CompensationType
from kotopolku.contracts.domain.cost_entry import (
    CostEntryStatus,
    require_open,
    transition_cost_entry,
)
from kotopolku.contracts.domain.errors import ContractsDomainError
from kotopolku.contracts.enums import from_proto
from kotopolku.contracts.rpc_support import (
    Context,
    RpcBase,
    concurrent_duplicates,
    cost_entry_entry,
    fingerprint,
    idempotency_key,
    next_token,
    page_position,
)
from kotopolku.contracts.v1 import contracts_pb2 as pb
from kotopolku.contracts.validation import (
    Collector,
    cost_entry_values,
    optional_date,
    reference_id,
    required_text,
)


class CostRpcs(RpcBase):
    async def ListAccountCodes(
        self, request: pb.ListAccountCodesRequest, context: Context
    ) -> pb.ListAccountCodesResponse:
        access.municipality_staff(current_caller())
        return pb.ListAccountCodesResponse(
            account_codes=[convert.account_code_message(code) for code in CHART]
        )

    async def _visible_cost_entry(
        self, connection: AsyncConnection, municipality: str, raw_id: str
    ) -> Any:
        entry_id = resource_id(raw_id, "cost_entry_id", "cost entry")
        row = await repository.get_cost_entry(connection, municipality, entry_id)
        if row is None:
            raise NotFound("No such cost entry")
        return row

    async def _cost_entry_message(self, connection: AsyncConnection, row: Any) -> pb.CostEntry:
        counts = await repository.attachment_counts(connection, "COST_ENTRY", [row.id])
        return convert.cost_entry_message(row, self._today(), counts.get(row.id, 0))

    async def _check_contract(
        self, connection: AsyncConnection, municipality: str, contract_id: str | None
    ) -> None:
        if (
            contract_id
            and await repository.get_contract(connection, municipality, contract_id) is None
        ):
            collector = Collector()
            collector.fail("contract_id", "is not a contract of the municipality")
            collector.raise_if_any()

    async def CreateCostEntry(
        self, request: pb.CreateCostEntryRequest, context: Context
    ) -> pb.CostEntry:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        values = cost_entry_values(request.cost_entry, self._today())
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreateCostEntry", digest
                )
                if existing is not None:
                    return await self._cost_entry_message(
                        connection,
                        await self._visible_cost_entry(connection, municipality, existing),
                    )
            await self._check_contract(connection, municipality, values["contract_id"])
        # The clients service decides whether the client exists for this caller (and audits it).
        try:
            await self._clients.visible_client(values["client_id"], context.time_remaining())
        except NotFound:
            collector = Collector()
            collector.fail("client_id", "is not a client of the municipality")
            collector.raise_if_any()
        now = self._now()
        with concurrent_duplicates():
            async with self._db.transaction() as connection:
                row = await repository.insert_cost_entry(
                    connection,
                    {
                        **values,
                        "id": repository.new_id(),
                        "version": 1,
                        "municipality_code": municipality,
                        "status": CostEntryStatus.OPEN.value,
                        "claim_id": None,
                        "void_reason": "",
                        "created_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateCostEntry", digest, row.id
                    )
                await self._audit.record(
                    connection,
                    caller,
                    [cost_entry_entry(row, "cost-entry.create", convert.COST_ENTRY_FIELDS)],
                )
                return convert.cost_entry_message(row, self._today())

    async def GetCostEntry(self, request: pb.GetCostEntryRequest, context: Context) -> pb.CostEntry:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        try:
            async with self._db.transaction() as connection:
                row = await self._visible_cost_entry(
                    connection, municipality, request.cost_entry_id
                )
                await self._audit.record(
                    connection,
                    caller,
                    [cost_entry_entry(row, "cost-entry.read", convert.COST_ENTRY_FIELDS)],
                )
                return await self._cost_entry_message(connection, row)
        except NotFound:
            await self._audit_missing(
                caller, "cost-entry.read", f"cost-entries/{request.cost_entry_id[:64]}"
            )
            raise

    async def UpdateCostEntry(
        self, request: pb.UpdateCostEntryRequest, context: Context
    ) -> pb.CostEntry:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        expected_version(request.expected_version)
        values = cost_entry_values(
            request.cost_entry, self._today(), list(request.update_mask.paths)
        )
        async with self._db.transaction() as connection:
            row = await self._visible_cost_entry(connection, municipality, request.cost_entry_id)
            try:
                require_open(CostEntryStatus(row.status))
            except ContractsDomainError as error:
                raise InvalidState(error.message) from None
            if "contract_id" in values:
                await self._check_contract(connection, municipality, values["contract_id"])
            if not await repository.update_cost_entry(
                connection, municipality, row.id, request.expected_version, values, self._now()
            ):
                raise StaleVersion(
                    f"The cost entry is at version {row.version}, not {request.expected_version}"
                    " (or a claim took it)"
                )
            updated = await self._visible_cost_entry(connection, municipality, row.id)
            await self._audit.record(
                connection,
                caller,
                [cost_entry_entry(updated, "cost-entry.update", sorted(values))],
            )
            return await self._cost_entry_message(connection, updated)

    async def VoidCostEntry(
        self, request: pb.VoidCostEntryRequest, context: Context
    ) -> pb.CostEntry:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        expected_version(request.expected_version)
        reason = required_text(request.reason, "reason", 1000)
        async with self._db.transaction() as connection:
            row = await self._visible_cost_entry(connection, municipality, request.cost_entry_id)
            try:
                target = transition_cost_entry(CostEntryStatus(row.status), "void")
            except ContractsDomainError as error:
                raise InvalidState(error.message) from None
            values = {"status": target.value, "void_reason": reason}
            if not await repository.update_cost_entry(
                connection, municipality, row.id, request.expected_version, values, self._now()
            ):
                raise StaleVersion(
                    f"The cost entry is at version {row.version}, not {request.expected_version}"
                )
            updated = await self._visible_cost_entry(connection, municipality, row.id)
            await self._audit.record(
                connection,
                caller,
                [cost_entry_entry(updated, "cost-entry.void", ("status", "void_reason"))],
            )
            return await self._cost_entry_message(connection, updated)

    async def ListCostEntries(
        self, request: pb.ListCostEntriesRequest, context: Context
    ) -> pb.ListCostEntriesResponse:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        size = pagination.page_size(request.page_size)
        after = page_position(request.page_token)
        collector = Collector()
        client_id = collector.check(
            "client_id", lambda: reference_id(request.client_id, "client_id", required=False)
        )
        contract_id = collector.check(
            "contract_id", lambda: reference_id(request.contract_id, "contract_id", required=False)
        )
        collector.raise_if_any()
        status = from_proto(CostEntryStatus, request.status)
        kind = from_proto(CompensationType, request.compensation_type)
        filters = repository.CostFilters(
            municipality=municipality,
            client_id=client_id or None,
            contract_id=contract_id or None,
            status=status.value if status else None,
            compensation_type=kind.value if kind else None,
            activity_from=optional_date(request.activity_from, "activity_from"),
            activity_to=optional_date(request.activity_to, "activity_to"),
        )
        async with self._db.transaction() as connection:
            rows = list(await repository.list_cost_entries(connection, filters, after, size + 1))
            page = rows[:size]
            counts = await repository.attachment_counts(
                connection, "COST_ENTRY", [r.id for r in page]
            )
            await self._audit.record(
                connection,
                caller,
                [cost_entry_entry(r, "cost-entry.read", convert.COST_ENTRY_FIELDS) for r in page],
            )
        today = self._today()
        return pb.ListCostEntriesResponse(
            cost_entries=[convert.cost_entry_message(r, today, counts.get(r.id, 0)) for r in page],
            next_page_token=next_token(rows, size),
        )
