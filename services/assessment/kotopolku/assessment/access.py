"""Who may see and change what in an assessment (defence in depth behind the gateway).

Deny by default. Three ways in:

* **Staff** of the assessment's municipality: municipal and employment officers write every
  shared field, managers read. Nobody of them sees a welfare area's sensitive note.
* **The multi-sector team's welfare-area members**: a ``welfare-area-worker`` whose area is the
  ``welfare_area_code`` of a team member reads the assessment, writes the welfare-area sections,
  and reads and writes the sensitive note of *their own* area only (§3.4.2: the team's mutual
  rights to data are respected).
* **A service provider** sees only the refining measures ordered from its organisation (the
  measure and the client id) and records their results; never the assessment.

A caller who could see the record in some other case but not in this one gets the answer a
missing record gets.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kotopolku.assessment.domain import model
from kotopolku.common.errors import FieldViolation, PermissionDenied
from kotopolku.common.identity import Caller, Role

STAFF_READERS = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER})
STAFF_WRITERS = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})

_STAFF_WRITABLE = frozenset(model.CONTENT_FIELDS)
_TEAM_WRITABLE = frozenset({*model.WELFARE_SECTIONS, model.SENSITIVE_NOTE})


class Standing(enum.Enum):
    """How a caller stands towards one assessment."""

    OFFICER = "officer"
    MANAGER = "manager"
    TEAM = "team"


@dataclass(frozen=True, slots=True)
class Viewer:
    standing: Standing
    # The welfare area of a team member (TEAM only).
    welfare_area: str | None = None

    @property
    def writable(self) -> frozenset[str]:
        if self.standing is Standing.OFFICER:
            return _STAFF_WRITABLE
        if self.standing is Standing.TEAM:
            return _TEAM_WRITABLE
        return frozenset()

    @property
    def sees_sensitive_note(self) -> bool:
        return self.standing is Standing.TEAM

    def require_writable(self, paths: Iterable[str]) -> None:
        refused = [path for path in paths if path not in self.writable]
        if refused:
            raise PermissionDenied(
                "This caller may not change: " + ", ".join(refused),
                violations=[FieldViolation(path, "may not be changed by you") for path in refused],
            )

    def sees_correction(self, fields: Iterable[str], welfare_area: str | None) -> tuple[str, ...]:
        """The fields of a correction this viewer may know were changed."""
        visible = []
        for path in fields:
            if path == model.SENSITIVE_NOTE:
                if self.standing is Standing.TEAM and welfare_area == self.welfare_area:
                    visible.append(path)
            else:
                visible.append(path)
        return tuple(visible)


def may_read_assessments(caller: Caller) -> bool:
    """Whether the caller's role could ever see an assessment (others are refused outright)."""
    if caller.has_any(*STAFF_READERS) and caller.municipality:
        return True
    return caller.has_any(Role.WELFARE_AREA_WORKER) and bool(caller.welfare_area)


def require_assessment_reader(caller: Caller) -> None:
    if not may_read_assessments(caller):
        raise PermissionDenied("This role may not read assessments")


def viewer_of(caller: Caller, municipality: str, areas: frozenset[str]) -> Viewer | None:
    """The caller's standing towards an assessment of ``municipality`` whose team has
    members from ``areas``; None when the caller may not see it."""
    if caller.municipality == municipality:
        if caller.has_any(*STAFF_WRITERS):
            return Viewer(Standing.OFFICER)
        if caller.has_any(Role.MANAGER):
            return Viewer(Standing.MANAGER)
    if (
        caller.has_any(Role.WELFARE_AREA_WORKER)
        and caller.welfare_area
        and caller.welfare_area in areas
    ):
        return Viewer(Standing.TEAM, caller.welfare_area)
    return None


def staff_writer_municipality(caller: Caller) -> str:
    """The municipality of an officer who may create assessments and order measures."""
    if not caller.has_any(*STAFF_WRITERS):
        raise PermissionDenied("Only municipal and employment officers may do this")
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def provider_organisation(caller: Caller) -> str:
    """The organisation of a service-provider caller."""
    if not caller.has_any(Role.SERVICE_PROVIDER):
        raise PermissionDenied("Only service providers have measures of their own")
    if not caller.organisation:
        raise PermissionDenied("The caller has no organisation")
    return caller.organisation


def provider_sees_measure(caller: Caller, row: Any) -> bool:
    """A provider sees the measures ordered from its organisation (by its own municipality,
    when the provider user is tied to one)."""
    return (
        caller.has_any(Role.SERVICE_PROVIDER)
        and bool(caller.organisation)
        and row.provider_organisation == caller.organisation
        and (not caller.municipality or caller.municipality == row.municipality_code)
    )


def may_read_measures(caller: Caller) -> bool:
    return may_read_assessments(caller) or (
        caller.has_any(Role.SERVICE_PROVIDER) and bool(caller.organisation)
    )
