"""Value types of the assessment service and the field paths an assessment is made of.

Enum values are the suffixes of the matching protobuf enum names (``OutcomeKind.NO_PLAN`` ↔
``OUTCOME_KIND_NO_PLAN``); ``*_UNSPECIFIED`` has no member: it means "not given".

An assessment's content is a mapping from field path to a plain, JSON-able value; a missing path
is an unanswered field. The paths are the API's (see the proto), so one name is used in requests,
storage, the audit log and error messages.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Final

from kotopolku.assessment.domain.errors import AssessmentDomainError


class AssessmentKind(enum.StrEnum):
    """``BASIC``: osaamisen ja kotoutumisen palvelutarpeen arviointi (§3.4.1).
    ``MULTI_SECTOR``: monialainen arviointi with the welfare area (§3.4.2)."""

    BASIC = "BASIC"
    MULTI_SECTOR = "MULTI_SECTOR"


class AssessmentState(enum.StrEnum):
    DRAFT = "DRAFT"
    COMPLETED = "COMPLETED"


class OutcomeKind(enum.StrEnum):
    """What the assessment concluded.

    * ``INTEGRATION_PLAN_NEEDED`` — kotoutumissuunnitelma laaditaan.
    * ``MULTI_SECTOR_PLAN_NEEDED`` — monialainen kotoutumissuunnitelma laaditaan.
    * ``NO_PLAN`` — päätös, ettei suunnitelmaa tehdä, koska se on ilmeisen tarpeeton.
    * ``REFERRED_TO_EMPLOYMENT_AUTHORITY`` — asiakkuus jatkuu työvoimaviranomaisessa.
    """

    INTEGRATION_PLAN_NEEDED = "INTEGRATION_PLAN_NEEDED"
    MULTI_SECTOR_PLAN_NEEDED = "MULTI_SECTOR_PLAN_NEEDED"
    NO_PLAN = "NO_PLAN"
    REFERRED_TO_EMPLOYMENT_AUTHORITY = "REFERRED_TO_EMPLOYMENT_AUTHORITY"


# Outcomes after which a plan is drawn up: the next step (its drafting) must be scheduled.
PLAN_OUTCOMES: Final = frozenset(
    {OutcomeKind.INTEGRATION_PLAN_NEEDED, OutcomeKind.MULTI_SECTOR_PLAN_NEEDED}
)


class CefrLevel(enum.StrEnum):
    """Common European Framework of Reference level (eurooppalainen viitekehys)."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"


SKILLS: Final = ("reading", "writing", "listening", "speaking")
# Finnish and Swedish: the languages whose skills the assessment records (ISO 639-1).
ASSESSED_LANGUAGES: Final = ("fi", "sv")


class MeasureKind(enum.StrEnum):
    """Refining measures (tarkentavat toimenpiteet), §3.4.1.

    * ``LANGUAGE_LEVEL_TEST`` — suomen/ruotsin kielitaidon lähtötason arviointi.
    * ``LITERACY_SCREENING`` — luku- ja kirjoitustaidon selvittäminen.
    * ``COMPETENCE_RECOGNITION`` — osaamisen tunnistaminen.
    """

    LANGUAGE_LEVEL_TEST = "LANGUAGE_LEVEL_TEST"
    LITERACY_SCREENING = "LITERACY_SCREENING"
    COMPETENCE_RECOGNITION = "COMPETENCE_RECOGNITION"


class MeasureStatus(enum.StrEnum):
    ORDERED = "ORDERED"
    COMPLETED = "COMPLETED"


# --- field paths -------------------------------------------------------------------------

# The eight areas of the initial interview, in the order of §3.4.1.
LITERACY: Final = "basic.literacy"
LANGUAGE_SKILLS: Final = "basic.language_skills"
BASIC_AREAS: Final = (
    LITERACY,
    LANGUAGE_SKILLS,
    "basic.study_and_working_life_skills",
    "basic.education_and_work_history",
    "basic.special_skills_and_strengths",
    "basic.own_goals",
    "basic.societal_knowledge_and_participation",
    "basic.life_situation_and_service_needs",
)
LANGUAGE_PROFICIENCIES: Final = "basic.language_proficiencies"
BASIC_FIELDS: Final = (*BASIC_AREAS[:2], LANGUAGE_PROFICIENCIES, *BASIC_AREAS[2:])

MENTAL_HEALTH: Final = "multi_sector.mental_health_and_rehabilitation_needs"
EMPLOYMENT_EDUCATION: Final = "multi_sector.employment_and_education_service_needs"
SOCIAL_HEALTH: Final = "multi_sector.social_and_health_service_needs"
OTHER_NEEDS: Final = "multi_sector.other_needs_and_wishes"
# The four sections §3.4.2 adds, in its order.
SECTIONS: Final = (MENTAL_HEALTH, EMPLOYMENT_EDUCATION, SOCIAL_HEALTH, OTHER_NEEDS)
# Sections that the welfare area's members record (and officers may too).
WELFARE_SECTIONS: Final = (MENTAL_HEALTH, SOCIAL_HEALTH)
TEAM: Final = "multi_sector.team"
WRITTEN_EXCHANGE: Final = "multi_sector.written_exchange"
MULTI_SECTOR_FIELDS: Final = (*SECTIONS, TEAM, WRITTEN_EXCHANGE)

OUTCOME: Final = "outcome"
NEXT_STEP: Final = "next_step"
# Kept apart from the content: only workers of the note's own welfare area ever see it.
SENSITIVE_NOTE: Final = "sensitive_welfare_note"

# Everything stored in an assessment's content.
CONTENT_FIELDS: Final = (*BASIC_FIELDS, *MULTI_SECTOR_FIELDS, OUTCOME, NEXT_STEP)
ALL_FIELDS: Final = (*CONTENT_FIELDS, SENSITIVE_NOTE)
GROUPS: Final = {"basic": BASIC_FIELDS, "multi_sector": MULTI_SECTOR_FIELDS}
_MULTI_SECTOR_ONLY: Final = frozenset({*MULTI_SECTOR_FIELDS, SENSITIVE_NOTE})


def fields_of_kind(kind: AssessmentKind) -> tuple[str, ...]:
    if kind is AssessmentKind.MULTI_SECTOR:
        return ALL_FIELDS
    return tuple(path for path in ALL_FIELDS if path not in _MULTI_SECTOR_ONLY)


def expand_paths(
    paths: Iterable[str], kind: AssessmentKind, *, field: str = "update_mask"
) -> tuple[str, ...]:
    """The field paths a request names, groups expanded, each once, in request order.

    Unknown paths and paths the kind of assessment does not have are refused.
    """
    expanded: list[str] = []
    for path in paths:
        names = GROUPS.get(path, (path,))
        for name in names:
            if name not in ALL_FIELDS:
                raise AssessmentDomainError(field, f"names an unknown field: {path[:100]}")
            if name not in fields_of_kind(kind):
                raise AssessmentDomainError(
                    field, f"{name} exists only in a multi-sector assessment"
                )
            if name not in expanded:
                expanded.append(name)
    return tuple(expanded)


def team_areas(content: Mapping[str, Any]) -> frozenset[str]:
    """Welfare areas whose workers take part in the assessment through a team member."""
    team = content.get(TEAM) or []
    assert isinstance(team, list)
    return frozenset(
        str(member["welfare_area_code"])
        for member in team
        if isinstance(member, dict) and member.get("welfare_area_code")
    )
