"""The assessment domain's rules without I/O: field paths, validation, completion, changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from kotopolku.assessment.domain import (
    AssessmentDomainError,
    AssessmentKind,
    AssessmentState,
    CefrLevel,
    InvalidTransition,
    MeasureKind,
    MeasureStatus,
    OutcomeKind,
    model,
    rules,
    validation,
)

TODAY = date(2026, 11, 27)


def complete_content(**overrides: Any) -> dict[str, Any]:
    content: dict[str, Any] = {path: {"summary": "ok"} for path in model.BASIC_AREAS}
    content[model.OUTCOME] = {"kind": "INTEGRATION_PLAN_NEEDED", "reason": "r"}
    content[model.NEXT_STEP] = {"date": "2026-12-01", "description": "Suunnitelma"}
    content.update(overrides)
    return {k: v for k, v in content.items() if v is not None}


# --- field paths -------------------------------------------------------------------------


def test_the_eight_interview_areas_are_in_the_order_of_the_reference() -> None:
    assert [p.removeprefix("basic.") for p in model.BASIC_AREAS] == [
        "literacy",
        "language_skills",
        "study_and_working_life_skills",
        "education_and_work_history",
        "special_skills_and_strengths",
        "own_goals",
        "societal_knowledge_and_participation",
        "life_situation_and_service_needs",
    ]
    assert len(model.SECTIONS) == 4
    assert set(model.WELFARE_SECTIONS) < set(model.SECTIONS)
    assert model.SENSITIVE_NOTE not in model.CONTENT_FIELDS


def test_expand_paths_expands_groups_once_and_refuses_unknown_or_foreign_fields() -> None:
    multi = AssessmentKind.MULTI_SECTOR
    assert model.expand_paths(["basic"], multi) == model.BASIC_FIELDS
    assert model.expand_paths(["outcome", "basic.own_goals", "outcome"], multi) == (
        "outcome",
        "basic.own_goals",
    )
    assert model.expand_paths(["multi_sector"], multi) == model.MULTI_SECTOR_FIELDS
    assert model.expand_paths([model.SENSITIVE_NOTE], multi) == (model.SENSITIVE_NOTE,)
    for path in ("multi_sector.team", "multi_sector", model.SENSITIVE_NOTE):
        with pytest.raises(AssessmentDomainError, match="multi-sector"):
            model.expand_paths([path], AssessmentKind.BASIC)
    for path in ("basic.x", "", "id", "version", "state", "basic.literacy.summary"):
        with pytest.raises(AssessmentDomainError) as info:
            model.expand_paths([path], multi, field="fields")
        assert info.value.field == "fields"


def test_team_areas_are_the_welfare_areas_of_the_members() -> None:
    content = {
        model.TEAM: [
            {"name": "a", "role": "r", "welfare_area_code": "pirkanmaa"},
            {"name": "b", "role": "r", "welfare_area_code": ""},
            {"name": "c", "role": "r", "welfare_area_code": "pirkanmaa"},
        ]
    }
    assert model.team_areas(content) == {"pirkanmaa"}
    assert model.team_areas({}) == frozenset()


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"summary": "  Lukee  \r\n hyvin  "}, {"summary": "Lukee\n hyvin"}),
        ({"summary": "   "}, None),
        ({}, None),
        (
            {"not_assessed": True, "not_assessed_reason": " Ei tulkkia "},
            {"not_assessed": True, "not_assessed_reason": "Ei tulkkia"},
        ),
        (
            {"summary": "osin", "not_assessed": True, "not_assessed_reason": "kesken"},
            {"summary": "osin", "not_assessed": True, "not_assessed_reason": "kesken"},
        ),
    ],
)
def test_an_area_is_a_finding_or_not_assessed_with_a_reason(
    given: dict[str, Any], stored: dict[str, Any] | None
) -> None:
    assert validation.area(given, "basic.literacy") == stored


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"not_assessed": True}, "basic.literacy.not_assessed_reason"),
        ({"summary": "x", "not_assessed_reason": "y"}, "basic.literacy.not_assessed_reason"),
        ({"summary": "x" * 4001}, "basic.literacy.summary"),
        ({"summary": "a\x00b"}, "basic.literacy.summary"),
    ],
)
def test_bad_areas_name_the_field(given: dict[str, Any], field: str) -> None:
    with pytest.raises(AssessmentDomainError) as info:
        validation.area(given, "basic.literacy")
    assert info.value.field == field
    assert "x" * 10 not in info.value.message


def test_text_keeps_line_breaks_and_tabs_but_no_other_control_characters() -> None:
    assert validation.text("a\n\tb  \n", "f", 100) == "a\n\tb"
    assert validation.text("", "f", 10) == ""
    with pytest.raises(AssessmentDomainError, match="required"):
        validation.text(" \n ", "f", 10, required=True)
    with pytest.raises(AssessmentDomainError, match="control"):
        validation.text("a\x1bb", "f", 10)


def test_language_proficiencies_per_skill_in_finnish_or_swedish() -> None:
    given = [
        {"language": "FI", "reading": CefrLevel.A2, "speaking": CefrLevel.B1},
        {"language": "sv", "writing": CefrLevel.A1},
    ]
    assert validation.proficiencies(given, "p") == [
        {"language": "fi", "reading": "A2", "speaking": "B1"},
        {"language": "sv", "writing": "A1"},
    ]
    assert validation.proficiencies([], "p") is None
    cases = [
        ([{"language": "en", "reading": CefrLevel.A1}], "p[0].language"),
        ([{"language": "fi"}], "p[0]"),
        ([{"language": "fi", "reading": "B3"}], "p[0].reading"),
        (
            [
                {"language": "fi", "reading": CefrLevel.A1},
                {"language": "fi", "writing": CefrLevel.A1},
            ],
            "p[1].language",
        ),
    ]
    for value, field in cases:
        with pytest.raises(AssessmentDomainError) as info:
            validation.proficiencies(value, "p")
        assert info.value.field == field


def test_team_members_need_a_name_a_role_and_a_valid_welfare_area_code() -> None:
    assert validation.team(
        [
            {
                "name": " Sari  Sosiaali ",
                "role": "sosiaalityöntekijä",
                "welfare_area_code": "vantaa-kerava",
            }
        ],
        "t",
    ) == [
        {
            "name": "Sari Sosiaali",
            "role": "sosiaalityöntekijä",
            "welfare_area_code": "vantaa-kerava",
        }
    ]
    assert validation.team([], "t") is None
    for member, field in (
        ({"name": "", "role": "r"}, "t[0].name"),
        ({"name": "n", "role": " "}, "t[0].role"),
        ({"name": "n", "role": "r", "welfare_area_code": "Pirkanmaa"}, "t[0].welfare_area_code"),
        ({"name": "n", "role": "r", "welfare_area_code": "a--b"}, "t[0].welfare_area_code"),
    ):
        with pytest.raises(AssessmentDomainError) as info:
            validation.team([member], "t")
        assert info.value.field == field
    with pytest.raises(AssessmentDomainError, match="at most"):
        validation.team([{"name": "n", "role": "r"}] * 31, "t")


def test_outcome_needs_a_kind_and_a_reason() -> None:
    assert validation.outcome(
        {"kind": OutcomeKind.NO_PLAN, "reason": " Tarpeeton "}, "outcome"
    ) == {
        "kind": "NO_PLAN",
        "reason": "Tarpeeton",
    }
    assert validation.outcome({"kind": None, "reason": ""}, "outcome") is None
    with pytest.raises(AssessmentDomainError) as info:
        validation.outcome({"kind": OutcomeKind.NO_PLAN, "reason": ""}, "outcome")
    assert info.value.field == "outcome.reason"
    with pytest.raises(AssessmentDomainError) as info:
        validation.outcome({"kind": None, "reason": "miksi"}, "outcome")
    assert info.value.field == "outcome.kind"


def test_next_step_is_a_date_and_a_description() -> None:
    assert validation.next_step({"date": "2026-12-01", "description": "Tapaaminen"}, "n") == {
        "date": "2026-12-01",
        "description": "Tapaaminen",
    }
    assert validation.next_step({"date": "", "description": ""}, "n") is None
    for value, field in (
        ({"date": "", "description": "x"}, "n.date"),
        ({"date": "2026-02-30", "description": "x"}, "n.date"),
        ({"date": "20261201", "description": "x"}, "n.date"),
        ({"date": "2026-12-01", "description": ""}, "n.description"),
    ):
        with pytest.raises(AssessmentDomainError) as info:
            validation.next_step(value, "n")
        assert info.value.field == field


def test_field_value_dispatches_by_path() -> None:
    assert validation.field_value("basic.own_goals", {"summary": "Töihin"}) == {"summary": "Töihin"}
    assert validation.field_value(model.MENTAL_HEALTH, " Terapia ") == "Terapia"
    assert validation.field_value(model.WRITTEN_EXCHANGE, False) is None
    assert validation.field_value(model.WRITTEN_EXCHANGE, True) is True
    assert validation.field_value(model.SENSITIVE_NOTE, "") is None


def test_measure_order_needs_a_kind_and_a_provider_and_no_past_due_date() -> None:
    order = validation.measure_order(
        MeasureKind.LITERACY_SCREENING, " opisto ", "Selvitä", "2026-12-31", today=TODAY
    )
    assert order == {
        "kind": "LITERACY_SCREENING",
        "provider_organisation": "opisto",
        "instructions": "Selvitä",
        "due_date": date(2026, 12, 31),
    }
    assert (
        validation.measure_order(MeasureKind.LITERACY_SCREENING, "o", "", "", today=TODAY)[
            "due_date"
        ]
        is None
    )
    for args, field in (
        ((None, "opisto", "", ""), "measure.kind"),
        ((MeasureKind.LITERACY_SCREENING, "", "", ""), "measure.provider_organisation"),
        ((MeasureKind.LITERACY_SCREENING, "Opisto Oy", "", ""), "measure.provider_organisation"),
        ((MeasureKind.LITERACY_SCREENING, "opisto", "", "2026-11-26"), "measure.due_date"),
    ):
        with pytest.raises(AssessmentDomainError) as info:
            validation.measure_order(*args, today=TODAY)  # type: ignore[arg-type]
        assert info.value.field == field


def test_measure_result_cefr_only_for_language_tests_and_not_in_the_future() -> None:
    level = {"language": "fi", "reading": CefrLevel.B1}
    assert validation.measure_result(
        MeasureKind.LANGUAGE_LEVEL_TEST, level, "Hyvä", "2026-11-27", today=TODAY
    ) == {
        "proficiency": {"language": "fi", "reading": "B1"},
        "summary": "Hyvä",
        "completed_on": "2026-11-27",
    }
    assert "proficiency" not in validation.measure_result(
        MeasureKind.COMPETENCE_RECOGNITION, None, "Sähköasentaja", "2026-11-01", today=TODAY
    )
    for args, field in (
        ((MeasureKind.LANGUAGE_LEVEL_TEST, None, "x", "2026-11-27"), "result.proficiency"),
        ((MeasureKind.LITERACY_SCREENING, level, "x", "2026-11-27"), "result.proficiency"),
        ((MeasureKind.LITERACY_SCREENING, None, "", "2026-11-27"), "result.summary"),
        ((MeasureKind.LITERACY_SCREENING, None, "x", "2026-11-28"), "result.completed_on"),
        ((MeasureKind.LITERACY_SCREENING, None, "x", ""), "result.completed_on"),
        (
            (MeasureKind.LANGUAGE_LEVEL_TEST, {"language": "fi"}, "x", "2026-11-27"),
            "result.proficiency",
        ),
    ):
        with pytest.raises(AssessmentDomainError) as info:
            validation.measure_result(*args, today=TODAY)  # type: ignore[arg-type]
        assert info.value.field == field


# --- completion and changes --------------------------------------------------------------


def test_a_complete_basic_assessment_has_no_problems() -> None:
    assert rules.completion_problems(AssessmentKind.BASIC, complete_content()) == []


def test_every_missing_area_and_the_outcome_are_reported() -> None:
    problems = rules.completion_problems(AssessmentKind.BASIC, {})
    assert [p.field for p in problems] == [*model.BASIC_AREAS, model.OUTCOME]


def test_language_levels_alone_answer_the_language_area() -> None:
    content = complete_content(**{model.LANGUAGE_SKILLS: None})
    assert [p.field for p in rules.completion_problems(AssessmentKind.BASIC, content)] == [
        model.LANGUAGE_SKILLS
    ]
    content[model.LANGUAGE_PROFICIENCIES] = [{"language": "fi", "reading": "A1"}]
    assert rules.completion_problems(AssessmentKind.BASIC, content) == []


@pytest.mark.parametrize("kind", list(OutcomeKind))
def test_a_plan_outcome_needs_the_next_step_scheduled(kind: OutcomeKind) -> None:
    content = complete_content(
        **{model.OUTCOME: {"kind": str(kind), "reason": "r"}, model.NEXT_STEP: None}
    )
    fields = [p.field for p in rules.completion_problems(AssessmentKind.BASIC, content)]
    assert fields == ([model.NEXT_STEP] if kind in model.PLAN_OUTCOMES else [])


def test_a_multi_sector_assessment_needs_a_member_from_the_welfare_area() -> None:
    content = complete_content()
    assert [p.field for p in rules.completion_problems(AssessmentKind.MULTI_SECTOR, content)] == [
        model.TEAM
    ]
    content[model.TEAM] = [{"name": "n", "role": "r", "welfare_area_code": "pirkanmaa"}]
    assert rules.completion_problems(AssessmentKind.MULTI_SECTOR, content) == []


def test_life_cycle_transitions() -> None:
    assert rules.complete(AssessmentState.DRAFT) is AssessmentState.COMPLETED
    with pytest.raises(InvalidTransition):
        rules.complete(AssessmentState.COMPLETED)
    rules.require_draft(AssessmentState.DRAFT)
    with pytest.raises(InvalidTransition, match="correction"):
        rules.require_draft(AssessmentState.COMPLETED)
    rules.require_completed(AssessmentState.COMPLETED)
    with pytest.raises(InvalidTransition):
        rules.require_completed(AssessmentState.DRAFT)
    rules.require_measure_open(MeasureStatus.ORDERED)
    with pytest.raises(InvalidTransition):
        rules.require_measure_open(MeasureStatus.COMPLETED)


def test_apply_changes_sets_clears_and_reports_what_changed() -> None:
    before = {"basic.literacy": {"summary": "a"}, "outcome": {"kind": "NO_PLAN", "reason": "r"}}
    after, changed = rules.apply_changes(
        before,
        {"basic.literacy": {"summary": "a"}, "outcome": None, "basic.own_goals": {"summary": "g"}},
    )
    assert after == {"basic.literacy": {"summary": "a"}, "basic.own_goals": {"summary": "g"}}
    assert changed == ("outcome", "basic.own_goals")
    assert before["outcome"]  # the input is not modified
    with pytest.raises(AssessmentDomainError):
        rules.apply_changes({}, {model.SENSITIVE_NOTE: "x"})


def test_a_section_is_unchanged_when_its_text_is() -> None:
    at = datetime(2026, 11, 27, 12, tzinfo=UTC)
    first = rules.recorded_section("teksti", "officer", None, at)
    assert first == {
        "text": "teksti",
        "recorded_by": "officer",
        "recorded_by_welfare_area": "",
        "recorded_at": "2026-11-27T12:00:00+00:00",
    }
    again = rules.recorded_section("teksti", "worker", "pirkanmaa", at)
    _, changed = rules.apply_changes({model.MENTAL_HEALTH: first}, {model.MENTAL_HEALTH: again})
    assert changed == ()


def test_a_correction_must_leave_a_completable_assessment() -> None:
    rules.require_correctable(AssessmentKind.BASIC, complete_content())
    with pytest.raises(AssessmentDomainError) as info:
        rules.require_correctable(AssessmentKind.BASIC, complete_content(**{model.OUTCOME: None}))
    assert info.value.field == model.OUTCOME
