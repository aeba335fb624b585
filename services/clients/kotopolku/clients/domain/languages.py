"""Language codes (ISO 639) of a client's languages.

A code is accepted when it is an ISO 639-1 two-letter code or an ISO 639-3 three-letter code in
the ISO 639-3 tables shipped with ``pycountry``.

Decisions:

* Input is trimmed and lower-cased: ``" FI "`` is ``fi``.
* One language has one canonical code: the ISO 639-1 code when the language has one, otherwise
  the ISO 639-3 code. ``fin`` → ``fi``, ``ara`` → ``ar``, ``prs`` (Dari) stays ``prs``,
  ``ckb`` (Central Kurdish, Sorani) stays ``ckb``. Store and compare canonical codes only.
* ISO 639-2/B bibliographic codes that are not ISO 639-3 codes (``ger``, ``fre``, ``per``) are
  rejected, as are the special codes ``mis``, ``mul``, ``und`` and ``zxx``, which name no
  language a person speaks, and the local-use range ``qaa``–``qtz``.
* Macrolanguages (``ar``, ``fa``, ``zh``) and their individual languages (``arb``, ``prs``,
  ``cmn``) are both accepted: registers use both and a worker may know only the macrolanguage.
"""

from __future__ import annotations

import re
from typing import Final

import pycountry

from kotopolku.clients.domain.errors import InvalidLanguageCode

__all__ = ["InvalidLanguageCode", "validate_language_code"]

_SHAPE: Final = re.compile(r"[a-z]{2,3}")
_SPECIAL_SCOPE: Final = "S"


def validate_language_code(code: str, *, field: str = "language") -> str:
    """Return the canonical lower-case ISO 639 code for ``code``.

    Raises :class:`InvalidLanguageCode` (with ``field``) if ``code`` is not a known ISO 639-1
    or ISO 639-3 code.
    """
    normalised = code.strip().lower()
    if not normalised:
        raise InvalidLanguageCode(field, "language code is empty")
    if not (normalised.isascii() and _SHAPE.fullmatch(normalised)):
        raise InvalidLanguageCode(
            field,
            f"language code {normalised[:16]!r} is not a two-letter ISO 639-1 or "
            "three-letter ISO 639-3 code",
        )
    attribute = "alpha_2" if len(normalised) == 2 else "alpha_3"
    language = pycountry.languages.get(**{attribute: normalised})
    if language is None or getattr(language, "scope", None) == _SPECIAL_SCOPE:
        standard = "ISO 639-1" if len(normalised) == 2 else "ISO 639-3"
        raise InvalidLanguageCode(field, f"{normalised!r} is not an {standard} language code")
    canonical = getattr(language, "alpha_2", None) or language.alpha_3
    return str(canonical)
