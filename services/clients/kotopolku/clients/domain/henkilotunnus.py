"""Finnish personal identity code (henkilötunnus, HETU) validation.

Form: ``DDMMYYCZZZQ``

* ``DDMMYY`` date of birth,
* ``C`` century sign: ``+`` 1800s; ``-``, ``Y``, ``X``, ``W``, ``V``, ``U`` 1900s;
  ``A``, ``B``, ``C``, ``D``, ``E``, ``F`` 2000s (the signs other than ``+``, ``-`` and ``A``
  are in use since 1 January 2023),
* ``ZZZ`` individual number: 002–899 for ordinary codes, 900–999 for temporary codes
  (used e.g. by hospitals and in test data); 000 and 001 are never issued,
* ``Q`` check character: ``"0123456789ABCDEFHJKLMNPRSTUVWXY"[int(DDMMYYZZZ) % 31]``.

Decisions:

* Surrounding whitespace is ignored and lower-case letters are accepted and upper-cased
  (``131052-308t`` is read as ``131052-308T``); the canonical form is upper case.
* The century sign is part of the identity: ``010190-123X`` and ``010190Y123X`` are two different
  codes and one sign is never rewritten as another. Look-ups must compare the canonical value.
* Only ASCII digits count as digits (no other Unicode digits, no en dash for the hyphen).
* The birth date must be a real calendar date and not later than ``today``.
* No gender is derived from the code: it is not this system's business, and the old odd/even
  convention is not a reliable source for it.
* :class:`Henkilotunnus` hides the code in ``repr()``/``str()`` because it is personal data that
  must not end up in logs; use :attr:`Henkilotunnus.value` explicitly where the code is needed.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Final

from kotopolku.clients.domain.errors import InvalidHenkilotunnus

__all__ = [
    "CENTURY_SIGNS",
    "CHECK_CHARACTERS",
    "Henkilotunnus",
    "InvalidHenkilotunnus",
    "parse_henkilotunnus",
]

#: Century sign -> first year of the century.
CENTURY_SIGNS: Final[dict[str, int]] = {
    "+": 1800,
    "-": 1900,
    "Y": 1900,
    "X": 1900,
    "W": 1900,
    "V": 1900,
    "U": 1900,
    "A": 2000,
    "B": 2000,
    "C": 2000,
    "D": 2000,
    "E": 2000,
    "F": 2000,
}

#: Check characters indexed by ``int(DDMMYYZZZ) % 31``.
CHECK_CHARACTERS: Final = "0123456789ABCDEFHJKLMNPRSTUVWXY"

_LENGTH: Final = 11
_DIGITS: Final = frozenset("0123456789")
_SIGNS_TEXT: Final = " ".join(CENTURY_SIGNS)
_FIRST_TEMPORARY: Final = 900


def _all_digits(text: str) -> bool:
    return bool(text) and all(ch in _DIGITS for ch in text)


def _canonical(text: str) -> str:
    """Strip surrounding whitespace and upper-case ASCII letters only."""
    return "".join(ch.upper() if ch.isascii() else ch for ch in text.strip())


def _check_structure(value: str, field_name: str) -> tuple[date, bool]:
    """Validate a canonical code except against today's date; return (birth date, temporary)."""

    def fail(reason: str, kind: str) -> InvalidHenkilotunnus:
        return InvalidHenkilotunnus(reason, kind=kind, field=field_name)

    if len(value) != _LENGTH:
        raise fail(
            f"must be {_LENGTH} characters in the form DDMMYYCZZZQ, got {len(value)}", "format"
        )
    date_part, sign, individual, check = value[:6], value[6], value[7:10], value[10]
    if not _all_digits(date_part):
        raise fail("the first six characters (date of birth DDMMYY) must be digits", "format")
    if sign not in CENTURY_SIGNS:
        raise fail(
            f"the 7th character must be a century sign, one of {_SIGNS_TEXT}", "century_sign"
        )
    if not _all_digits(individual):
        raise fail("characters 8-10 (individual number) must be digits", "format")
    if check not in CHECK_CHARACTERS:
        raise fail(
            f"the last character must be a check character, one of {CHECK_CHARACTERS}", "format"
        )
    number = int(individual)
    if number < 2:
        raise fail(
            "individual number 000 or 001 is never issued (valid: 002-999)", "individual_number"
        )
    day, month, year = int(date_part[:2]), int(date_part[2:4]), int(date_part[4:6])
    try:
        birth_date = date(CENTURY_SIGNS[sign] + year, month, day)
    except ValueError:
        raise fail(
            "the date of birth is not a real calendar date "
            "(day and month out of range, or 29 February outside a leap year)",
            "date",
        ) from None
    if CHECK_CHARACTERS[int(date_part + individual) % 31] != check:
        raise fail("the check character does not match (a typing error?)", "checksum")
    return birth_date, number >= _FIRST_TEMPORARY


@dataclasses.dataclass(frozen=True, repr=False)
class Henkilotunnus:
    """A valid Finnish personal identity code.

    ``Henkilotunnus(value)`` requires the canonical form (upper case, no whitespace) and checks
    everything except that the date is not in the future; use :func:`parse_henkilotunnus` for
    user input. ``birth_date`` and ``is_temporary`` (individual number 900–999) are derived.
    ``repr()`` and ``str()`` mask the code; read :attr:`value` to get it.
    """

    value: str
    birth_date: date = dataclasses.field(init=False, compare=False)
    is_temporary: bool = dataclasses.field(init=False, compare=False)

    def __post_init__(self) -> None:
        if self.value != _canonical(self.value):
            raise InvalidHenkilotunnus(
                "not in canonical form (upper case, no surrounding whitespace); "
                "use parse_henkilotunnus() for user input"
            )
        birth_date, is_temporary = _check_structure(self.value, "henkilotunnus")
        object.__setattr__(self, "birth_date", birth_date)
        object.__setattr__(self, "is_temporary", is_temporary)

    @property
    def masked(self) -> str:
        """The code with everything but the check character hidden: ``**********T``."""
        return "*" * (_LENGTH - 1) + self.value[-1]

    def __repr__(self) -> str:
        return f"Henkilotunnus({self.masked})"

    __str__ = __repr__


def parse_henkilotunnus(
    text: str, *, today: date | None = None, field: str = "henkilotunnus"
) -> Henkilotunnus:
    """Parse user input into a :class:`Henkilotunnus`.

    Surrounding whitespace is ignored; lower-case letters are accepted and upper-cased. The date
    of birth must not be after ``today`` (default: ``date.today()``). ``field`` names the field in
    the raised error.

    Raises :class:`InvalidHenkilotunnus` saying what is wrong: format, century sign, individual
    number, date, checksum or future date. The message never contains the input.
    """
    value = _canonical(text)
    birth_date, _ = _check_structure(value, field)
    reference = date.today() if today is None else today
    if birth_date > reference:
        raise InvalidHenkilotunnus(
            "the date of birth is in the future", kind="future_date", field=field
        )
    return Henkilotunnus(value)
