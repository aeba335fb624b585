"""Errors of the welfare domain: a broken rule names the field (API snake_case path), and a
state that does not allow an operation says why. Messages never repeat personal data."""

from __future__ import annotations


class WelfareDomainError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidTransition(WelfareDomainError):
    """The record's state does not allow this (the request itself may be well-formed)."""

    def __init__(self, message: str, field: str = "state") -> None:
        super().__init__(field, message)
