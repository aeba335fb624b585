"""RPCs of contracts: create, read, change, list, status changes and the expiring list."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.errors import InvalidState, NotFound, StaleVersion
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.contracts import access, convert, repository
from kotopolku.contracts.domain.contract import (
    ContractKind,
    ContractStatus,
    choose_termination_date,
    next_deadline,
    transition_contract,
)
from kotopolku.contracts.domain.errors import ContractsDomainError
from kotopolku.contracts.enums import from_proto
from kotopolku.contracts.rpc_support import (
    Context,
    RpcBase,
    concurrent_duplicates,
    contract_entry,
    fingerprint,
    idempotency_key,
    invalid,
    next_token,
    page_position,
)
from kotopolku.contracts.v1 import contracts_pb2 as pb
from kotopolku.contracts.validation import (
    CONTRACT_UPDATABLE,
    TERMS_FIELDS,
    Collector,
    check_contract,
    contract_values,
    optional_date,
    stored_terms,
)

DEFAULT_EXPIRING_DAYS = 60
MAX_EXPIRING_DAYS = 366
_COLUMNS = (
    "kind",
    "title",
    "description",
    "reference",
    "parties",
    "valid_from",
    "valid_until",
    "renewal_type",
    "renewal_period_months",
    "notice_period_days",
    "amount_cents",
    "amount_basis",
    "responsible_officer",
    "client_id",
)


def _stored(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (*_COLUMNS, "status", "termination_date")}


def _deadline(values: dict[str, Any], today: date) -> date | None:
    found = next_deadline(
        stored_terms(values),
        ContractStatus(values["status"]),
        values.get("termination_date"),
        today,
    )
    return found.day if found is not None else None


class ContractRpcs(RpcBase):
    async def _check_client(self, client_id: str, context: Context, collector: Collector) -> None:
        if client_id:
            try:
                await self._clients.visible_client(client_id, context.time_remaining())
            except NotFound:
                collector.fail("client_id", "is not a client of the municipality")

    async def _contract_message(self, connection: AsyncConnection, row: Any) -> pb.Contract:
        counts = await repository.attachment_counts(connection, "CONTRACT", [row.id])
        return convert.contract_message(row, self._today(), counts.get(row.id, 0))

    async def _visible_contract(
        self, connection: AsyncConnection, municipality: str, raw_id: str
    ) -> Any:
        contract_id = resource_id(raw_id, "contract_id", "contract")
        row = await repository.get_contract(connection, municipality, contract_id)
        if row is None:
            raise NotFound("No such contract")
        return row

    async def CreateContract(
        self, request: pb.CreateContractRequest, context: Context
    ) -> pb.Contract:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        values, collector = contract_values(request.contract)
        values.setdefault("responsible_officer", "")
        check_contract(values, values, collector)
        await self._check_client(values.get("client_id") or "", context, collector)
        collector.raise_if_any()
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        now, today = self._now(), self._today()
        with concurrent_duplicates():
            async with self._db.transaction() as connection:
                if key:
                    existing = await self._idempotency.find(
                        connection, caller.subject, key, "CreateContract", digest
                    )
                    if existing is not None:
                        return await self._contract_message(
                            connection,
                            await self._visible_contract(connection, municipality, existing),
                        )
                columns = {
                    **values,
                    "kind": values["kind"].value,
                    "renewal_type": values["renewal_type"].value,
                    "responsible_officer": values["responsible_officer"] or caller.subject,
                    "status": ContractStatus.DRAFT.value,
                }
                columns["next_deadline"] = _deadline(columns, today)
                row = await repository.insert_contract(
                    connection,
                    {
                        **columns,
                        "id": repository.new_id(),
                        "version": 1,
                        "municipality_code": municipality,
                        "created_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateContract", digest, row.id
                    )
                await self._audit.record(
                    connection,
                    caller,
                    [contract_entry(row, "contract.create", convert.CONTRACT_FIELDS)],
                )
                return convert.contract_message(row, today)

    async def GetContract(self, request: pb.GetContractRequest, context: Context) -> pb.Contract:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        async with self._db.transaction() as connection:
            row = await self._visible_contract(connection, municipality, request.contract_id)
            await self._audit.record(
                connection, caller, [contract_entry(row, "contract.read", convert.CONTRACT_FIELDS)]
            )
            return await self._contract_message(connection, row)

    async def UpdateContract(
        self, request: pb.UpdateContractRequest, context: Context
    ) -> pb.Contract:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        paths = list(request.update_mask.paths)
        expected_version(request.expected_version)
        values, collector = contract_values(request.contract, paths)
        changed = set(values)
        if "client_id" in values:
            await self._check_client(values["client_id"] or "", context, collector)
        async with self._db.transaction() as connection:
            row = await self._visible_contract(connection, municipality, request.contract_id)
            status = ContractStatus(row.status)
            if status is ContractStatus.CANCELLED:
                raise InvalidState("A cancelled contract cannot be changed")
            if set(paths) & TERMS_FIELDS and status is not ContractStatus.DRAFT:
                raise InvalidState(
                    "The validity and renewal terms change only while the contract is a draft; "
                    "record a new contract (or terminate this one) for new terms"
                )
            if values.get("renewal_type") is not None:
                values["renewal_type"] = values["renewal_type"].value
            if "responsible_officer" in values and not values["responsible_officer"]:
                collector.fail("responsible_officer", "is required")
            merged = {**_stored(row), **values}
            check_contract(merged, changed, collector)
            collector.raise_if_any()
            values["next_deadline"] = _deadline(merged, self._today())
            if not await repository.update_contract(
                connection, municipality, row.id, request.expected_version, values, self._now()
            ):
                raise StaleVersion(
                    f"The contract is at version {row.version}, not {request.expected_version}"
                )
            updated = await self._visible_contract(connection, municipality, row.id)
            fields = sorted(changed & CONTRACT_UPDATABLE | ({"renewal"} & set(paths)))
            await self._audit.record(
                connection, caller, [contract_entry(updated, "contract.update", fields)]
            )
            return await self._contract_message(connection, updated)

    async def ListContracts(
        self, request: pb.ListContractsRequest, context: Context
    ) -> pb.ListContractsResponse:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        size = pagination.page_size(request.page_size)
        after = page_position(request.page_token)
        kind = from_proto(ContractKind, request.kind)
        status = from_proto(ContractStatus, request.status)
        async with self._db.transaction() as connection:
            rows = list(
                await repository.list_contracts(
                    connection,
                    municipality,
                    kind.value if kind else None,
                    status.value if status else None,
                    after,
                    size + 1,
                )
            )
            page = rows[:size]
            counts = await repository.attachment_counts(
                connection, "CONTRACT", [r.id for r in page]
            )
            await self._audit.record(
                connection,
                caller,
                [contract_entry(r, "contract.read", convert.CONTRACT_FIELDS) for r in page],
            )
        today = self._today()
        return pb.ListContractsResponse(
            contracts=[convert.contract_message(r, today, counts.get(r.id, 0)) for r in page],
            next_page_token=next_token(rows, size),
        )

    async def _change_status(
        self,
        caller: Caller,
        raw_id: str,
        version: int,
        action: str,
        extra: dict[str, Any] | None = None,
    ) -> pb.Contract:
        municipality = access.municipality_staff(caller)
        expected_version(version)
        async with self._db.transaction() as connection:
            row = await self._visible_contract(connection, municipality, raw_id)
            try:
                target = transition_contract(ContractStatus(row.status), action)
            except ContractsDomainError as error:
                raise InvalidState(error.message) from None
            values: dict[str, Any] = {"status": target.value, **(extra or {})}
            values["next_deadline"] = _deadline({**_stored(row), **values}, self._today())
            if not await repository.update_contract(
                connection, municipality, row.id, version, values, self._now()
            ):
                raise StaleVersion(f"The contract is at version {row.version}, not {version}")
            updated = await self._visible_contract(connection, municipality, row.id)
            await self._audit.record(
                connection,
                caller,
                [contract_entry(updated, f"contract.{action}", sorted(values))],
            )
            return await self._contract_message(connection, updated)

    async def ActivateContract(
        self, request: pb.ActivateContractRequest, context: Context
    ) -> pb.Contract:
        return await self._change_status(
            current_caller(), request.contract_id, request.expected_version, "activate"
        )

    async def CancelContract(
        self, request: pb.CancelContractRequest, context: Context
    ) -> pb.Contract:
        return await self._change_status(
            current_caller(), request.contract_id, request.expected_version, "cancel"
        )

    async def TerminateContract(
        self, request: pb.TerminateContractRequest, context: Context
    ) -> pb.Contract:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        today = self._today()
        notice = optional_date(request.notice_given_on, "notice_given_on") or today
        requested = optional_date(request.termination_date, "termination_date")
        async with self._db.transaction() as connection:
            row = await self._visible_contract(connection, municipality, request.contract_id)
        try:
            ends = choose_termination_date(stored_terms(_stored(row)), notice, requested, today)
        except ContractsDomainError as error:
            raise invalid(error) from None
        return await self._change_status(
            caller,
            request.contract_id,
            request.expected_version,
            "terminate",
            {"notice_given_on": notice, "termination_date": ends},
        )

    async def ListExpiringContracts(
        self, request: pb.ListExpiringContractsRequest, context: Context
    ) -> pb.ListExpiringContractsResponse:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        within = request.within_days or DEFAULT_EXPIRING_DAYS
        if not 1 <= within <= MAX_EXPIRING_DAYS:
            raise invalid(
                ContractsDomainError("within_days", f"must be 1..{MAX_EXPIRING_DAYS} days")
            )
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (date.fromisoformat(str(position["d"])), str(position["i"])) if position else None
        today = self._today()
        async with self._db.transaction() as connection:
            await self._roll_renewals(connection, municipality, today)
            rows = list(
                await repository.expiring_contracts(
                    connection,
                    municipality,
                    today,
                    today + timedelta(days=within),
                    caller.subject if request.mine else None,
                    after,
                    size + 1,
                )
            )
            page = rows[:size]
            counts = await repository.attachment_counts(
                connection, "CONTRACT", [r.id for r in page]
            )
            await self._audit.record(
                connection,
                caller,
                [contract_entry(r, "contract.read", convert.CONTRACT_FIELDS) for r in page],
            )
        token = (
            pagination.encode_token({"d": page[-1].next_deadline.isoformat(), "i": page[-1].id})
            if len(rows) > size
            else ""
        )
        return pb.ListExpiringContractsResponse(
            contracts=[convert.contract_message(r, today, counts.get(r.id, 0)) for r in page],
            next_page_token=token,
        )

    async def _roll_renewals(
        self, connection: AsyncConnection, municipality: str, today: date
    ) -> None:
        """Auto-renewing contracts whose notice day passed without notice have renewed: their
        stored deadline moves to the notice day of the next term."""
        for row in await repository.renewals_due(connection, municipality, today):
            await repository.set_next_deadline(
                connection, row.id, row.next_deadline, _deadline(_stored(row), today)
            )
