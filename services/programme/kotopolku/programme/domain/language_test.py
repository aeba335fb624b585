"""The final language proficiency test (kielitaidon päättötestaus) of a completed service.

Results are CEFR levels per skill (reading, writing, listening, speaking): A1..C2, or BELOW_A1.
Integration training (kotoutumiskoulutus) ends with the test, so its completion needs a result;
language, literacy, basic-education and municipality-defined services may report one; civic
orientation and guidance have no language test. A result is whole: every skill has a level.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from kotopolku.programme.domain.catalogue import ServiceType
from kotopolku.programme.domain.errors import ProgrammeDomainError

SKILLS: Final = ("reading", "writing", "listening", "speaking")


class CefrLevel(enum.StrEnum):
    """Common European Framework of Reference levels; values are the protobuf enum suffixes."""

    BELOW_A1 = "BELOW_A1"
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"

    @property
    def rank(self) -> int:
        return list(CefrLevel).index(self)

    @property
    def label(self) -> str:
        return "below A1" if self is CefrLevel.BELOW_A1 else self.value


class LanguageTestPolicy(enum.Enum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    NOT_APPLICABLE = "not-applicable"


_POLICY: Final = {
    ServiceType.INTEGRATION_TRAINING: LanguageTestPolicy.REQUIRED,
    ServiceType.LANGUAGE_TRAINING: LanguageTestPolicy.OPTIONAL,
    ServiceType.LITERACY_TRAINING: LanguageTestPolicy.OPTIONAL,
    ServiceType.BASIC_EDUCATION_FOR_ADULTS: LanguageTestPolicy.OPTIONAL,
    ServiceType.MUNICIPALITY_DEFINED: LanguageTestPolicy.OPTIONAL,
    ServiceType.CIVIC_ORIENTATION: LanguageTestPolicy.NOT_APPLICABLE,
    ServiceType.GUIDANCE: LanguageTestPolicy.NOT_APPLICABLE,
}


def language_test_policy(service_type: ServiceType) -> LanguageTestPolicy:
    return _POLICY[service_type]


@dataclass(frozen=True, slots=True)
class LanguageTestResult:
    reading: CefrLevel
    writing: CefrLevel
    listening: CefrLevel
    speaking: CefrLevel

    def levels(self) -> dict[str, CefrLevel]:
        return {skill: getattr(self, skill) for skill in SKILLS}

    def describe(self) -> str:
        return ", ".join(f"{skill} {level.label}" for skill, level in self.levels().items())


def check_language_test(
    service_type: ServiceType,
    levels: Mapping[str, CefrLevel | None],
    *,
    field: str = "language_test",
) -> tuple[LanguageTestResult | None, list[ProgrammeDomainError]]:
    """The result (None when none was given) and every problem, each naming its field.

    ``levels`` maps each skill to its level, None for a skill without one.
    """
    given = {skill: levels.get(skill) for skill in SKILLS}
    if all(level is None for level in given.values()):
        if language_test_policy(service_type) is LanguageTestPolicy.REQUIRED:
            return None, [
                ProgrammeDomainError(field, "is required: integration training ends with the test")
            ]
        return None, []
    if language_test_policy(service_type) is LanguageTestPolicy.NOT_APPLICABLE:
        return None, [ProgrammeDomainError(field, "this type of service has no language test")]
    problems = [
        ProgrammeDomainError(f"{field}.{skill}", "give a level for every skill")
        for skill, level in given.items()
        if level is None
    ]
    if problems:
        return None, problems
    return LanguageTestResult(**{k: v for k, v in given.items() if v is not None}), []
