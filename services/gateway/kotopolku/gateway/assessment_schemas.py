"""JSON shapes of the assessment API (IS service 2) and their conversion to and from messages.

Types and sizes are checked here; the domain rules (areas answered or not assessed with a reason,
CEFR levels only for Finnish and Swedish, dates, who may write which field) are checked once, in
the assessment service, and come back as field violations.

Changes (create, PATCH, corrections) are a partial document: every field present is set, ``null``
clears it, absent fields stay as they are. They travel as field paths (``basic.literacy``,
``multi_sector.team``, ``outcome``) - the same names the audit log and errors use.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from kotopolku.assessment.v1 import assessment_pb2 as pb
from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model

MAX_AREA = 4000
MAX_SECTION = 8000
MAX_REASON = 2000


class AssessmentKind(StrEnum):
    basic = "basic"
    multi_sector = "multi-sector"


class AssessmentState(StrEnum):
    draft = "draft"
    completed = "completed"


class Cefr(StrEnum):
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"


class OutcomeKind(StrEnum):
    integration_plan_needed = "integration-plan-needed"
    multi_sector_plan_needed = "multi-sector-plan-needed"
    no_plan = "no-plan"
    referred_to_employment_authority = "referred-to-employment-authority"


class MeasureKind(StrEnum):
    language_level_test = "language-level-test"
    literacy_screening = "literacy-screening"
    competence_recognition = "competence-recognition"


class MeasureStatus(StrEnum):
    ordered = "ordered"
    completed = "completed"


KINDS = enum_map("ASSESSMENT_KIND_", AssessmentKind, pb.AssessmentKind)
STATES = enum_map("ASSESSMENT_STATE_", AssessmentState, pb.AssessmentState)
CEFR = enum_map("CEFR_LEVEL_", Cefr, pb.CefrLevel)
OUTCOMES = enum_map("OUTCOME_KIND_", OutcomeKind, pb.OutcomeKind)
MEASURE_KINDS = enum_map("MEASURE_KIND_", MeasureKind, pb.MeasureKind)
MEASURE_STATUSES = enum_map("MEASURE_STATUS_", MeasureStatus, pb.MeasureStatus)

BASIC_AREAS = (
    "literacy",
    "language_skills",
    "study_and_working_life_skills",
    "education_and_work_history",
    "special_skills_and_strengths",
    "own_goals",
    "societal_knowledge_and_participation",
    "life_situation_and_service_needs",
)
SECTIONS = (
    "mental_health_and_rehabilitation_needs",
    "employment_and_education_service_needs",
    "social_and_health_service_needs",
    "other_needs_and_wishes",
)
SKILLS = ("reading", "writing", "listening", "speaking")


def _time(message: Any, name: str) -> datetime | None:
    return from_timestamp(getattr(message, name)) if message.HasField(name) else None


# --- parts -------------------------------------------------------------------------------


class AreaFinding(Model):
    """One interview area: what was found, or why it was not assessed."""

    summary: str = Field("", max_length=MAX_AREA, examples=["Lukee ja kirjoittaa arabiaa"])
    not_assessed: bool = False
    not_assessed_reason: str = Field("", max_length=MAX_REASON)

    def message(self) -> pb.AreaFinding:
        return pb.AreaFinding(**self.model_dump())

    @classmethod
    def of(cls, m: pb.AreaFinding) -> AreaFinding:
        return cls(
            summary=m.summary,
            not_assessed=m.not_assessed,
            not_assessed_reason=m.not_assessed_reason,
        )


class LanguageProficiency(Model):
    """Finnish (fi) or Swedish (sv) skills on the CEFR scale; null = not known."""

    language: str = Field(max_length=3, examples=["fi"])
    reading: Cefr | None = None
    writing: Cefr | None = None
    listening: Cefr | None = None
    speaking: Cefr | None = None

    def message(self) -> pb.LanguageProficiency:
        return pb.LanguageProficiency(
            language=self.language,
            **{skill: CEFR.get(getattr(self, skill), 0) for skill in SKILLS},
        )

    @classmethod
    def of(cls, m: pb.LanguageProficiency) -> LanguageProficiency:
        return cls(
            language=m.language, **{skill: from_proto(CEFR, getattr(m, skill)) for skill in SKILLS}
        )


class TeamMember(Model):
    name: str = Field(max_length=200, examples=["Sari Sosiaali"])
    role: str = Field(max_length=100, examples=["sosiaalityöntekijä"])
    welfare_area_code: str = Field(
        "", max_length=60, description="Empty for municipal staff", examples=["pirkanmaa"]
    )


class Outcome(Model):
    kind: OutcomeKind
    reason: str = Field(max_length=MAX_REASON, examples=["Tarvitsee kielikoulutusta"])


class NextStep(Model):
    date: str = Field(description="YYYY-MM-DD", examples=["2026-12-15"])
    description: str = Field(max_length=1000, examples=["Kotoutumissuunnitelman laadinta"])


# --- changes -----------------------------------------------------------------------------


class BasicChanges(Model):
    """The eight interview areas and the CEFR levels; present fields are set, null clears."""

    literacy: AreaFinding | None = None
    language_skills: AreaFinding | None = None
    language_proficiencies: list[LanguageProficiency] | None = Field(None, max_length=2)
    study_and_working_life_skills: AreaFinding | None = None
    education_and_work_history: AreaFinding | None = None
    special_skills_and_strengths: AreaFinding | None = None
    own_goals: AreaFinding | None = None
    societal_knowledge_and_participation: AreaFinding | None = None
    life_situation_and_service_needs: AreaFinding | None = None

    def apply(self, message: pb.BasicAreas) -> list[str]:
        for name in self.model_fields_set & set(BASIC_AREAS):
            value = getattr(self, name)
            if value is not None:
                getattr(message, name).CopyFrom(value.message())
        if self.language_proficiencies:
            message.language_proficiencies.extend(p.message() for p in self.language_proficiencies)
        return [
            f"basic.{name}" for name in type(self).model_fields if name in self.model_fields_set
        ]


class MultiSectorChanges(Model):
    """Sections are plain text: the service records who wrote them and when."""

    mental_health_and_rehabilitation_needs: str | None = Field(None, max_length=MAX_SECTION)
    employment_and_education_service_needs: str | None = Field(None, max_length=MAX_SECTION)
    social_and_health_service_needs: str | None = Field(None, max_length=MAX_SECTION)
    other_needs_and_wishes: str | None = Field(None, max_length=MAX_SECTION)
    team: list[TeamMember] | None = Field(None, max_length=30)
    written_exchange: bool | None = Field(
        None, description="Done by exchanging information in writing, not a joint interview"
    )

    def apply(self, message: pb.MultiSectorAreas) -> list[str]:
        for name in SECTIONS:
            getattr(message, name).text = getattr(self, name) or ""
        message.team.extend(pb.TeamMember(**t.model_dump()) for t in self.team or [])
        message.written_exchange = bool(self.written_exchange)
        return [
            f"multi_sector.{name}"
            for name in type(self).model_fields
            if name in self.model_fields_set
        ]


class AssessmentChanges(Model):
    basic: BasicChanges | None = None
    multi_sector: MultiSectorChanges | None = Field(
        None, description="Multi-sector assessments only"
    )
    outcome: Outcome | None = None
    next_step: NextStep | None = None
    sensitive_welfare_note: str | None = Field(
        None,
        max_length=MAX_SECTION,
        description="Welfare-area workers of the team only: a note only their own area sees",
    )

    def message_and_paths(self) -> tuple[pb.Assessment, list[str]]:
        message = pb.Assessment()
        paths: list[str] = []
        present = self.model_fields_set
        for group, changes in (("basic", self.basic), ("multi_sector", self.multi_sector)):
            if group not in present:
                continue
            if changes is None:
                paths.append(group)  # null clears the whole group
            else:
                paths += changes.apply(getattr(message, group))
        if "outcome" in present:
            paths.append("outcome")
            if self.outcome is not None:
                message.outcome.CopyFrom(
                    pb.Outcome(kind=OUTCOMES[self.outcome.kind], reason=self.outcome.reason)
                )
        if "next_step" in present:
            paths.append("next_step")
            if self.next_step is not None:
                message.next_step.CopyFrom(pb.NextStep(**self.next_step.model_dump()))
        if "sensitive_welfare_note" in present:
            paths.append("sensitive_welfare_note")
            message.sensitive_welfare_note.text = self.sensitive_welfare_note or ""
        return message, paths


class AssessmentCreate(AssessmentChanges):
    kind: AssessmentKind = AssessmentKind.basic


class AssessmentCorrection(Model):
    reason: str = Field(min_length=1, max_length=MAX_REASON, examples=["Päätös kirjattiin väärin"])
    changes: AssessmentChanges


# --- what is read ------------------------------------------------------------------------


class BasicAreas(Model):
    literacy: AreaFinding | None
    language_skills: AreaFinding | None
    language_proficiencies: list[LanguageProficiency]
    study_and_working_life_skills: AreaFinding | None
    education_and_work_history: AreaFinding | None
    special_skills_and_strengths: AreaFinding | None
    own_goals: AreaFinding | None
    societal_knowledge_and_participation: AreaFinding | None
    life_situation_and_service_needs: AreaFinding | None

    @classmethod
    def of(cls, m: pb.BasicAreas) -> BasicAreas:
        areas = {
            name: AreaFinding.of(getattr(m, name)) if m.HasField(name) else None  # type: ignore[arg-type]
            for name in BASIC_AREAS
        }
        return cls(
            language_proficiencies=[LanguageProficiency.of(p) for p in m.language_proficiencies],
            **areas,
        )


class RecordedSection(Model):
    text: str
    recorded_by: str
    recorded_by_welfare_area: str | None
    recorded_at: datetime | None

    @classmethod
    def of(cls, m: pb.RecordedSection) -> RecordedSection:
        return cls(
            text=m.text,
            recorded_by=m.recorded_by,
            recorded_by_welfare_area=m.recorded_by_welfare_area or None,
            recorded_at=_time(m, "recorded_at"),
        )


class MultiSectorAreas(Model):
    mental_health_and_rehabilitation_needs: RecordedSection | None
    employment_and_education_service_needs: RecordedSection | None
    social_and_health_service_needs: RecordedSection | None
    other_needs_and_wishes: RecordedSection | None
    team: list[TeamMember]
    written_exchange: bool

    @classmethod
    def of(cls, m: pb.MultiSectorAreas) -> MultiSectorAreas:
        sections = {
            name: RecordedSection.of(getattr(m, name)) if m.HasField(name) else None  # type: ignore[arg-type]
            for name in SECTIONS
        }
        return cls(
            team=[
                TeamMember(name=t.name, role=t.role, welfare_area_code=t.welfare_area_code)
                for t in m.team
            ],
            written_exchange=m.written_exchange,
            **sections,
        )


class SensitiveWelfareNote(Model):
    welfare_area_code: str
    text: str
    recorded_by: str
    recorded_at: datetime | None


class Correction(Model):
    id: str
    corrected_by: str
    corrected_at: datetime | None
    reason: str
    fields: list[str]


class MeasureResultIn(Model):
    proficiency: LanguageProficiency | None = Field(
        None, description="Language level tests: the CEFR level per skill"
    )
    summary: str = Field(max_length=MAX_AREA, examples=["Puhuu sujuvasti arkitilanteissa"])
    completed_on: str = Field(description="YYYY-MM-DD", examples=["2026-11-20"])

    def message(self) -> pb.MeasureResult:
        result = pb.MeasureResult(summary=self.summary, completed_on=self.completed_on)
        if self.proficiency is not None:
            result.proficiency.CopyFrom(self.proficiency.message())
        return result


class MeasureResult(Model):
    proficiency: LanguageProficiency | None
    summary: str
    completed_on: str
    recorded_by: str
    recorded_at: datetime | None


class MeasureOrder(Model):
    kind: MeasureKind
    provider_organisation: str = Field(max_length=100, examples=["opisto"])
    instructions: str = Field("", max_length=2000, examples=["Suomen kielen lähtötason testi"])
    due_date: str | None = Field(None, description="YYYY-MM-DD")

    def message(self) -> pb.RefiningMeasure:
        return pb.RefiningMeasure(
            kind=MEASURE_KINDS[self.kind],
            provider_organisation=self.provider_organisation,
            instructions=self.instructions,
            due_date=self.due_date or "",
        )


class Measure(Model):
    """A refining measure. A provider sees no assessment_id and no ordered_by."""

    id: str
    version: int
    assessment_id: str | None
    client_id: str
    municipality_code: str
    kind: MeasureKind
    provider_organisation: str
    instructions: str
    due_date: str | None
    status: MeasureStatus
    result: MeasureResult | None
    ordered_by: str | None
    ordered_at: datetime | None

    @classmethod
    def of(cls, m: pb.RefiningMeasure) -> Measure:
        result = None
        if m.HasField("result"):
            r = m.result
            result = MeasureResult(
                proficiency=LanguageProficiency.of(r.proficiency)
                if r.HasField("proficiency")
                else None,
                summary=r.summary,
                completed_on=r.completed_on,
                recorded_by=r.recorded_by,
                recorded_at=_time(r, "recorded_at"),
            )
        return cls(
            id=m.id,
            version=m.version,
            assessment_id=m.assessment_id or None,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            kind=from_proto(MEASURE_KINDS, m.kind),
            provider_organisation=m.provider_organisation,
            instructions=m.instructions,
            due_date=m.due_date or None,
            status=from_proto(MEASURE_STATUSES, m.status),
            result=result,
            ordered_by=m.ordered_by or None,
            ordered_at=_time(m, "ordered_at"),
        )


class MeasurePage(Model):
    items: list[Measure]
    next_page_token: str | None


class Assessment(Model):
    id: str
    version: int
    client_id: str
    municipality_code: str
    kind: AssessmentKind
    state: AssessmentState
    basic: BasicAreas
    multi_sector: MultiSectorAreas | None
    outcome: Outcome | None
    next_step: NextStep | None
    sensitive_welfare_note: SensitiveWelfareNote | None = Field(
        description="Only for welfare-area workers of the team: their own area's note"
    )
    measures: list[Measure]
    corrections: list[Correction]
    created_by: str
    created_at: datetime | None
    updated_at: datetime | None
    completed_by: str | None
    completed_at: datetime | None

    @classmethod
    def of(cls, m: pb.Assessment) -> Assessment:
        kind = from_proto(KINDS, m.kind)
        note = m.sensitive_welfare_note
        return cls(
            id=m.id,
            version=m.version,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            kind=kind,
            state=from_proto(STATES, m.state),
            basic=BasicAreas.of(m.basic),
            multi_sector=MultiSectorAreas.of(m.multi_sector)
            if kind is AssessmentKind.multi_sector
            else None,
            outcome=Outcome(kind=from_proto(OUTCOMES, m.outcome.kind), reason=m.outcome.reason)
            if m.HasField("outcome")
            else None,
            next_step=NextStep(date=m.next_step.date, description=m.next_step.description)
            if m.HasField("next_step")
            else None,
            sensitive_welfare_note=SensitiveWelfareNote(
                welfare_area_code=note.welfare_area_code,
                text=note.text,
                recorded_by=note.recorded_by,
                recorded_at=_time(note, "recorded_at"),
            )
            if m.HasField("sensitive_welfare_note")
            else None,
            measures=[Measure.of(x) for x in m.measures],
            corrections=[
                Correction(
                    id=c.id,
                    corrected_by=c.corrected_by,
                    corrected_at=_time(c, "corrected_at"),
                    reason=c.reason,
                    fields=list(c.fields),
                )
                for c in m.corrections
            ],
            created_by=m.created_by,
            created_at=_time(m, "created_at"),
            updated_at=_time(m, "updated_at"),
            completed_by=m.completed_by or None,
            completed_at=_time(m, "completed_at"),
        )


class AssessmentSummary(Model):
    id: str
    version: int
    client_id: str
    municipality_code: str
    kind: AssessmentKind
    state: AssessmentState
    outcome: OutcomeKind | None
    next_step: NextStep | None
    created_at: datetime | None
    updated_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, m: pb.AssessmentSummary) -> AssessmentSummary:
        return cls(
            id=m.id,
            version=m.version,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            kind=from_proto(KINDS, m.kind),
            state=from_proto(STATES, m.state),
            outcome=from_proto(OUTCOMES, m.outcome),
            next_step=NextStep(date=m.next_step.date, description=m.next_step.description)
            if m.HasField("next_step")
            else None,
            created_at=_time(m, "created_at"),
            updated_at=_time(m, "updated_at"),
            completed_at=_time(m, "completed_at"),
        )


class AssessmentPage(Model):
    items: list[AssessmentSummary]
    next_page_token: str | None
