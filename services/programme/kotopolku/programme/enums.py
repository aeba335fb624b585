"""Domain enums ↔ protobuf enums: a domain value is the suffix of the protobuf name
(``ServiceType.GUIDANCE`` ↔ ``SERVICE_TYPE_GUIDANCE``); ``*_UNSPECIFIED`` has no domain value."""

from __future__ import annotations

import enum
from typing import Any, Final, TypeVar

from kotopolku.programme.domain import (
    AttendanceMark,
    CefrLevel,
    EnrolmentStatus,
    InterruptionReason,
    ServiceType,
)
from kotopolku.programme.v1 import programme_pb2

E = TypeVar("E", bound=enum.StrEnum)

_PREFIXES: Final[dict[type[enum.StrEnum], tuple[str, Any]]] = {
    ServiceType: ("SERVICE_TYPE_", programme_pb2.ServiceType),
    EnrolmentStatus: ("ENROLMENT_STATUS_", programme_pb2.EnrolmentStatus),
    CefrLevel: ("CEFR_LEVEL_", programme_pb2.CefrLevel),
    InterruptionReason: ("INTERRUPTION_REASON_", programme_pb2.InterruptionReason),
    AttendanceMark: ("ATTENDANCE_MARK_", programme_pb2.AttendanceMark),
}


def from_proto(kind: type[E], value: int) -> E | None:
    """The domain member of a protobuf enum number; None for UNSPECIFIED or unknown numbers."""
    prefix, wrapper = _PREFIXES[kind]
    try:
        name = str(wrapper.Name(value))
    except ValueError:
        return None
    suffix = name.removeprefix(prefix)
    return kind[suffix] if suffix in kind.__members__ else None


def to_proto(member: enum.StrEnum | None) -> Any:
    """The protobuf enum number (typed Any: each protobuf enum has its own ValueType)."""
    if member is None:
        return 0
    prefix, wrapper = _PREFIXES[type(member)]
    return int(wrapper.Value(prefix + member.value))
