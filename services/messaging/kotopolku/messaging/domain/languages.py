"""Languages of messages: text direction, the municipality's official languages and the
fallback chain that chooses the language a client is written to in.

The fallback rule (documented in the README):

1. the language asked for (a caller's override), then the client's own languages in their order
   of preference;
2. the official language(s) of the municipality (kielellinen asema): Finnish, Swedish or both,
   the majority language first;
3. English;

and the first of these that has the template wins. Three-letter ISO 639-3 codes of a client are
mapped to the two-letter code templates use where one exists (``"ara"`` → ``"ar"``), and Dari
(``"prs"``), a variety of Persian written in the same script, to ``"fa"``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import pycountry


class TextDirection(enum.StrEnum):
    LTR = "ltr"
    RTL = "rtl"


# Languages written right to left (ISO 639-1 and the ISO 639-3 codes of those without one).
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "dv", "ckb", "prs", "syr", "sd"})

# Languages every default template ships in: the two national languages, English, and the
# most common languages of integration clients (Arabic, Ukrainian, Russian, Somali, Persian/Dari).
DEFAULT_TEMPLATE_LANGUAGES = ("fi", "sv", "en", "ar", "uk", "ru", "so", "fa")
FALLBACK_LANGUAGE = "en"

# Varieties that read and write as another language a template exists for.
_SAME_WRITTEN_LANGUAGE = {"prs": "fa", "pes": "fa", "fas": "fa", "per": "fa"}

# Official languages of bilingual and Swedish-speaking municipalities by kuntanumero, majority
# language first (Government decree on the linguistic status of municipalities 2023–2032).
# Every other municipality is Finnish-speaking.
_SWEDISH_MAJORITY_BILINGUAL = frozenset(
    [
        "149",
        "287",
        "288",
        "322",
        "440",
        "445",
        "475",
        "499",
        "545",
        "598",
        "599",
        "710",
        "893",
        "946",
    ]
)
_FINNISH_MAJORITY_BILINGUAL = frozenset(
    [
        "049",
        "078",
        "091",
        "092",
        "231",
        "235",
        "257",
        "272",
        "407",
        "434",
        "638",
        "753",
        "853",
        "905",
    ]
)
_SWEDISH_ONLY = frozenset(
    [
        "035",
        "043",
        "060",
        "062",
        "065",
        "076",
        "170",
        "280",
        "295",
        "318",
        "417",
        "438",
        "478",
        "736",
        "766",
        "771",
        "941",
    ]
)


def direction(language: str) -> TextDirection:
    return TextDirection.RTL if language.lower() in RTL_LANGUAGES else TextDirection.LTR


def official_languages(municipality_code: str) -> tuple[str, ...]:
    """The municipality's official languages, the majority language first."""
    if municipality_code in _SWEDISH_ONLY:
        return ("sv",)
    if municipality_code in _SWEDISH_MAJORITY_BILINGUAL:
        return ("sv", "fi")
    if municipality_code in _FINNISH_MAJORITY_BILINGUAL:
        return ("fi", "sv")
    return ("fi",)


def template_language(code: str) -> str:
    """The code a template in this language is stored under: ISO 639-1 where one exists."""
    normalised = code.strip().lower()
    if normalised in _SAME_WRITTEN_LANGUAGE:
        return _SAME_WRITTEN_LANGUAGE[normalised]
    if len(normalised) == 3:
        found = pycountry.languages.get(alpha_3=normalised)
        alpha_2 = getattr(found, "alpha_2", None) if found is not None else None
        if alpha_2:
            return str(alpha_2)
    return normalised


def fallback_chain(
    requested: str, client_languages: Sequence[str], municipality_code: str
) -> tuple[str, ...]:
    """Languages to try, in order, without repeats."""
    candidates: list[str] = []
    if requested:
        candidates.append(requested)
    candidates.extend(client_languages)
    candidates.extend(official_languages(municipality_code))
    candidates.append(FALLBACK_LANGUAGE)
    return _unique(template_language(c) for c in candidates if c.strip())


def choose_language(
    requested: str,
    client_languages: Sequence[str],
    municipality_code: str,
    available: Iterable[str],
) -> str | None:
    """The first language of the fallback chain that has the template, or None."""
    have = set(available)
    for language in fallback_chain(requested, client_languages, municipality_code):
        if language in have:
            return language
    return None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return tuple(seen)
