"""Errors raised by the assessment domain.

Every validation error is an :class:`AssessmentDomainError`, a :class:`ValueError` that names the
offending field with the API's field path (``"basic.literacy.not_assessed_reason"``,
``"multi_sector.team[1].name"``). Messages never repeat the offending value: assessment texts are
personal data.
"""

from __future__ import annotations


class AssessmentDomainError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidTransition(AssessmentDomainError):
    """A state change the assessment's life cycle does not allow."""
