"""Name normalisation for tolerant client search.

Clients' names reach the register in many spellings: with or without Finnish/Nordic letters
(Hämäläinen / Hamalainen), transliterated from Arabic, Cyrillic or Vietnamese in different ways
(Mohammed / Muhammad, Aleksandr / Alexander, Nguyễn / Nguyen), or written in the original
script. A worker searching for an existing client must find them, or a duplicate record is made.

Folding (:func:`fold`)
    NFKC normalisation, case folding, transliteration to ASCII with ``unidecode`` (this both
    strips diacritics, ä→a, ö→o, å→a, é→e, ß→ss, and turns Cyrillic, Greek, Arabic etc. into
    Latin letters), then only ``a-z``, ``0-9``, space and hyphen are kept. Apostrophes are
    dropped (O'Brien → obrien); any other character separates words. Whitespace is collapsed,
    hyphens are kept only between letters (``Anna - Maria`` → ``anna-maria``).

Tokens (:func:`name_tokens`)
    Folded names split on spaces and hyphens, deduplicated, first occurrence order.

Phonetic key (:func:`phonetic_key`)
    A deliberately coarse, spelling-tolerant key so that common spelling variants of one name
    get the same key. Applied to a folded token, in this order:

    1. keep only ``a-z`` and ``0-9``;
    2. spelling substitutions, longest match first, left to right in one pass:
       ``dzh``→j, ``tsch``→s, ``sch``/``tsh``/``tch``→s, ``chr``→kr (Christian = Kristian),
       ``ch``/``sh``/``zh``→s (Aicha = Aisha, Shevchenko = Ševtšenko), ``ts``→s,
       ``kh``→h (Mikhail = Mihail), ``gh``→g, ``ph``→f, ``th``→t, ``dh``→d, ``dj``→j,
       ``ck``→k, ``ou``→u (Youssef = Yusuf), ``x``→ks (Alexander = Aleksander),
       ``w``→v (Wirtanen = Virtanen), ``q``→k (Qasim = Kasim), ``z``→s (Zahra = Sahra),
       ``c``→s before e/i/y, otherwise ``c``→k;
    3. doubled letters (not digits) collapse to one (Mohammed = Mohamed, Youssef = Yusef);
    4. an initial ``y`` before a vowel, or ``i`` before a/e/o/u, becomes ``j``
       (Yusuf = Jusuf, Yasmin = Jasmin, Cyrillic Ю → "Iu" = Ju);
    5. a final ``h`` after a vowel is dropped (Fatimah = Fatima, Sarah = Sara);
    6. the first letter is kept, except that an initial vowel is reduced to its class:
       ``a``; ``e``/``i``/``y`` → ``e``; ``o``/``u`` → ``o`` (Omar = Umar, Ibrahim = Ebrahim,
       but Amir ≠ Omar);
    7. every later vowel (a e i o u y) is dropped.

    Examples: Mohammed, Muhammad, Mohamed, Mohammad → ``mhmd``; Jusuf, Yusuf, Youssef → ``jsf``;
    Aleksander, Alexander, Aleksandr → ``alksndr``; Hämäläinen → ``hmlnn``.

    Because vowels are dropped, different names with the same consonants collide as well
    (Mohammed / Mahmoud, Hassan / Hussein). That is accepted: the key only widens a search,
    exact folded-token matches should rank first, and workers confirm a match by date of birth.
    Known gaps: Somali orthography (Maxamed = Mohamed, Cali = Ali) and Arabic-script input
    (unidecode gives bare consonants with w/y for long vowels) are not fully matched.

Search keys
    :func:`search_keys` gives the keys to index for a client: ``"t:<folded token>"`` and
    ``"p:<phonetic key>"`` for each name token. :func:`query_keys` gives, for each token of a
    query, a :class:`QueryToken`: the query token matches a stored client when the client has
    one of ``QueryToken.keys`` (the exact folded token or the phonetic key), or a ``t:`` key that
    starts with ``QueryToken.prefix`` (prefix matching, only for folded tokens of at least
    :data:`MIN_PREFIX_LENGTH` = 2 characters, see :func:`prefix_token`). A client matches the
    query when every query token matches. Suggested ranking: exact token, then prefix, then
    phonetic. Keys contain only ``a-z``, ``0-9`` and the ``t:``/``p:`` tag, so they need no
    escaping in SQL ``LIKE`` patterns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from unidecode import unidecode

__all__ = [
    "MIN_PREFIX_LENGTH",
    "PHONETIC_PREFIX",
    "TOKEN_PREFIX",
    "QueryToken",
    "fold",
    "name_tokens",
    "phonetic_key",
    "prefix_token",
    "query_keys",
    "search_keys",
]

#: Tag of a folded-token key.
TOKEN_PREFIX: Final = "t:"
#: Tag of a phonetic key.
PHONETIC_PREFIX: Final = "p:"
#: Shortest folded query token for which prefix matching is done.
MIN_PREFIX_LENGTH: Final = 2

_APOSTROPHES: Final = re.compile(r"['`´ʼʻ’‘]")
_NOT_KEPT: Final = re.compile(r"[^a-z0-9\s-]+")
_HYPHENS: Final = re.compile(r"\s*-[\s-]*")
_SPACES: Final = re.compile(r"\s+")
_SEPARATORS: Final = re.compile(r"[\s-]+")

_SUBSTITUTIONS: Final[dict[str, str]] = {
    "dzh": "j",
    "tsch": "s",
    "sch": "s",
    "tsh": "s",
    "tch": "s",
    "chr": "kr",
    "ch": "s",
    "sh": "s",
    "zh": "s",
    "ts": "s",
    "kh": "h",
    "gh": "g",
    "ph": "f",
    "th": "t",
    "dh": "d",
    "dj": "j",
    "ck": "k",
    "ou": "u",
    "x": "ks",
    "w": "v",
    "q": "k",
    "z": "s",
}
_SUBSTITUTION_PATTERN: Final = re.compile(
    "|".join(sorted(_SUBSTITUTIONS, key=len, reverse=True)) + "|c"
)
_VOWELS: Final = frozenset("aeiouy")
_INITIAL_VOWEL_CLASS: Final[dict[str, str]] = {
    "a": "a",
    "e": "e",
    "i": "e",
    "y": "e",
    "o": "o",
    "u": "o",
}
_DOUBLES: Final = re.compile(r"([a-z])\1+")
_INITIAL_J: Final = re.compile(r"^(?:y(?=[aeiou])|i(?=[aeou]))")


def fold(text: str) -> str:
    """Fold a name for comparison: lower-case ASCII letters, digits, single spaces, hyphens.

    >>> fold("  Hämäläinen-Öberg  ")
    'hamalainen-oberg'
    >>> fold("Александр")
    'aleksandr'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    ascii_text: str = unidecode(text)
    ascii_text = _APOSTROPHES.sub("", ascii_text.lower())
    ascii_text = _NOT_KEPT.sub(" ", ascii_text)
    ascii_text = _HYPHENS.sub("-", ascii_text)
    ascii_text = _SPACES.sub(" ", ascii_text)
    # Hyphens only between words: drop them at the ends of the text and around spaces.
    words = [word.strip("-") for word in ascii_text.split(" ")]
    return " ".join(word for word in words if word)


def name_tokens(*names: str | None) -> list[str]:
    """Folded tokens of the given names, split on spaces and hyphens, deduplicated, in order.

    ``None`` and empty names are skipped.

    >>> name_tokens("Anna-Maria", "Virtanen", "anna")
    ['anna', 'maria', 'virtanen']
    """
    seen: dict[str, None] = {}
    for name in names:
        if not name:
            continue
        for token in _SEPARATORS.split(fold(name)):
            if token:
                seen.setdefault(token, None)
    return list(seen)


def _substitute(match: re.Match[str]) -> str:
    found = match.group(0)
    if found == "c":
        # A soft c (before e, i, y) sounds like s, a hard one like k.
        following = match.string[match.end() : match.end() + 1]
        return "s" if following in ("e", "i", "y") else "k"
    return _SUBSTITUTIONS[found]


def phonetic_key(token: str) -> str:
    """Spelling-tolerant key of one name token; see the module docstring for the rules.

    The token is folded first, so raw input may be given. Returns ``""`` for a token with no
    letters or digits.

    >>> phonetic_key("Muhammad") == phonetic_key("Mohammed") == "mhmd"
    True
    """
    word = "".join(ch for ch in fold(token) if ch.isascii() and ch.isalnum())
    if not word:
        return ""
    word = _SUBSTITUTION_PATTERN.sub(_substitute, word)
    word = _DOUBLES.sub(r"\1", word)
    word = _INITIAL_J.sub("j", word)
    if len(word) > 1 and word.endswith("h") and word[-2] in _VOWELS:
        word = word[:-1]
    first = _INITIAL_VOWEL_CLASS.get(word[0], word[0])
    return first + "".join(ch for ch in word[1:] if ch not in _VOWELS)


def _keys_for_token(token: str) -> set[str]:
    # Tokens are non-empty [a-z0-9] strings, so their phonetic key is never empty.
    return {TOKEN_PREFIX + token, PHONETIC_PREFIX + phonetic_key(token)}


def search_keys(first_names: str, last_name: str, *other_names: str) -> set[str]:
    """Keys to index for a client: ``"t:<folded token>"`` and ``"p:<phonetic key>"``.

    ``first_names`` may hold several names (``"Anna Maria"``); ``other_names`` may add e.g.
    former last names.
    """
    keys: set[str] = set()
    for token in name_tokens(first_names, last_name, *other_names):
        keys |= _keys_for_token(token)
    return keys


def prefix_token(query_token: str) -> str | None:
    """The ``t:`` key prefix for prefix matching of one query token, or ``None``.

    The repository matches stored ``t:`` keys that start with the returned string (``LIKE
    prefix || '%'``). Prefix matching is only done on folded tokens of at least
    :data:`MIN_PREFIX_LENGTH` characters; shorter or empty tokens give ``None``. Raises
    :class:`ValueError` if ``query_token`` folds to more than one token.
    """
    tokens = name_tokens(query_token)
    if len(tokens) > 1:
        raise ValueError("prefix_token() takes a single token; use query_keys() for a query")
    if not tokens or len(tokens[0]) < MIN_PREFIX_LENGTH:
        return None
    return TOKEN_PREFIX + tokens[0]


@dataclass(frozen=True)
class QueryToken:
    """How one token of a name query matches stored search keys.

    A stored client matches this token when it has any key in ``keys`` (exact folded token
    ``t:…`` or phonetic key ``p:…``) or, when ``prefix`` is set, a key starting with ``prefix``.
    """

    token: str
    keys: frozenset[str]
    prefix: str | None


def query_keys(query: str) -> list[QueryToken]:
    """Split a free-text name query into :class:`QueryToken` s; all of them must match.

    An empty query (or one with no letters or digits) gives an empty list.
    """
    return [
        QueryToken(token=token, keys=frozenset(_keys_for_token(token)), prefix=prefix_token(token))
        for token in name_tokens(query)
    ]
