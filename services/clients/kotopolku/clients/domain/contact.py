"""Contact details: e-mail addresses and phone numbers.

Both validators trim surrounding whitespace, return a canonical form and raise an error whose
message does not repeat the value (contact details are personal data).

E-mail (:func:`validate_email`)
    A pragmatic check, not full RFC 5322: exactly one ``@``; an ASCII local part of at most 64
    characters from the usual "atext" set and dots (no leading, trailing or double dot); a
    domain of at least two dot-separated labels of letters, digits and hyphens (no label
    starting or ending with a hyphen, at most 63 characters each), the last label being
    alphabetic or an IDNA ``xn--`` label; at most 254 characters in all. Internationalised
    domain names (``hämeenlinna.fi``) are accepted. The domain is lower-cased, the local part is
    kept as given.

Phone (:func:`validate_phone`)
    Returned in E.164 form, ``+`` and digits only. Spaces, hyphens, dots, slashes and
    parentheses are ignored, as is the trunk-prefix notation ``(0)`` (``+358 (0)40 …``).
    ``+CC…`` and ``00CC…`` are international numbers; a number starting with a single ``0`` is
    a Finnish national number: ``040 123 4567`` → ``+358401234567``. An international number
    has 7–15 digits and a country code not starting with 0; a Finnish number (``+358``) has a
    national part of at least 5 digits (at most 12 by the E.164 limit) not starting with 0.
"""

from __future__ import annotations

import re
from typing import Final

from kotopolku.clients.domain.errors import InvalidEmail, InvalidPhone

__all__ = ["validate_email", "validate_phone"]

_MAX_EMAIL_LENGTH: Final = 254
_MAX_LOCAL_LENGTH: Final = 64
_MAX_LABEL_LENGTH: Final = 63
_LOCAL_ATOM: Final = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_TOP_LEVEL: Final = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]+")

_PHONE_SEPARATORS: Final = re.compile(r"[\s\-./()]")
_FINNISH_COUNTRY_CODE: Final = "358"
_E164_MIN_DIGITS: Final = 7
_E164_MAX_DIGITS: Final = 15
_FINNISH_MIN_NATIONAL: Final = 5


def _ascii_domain(domain: str, field: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidEmail(
            field, "the domain of the e-mail address is not a valid domain name"
        ) from None


def validate_email(text: str, *, field: str = "contact.email") -> str:
    """Return the e-mail address trimmed, with its domain lower-cased.

    Raises :class:`InvalidEmail` saying what is wrong.
    """
    address = text.strip()
    if not address:
        raise InvalidEmail(field, "e-mail address is empty")
    if len(address) > _MAX_EMAIL_LENGTH:
        raise InvalidEmail(field, f"e-mail address is longer than {_MAX_EMAIL_LENGTH} characters")
    if address.count("@") != 1:
        raise InvalidEmail(field, "e-mail address must contain exactly one '@'")
    local, domain = address.split("@")
    if not local:
        raise InvalidEmail(field, "the part before '@' is empty")
    if len(local) > _MAX_LOCAL_LENGTH:
        raise InvalidEmail(
            field, f"the part before '@' is longer than {_MAX_LOCAL_LENGTH} characters"
        )
    if not all(_LOCAL_ATOM.fullmatch(atom) for atom in local.split(".")):
        raise InvalidEmail(
            field,
            "the part before '@' may contain only ASCII letters, digits, the characters "
            "!#$%&'*+/=?^_`{|}~- and single dots that are not at its start or end",
        )
    if not domain:
        raise InvalidEmail(field, "the domain after '@' is empty")
    domain = domain.lower()
    labels = _ascii_domain(domain, field).split(".")
    if len(labels) < 2:
        raise InvalidEmail(field, "the domain must have at least two parts, like example.fi")
    for label in labels:
        if len(label) > _MAX_LABEL_LENGTH or not _LABEL.fullmatch(label):
            raise InvalidEmail(
                field,
                "each part of the domain must be 1-63 letters, digits or hyphens, "
                "not starting or ending with a hyphen",
            )
    if not _TOP_LEVEL.fullmatch(labels[-1]):
        raise InvalidEmail(field, "the last part of the domain must be a top-level domain like fi")
    return f"{local}@{domain}"


def validate_phone(text: str, *, field: str = "contact.phone") -> str:
    """Return the phone number in E.164 form, e.g. ``"+358401234567"``.

    A Finnish national number (``040 123 4567``, ``09 123 4567``) gets the +358 country code.
    Raises :class:`InvalidPhone` saying what is wrong.
    """
    raw = text.strip()
    if not raw:
        raise InvalidPhone(field, "phone number is empty")
    compact = _PHONE_SEPARATORS.sub("", raw.replace("(0)", ""))
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    elif compact.startswith("0"):
        digits = _FINNISH_COUNTRY_CODE + compact[1:]
    else:
        raise InvalidPhone(
            field,
            "phone number must start with + or 00 and a country code, "
            "or with 0 for a Finnish number",
        )
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidPhone(
            field,
            "phone number may contain only digits after the leading + "
            "(and spaces, hyphens, dots, slashes or parentheses between them)",
        )
    if digits.startswith("0"):
        raise InvalidPhone(field, "the country code must not start with 0")
    if not _E164_MIN_DIGITS <= len(digits) <= _E164_MAX_DIGITS:
        raise InvalidPhone(
            field,
            f"phone number must have {_E164_MIN_DIGITS}-{_E164_MAX_DIGITS} digits "
            "including the country code",
        )
    if digits.startswith(_FINNISH_COUNTRY_CODE):
        national = digits[len(_FINNISH_COUNTRY_CODE) :]
        if national.startswith("0"):
            raise InvalidPhone(
                field, "after the country code +358 the leading 0 of the area code must be left out"
            )
        if len(national) < _FINNISH_MIN_NATIONAL:
            raise InvalidPhone(
                field,
                f"a Finnish number must have at least {_FINNISH_MIN_NATIONAL} digits after +358 "
                "(or after the leading 0)",
            )
    return "+" + digits
