"""What the plans service is told when an enrolment is made and when it ends.

The summary is short and carries no free text the provider wrote: the plan shows the outcome,
and details stay with the enrolment.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from kotopolku.programme.domain.enrolment import InterruptionReason
from kotopolku.programme.domain.language_test import LanguageTestResult


class OutcomeStatus(enum.StrEnum):
    ENROLLED = "ENROLLED"
    COMPLETED = "COMPLETED"
    INTERRUPTED = "INTERRUPTED"


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    """One notification for the plans service's RecordServiceOutcome."""

    plan_id: str
    plan_service_id: str
    status: OutcomeStatus
    outcome_date: date
    summary: str


def enrolment_summary(start: date) -> str:
    return f"Enrolled; starts on {start.isoformat()}."


def completion_summary(completed_on: date, language_test: LanguageTestResult | None) -> str:
    text = f"Completed on {completed_on.isoformat()}."
    if language_test is not None:
        text += f" Final language test: {language_test.describe()}."
    return text


def interruption_summary(interrupted_on: date, reason: InterruptionReason) -> str:
    return f"Interrupted on {interrupted_on.isoformat()}: {reason.label}."
