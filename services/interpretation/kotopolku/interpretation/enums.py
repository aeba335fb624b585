"""Domain enums ↔ protobuf enums by name suffix; ``*_UNSPECIFIED`` has no domain value."""

from __future__ import annotations

import enum
from typing import Any, Final, TypeVar

from kotopolku.interpretation.domain import BookingStatus, InterpretationMode, TextKind
from kotopolku.interpretation.v1 import interpretation_pb2 as pb

E = TypeVar("E", bound=enum.StrEnum)


class ReferenceKind(enum.StrEnum):
    """What an interpretation record refers to."""

    VISIT = "VISIT"
    ASSESSMENT = "ASSESSMENT"
    APPOINTMENT = "APPOINTMENT"


_PREFIXES: Final[dict[type[enum.StrEnum], tuple[str, Any]]] = {
    BookingStatus: ("BOOKING_STATUS_", pb.BookingStatus),
    InterpretationMode: ("INTERPRETATION_MODE_", pb.InterpretationMode),
    TextKind: ("TEXT_KIND_", pb.TextKind),
    ReferenceKind: ("REFERENCE_KIND_", pb.ReferenceKind),
}


def from_proto(kind: type[E], value: int) -> E | None:
    prefix, wrapper = _PREFIXES[kind]
    try:
        name = str(wrapper.Name(value))
    except ValueError:
        return None
    suffix = name.removeprefix(prefix)
    return kind[suffix] if suffix in kind.__members__ else None


def to_proto(member: enum.StrEnum | None) -> Any:
    if member is None:
        return 0
    prefix, wrapper = _PREFIXES[type(member)]
    return int(wrapper.Value(prefix + member.value))
