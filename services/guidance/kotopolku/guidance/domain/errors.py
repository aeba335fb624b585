"""Errors raised by the guidance domain.

Every rule violation is a :class:`GuidanceDomainError`: a :class:`ValueError` that names the
offending field with the API's snake_case path (``"topics[1]"``). Messages never repeat
values that may be personal data.
"""

from __future__ import annotations


class GuidanceDomainError(ValueError):
    """A value broke a rule of the guidance domain."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidTransition(GuidanceDomainError):
    """A state change that the article or series lifecycle does not allow."""


class SelfPublishing(GuidanceDomainError):
    """The person who wrote or submitted a revision tried to publish it."""
