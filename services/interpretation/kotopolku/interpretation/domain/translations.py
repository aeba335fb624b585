"""Translations (käännökset) of message templates and short texts, kept as revisions.

A text is identified by a key ("appointment-reminder", "office.opening-hours") within a
municipality; each language has its own revisions, numbered from 1, each saved with who
translated and when. A save names the revision it replaces, so two translators cannot overwrite
each other unseen. A message template's translation keeps exactly the ``{{ variables }}`` of the
text it was translated from.
"""

from __future__ import annotations

import enum
import re
from typing import Final

from kotopolku.interpretation.domain.errors import InterpretationDomainError

MAX_TEXT_LENGTH: Final = 4000
_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class TextKind(enum.StrEnum):
    MESSAGE_TEMPLATE = "MESSAGE_TEMPLATE"
    SHORT_TEXT = "SHORT_TEXT"


def validate_key(key: str, *, field: str = "key") -> str:
    if not _KEY.fullmatch(key):
        raise InterpretationDomainError(
            field,
            "must be 1-100 lower-case letters, digits, '.', '_' or '-', starting with a "
            "letter or digit",
        )
    return key


def validate_text(text: str, *, field: str = "text") -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InterpretationDomainError(field, "is required")
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise InterpretationDomainError(field, f"must be at most {MAX_TEXT_LENGTH} characters")
    if not cleaned.replace("\n", "").replace("\t", "").isprintable():
        raise InterpretationDomainError(field, "must not contain control characters")
    return cleaned


def placeholders(text: str) -> frozenset[str]:
    return frozenset(_PLACEHOLDER.findall(text))


def check_placeholders(
    kind: TextKind, text: str, source_text: str | None, *, field: str = "text"
) -> None:
    """A template translation has exactly the variables of its source."""
    if kind is not TextKind.MESSAGE_TEMPLATE or source_text is None:
        return
    missing = placeholders(source_text) - placeholders(text)
    extra = placeholders(text) - placeholders(source_text)
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(sorted(missing)))
        if extra:
            parts.append("unknown " + ", ".join(sorted(extra)))
        raise InterpretationDomainError(
            field, f"must keep the source's variables ({'; '.join(parts)})"
        )


def next_revision(current: int | None, expected: int, *, field: str = "expected_revision") -> int:
    """The revision a save makes; ``expected`` is the one the translator started from."""
    have = current or 0
    if expected != have:
        raise InterpretationDomainError(
            field, f"the latest revision is {have}, not {expected}: read it again"
        )
    return have + 1
