"""From text to search terms, the same way for what is indexed and for what is asked.

A word becomes its Snowball stem (the stemmer PostgreSQL's text-search configurations use) and,
in Finnish, also its base forms and the base forms of its compound parts from a morphological
analyser: Snowball alone leaves consonant gradation alone ("asunnon" → "asuno" but "asunto" →
"asunto"), the analyser knows that both are forms of "asunto", and that "kielikurssille" is
"kielikurssi", made of "kieli" and "kurssi". Stop words are dropped before anything else.

Pure functions over injected stemmers and analyser, so the rules can be tested without a
database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kotopolku.guidance.search.stopwords import STOP_WORDS

# Languages with a stemmer on both databases: ISO 639-1 code → Snowball algorithm, which is also
# the name of PostgreSQL's text-search configuration. Others are matched word for word.
SNOWBALL_LANGUAGES: Mapping[str, str] = {
    "fi": "finnish",
    "sv": "swedish",
    "en": "english",
    "ar": "arabic",
}
SIMPLE_CONFIGURATION = "simple"
# Letters and digits, with inner hyphens kept so that "TE-toimisto" is seen whole and in parts.
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_TERM = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 32
# Derivational morphemes in an analysis start with "+"; only real words are compound parts.
_PART = re.compile(r"\(([^+()][^()]*)\)")


class Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...


BaseForms = Callable[[str], Sequence[str]]
"""Base forms of one word (and of its compound parts); empty when the word is unknown."""


def words(text: str) -> list[str]:
    """The words of ``text``, case-folded and in Unicode NFC."""
    return [w.casefold() for w in _WORD.findall(unicodedata.normalize("NFC", text))]


def compound_parts(wordbases: str) -> list[str]:
    """Base forms of the parts of a compound from Voikko's WORDBASES, e.g.
    ``+kieli(kieli)+kurssi(kurssi)`` → ``["kieli", "kurssi"]``; one part is no compound."""
    parts = _PART.findall(wordbases)
    return parts if len(parts) > 1 else []


def _terms(values: Iterable[str]) -> set[str]:
    """Splits values into plain terms (no hyphens or spaces), which both indexes take as is."""
    return {t for value in values for t in _TERM.findall(value.casefold())}


@dataclass(frozen=True)
class TermAnalyser:
    stemmers: Mapping[str, Stemmer]
    finnish_base_forms: BaseForms | None = None
    _cache: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def _word(self, word: str, language: str) -> tuple[frozenset[str], frozenset[str]]:
        """(stems, base forms) of one word; both empty for a stop word."""
        key = (word, language)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        stems: set[str] = set()
        bases: set[str] = set()
        if word not in STOP_WORDS.get(language, ()):
            pieces = [word, *word.split("-")] if "-" in word else [word]
            stemmer = self.stemmers.get(language)
            for piece in pieces:
                if "-" not in piece and piece not in STOP_WORDS.get(language, ()):
                    stems.add(stemmer.stemWord(piece) if stemmer is not None else piece)
                if language == "fi" and self.finnish_base_forms is not None:
                    bases |= _terms(self.finnish_base_forms(piece))
        result = (frozenset(_terms(stems)), frozenset(bases))
        if len(self._cache) < 50_000:
            self._cache[key] = result
        return result

    def document_terms(self, text: str, language: str) -> list[str]:
        """Every term of a text for an index that holds terms (SQLite): stems and base forms."""
        found: list[str] = []
        for word in words(text):
            stems, bases = self._word(word, language)
            found.extend(sorted(stems | bases))
        return found

    def base_form_terms(self, text: str, language: str) -> list[str]:
        """Only the analyser's base forms, for an index that stems by itself (PostgreSQL)."""
        found: list[str] = []
        for word in words(text):
            found.extend(sorted(self._word(word, language)[1]))
        return found

    def query_terms(self, text: str, languages: Iterable[str]) -> set[str]:
        """The terms a query looks for in articles of any of ``languages``."""
        asked = words(text)[:MAX_QUERY_WORDS]
        found: set[str] = set()
        for language in languages:
            for word in asked:
                stems, bases = self._word(word, language)
                found |= stems | bases
        return found

    def query_base_forms(self, text: str) -> set[str]:
        """Finnish base forms of a query's words (what PostgreSQL's stemmer cannot give)."""
        found: set[str] = set()
        for word in words(text)[:MAX_QUERY_WORDS]:
            found |= self._word(word, "fi")[1]
        return found


def query_words(text: str) -> list[str]:
    """A query's plain words for PostgreSQL's websearch syntax, in which only "or" is special."""
    return [w for w in _terms(words(text)[:MAX_QUERY_WORDS]) if w != "or"]


def configuration(language: str) -> str:
    return SNOWBALL_LANGUAGES.get(language, SIMPLE_CONFIGURATION)
