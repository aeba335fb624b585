"""Domain enums ↔ protobuf enum numbers, derived from the descriptors (no hand-kept tables)."""

from __future__ import annotations

import enum
from typing import Generic, TypeVar, cast

from kotopolku.plans.domain.model import (
    ApprovalParty,
    GoalCategory,
    PlanKind,
    PlanServiceStatus,
    PlanStatus,
    ResponsibleAuthority,
    ReviewOutcome,
    ReviewReason,
)
from kotopolku.plans.v1 import plans_pb2

E = TypeVar("E", bound=enum.StrEnum)
V = TypeVar("V", bound=int)


class EnumCodec(Generic[E, V]):
    """``PLAN_KIND_FAMILY`` (3) ↔ ``PlanKind.FAMILY``; 0 (``*_UNSPECIFIED``) ↔ ``None``."""

    def __init__(self, domain: type[E], proto_enum: str, prefix: str) -> None:
        descriptor = plans_pb2.DESCRIPTOR.enum_types_by_name[proto_enum]
        self._decode = {
            value.number: domain(value.name.removeprefix(prefix))
            for value in descriptor.values
            if value.number != 0
        }
        self._encode = {member: number for number, member in self._decode.items()}

    def decode(self, number: int) -> E | None:
        """The member for ``number``; None for 0; ValueError for a number this API lacks."""
        if number == 0:
            return None
        try:
            return self._decode[number]
        except KeyError:
            raise ValueError("is not a known value") from None

    def encode(self, member: str | None) -> V:
        return cast(V, self._encode[member] if member else 0)  # type: ignore[index]


KIND = EnumCodec[PlanKind, plans_pb2.PlanKind.ValueType](PlanKind, "PlanKind", "PLAN_KIND_")
STATUS = EnumCodec[PlanStatus, plans_pb2.PlanStatus.ValueType](
    PlanStatus, "PlanStatus", "PLAN_STATUS_"
)
AUTHORITY = EnumCodec[ResponsibleAuthority, plans_pb2.ResponsibleAuthority.ValueType](
    ResponsibleAuthority, "ResponsibleAuthority", "RESPONSIBLE_AUTHORITY_"
)
GOAL_CATEGORY = EnumCodec[GoalCategory, plans_pb2.GoalCategory.ValueType](
    GoalCategory, "GoalCategory", "GOAL_CATEGORY_"
)
SERVICE_STATUS = EnumCodec[PlanServiceStatus, plans_pb2.PlanServiceStatus.ValueType](
    PlanServiceStatus, "PlanServiceStatus", "PLAN_SERVICE_STATUS_"
)
APPROVAL_PARTY = EnumCodec[ApprovalParty, plans_pb2.ApprovalParty.ValueType](
    ApprovalParty, "ApprovalParty", "APPROVAL_PARTY_"
)
REVIEW_REASON = EnumCodec[ReviewReason, plans_pb2.ReviewReason.ValueType](
    ReviewReason, "ReviewReason", "REVIEW_REASON_"
)
REVIEW_OUTCOME = EnumCodec[ReviewOutcome, plans_pb2.ReviewOutcome.ValueType](
    ReviewOutcome, "ReviewOutcome", "REVIEW_OUTCOME_"
)
