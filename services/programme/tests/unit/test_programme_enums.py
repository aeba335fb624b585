"""Domain enums ↔ protobuf enums, both ways, for every member."""

from __future__ import annotations

import enum

import pytest

from kotopolku.programme.domain import (
    AttendanceMark,
    CefrLevel,
    EnrolmentStatus,
    InterruptionReason,
    ServiceType,
)
from kotopolku.programme.enums import from_proto, to_proto

KINDS: list[type[enum.StrEnum]] = [
    ServiceType,
    EnrolmentStatus,
    CefrLevel,
    InterruptionReason,
    AttendanceMark,
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_round_trip_of_every_member(kind: type[enum.StrEnum]) -> None:
    numbers = [to_proto(member) for member in kind]
    assert numbers == list(range(1, len(kind) + 1))
    assert [from_proto(kind, n) for n in numbers] == list(kind)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_unspecified_and_unknown_numbers_have_no_member(kind: type[enum.StrEnum]) -> None:
    assert from_proto(kind, 0) is None
    assert from_proto(kind, 999) is None
    assert from_proto(kind, -1) is None


def test_none_is_unspecified() -> None:
    assert to_proto(None) == 0
