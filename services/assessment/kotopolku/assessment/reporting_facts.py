"""What the assessment service tells the reporting service (see :mod:`kotopolku.common.facts`):
an assessment started, with the client's moving-in date (the first residence permit or
registration) for the lead time, and an assessment completed, with its outcome. Nothing else of
the assessment leaves: no content, no names, no ids in the clear."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.facts import FactRecorder
from kotopolku.reporting.v1 import reporting_pb2

RECORD_KIND: Final = "assessment"
_SEGMENT_PREFIX: Final = "CLIENT_SEGMENT_"


def _segment(client: clients_pb2.Client) -> str:
    if client.segment == clients_pb2.CLIENT_SEGMENT_UNSPECIFIED:
        return ""
    return clients_pb2.ClientSegment.Name(client.segment).removeprefix(_SEGMENT_PREFIX)


def started(
    recorder: FactRecorder, row: Any, client: clients_pb2.Client, day: date
) -> reporting_pb2.Fact:
    fact = recorder.fact(row.municipality_code, row.client_id, RECORD_KIND, row.id)
    fact.assessment_started.CopyFrom(
        reporting_pb2.AssessmentStarted(
            kind=row.kind,
            started_on=day.isoformat(),
            moved_in_on=client.first_permit_date,
            segment=_segment(client),
        )
    )
    return fact


def completed(recorder: FactRecorder, row: Any, day: date) -> reporting_pb2.Fact:
    outcome = (row.content or {}).get("outcome") or {}
    fact = recorder.fact(row.municipality_code, row.client_id, RECORD_KIND, row.id)
    fact.assessment_completed.CopyFrom(
        reporting_pb2.AssessmentCompleted(
            kind=row.kind, completed_on=day.isoformat(), outcome=str(outcome.get("kind", ""))
        )
    )
    return fact
