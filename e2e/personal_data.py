"""What the e2e run sent that is personal data, so that a scan at the end of the session can prove
none of it reached a log line, a span or a metric label (e2e/security/test_security_zz_leaks.py).

Every request body that goes through ``e2e.conftest.Api`` is walked, and the values of fields that
hold names, identity codes and contact details are remembered; so are the tokens the suite used and
the personal claims in them (a client's identity code, a user's name and e-mail address).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt

# Fields of the API whose values are personal data (names, identity codes, contact details).
NAME_FIELDS = frozenset(
    {
        "first_names",
        "last_name",
        "display_name",
        "participant_display_name",
        "interpreter_name",
        "contact_name",
    }
)
IDENTITY_CODE_FIELDS = frozenset({"henkilotunnus", "hetu"})
EMAIL_FIELDS = frozenset({"email", "contact_email"})
PHONE_FIELDS = frozenset({"phone", "contact_phone"})
ADDRESS_FIELDS = frozenset({"street_address"})
# Personal claims of an access token.
TOKEN_CLAIMS = {
    "hetu": "identity code",
    "name": "name",
    "given_name": "name",
    "family_name": "name",
    "email": "e-mail address",
}


@dataclass
class PersonalData:
    """Values by kind ("name", "identity code", "e-mail address", "phone number", "token")."""

    values: dict[str, set[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, value: Any) -> None:
        if isinstance(value, str) and value.strip():
            with self._lock:
                self.values.setdefault(kind, set()).add(value.strip())

    def of_kind(self, kind: str) -> frozenset[str]:
        with self._lock:
            return frozenset(self.values.get(kind, ()))

    def kinds(self) -> list[str]:
        with self._lock:
            return sorted(self.values)

    def count(self) -> int:
        with self._lock:
            return sum(len(v) for v in self.values.values())

    def remember_body(self, body: Any) -> None:
        """Walks a JSON request body and keeps the values of personal fields."""
        if isinstance(body, dict):
            for key, value in body.items():
                kind = _kind_of_field(str(key))
                if kind and isinstance(value, str):
                    self.add(kind, value)
                else:
                    self.remember_body(value)
        elif isinstance(body, list | tuple):
            for item in body:
                self.remember_body(item)

    def remember_token(self, token: str | None) -> None:
        if not token:
            return
        self.add("token", token)
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return
        for claim, kind in TOKEN_CLAIMS.items():
            self.add(kind, claims.get(claim))


def _kind_of_field(name: str) -> str | None:
    if name in NAME_FIELDS:
        return "name"
    if name in IDENTITY_CODE_FIELDS:
        return "identity code"
    if name in EMAIL_FIELDS:
        return "e-mail address"
    if name in PHONE_FIELDS:
        return "phone number"
    if name in ADDRESS_FIELDS:
        return "street address"
    return None


def name_words(values: Iterable[str], minimum: int = 4) -> frozenset[str]:
    """The words of names that are long enough to search for on their own ("Mohammed Ali" →
    Mohammed): a surname alone in a log line is as much a leak as the full name."""
    return frozenset(
        word.strip(".,")
        for value in values
        for word in value.split()
        if len(word.strip(".,")) >= minimum
    )


# The registry of this test session.
SENT = PersonalData()
