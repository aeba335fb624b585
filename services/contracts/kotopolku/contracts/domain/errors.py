"""Errors raised by the contracts domain.

Every rule violation is a :class:`ContractsDomainError`: a :class:`ValueError` that names the
offending field with the API's snake_case path (``"parties[1].business_id"``,
``"cost_entry_ids[3]"``). Validators take a keyword-only ``field`` argument so the caller can give
the exact path. Messages never repeat values that may be personal data.
"""

from __future__ import annotations


class ContractsDomainError(ValueError):
    """A value broke a rule of the contracts domain."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidTransition(ContractsDomainError):
    """A status change the state machine of a contract, cost entry or claim does not allow."""


class ClaimRefused(ContractsDomainError):
    """A cost cannot be claimed (deadline passed, client not eligible, already claimed, …)."""
