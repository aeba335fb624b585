"""The final language test: CEFR levels, the per-type policy and whole results."""

from __future__ import annotations

import itertools

import pytest

from kotopolku.programme.domain import (
    SKILLS,
    CefrLevel,
    LanguageTestPolicy,
    LanguageTestResult,
    ServiceType,
    check_language_test,
    language_test_policy,
)
from kotopolku.programme.v1 import programme_pb2

REQUIRED = {ServiceType.INTEGRATION_TRAINING}
NOT_APPLICABLE = {ServiceType.CIVIC_ORIENTATION, ServiceType.GUIDANCE}


def test_levels_are_the_proto_levels_in_order() -> None:
    names = [v.name for v in programme_pb2.CefrLevel.DESCRIPTOR.values if v.number]
    assert [f"CEFR_LEVEL_{level.value}" for level in CefrLevel] == names
    assert [level.rank for level in CefrLevel] == list(range(len(CefrLevel)))
    assert CefrLevel.BELOW_A1.label == "below A1"
    assert CefrLevel.C2.label == "C2"


def test_skills_are_the_proto_fields() -> None:
    assert tuple(programme_pb2.LanguageTestResult.DESCRIPTOR.fields_by_name) == SKILLS


@pytest.mark.parametrize("kind", list(ServiceType))
def test_policy_per_type(kind: ServiceType) -> None:
    expected = (
        LanguageTestPolicy.REQUIRED
        if kind in REQUIRED
        else LanguageTestPolicy.NOT_APPLICABLE
        if kind in NOT_APPLICABLE
        else LanguageTestPolicy.OPTIONAL
    )
    assert language_test_policy(kind) is expected


WHOLE = dict.fromkeys(SKILLS, CefrLevel.B1)
NONE: dict[str, CefrLevel | None] = dict.fromkeys(SKILLS)


@pytest.mark.parametrize("kind", list(ServiceType))
def test_no_result(kind: ServiceType) -> None:
    result, problems = check_language_test(kind, NONE)
    assert result is None
    assert [(p.field, "required" in p.message) for p in problems] == (
        [("language_test", True)] if kind in REQUIRED else []
    )
    assert check_language_test(kind, {})[0] is None


@pytest.mark.parametrize("kind", list(ServiceType))
def test_a_whole_result(kind: ServiceType) -> None:
    result, problems = check_language_test(kind, WHOLE)
    if kind in NOT_APPLICABLE:
        assert result is None
        assert [p.field for p in problems] == ["language_test"]
    else:
        assert problems == []
        assert result == LanguageTestResult(*[CefrLevel.B1] * 4)


@pytest.mark.parametrize(
    "missing", [s for n in range(1, 4) for s in itertools.combinations(SKILLS, n)]
)
def test_every_missing_skill_is_named(missing: tuple[str, ...]) -> None:
    levels = {skill: None if skill in missing else CefrLevel.A2 for skill in SKILLS}
    result, problems = check_language_test(ServiceType.LANGUAGE_TRAINING, levels, field="lt")
    assert result is None
    assert [p.field for p in problems] == [f"lt.{skill}" for skill in SKILLS if skill in missing]


def test_result_levels_and_description() -> None:
    result = LanguageTestResult(CefrLevel.B1, CefrLevel.A2, CefrLevel.C1, CefrLevel.BELOW_A1)
    assert result.levels() == {
        "reading": CefrLevel.B1,
        "writing": CefrLevel.A2,
        "listening": CefrLevel.C1,
        "speaking": CefrLevel.BELOW_A1,
    }
    assert result.describe() == "reading B1, writing A2, listening C1, speaking below A1"
