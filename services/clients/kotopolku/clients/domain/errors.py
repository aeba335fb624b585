"""Errors raised by the clients domain.

Every validation error is a :class:`ClientDomainError`, a :class:`ValueError` that also names
the offending field in :attr:`ClientDomainError.field`, using the API's snake_case field paths:
``"henkilotunnus"``, ``"languages[1]"``, ``"contact.email"``. Validators take a keyword-only
``field`` argument so the caller can give the exact path (for instance the index of a list item);
each has a sensible default.

Messages say what is wrong and never repeat the offending value when it may be personal data
(identity codes, e-mail addresses, phone numbers), so they are safe to log and to return to the
caller.
"""

from __future__ import annotations


class ClientDomainError(ValueError):
    """A value broke a rule of the clients domain.

    ``field`` names the offending field, ``message`` says what is wrong (also ``str(error)``).
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(field={self.field!r}, message={self.message!r})"


class InvalidHenkilotunnus(ClientDomainError):
    """A Finnish personal identity code (henkilötunnus) is malformed or impossible.

    ``reason`` is the human-readable explanation; ``kind`` is a stable machine-readable class of
    the problem, one of ``"format"``, ``"century_sign"``, ``"individual_number"``, ``"date"``,
    ``"checksum"``, ``"future_date"``.
    """

    KINDS = frozenset(
        {"format", "century_sign", "individual_number", "date", "checksum", "future_date"}
    )

    def __init__(self, reason: str, *, kind: str = "format", field: str = "henkilotunnus") -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown InvalidHenkilotunnus kind {kind!r}")
        super().__init__(field, f"invalid henkilötunnus: {reason}")
        self.reason = reason
        self.kind = kind


class InvalidLanguageCode(ClientDomainError):
    """A language code is not an ISO 639-1 or ISO 639-3 code."""


class InvalidMunicipalityCode(ClientDomainError):
    """A municipality code (kuntanumero) is not three digits."""


class InvalidEmail(ClientDomainError):
    """An e-mail address is malformed."""


class InvalidPhone(ClientDomainError):
    """A phone number cannot be read as an international (E.164) number."""


class InvalidConsent(ClientDomainError):
    """A consent's purpose or validity period is not acceptable."""


class InvalidTransition(ClientDomainError):
    """A state change that the state machine does not allow (e.g. deciding a referral twice)."""
