"""Providers (palveluntuottajat): their organisation ids, names and contact persons.

The organisation id is what the provider's user accounts carry (``organisation`` of the caller),
so it is the key that ties a provider's users to its services. It is chosen by the municipality:
2–36 characters, lower-case ASCII letters, digits and inner hyphens (``"opisto"``,
``"kansalaisopisto-2"``).

A contact person has a name and at least one of an e-mail address and a phone number; they are
checked with the clients domain's validators and returned in canonical form.
"""

from __future__ import annotations

import re
from typing import Final

from kotopolku.clients.domain import ClientDomainError, validate_email, validate_phone
from kotopolku.programme.domain.errors import ProgrammeDomainError

MAX_CONTACTS: Final = 20
MAX_NAME_LENGTH: Final = 200
_ORGANISATION_ID: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,34}[a-z0-9])")


def validate_organisation_id(value: str, *, field: str = "id") -> str:
    text = value.strip()
    if not text:
        raise ProgrammeDomainError(field, "is required")
    if not (text.isascii() and _ORGANISATION_ID.fullmatch(text)) or "--" in text:
        raise ProgrammeDomainError(
            field,
            "must be 2-36 lower-case letters, digits or single inner hyphens, e.g. 'opisto'",
        )
    return text


def validate_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """Printable text with whitespace runs folded to one space."""
    text = " ".join(value.split())
    if not text:
        if required:
            raise ProgrammeDomainError(field, "is required")
        return ""
    if len(text) > max_length:
        raise ProgrammeDomainError(field, f"must be at most {max_length} characters")
    if not text.isprintable():
        raise ProgrammeDomainError(field, "must not contain control characters")
    return text


def validate_contact_email(value: str, *, field: str) -> str:
    """Canonical e-mail address, or "" when none is given."""
    if not value.strip():
        return ""
    try:
        return validate_email(value, field=field)
    except ClientDomainError as error:
        raise ProgrammeDomainError(field, error.message) from None


def validate_contact_phone(value: str, *, field: str) -> str:
    """Phone number in E.164 form, or "" when none is given."""
    if not value.strip():
        return ""
    try:
        return validate_phone(value, field=field)
    except ClientDomainError as error:
        raise ProgrammeDomainError(field, error.message) from None


def require_reachable(email: str, phone: str, *, field: str) -> None:
    """A contact person must be reachable: an e-mail address or a phone number."""
    if not (email or phone):
        raise ProgrammeDomainError(field, "needs an e-mail address or a phone number")


def validate_contact_count(count: int, *, field: str = "contacts") -> None:
    if count > MAX_CONTACTS:
        raise ProgrammeDomainError(field, f"at most {MAX_CONTACTS} contacts")
