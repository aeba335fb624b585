"""What the programme service tells the reporting service (see :mod:`kotopolku.common.facts`):
an enrolment started, and an enrolment ended (completed or interrupted), with the service's type
and, for a completion, the final language test's CEFR levels. Nothing else of the enrolment
leaves: no provider, no attendance, no names, no ids in the clear."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from kotopolku.common.facts import FactRecorder
from kotopolku.reporting.v1 import reporting_pb2

RECORD_KIND: Final = "enrolment"


def started(recorder: FactRecorder, row: Any, service_type: str) -> reporting_pb2.Fact:
    fact = recorder.fact(row.municipality_code, row.client_id, RECORD_KIND, row.id)
    fact.enrolment_started.CopyFrom(
        reporting_pb2.EnrolmentStarted(
            service_type=service_type, started_on=row.start_date.isoformat()
        )
    )
    return fact


def ended(recorder: FactRecorder, row: Any, service_type: str) -> reporting_pb2.Fact:
    """``row`` is the enrolment after it was completed or interrupted."""
    end: date = row.completion_date or row.interruption_date
    levels = row.language_test or {}
    fact = recorder.fact(row.municipality_code, row.client_id, RECORD_KIND, row.id)
    fact.enrolment_ended.CopyFrom(
        reporting_pb2.EnrolmentEnded(
            service_type=service_type,
            started_on=row.start_date.isoformat(),
            ended_on=end.isoformat(),
            outcome=str(row.status),
            interruption_reason=str(row.interruption_reason or ""),
            language_test=reporting_pb2.LanguageLevels(
                **{skill: str(level) for skill, level in levels.items()}
            )
            if levels
            else None,
        )
    )
    return fact
