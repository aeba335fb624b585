"""Errors raised by the plans domain.

Every rule violation is a :class:`PlanDomainError`, a :class:`ValueError` naming the offending
field with the API's snake_case path (``"end_date"``, ``"goals[1].text"``). The service maps
:class:`InvalidTransition` (and the other state errors) to FAILED_PRECONDITION and the rest to
INVALID_ARGUMENT. Messages never repeat free text a client or officer wrote (it may be personal
data), so they are safe to log and to return.
"""

from __future__ import annotations


class PlanDomainError(ValueError):
    """A value broke a rule of the plans domain: ``field`` is where, ``message`` says what."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidPlanPeriod(PlanDomainError):
    """A plan's period breaks the one-year rule of the first plan or is empty."""


class InvalidExtension(PlanDomainError):
    """An extension is not justified, not after the current end, or exceeds the limits."""


class InvalidPlanContent(PlanDomainError):
    """A goal, an agreed service or the family or multi-sector details are not acceptable."""


class PlanStateError(PlanDomainError):
    """The plan's current state does not allow the operation (FAILED_PRECONDITION)."""


class InvalidTransition(PlanStateError):
    """A status change the plan's life cycle does not allow."""


class FamilyPlanLimitExceeded(PlanStateError):
    """A family plan would outlast every member's valid individual plan."""
