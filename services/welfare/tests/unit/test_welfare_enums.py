"""Every code list member has its protobuf twin and back."""

from __future__ import annotations

import enum

import pytest

from kotopolku.welfare import enums
from kotopolku.welfare.domain import codes
from kotopolku.welfare.domain.errors import WelfareDomainError

KINDS = [
    member
    for member in vars(codes).values()
    if isinstance(member, type) and issubclass(member, enum.StrEnum) and member is not enum.StrEnum
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_round_trip(kind: type[enum.StrEnum]) -> None:
    numbers = set()
    for member in kind:
        number = enums.to_proto(member)
        assert number != 0
        assert enums.from_proto(kind, number, "x") is member
        numbers.add(number)
    _, wrapper = enums._PREFIXES[kind]
    # Every protobuf value but UNSPECIFIED has a domain member.
    assert numbers == set(wrapper.values()) - {0}


def test_unspecified_and_unknown() -> None:
    assert enums.from_proto(codes.ServiceNeed, 0, "x") is None
    with pytest.raises(WelfareDomainError):
        enums.from_proto(codes.ServiceNeed, 0, "x", required=True)
    with pytest.raises(WelfareDomainError) as caught:
        enums.from_proto(codes.ServiceNeed, 999, "needs[0]")
    assert caught.value.field == "needs[0]"
    assert enums.to_proto(None) == 0
