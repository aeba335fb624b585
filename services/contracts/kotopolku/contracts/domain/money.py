"""Money as integer euro cents. Never a float: a float cannot hold 0.10 exactly, and sums of
claim lines must match KEHA's to the cent."""

from __future__ import annotations

from typing import Final

from kotopolku.contracts.domain.errors import ContractsDomainError

# 100 million euros: far above any single cost or contract price, far below int64.
MAX_AMOUNT_CENTS: Final = 10_000_000_000


def validate_amount(cents: int, *, field: str, allow_zero: bool = False) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise ContractsDomainError(field, "must be a whole number of cents")
    if cents < 0 or (cents == 0 and not allow_zero):
        raise ContractsDomainError(field, "must be a positive number of cents")
    if cents > MAX_AMOUNT_CENTS:
        raise ContractsDomainError(field, f"must be at most {MAX_AMOUNT_CENTS} cents")
    return cents


def euros(cents: int) -> str:
    """``12345`` → ``"123.45"``: a decimal string, exact, with a point (machine-readable)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
