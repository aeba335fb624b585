"""Cost entries (kustannustiedot): one cost of one client, booked on an account code, the basis of
compensation claims.

An entry is OPEN until a claim takes it (CLAIMED); a cancelled draft claim gives it back. Only an
open entry may be changed or voided (VOID, with a reason: recorded by mistake, or never
claimable); an entry is never deleted, so the evidence trail stays whole.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Final

from kotopolku.contracts.domain.errors import ContractsDomainError, InvalidTransition


class CostEntryStatus(enum.StrEnum):
    OPEN = "OPEN"
    CLAIMED = "CLAIMED"
    VOID = "VOID"


_TRANSITIONS: Final = {
    (CostEntryStatus.OPEN, "claim"): CostEntryStatus.CLAIMED,
    (CostEntryStatus.CLAIMED, "release"): CostEntryStatus.OPEN,
    (CostEntryStatus.OPEN, "void"): CostEntryStatus.VOID,
}

_PAST: Final = {"claim": "claimed", "release": "released", "void": "voided"}


def transition_cost_entry(status: CostEntryStatus, action: str) -> CostEntryStatus:
    target = _TRANSITIONS.get((status, action))
    if target is None:
        raise InvalidTransition(
            "status", f"a cost entry in status {status.value} cannot be {_PAST[action]}"
        )
    return target


def require_open(status: CostEntryStatus) -> None:
    if status is not CostEntryStatus.OPEN:
        raise InvalidTransition(
            "status", f"a cost entry in status {status.value} cannot be changed"
        )


def validate_activity_date(day: date, today: date, *, field: str = "activity_date") -> date:
    if day > today:
        raise ContractsDomainError(field, "must not be in the future: record costs that arose")
    return day
