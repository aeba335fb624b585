"""Free text and dates as the contracts API takes them."""

from __future__ import annotations

from datetime import date

from kotopolku.contracts.domain.errors import ContractsDomainError

EARLIEST_DATE = date(2000, 1, 1)


def validate_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """Printable text with whitespace runs folded to one space."""
    text = " ".join(value.split())
    if not text:
        if required:
            raise ContractsDomainError(field, "is required")
        return ""
    if len(text) > max_length:
        raise ContractsDomainError(field, f"must be at most {max_length} characters")
    if not text.isprintable():
        raise ContractsDomainError(field, "must not contain control characters")
    return text


def parse_date(value: str, *, field: str, required: bool = True) -> date | None:
    """A YYYY-MM-DD day from 2000 on; None when empty and not required."""
    text = value.strip()
    if not text:
        if required:
            raise ContractsDomainError(field, "is required (YYYY-MM-DD)")
        return None
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise ContractsDomainError(field, "must be a date in the form YYYY-MM-DD") from None
    if len(text) != len("YYYY-MM-DD") or parsed < EARLIEST_DATE:
        raise ContractsDomainError(field, "must be a date in the form YYYY-MM-DD from 2000 on")
    return parsed
