"""The one error the domain raises: a value that breaks a rule, and the field it came from."""

from __future__ import annotations


class ReportingDomainError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
