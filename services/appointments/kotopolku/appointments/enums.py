"""Domain enums ↔ protobuf enums: a domain value is the suffix of the protobuf name
(``AppointmentKind.TASK`` ↔ ``APPOINTMENT_KIND_TASK``); ``*_UNSPECIFIED`` has no domain value."""

from __future__ import annotations

import enum
from typing import Any, Final, TypeVar

from kotopolku.appointments.domain import (
    AppointmentKind,
    AppointmentStatus,
    AssigneeKind,
    HistoryAction,
    ReminderState,
)
from kotopolku.appointments.v1 import appointments_pb2 as pb

E = TypeVar("E", bound=enum.StrEnum)

_PREFIXES: Final[dict[type[enum.StrEnum], tuple[str, Any]]] = {
    AppointmentKind: ("APPOINTMENT_KIND_", pb.AppointmentKind),
    AppointmentStatus: ("APPOINTMENT_STATUS_", pb.AppointmentStatus),
    AssigneeKind: ("ASSIGNEE_KIND_", pb.AssigneeKind),
    HistoryAction: ("HISTORY_ACTION_", pb.HistoryAction),
    ReminderState: ("REMINDER_STATE_", pb.ReminderState),
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
