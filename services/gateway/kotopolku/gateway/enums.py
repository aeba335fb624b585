"""JSON enum values (kebab-case) and the services' proto enums, mapped by name."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


def enum_map(prefix: str, enum: type[StrEnum], proto_enum: Any) -> dict[Any, Any]:
    """``self-moved`` ↔ ``CLIENT_SEGMENT_SELF_MOVED``: every member must have its proto twin."""
    return {
        member: proto_enum.Value(prefix + member.value.upper().replace("-", "_")) for member in enum
    }


def from_proto(mapping: dict[Any, Any], value: int) -> Any:
    """The JSON member of a proto value; None for UNSPECIFIED."""
    return next((k for k, v in mapping.items() if v == value), None)
