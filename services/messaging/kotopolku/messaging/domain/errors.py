"""Errors raised by the messaging domain.

Every rule violation is a :class:`MessagingDomainError`: a :class:`ValueError` that names the
offending field with the API's snake_case path (``"variables.date"``, ``"template.subject"``).
Messages never repeat values that may be personal data.
"""

from __future__ import annotations


class MessagingDomainError(ValueError):
    """A value broke a rule of the messaging domain."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class TemplateError(MessagingDomainError):
    """A template does not parse, or uses a variable it does not declare."""


class VariableError(MessagingDomainError):
    """The variables of a message are missing, unknown or not acceptable values."""


class NoTemplateLanguage(MessagingDomainError):
    """No language of the fallback chain has the template."""
