"""Looking for personal data and credentials in text: the values the e2e run sent
(e2e/personal_data.py) and, whatever was sent, anything shaped like a Finnish identity code with
a valid check character or like a JWT (access, refresh and ID tokens, caller assertions).

Logs with spans run to hundreds of megabytes, so the text is cut into tokens once and the set of
distinct tokens is compared with what is searched for; only a hit is looked up again to say
where it is. Names are matched word by word (a surname alone is a leak). A finding never repeats
the value, only its kind, where, and a hint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from e2e.personal_data import PersonalData, name_words

_JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*")
_BEARER = re.compile(r"Bearer\s+[\w.~+/-]{20,}")
_HETU = re.compile(r"(\d{6})([-+ABCDEFUVWXY])(\d{3})([0-9A-Y])")
_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Characters that end a token; identity codes, e-mail addresses and names with hyphens stay whole.
_SEPARATORS = str.maketrans(dict.fromkeys("\"'`,;:=()[]{}<>/\\|!?*#$%&^~\t\r\n", " "))
# Words too common in logs and code to say anything on their own.
_COMMON = frozenset({"Test", "Testi", "None", "True", "False"})


def valid_identity_code(text: str) -> bool:
    match = _HETU.fullmatch(text)
    if not match:
        return False
    day, _, individual, check = match.groups()
    return _CHECK[int(day + individual) % 31] == check and 1 <= int(day[:2]) <= 31


@dataclass(frozen=True)
class Finding:
    where: str
    line: int
    kind: str
    hint: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.kind} ({self.hint})"


def _hint(value: str) -> str:
    """Enough to find it again, not enough to read it."""
    return f"{value[:2]}…, {len(value)} characters"


class Scanner:
    def __init__(self, sent: PersonalData) -> None:
        self.words: dict[str, str] = {}
        for kind in ("name", "street address"):
            for word in name_words(sent.of_kind(kind)) - _COMMON:
                self.words[word] = kind
        self.codes = {c.upper() for c in sent.of_kind("identity code")}
        self.emails = {e.lower() for e in sent.of_kind("e-mail address")}
        self.phones = {p for p in sent.of_kind("phone number") if len(p) >= 6}
        self.searched = len(self.words) + len(self.codes) + len(self.emails) + len(self.phones)

    def scan(self, where: str, text: str) -> Iterator[Finding]:
        def at(position: int) -> int:
            return text.count("\n", 0, position) + 1

        for pattern, kind in ((_JWT, "token or caller assertion"), (_BEARER, "bearer credential")):
            for match in pattern.finditer(text):
                yield Finding(where, at(match.start()), kind, _hint(match.group(0)))
        for phone in self.phones:
            position = text.find(phone)
            if position >= 0:
                yield Finding(where, at(position), "phone number", _hint(phone))
        for token in set(text.translate(_SEPARATORS).split()):
            kind = self._kind(token)
            if kind is not None:
                yield Finding(where, at(text.find(token)), kind, _hint(token))

    def _kind(self, token: str) -> str | None:
        word = token.strip(".-+_@")
        if word in self.words:
            return self.words[word]
        if "@" in word and word.lower() in self.emails:
            return "e-mail address"
        if len(word) == 11 and (word.upper() in self.codes or valid_identity_code(word)):
            return "identity code"
        return None
