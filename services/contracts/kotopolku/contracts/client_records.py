"""The contracts service's part of the client-records contract (archiving, docs/archiving.md).

Cost entries and claim lines are **accounting records**: the municipality must keep them for
the periods of the Accounting Act (kirjanpitolaki 1336/1997, 2:10 §) and KEHA-keskus may audit a
paid compensation, so they are never removed. Minimising them clears their free text (description,
reason of voiding, a claim line's description and decision note), where a person's circumstances
may have been written; amount, account code, dates, contract, claim, invoice reference and the
eligibility facts a claim was decided on stay, and the client id stays as a pseudonym that only
the archival package resolves. Contracts that name the client (a flat leased for a quota refugee)
are agreements of the municipality with its own retention: they are exported and kept.

While the client has costs that can still be claimed (OPEN, claim deadline not passed), nothing is
minimised: the claim needs the client's facts from the clients service.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from kotopolku.common.client_records import (
    ClientRecordsConfig,
    Keep,
    RecordSource,
    Redact,
    cleared_text,
    owned_by_client,
)
from kotopolku.contracts.domain.cost_entry import CostEntryStatus
from kotopolku.contracts.domain.deadline import claim_deadline
from kotopolku.contracts.tables import attachments, claim_lines, claims, contracts, cost_entries

ACCOUNTING = (
    "Accounting record (kirjanpitolaki 1336/1997 2:10 §, compensation claims to KEHA-keskus): "
    "kept with its free text cleared"
)
AGREEMENT = "An agreement of the municipality with its own retention: kept as it is"

_contract = owned_by_client(contracts)
_cost = owned_by_client(cost_entries)


def _contract_attachments(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(
        attachments.c.owner_kind == "CONTRACT",
        attachments.c.owner_id.in_(
            sa.select(contracts.c.id).where(_contract(client_id, municipality))
        ),
    )


def _claim_lines(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(
        claim_lines.c.client_id == client_id,
        claim_lines.c.claim_id.in_(
            sa.select(claims.c.id).where(claims.c.municipality_code == municipality)
        ),
    )


async def _claimable_costs(
    connection: AsyncConnection, client_id: str, municipality: str, today: date
) -> list[str]:
    rows = await connection.execute(
        sa.select(cost_entries.c.activity_date).where(
            _cost(client_id, municipality), cost_entries.c.status == CostEntryStatus.OPEN.value
        )
    )
    open_costs = [day for (day,) in rows if claim_deadline(day) >= today]
    if not open_costs:
        return []
    last = max(claim_deadline(day) for day in open_costs)
    return [
        f"{len(open_costs)} cost entries can still be claimed from KEHA-keskus "
        f"(claim deadline at the latest {last.isoformat()})"
    ]


CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("contracts.contract", contracts, _contract, minimise=Keep(AGREEMENT)),
        RecordSource(
            "contracts.contract-attachment",
            attachments,
            _contract_attachments,
            created_column="uploaded_at",
            updated_column=None,
            minimise=Keep(AGREEMENT),
        ),
        RecordSource(
            "contracts.cost-entry",
            cost_entries,
            _cost,
            minimise=Redact(lambda t: cleared_text(t, "description", "void_reason"), ACCOUNTING),
        ),
        RecordSource(
            "contracts.claim-line",
            claim_lines,
            _claim_lines,
            id_columns=("claim_id", "line_number"),
            created_column=None,
            updated_column=None,
            parent=("contracts.cost-entry", "cost_entry_id"),
            minimise=Redact(lambda t: cleared_text(t, "description", "decision_note"), ACCOUNTING),
        ),
    ),
    blockers=_claimable_costs,
)
