"""Y-tunnus, the Finnish business id (yritys- ja yhteisötunnus) of an organisation.

Form ``NNNNNNN-C``: seven digits, a hyphen and a check digit. The check digit is computed from
the seven digits with the weights 7, 9, 10, 5, 8, 4, 2: with ``r`` the weighted sum modulo 11,
the check digit is 0 when ``r`` is 0, ``11 - r`` when ``r`` is 2..10, and no number with ``r``
equal to 1 is ever issued. Old six-digit ids are written with a leading zero
(``123456-7`` → ``0123456-7``), as the Finnish business register does. Surrounding whitespace is
ignored.

Services wrap :class:`BusinessIdError` into their own domain error that names the field.
"""

from __future__ import annotations

import re
from typing import Final

_SHAPE: Final = re.compile(r"(\d{6,7})-(\d)")
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2)


class BusinessIdError(ValueError):
    """A Y-tunnus is missing, malformed or has a wrong check digit; the text says which."""


def business_id_check_digit(digits: str) -> int | None:
    """The check digit of seven digits, or None when no valid id has them."""
    if len(digits) != len(_WEIGHTS) or not digits.isascii() or not digits.isdigit():
        raise ValueError("seven digits are needed")
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def canonical_business_id(text: str) -> str:
    """The canonical ``NNNNNNN-C`` form; raises :class:`BusinessIdError`."""
    value = text.strip()
    if not value:
        raise BusinessIdError("is required")
    match = _SHAPE.fullmatch(value) if value.isascii() else None
    if match is None:
        raise BusinessIdError("must be a Y-tunnus of the form 1234567-8")
    digits = match.group(1).rjust(7, "0")
    expected = business_id_check_digit(digits)
    if expected is None or expected != int(match.group(2)):
        raise BusinessIdError("the check digit of the Y-tunnus is wrong")
    return f"{digits}-{expected}"
