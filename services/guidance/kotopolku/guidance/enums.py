"""Domain enums ↔ protobuf enums: a domain value is the suffix of the protobuf name
(``Topic.HOUSING`` ↔ ``TOPIC_HOUSING``, ``AgeBand.FROM_18_TO_29`` ↔ ``AGE_BAND_18_TO_29``);
``*_UNSPECIFIED`` has no domain value."""

from __future__ import annotations

import enum
from typing import Any, Final, TypeVar

from kotopolku.guidance.domain import (
    AgeBand,
    ArticleAction,
    ArticleStatus,
    Channel,
    FollowUp,
    ReferralTarget,
    SeriesStatus,
    TaskStatus,
    Topic,
)
from kotopolku.guidance.v1 import guidance_pb2 as pb

E = TypeVar("E", bound=enum.StrEnum)

_PREFIXES: Final[dict[type[enum.StrEnum], tuple[str, Any]]] = {
    Channel: ("CHANNEL_", pb.Channel),
    Topic: ("TOPIC_", pb.Topic),
    AgeBand: ("AGE_BAND_", pb.AgeBand),
    ReferralTarget: ("REFERRAL_TARGET_", pb.ReferralTarget),
    FollowUp: ("FOLLOW_UP_", pb.FollowUp),
    SeriesStatus: ("SERIES_STATUS_", pb.SeriesStatus),
    TaskStatus: ("TASK_STATUS_", pb.TaskStatus),
    ArticleStatus: ("ARTICLE_STATUS_", pb.ArticleStatus),
    ArticleAction: ("ARTICLE_ACTION_", pb.ArticleAction),
}


def from_proto(kind: type[E], value: int) -> E | None:
    """The domain member of a protobuf enum number; None for UNSPECIFIED or unknown numbers."""
    prefix, wrapper = _PREFIXES[kind]
    try:
        name = str(wrapper.Name(value))
    except ValueError:
        return None
    suffix = name.removeprefix(prefix)
    try:
        return kind(suffix)
    except ValueError:
        return None


def to_proto(member: enum.StrEnum | None) -> Any:
    """The protobuf enum number (typed Any: each protobuf enum has its own ValueType)."""
    if member is None:
        return 0
    prefix, wrapper = _PREFIXES[type(member)]
    return int(wrapper.Value(prefix + member.value))
