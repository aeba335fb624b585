"""Errors raised by the interpretation domain: a :class:`ValueError` naming the offending field
with the API's path. Messages never repeat values that may be personal data."""

from __future__ import annotations


class InterpretationDomainError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidTransition(InterpretationDomainError):
    """A booking state change the state machine does not allow."""


class UnsupportedLanguage(InterpretationDomainError):
    """No speech for this language here."""
