"""Enums match the API's protobuf enums; the Finnish "today"; the enum codecs."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from kotopolku.common.localtime import finnish_date
from kotopolku.plans import enums
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

CODECS: list[tuple[type[enum.StrEnum], enums.EnumCodec[Any, Any], str, str]] = [
    (PlanKind, enums.KIND, "PlanKind", "PLAN_KIND_"),
    (PlanStatus, enums.STATUS, "PlanStatus", "PLAN_STATUS_"),
    (ResponsibleAuthority, enums.AUTHORITY, "ResponsibleAuthority", "RESPONSIBLE_AUTHORITY_"),
    (GoalCategory, enums.GOAL_CATEGORY, "GoalCategory", "GOAL_CATEGORY_"),
    (PlanServiceStatus, enums.SERVICE_STATUS, "PlanServiceStatus", "PLAN_SERVICE_STATUS_"),
    (ApprovalParty, enums.APPROVAL_PARTY, "ApprovalParty", "APPROVAL_PARTY_"),
    (ReviewReason, enums.REVIEW_REASON, "ReviewReason", "REVIEW_REASON_"),
    (ReviewOutcome, enums.REVIEW_OUTCOME, "ReviewOutcome", "REVIEW_OUTCOME_"),
]


@pytest.mark.parametrize(("domain", "codec", "name", "prefix"), CODECS, ids=lambda v: str(v))
def test_every_proto_value_has_a_domain_member_and_back(
    domain: type[enum.StrEnum],
    codec: enums.EnumCodec,
    name: str,
    prefix: str,  # type: ignore[type-arg]
) -> None:
    descriptor = plans_pb2.DESCRIPTOR.enum_types_by_name[name]
    names = [v.name for v in descriptor.values]
    assert names[0] == f"{prefix}UNSPECIFIED"
    assert [prefix + m.value for m in domain] == names[1:]
    for member in domain:
        number = descriptor.values_by_name[prefix + member.value].number
        assert codec.decode(number) is member
        assert codec.encode(member) == number
        assert codec.encode(member.value) == number
    assert codec.decode(0) is None
    assert codec.encode(None) == 0
    with pytest.raises(ValueError, match="not a known value"):
        codec.decode(999)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 1, 15, 21, 59, tzinfo=UTC), date(2026, 1, 15)),
        (datetime(2026, 1, 15, 22, 0, tzinfo=UTC), date(2026, 1, 16)),
        (datetime(2026, 7, 15, 20, 59, tzinfo=UTC), date(2026, 7, 15)),
        (datetime(2026, 7, 15, 21, 0, tzinfo=UTC), date(2026, 7, 16)),
        (datetime(2026, 7, 16, 1, 0, tzinfo=timezone(timedelta(hours=5))), date(2026, 7, 15)),
    ],
)
def test_today_is_the_finnish_calendar_day(moment: datetime, day: date) -> None:
    assert finnish_date(moment) == day


def test_today_needs_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        finnish_date(datetime(2026, 1, 1))


def test_individual_kinds() -> None:
    assert PlanKind.INDIVIDUAL.is_individual
    assert PlanKind.MULTI_SECTOR.is_individual
    assert not PlanKind.FAMILY.is_individual
