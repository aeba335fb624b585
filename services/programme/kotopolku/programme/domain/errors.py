"""Errors raised by the programme domain.

Every rule violation is a :class:`ProgrammeDomainError`: a :class:`ValueError` that names the
offending field with the API's snake_case path (``"service.intake_dates[2]"``,
``"completion.language_test.reading"``). Validators take a keyword-only ``field`` argument so the
caller can give the exact path. Messages never repeat values that may be personal data.
"""

from __future__ import annotations


class ProgrammeDomainError(ValueError):
    """A value broke a rule of the programme domain."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidBusinessId(ProgrammeDomainError):
    """A Y-tunnus (Finnish business id) is malformed or its check digit is wrong."""


class InvalidTransition(ProgrammeDomainError):
    """An enrolment state change the state machine does not allow."""


class EnrolmentRefused(ProgrammeDomainError):
    """An enrolment the programme service cannot take (ended, full, wrong start date)."""
