"""Validators that turn what a request says about one field into its stored value.

Each takes the plain value read from the request (strings, booleans, lists of dicts, domain
enums) and returns the normalised value to store, or ``None`` when the request clears the field.
They raise :class:`AssessmentDomainError` naming the exact field path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Final

from kotopolku.assessment.domain import model
from kotopolku.assessment.domain.errors import AssessmentDomainError
from kotopolku.assessment.domain.model import CefrLevel, MeasureKind, OutcomeKind

MAX_AREA_TEXT: Final = 4000
MAX_SECTION_TEXT: Final = 8000
MAX_REASON: Final = 2000
MAX_DESCRIPTION: Final = 1000
MAX_NAME: Final = 200
MAX_ROLE: Final = 100
MAX_TEAM: Final = 30
MAX_INSTRUCTIONS: Final = 2000
# The realm's welfare_area attribute: lower-case words joined by hyphens ("vantaa-kerava").
WELFARE_AREA_CODE: Final = re.compile(r"[a-z]+(-[a-z]+)*")
MAX_WELFARE_AREA_CODE: Final = 60
# An organisation code as service accounts and provider users carry it ("opisto").
ORGANISATION_CODE: Final = re.compile(r"[a-z0-9]+([-_.][a-z0-9]+)*")
MAX_ORGANISATION_CODE: Final = 100


def text(value: str, field: str, max_length: int, *, required: bool = False) -> str:
    """Free text: line breaks kept, trailing blanks dropped, no other control characters."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    normalised = "\n".join(line.rstrip() for line in lines).strip()
    if not normalised:
        if required:
            raise AssessmentDomainError(field, "is required")
        return ""
    if len(normalised) > max_length:
        raise AssessmentDomainError(field, f"must be at most {max_length} characters")
    if any(not (ch.isprintable() or ch in "\n\t") for ch in normalised):
        raise AssessmentDomainError(field, "must not contain control characters")
    return normalised


def iso_date(value: str, field: str, *, required: bool = True) -> date | None:
    if not value:
        if required:
            raise AssessmentDomainError(field, "is required")
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise AssessmentDomainError(field, "must be a date YYYY-MM-DD") from None


def area(value: Mapping[str, Any], field: str) -> dict[str, Any] | None:
    """One interview area: a summary of what was found, or not assessed with a reason."""
    summary = text(value.get("summary", ""), f"{field}.summary", MAX_AREA_TEXT)
    reason = text(value.get("not_assessed_reason", ""), f"{field}.not_assessed_reason", MAX_REASON)
    if value.get("not_assessed"):
        if not reason:
            raise AssessmentDomainError(
                f"{field}.not_assessed_reason", "is required when the area is not assessed"
            )
        stored: dict[str, Any] = {"not_assessed": True, "not_assessed_reason": reason}
        if summary:
            stored["summary"] = summary
        return stored
    if reason:
        raise AssessmentDomainError(
            f"{field}.not_assessed_reason", "is only given when the area is not assessed"
        )
    return {"summary": summary} if summary else None


def proficiency(item: Mapping[str, Any], field: str) -> dict[str, str]:
    """One language's levels per skill; a skill without a level is not known."""
    language = str(item.get("language", "")).strip().lower()
    if language not in model.ASSESSED_LANGUAGES:
        raise AssessmentDomainError(f"{field}.language", "must be fi or sv")
    levels = {skill: item.get(skill) for skill in model.SKILLS}
    for skill, level in levels.items():
        if level is not None and not isinstance(level, CefrLevel):
            raise AssessmentDomainError(f"{field}.{skill}", "is not a CEFR level")
    if all(level is None for level in levels.values()):
        raise AssessmentDomainError(field, "give the level of at least one skill")
    return {"language": language} | {
        skill: str(level) for skill, level in levels.items() if level is not None
    }


def proficiencies(value: Sequence[Mapping[str, Any]], field: str) -> list[dict[str, str]] | None:
    """Finnish and Swedish skills, one entry per language."""
    stored: list[dict[str, str]] = []
    for index, item in enumerate(value):
        entry = proficiency(item, f"{field}[{index}]")
        if any(other["language"] == entry["language"] for other in stored):
            raise AssessmentDomainError(f"{field}[{index}].language", "is given twice")
        stored.append(entry)
    return stored or None


def section(value: str, field: str) -> str | None:
    return text(value, field, MAX_SECTION_TEXT) or None


def welfare_area_code(value: str, field: str, *, required: bool = False) -> str:
    code = value.strip()
    if not code:
        if required:
            raise AssessmentDomainError(field, "is required")
        return ""
    if len(code) > MAX_WELFARE_AREA_CODE or not WELFARE_AREA_CODE.fullmatch(code):
        raise AssessmentDomainError(
            field, "must be a welfare-area code in lower case, e.g. pirkanmaa"
        )
    return code


def team(value: Sequence[Mapping[str, Any]], field: str) -> list[dict[str, str]] | None:
    if len(value) > MAX_TEAM:
        raise AssessmentDomainError(field, f"must have at most {MAX_TEAM} members")
    members = []
    for index, member in enumerate(value):
        where = f"{field}[{index}]"
        name = " ".join(str(member.get("name", "")).split())
        role = " ".join(str(member.get("role", "")).split())
        for key, given, limit in (("name", name, MAX_NAME), ("role", role, MAX_ROLE)):
            if not given:
                raise AssessmentDomainError(f"{where}.{key}", "is required")
            if len(given) > limit or not given.isprintable():
                raise AssessmentDomainError(
                    f"{where}.{key}", f"must be printable text of at most {limit} characters"
                )
        area_code = welfare_area_code(
            str(member.get("welfare_area_code", "")), f"{where}.welfare_area_code"
        )
        members.append({"name": name, "role": role, "welfare_area_code": area_code})
    return members or None


def flag(value: bool, field: str) -> bool | None:
    return True if value else None


def outcome(value: Mapping[str, Any], field: str) -> dict[str, str] | None:
    kind = value.get("kind")
    reason = text(value.get("reason", ""), f"{field}.reason", MAX_REASON)
    if kind is None:
        if reason:
            raise AssessmentDomainError(f"{field}.kind", "is required with a reason")
        return None
    if not isinstance(kind, OutcomeKind):
        raise AssessmentDomainError(f"{field}.kind", "is not a known outcome")
    if not reason:
        raise AssessmentDomainError(f"{field}.reason", "is required: say why")
    return {"kind": str(kind), "reason": reason}


def next_step(value: Mapping[str, Any], field: str) -> dict[str, str] | None:
    when = str(value.get("date", "")).strip()
    description = text(value.get("description", ""), f"{field}.description", MAX_DESCRIPTION)
    if not when and not description:
        return None
    parsed = iso_date(when, f"{field}.date")
    if not description:
        raise AssessmentDomainError(f"{field}.description", "is required with a date")
    assert parsed is not None
    return {"date": parsed.isoformat(), "description": description}


def sensitive_note(value: str, field: str) -> str | None:
    return text(value, field, MAX_SECTION_TEXT) or None


def _validator(path: str) -> Callable[[Any, str], Any]:
    if path in model.BASIC_AREAS:
        return area
    if path == model.LANGUAGE_PROFICIENCIES:
        return proficiencies
    if path in model.SECTIONS:
        return section
    validators: dict[str, Callable[[Any, str], Any]] = {
        model.TEAM: team,
        model.WRITTEN_EXCHANGE: flag,
        model.OUTCOME: outcome,
        model.NEXT_STEP: next_step,
        model.SENSITIVE_NOTE: sensitive_note,
    }
    return validators[path]


def field_value(path: str, raw: Any) -> Any:
    """The stored value of field ``path`` from its plain request value; ``None`` clears it."""
    return _validator(path)(raw, path)


# --- refining measures -------------------------------------------------------------------


def organisation_code(value: str, field: str) -> str:
    code = value.strip()
    if not code:
        raise AssessmentDomainError(field, "is required")
    if len(code) > MAX_ORGANISATION_CODE or not ORGANISATION_CODE.fullmatch(code):
        raise AssessmentDomainError(field, "must be an organisation code in lower case")
    return code


def measure_order(
    kind: MeasureKind | None,
    provider: str,
    instructions: str,
    due_date: str,
    *,
    today: date,
    field: str = "measure",
) -> dict[str, Any]:
    """An order of a refining measure from a provider organisation."""
    if kind is None:
        raise AssessmentDomainError(f"{field}.kind", "is required")
    due = iso_date(due_date, f"{field}.due_date", required=False)
    if due is not None and due < today:
        raise AssessmentDomainError(f"{field}.due_date", "must not be in the past")
    return {
        "kind": str(kind),
        "provider_organisation": organisation_code(provider, f"{field}.provider_organisation"),
        "instructions": text(instructions, f"{field}.instructions", MAX_INSTRUCTIONS),
        "due_date": due,
    }


def measure_result(
    kind: MeasureKind,
    level: Mapping[str, Any] | None,
    summary: str,
    completed_on: str,
    *,
    today: date,
    field: str = "result",
) -> dict[str, Any]:
    """The provider's result: a CEFR result for language level tests, a summary, a date."""
    stored: dict[str, Any] = {}
    if level is not None:
        if kind is not MeasureKind.LANGUAGE_LEVEL_TEST:
            raise AssessmentDomainError(
                f"{field}.proficiency", "is given only for a language level test"
            )
        stored["proficiency"] = proficiency(level, f"{field}.proficiency")
    elif kind is MeasureKind.LANGUAGE_LEVEL_TEST:
        raise AssessmentDomainError(f"{field}.proficiency", "is required for a language test")
    stored["summary"] = text(summary, f"{field}.summary", MAX_AREA_TEXT, required=True)
    done = iso_date(completed_on, f"{field}.completed_on")
    assert done is not None
    if done > today:
        raise AssessmentDomainError(f"{field}.completed_on", "must not be in the future")
    stored["completed_on"] = done.isoformat()
    return stored
