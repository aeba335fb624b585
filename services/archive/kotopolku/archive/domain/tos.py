"""The TOS (tiedonohjaussuunnitelma, the records-management plan): a retention rule per record
type, read from a YAML file and validated before the service starts.

A rule says how long records of the type are kept after which event, whether they are then
disposed or preserved permanently, how public they are and on which legal basis they are secret.
The shipped file (``tos.yaml`` beside this package) documents every field; a municipality points
``KOTOPOLKU_TOS_FILE`` at its own.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

RECORD_TYPE: Final = re.compile(r"[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*")
MAX_RETENTION_YEARS: Final = 150


class Trigger(enum.StrEnum):
    """From which day a retention period runs."""

    # The day the client's active use ended (the archive job's day).
    ACTIVE_USE_END = "active-use-end"
    # The last end date of the client's integration plans.
    LAST_PLAN_END = "last-plan-end"
    # The end of the calendar year in which the latest record of the type was made (accounting).
    END_OF_RECORD_YEAR = "end-of-record-year"
    # The day the package was made.
    ARCHIVED = "archived"


class Publicity(enum.StrEnum):
    """julkinen / osittain salassa pidettävä / salassa pidettävä."""

    PUBLIC = "public"
    PARTLY_SECRET = "partly-secret"
    SECRET = "secret"


class Preservation(enum.StrEnum):
    """hävitetään (after the retention period) / säilytetään pysyvästi."""

    DISPOSE = "dispose"
    PERMANENT = "permanent"


class TosError(ValueError):
    """The TOS file cannot be used; the message names every problem with its place."""


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    record_type: str
    title: str = Field(min_length=1, max_length=200)
    task_class: str = Field(default="", max_length=40)
    preservation: Preservation
    retention_years: int | None = Field(default=None, ge=1, le=MAX_RETENTION_YEARS)
    trigger: Trigger | None = None
    publicity: Publicity
    secrecy_basis: str = Field(default="", max_length=300)
    personal_data: bool = True

    @field_validator("record_type")
    @classmethod
    def _record_type(cls, value: str) -> str:
        if not RECORD_TYPE.fullmatch(value):
            raise ValueError("must be '<service>.<record>' in lower case, e.g. plans.plan")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> _Rule:
        if self.preservation is Preservation.DISPOSE:
            if self.retention_years is None:
                raise ValueError("retention_years is required when preservation is 'dispose'")
            if self.trigger is None:
                raise ValueError("trigger is required when preservation is 'dispose'")
        elif self.retention_years is not None:
            raise ValueError("retention_years must be left out when preservation is 'permanent'")
        if self.publicity is not Publicity.PUBLIC and not self.secrecy_basis.strip():
            raise ValueError("secrecy_basis is required unless publicity is 'public'")
        return self


class _Tos(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=40)
    # YAML anchors for repeated values; not read otherwise.
    templates: dict[str, Any] = Field(default_factory=dict)
    record_types: list[_Rule] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class RetentionRule:
    record_type: str
    title: str
    task_class: str
    preservation: Preservation
    # None when preserved permanently.
    retention_years: int | None
    trigger: Trigger | None
    publicity: Publicity
    secrecy_basis: str
    personal_data: bool

    @property
    def permanent(self) -> bool:
        return self.preservation is Preservation.PERMANENT


@dataclass(frozen=True, slots=True)
class Tos:
    name: str
    version: str
    rules: Mapping[str, RetentionRule]

    def rule(self, record_type: str) -> RetentionRule | None:
        return self.rules.get(record_type)

    def missing(self, record_types: Sequence[str]) -> list[str]:
        """The record types that no rule covers."""
        return sorted({t for t in record_types if t not in self.rules})


def _place(location: Sequence[int | str]) -> str:
    place = ""
    for part in location:
        place += f"[{part}]" if isinstance(part, int) else (f".{part}" if place else str(part))
    return place or "(file)"


def parse_tos(document: Any, *, source: str = "TOS") -> Tos:
    """The TOS from a parsed YAML/JSON document; :class:`TosError` lists every problem."""
    try:
        parsed = _Tos.model_validate(document)
    except ValidationError as error:
        problems = [
            f"{_place(item['loc'])}: {item['msg'].removeprefix('Value error, ')}"
            for item in error.errors()
        ]
        raise TosError(f"{source} is not valid:\n  " + "\n  ".join(problems)) from None
    rules: dict[str, RetentionRule] = {}
    duplicates = []
    for index, rule in enumerate(parsed.record_types):
        if rule.record_type in rules:
            duplicates.append(f"record_types[{index}].record_type: {rule.record_type} is repeated")
        rules[rule.record_type] = RetentionRule(
            record_type=rule.record_type,
            title=rule.title,
            task_class=rule.task_class,
            preservation=rule.preservation,
            retention_years=rule.retention_years,
            trigger=rule.trigger,
            publicity=rule.publicity,
            secrecy_basis=rule.secrecy_basis.strip(),
            personal_data=rule.personal_data,
        )
    if duplicates:
        raise TosError(f"{source} is not valid:\n  " + "\n  ".join(duplicates))
    return Tos(parsed.name, parsed.version, rules)


def load_tos(path: Path) -> Tos:
    """Reads and validates a TOS file (YAML, of which JSON is a subset)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TosError(f"{path} cannot be read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise TosError(f"{path} is not valid YAML: {error}") from None
    return parse_tos(document, source=str(path))


SHIPPED_TOS: Final = Path(__file__).parent.parent / "tos.yaml"
