"""Life-cycle rules of an assessment: what completing needs, what may change when, and how a
change is applied to the content."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kotopolku.assessment.domain import model
from kotopolku.assessment.domain.errors import AssessmentDomainError, InvalidTransition
from kotopolku.assessment.domain.model import (
    AssessmentKind,
    AssessmentState,
    MeasureStatus,
    OutcomeKind,
)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an assessment cannot be completed yet: the field and what it needs."""

    field: str
    message: str


def area_answered(content: Mapping[str, Any], path: str) -> bool:
    """An area counts as answered with a finding or when marked not assessed with a reason.

    Language skills are answered also by the CEFR levels alone."""
    if path == model.LANGUAGE_SKILLS and content.get(model.LANGUAGE_PROFICIENCIES):
        return True
    return bool(content.get(path))


def completion_problems(kind: AssessmentKind, content: Mapping[str, Any]) -> list[Problem]:
    """Everything that stands between a draft and a completed assessment (empty: none)."""
    problems = [
        Problem(path, "answer the area, or mark it not assessed with a reason")
        for path in model.BASIC_AREAS
        if not area_answered(content, path)
    ]
    outcome = content.get(model.OUTCOME)
    if not outcome:
        problems.append(Problem(model.OUTCOME, "is required to complete the assessment"))
    elif OutcomeKind(outcome["kind"]) in model.PLAN_OUTCOMES and not content.get(model.NEXT_STEP):
        problems.append(
            Problem(model.NEXT_STEP, "schedule the next step: a plan is to be drawn up")
        )
    if kind is AssessmentKind.MULTI_SECTOR and not model.team_areas(content):
        problems.append(
            Problem(model.TEAM, "a multi-sector assessment needs a member from the welfare area")
        )
    return problems


def require_draft(state: AssessmentState) -> None:
    if state is not AssessmentState.DRAFT:
        raise InvalidTransition(
            "state", "a completed assessment changes only by a recorded correction"
        )


def require_completed(state: AssessmentState) -> None:
    if state is not AssessmentState.COMPLETED:
        raise InvalidTransition("state", "only a completed assessment is corrected; edit the draft")


def complete(state: AssessmentState) -> AssessmentState:
    require_draft(state)
    return AssessmentState.COMPLETED


def recorded_section(
    text: str, subject: str, welfare_area: str | None, at: datetime
) -> dict[str, str]:
    """A multi-sector section with who wrote it, so the team sees its source."""
    return {
        "text": text,
        "recorded_by": subject,
        "recorded_by_welfare_area": welfare_area or "",
        "recorded_at": at.isoformat(),
    }


def apply_changes(
    content: Mapping[str, Any], changes: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The new content and the paths whose value actually changed. ``None`` clears a field."""
    updated = dict(content)
    changed = []
    for path, value in changes.items():
        if path == model.SENSITIVE_NOTE:
            raise AssessmentDomainError(path, "is not part of the shared content")
        before = updated.get(path)
        if value is None:
            updated.pop(path, None)
        else:
            updated[path] = value
        if _comparable(before) != _comparable(value):
            changed.append(path)
    return updated, tuple(changed)


def _comparable(value: Any) -> Any:
    # A section is unchanged when its text is: who and when describe the change, not the value.
    if isinstance(value, dict) and "recorded_at" in value:
        return value.get("text")
    return value


def require_correctable(kind: AssessmentKind, content: Mapping[str, Any]) -> None:
    """A correction must leave an assessment that could still be completed."""
    problems = completion_problems(kind, content)
    if problems:
        first = problems[0]
        raise AssessmentDomainError(
            first.field, f"the correction would leave the assessment incomplete: {first.message}"
        )


def require_measure_open(status: MeasureStatus) -> None:
    if status is not MeasureStatus.ORDERED:
        raise InvalidTransition("status", "the result of this measure is already recorded")
