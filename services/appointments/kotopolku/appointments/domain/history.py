"""History (muutoshistoria): who changed what and when, as field-by-field differences."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class HistoryAction(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    CANCELLED = "CANCELLED"
    DELETED = "DELETED"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: str
    after: str


def _render(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """The fields whose JSON rendering differs, in name order (a field missing is empty)."""
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = _render(before.get(name)), _render(after.get(name))
        if old != new:
            found.append(FieldChange(name, old, new))
    return found
