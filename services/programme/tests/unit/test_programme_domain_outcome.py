"""What the plans service is told, and how often delivery is retried."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.programme.domain import (
    CefrLevel,
    InterruptionReason,
    LanguageTestResult,
    OutcomeStatus,
    completion_summary,
    interruption_summary,
)


def test_completion_summary() -> None:
    assert completion_summary(date(2026, 5, 29), None) == "Completed on 2026-05-29."
    result = LanguageTestResult(CefrLevel.A1, CefrLevel.A2, CefrLevel.B1, CefrLevel.B2)
    assert completion_summary(date(2026, 5, 29), result) == (
        "Completed on 2026-05-29. Final language test: reading A1, writing A2, listening B1, "
        "speaking B2."
    )


@pytest.mark.parametrize("reason", list(InterruptionReason))
def test_interruption_summary_names_the_reason_only(reason: InterruptionReason) -> None:
    summary = interruption_summary(date(2026, 3, 10), reason)
    assert summary == f"Interrupted on 2026-03-10: {reason.label}."
    assert len(summary) < 500


def test_outcome_statuses_are_plan_service_statuses() -> None:
    from kotopolku.plans.v1 import plans_pb2

    for status in OutcomeStatus:
        assert plans_pb2.PlanServiceStatus.Value(f"PLAN_SERVICE_STATUS_{status.value}")
