"""Errors of the e-signature domain.

An :class:`EsignDomainError` names the offending field with the API's snake_case path; the
service maps :class:`SigningStateError` to FAILED_PRECONDITION and the others to
INVALID_ARGUMENT. Messages never repeat what a person wrote, so they are safe to log.
"""

from __future__ import annotations


class EsignDomainError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class SigningStateError(EsignDomainError):
    """The request's state (or the signer's turn) does not allow the operation."""


class NotASigner(EsignDomainError):
    """The caller is not a party who signs this request."""
