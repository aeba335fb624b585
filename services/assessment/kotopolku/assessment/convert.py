"""API messages to the domain's plain values, and stored rows back to API messages."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, TypeVar

from kotopolku.assessment.domain import (
    AssessmentDomainError,
    AssessmentKind,
    AssessmentState,
    CefrLevel,
    MeasureKind,
    MeasureStatus,
    OutcomeKind,
)
from kotopolku.assessment.domain import model as m
from kotopolku.assessment.v1 import assessment_pb2 as pb
from kotopolku.common.clock import as_utc, to_timestamp

E = TypeVar("E", bound=enum.Enum)


def _enum_map(enum_type: type[E], proto_enum: Any, prefix: str) -> dict[Any, E]:
    return {proto_enum.Value(prefix + member.value): member for member in enum_type}


KIND_FROM_PROTO: Final = _enum_map(AssessmentKind, pb.AssessmentKind, "ASSESSMENT_KIND_")
KIND_TO_PROTO: Final[dict[AssessmentKind, Any]] = {v: k for k, v in KIND_FROM_PROTO.items()}
STATE_TO_PROTO: Final[dict[AssessmentState, Any]] = {
    v: k for k, v in _enum_map(AssessmentState, pb.AssessmentState, "ASSESSMENT_STATE_").items()
}
CEFR_FROM_PROTO: Final = _enum_map(CefrLevel, pb.CefrLevel, "CEFR_LEVEL_")
CEFR_TO_PROTO: Final[dict[CefrLevel, Any]] = {v: k for k, v in CEFR_FROM_PROTO.items()}
OUTCOME_FROM_PROTO: Final = _enum_map(OutcomeKind, pb.OutcomeKind, "OUTCOME_KIND_")
OUTCOME_TO_PROTO: Final[dict[OutcomeKind, Any]] = {v: k for k, v in OUTCOME_FROM_PROTO.items()}
MEASURE_KIND_FROM_PROTO: Final = _enum_map(MeasureKind, pb.MeasureKind, "MEASURE_KIND_")
MEASURE_KIND_TO_PROTO: Final[dict[MeasureKind, Any]] = {
    v: k for k, v in MEASURE_KIND_FROM_PROTO.items()
}
MEASURE_STATUS_FROM_PROTO: Final = _enum_map(MeasureStatus, pb.MeasureStatus, "MEASURE_STATUS_")
MEASURE_STATUS_TO_PROTO: Final[dict[MeasureStatus, Any]] = {
    v: k for k, v in MEASURE_STATUS_FROM_PROTO.items()
}

# Audit field names of a measure as staff and as its provider see it.
MEASURE_FIELDS: Final = tuple(
    name for name in pb.RefiningMeasure.DESCRIPTOR.fields_by_name if name != "version"
)
PROVIDER_MEASURE_FIELDS: Final = tuple(
    name for name in MEASURE_FIELDS if name not in ("assessment_id", "ordered_by")
)
SUMMARY_FIELDS: Final = ("kind", "state", "outcome", "next_step")


def enum_value(
    mapping: Mapping[int, E], value: int, field: str, *, required: bool = False
) -> E | None:
    """The domain member of a proto enum value; 0 (unspecified) is None."""
    if value == 0:
        if required:
            raise AssessmentDomainError(field, "is required")
        return None
    if value not in mapping:
        raise AssessmentDomainError(field, "is not a known value")
    return mapping[value]


# --- requests to plain values ------------------------------------------------------------


def _name(path: str) -> str:
    return path.split(".", 1)[1]


def proficiency_value(message: pb.LanguageProficiency, field: str) -> dict[str, Any]:
    return {"language": message.language} | {
        skill: enum_value(CEFR_FROM_PROTO, getattr(message, skill), f"{field}.{skill}")
        for skill in m.SKILLS
    }


def request_value(message: pb.Assessment, path: str) -> Any:
    """What the request says about field ``path``, as plain values for the validators."""
    if path in m.BASIC_AREAS:
        finding: pb.AreaFinding = getattr(message.basic, _name(path))
        return {
            "summary": finding.summary,
            "not_assessed": finding.not_assessed,
            "not_assessed_reason": finding.not_assessed_reason,
        }
    if path == m.LANGUAGE_PROFICIENCIES:
        return [
            proficiency_value(item, f"{path}[{index}]")
            for index, item in enumerate(message.basic.language_proficiencies)
        ]
    if path in m.SECTIONS:
        section: pb.RecordedSection = getattr(message.multi_sector, _name(path))
        return section.text
    if path == m.TEAM:
        return [
            {"name": t.name, "role": t.role, "welfare_area_code": t.welfare_area_code}
            for t in message.multi_sector.team
        ]
    if path == m.WRITTEN_EXCHANGE:
        return message.multi_sector.written_exchange
    if path == m.OUTCOME:
        return {
            "kind": enum_value(OUTCOME_FROM_PROTO, message.outcome.kind, "outcome.kind"),
            "reason": message.outcome.reason,
        }
    if path == m.NEXT_STEP:
        return {"date": message.next_step.date, "description": message.next_step.description}
    if path == m.SENSITIVE_NOTE:
        return message.sensitive_welfare_note.text
    raise AssessmentDomainError(path, "is not a field of an assessment")


# --- stored values to messages -----------------------------------------------------------


def _timestamp(iso: str) -> Any:
    return to_timestamp(datetime.fromisoformat(iso)) if iso else None


def proficiency_message(value: Mapping[str, Any]) -> pb.LanguageProficiency:
    return pb.LanguageProficiency(
        language=value["language"],
        **{skill: CEFR_TO_PROTO[CefrLevel(value[skill])] for skill in m.SKILLS if value.get(skill)},
    )


def _set_content(message: pb.Assessment, content: Mapping[str, Any]) -> None:
    for path, value in content.items():
        if path in m.BASIC_AREAS:
            getattr(message.basic, _name(path)).CopyFrom(pb.AreaFinding(**value))
        elif path == m.LANGUAGE_PROFICIENCIES:
            message.basic.language_proficiencies.extend(proficiency_message(v) for v in value)
        elif path in m.SECTIONS:
            section = pb.RecordedSection(
                text=value["text"],
                recorded_by=value.get("recorded_by", ""),
                recorded_by_welfare_area=value.get("recorded_by_welfare_area", ""),
                recorded_at=_timestamp(value.get("recorded_at", "")),
            )
            getattr(message.multi_sector, _name(path)).CopyFrom(section)
        elif path == m.TEAM:
            message.multi_sector.team.extend(pb.TeamMember(**member) for member in value)
        elif path == m.WRITTEN_EXCHANGE:
            message.multi_sector.written_exchange = bool(value)
        elif path == m.OUTCOME:
            message.outcome.CopyFrom(
                pb.Outcome(
                    kind=OUTCOME_TO_PROTO[OutcomeKind(value["kind"])], reason=value["reason"]
                )
            )
        elif path == m.NEXT_STEP:
            message.next_step.CopyFrom(pb.NextStep(**value))


def assessment_message(
    row: Any,
    *,
    measures: Iterable[pb.RefiningMeasure] = (),
    corrections: Iterable[pb.Correction] = (),
    sensitive_note: Any = None,
) -> pb.Assessment:
    message = pb.Assessment(
        id=row.id,
        version=row.version,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        kind=KIND_TO_PROTO[AssessmentKind(row.kind)],
        state=STATE_TO_PROTO[AssessmentState(row.state)],
        measures=list(measures),
        corrections=list(corrections),
        created_by=row.created_by,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
        completed_by=row.completed_by or "",
        completed_at=to_timestamp(row.completed_at),
    )
    _set_content(message, row.content)
    if sensitive_note is not None:
        message.sensitive_welfare_note.CopyFrom(
            pb.SensitiveWelfareNote(
                welfare_area_code=sensitive_note.welfare_area_code,
                text=sensitive_note.text,
                recorded_by=sensitive_note.recorded_by,
                recorded_at=to_timestamp(sensitive_note.recorded_at),
            )
        )
    return message


def correction_message(row: Any, fields: Sequence[str]) -> pb.Correction:
    return pb.Correction(
        id=row.id,
        corrected_by=row.corrected_by,
        corrected_at=to_timestamp(row.corrected_at),
        reason=row.reason,
        fields=list(fields),
    )


def summary_message(row: Any) -> pb.AssessmentSummary:
    content = row.content
    summary = pb.AssessmentSummary(
        id=row.id,
        version=row.version,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        kind=KIND_TO_PROTO[AssessmentKind(row.kind)],
        state=STATE_TO_PROTO[AssessmentState(row.state)],
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
        completed_at=to_timestamp(row.completed_at),
    )
    if content.get(m.OUTCOME):
        summary.outcome = OUTCOME_TO_PROTO[OutcomeKind(content[m.OUTCOME]["kind"])]
    if content.get(m.NEXT_STEP):
        summary.next_step.CopyFrom(pb.NextStep(**content[m.NEXT_STEP]))
    return summary


def measure_message(row: Any, *, provider_view: bool = False) -> pb.RefiningMeasure:
    """A refining measure; the provider's view leaves out the assessment and who ordered it."""
    message = pb.RefiningMeasure(
        id=row.id,
        version=row.version,
        assessment_id="" if provider_view else row.assessment_id,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        kind=MEASURE_KIND_TO_PROTO[MeasureKind(row.kind)],
        provider_organisation=row.provider_organisation,
        instructions=row.instructions,
        due_date=row.due_date.isoformat() if row.due_date else "",
        status=MEASURE_STATUS_TO_PROTO[MeasureStatus(row.status)],
        ordered_by="" if provider_view else row.ordered_by,
        ordered_at=to_timestamp(row.ordered_at),
    )
    if row.result:
        result = pb.MeasureResult(
            summary=row.result.get("summary", ""),
            completed_on=row.result.get("completed_on", ""),
            recorded_by=row.result_recorded_by or "",
            recorded_at=to_timestamp(as_utc(row.result_recorded_at))
            if row.result_recorded_at
            else None,
        )
        if row.result.get("proficiency"):
            result.proficiency.CopyFrom(proficiency_message(row.result["proficiency"]))
        message.result.CopyFrom(result)
    return message
