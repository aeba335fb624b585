"""Free text fields: how long they may be and which characters they may hold."""

from __future__ import annotations

from kotopolku.guidance.domain.errors import GuidanceDomainError

# Line breaks and tabs are the only control characters a typed text needs.
_ALLOWED_CONTROLS = frozenset("\n\t")


def validate_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    """The text without surrounding white space; empty is allowed unless ``required``."""
    text = value.strip().replace("\r\n", "\n")
    if not text:
        if required:
            raise GuidanceDomainError(field, "is required")
        return ""
    if len(text) > max_length:
        raise GuidanceDomainError(field, f"must be at most {max_length} characters")
    if any(not (ch.isprintable() or ch in _ALLOWED_CONTROLS) for ch in text):
        raise GuidanceDomainError(field, "must not contain control characters")
    return text
