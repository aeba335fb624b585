"""Errors raised by the appointments domain.

Every rule violation is an :class:`AppointmentDomainError`: a :class:`ValueError` that names the
offending field with the API's path (``"assignees[2].subject"``, ``"reminder_lead_minutes[0]"``).
Messages never repeat values that may be personal data.
"""

from __future__ import annotations


class AppointmentDomainError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidTransition(AppointmentDomainError):
    """A change the appointment's state does not allow (e.g. editing a cancelled one)."""
