"""Domain code lists ↔ protobuf enums: a domain value is the suffix of the protobuf name
(``ServiceNeed.MENTAL_HEALTH`` "mental-health" ↔ ``SERVICE_NEED_MENTAL_HEALTH``);
``*_UNSPECIFIED`` has no domain value."""

from __future__ import annotations

import enum
from typing import Any, Final, TypeVar

from kotopolku.welfare.domain import codes
from kotopolku.welfare.domain.errors import WelfareDomainError
from kotopolku.welfare.v1 import welfare_pb2 as pb

E = TypeVar("E", bound=enum.StrEnum)

_PREFIXES: Final[dict[type[enum.StrEnum], tuple[str, Any]]] = {
    codes.PlacementBasis: ("PLACEMENT_BASIS_", pb.PlacementBasis),
    codes.FamilyRole: ("FAMILY_ROLE_", pb.FamilyRole),
    codes.ServiceNeed: ("SERVICE_NEED_", pb.ServiceNeed),
    codes.AgeBand: ("AGE_BAND_", pb.AgeBand),
    codes.PlacementState: ("PLACEMENT_STATE_", pb.PlacementState),
    codes.PlacementDecision: ("PLACEMENT_DECISION_", pb.PlacementDecision),
    codes.ReceptionStage: ("RECEPTION_STAGE_", pb.ReceptionStage),
    codes.ReceptionTaskKind: ("RECEPTION_TASK_KIND_", pb.ReceptionTaskKind),
    codes.TaskStatus: ("TASK_STATUS_", pb.TaskStatus),
    codes.ConsultationState: ("CONSULTATION_STATE_", pb.ConsultationState),
    codes.Recommendation: ("RECOMMENDATION_", pb.Recommendation),
    codes.CooperationState: ("COOPERATION_STATE_", pb.CooperationState),
    codes.DataCategory: ("DATA_CATEGORY_", pb.DataCategory),
    codes.BasisKind: ("BASIS_KIND_", pb.BasisKind),
}


def _proto_name(member: enum.StrEnum) -> str:
    prefix, _ = _PREFIXES[type(member)]
    return prefix + member.value.upper().replace("-", "_")


def to_proto(member: enum.StrEnum | None) -> Any:
    """The protobuf number (typed Any: each protobuf enum has its own ValueType)."""
    if member is None:
        return 0
    _, wrapper = _PREFIXES[type(member)]
    return int(wrapper.Value(_proto_name(member)))


def from_proto(kind: type[E], value: int, field: str, *, required: bool = False) -> E | None:
    """The domain member of a protobuf number; None for UNSPECIFIED (an error if required)."""
    if value == 0:
        if required:
            raise WelfareDomainError(field, "is required")
        return None
    for member in kind:
        if to_proto(member) == value:
            return member
    raise WelfareDomainError(field, "is not a known value")


def many(kind: type[E], values: Any, field: str) -> tuple[E, ...]:
    members = []
    for index, value in enumerate(values):
        member = from_proto(kind, int(value), f"{field}[{index}]", required=True)
        assert member is not None
        members.append(member)
    return tuple(members)
