"""Reports from facts: counts of distinct records, durations, states at the end of a group."""

from __future__ import annotations

from datetime import date

import pytest
from reporting_facts_kit import fact

from kotopolku.reporting.domain import reports
from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.periods import Grouping, period
from kotopolku.reporting.domain.table import Table

TODAY = date(2026, 6, 15)


def rows(table: Table) -> dict[tuple[str, ...], dict[str, float | None]]:
    names = [m.name for m in table.measures]
    return {
        row.dimensions: {n: v.number for n, v in zip(names, row.values, strict=True)}
        for row in table.rows
    }


def test_periods_group_by_month_quarter_year_and_total() -> None:
    months = period("2026-01", "2026-06", "month", today=TODAY)
    assert [k for k, _ in months.buckets()] == [f"2026-0{m}" for m in range(1, 7)]
    assert months.bucket(date(2026, 7, 1)) is None
    quarters = period("2025-11", "2026-06", "quarter", today=TODAY)
    assert [k for k, _ in quarters.buckets()] == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert period("2026-01", "2026-06", "total", today=TODAY).bucket(date(2026, 2, 1)) == (
        "2026-01..2026-06"
    )
    assert period("", "", "", today=TODAY).grouping is Grouping.MONTH
    for start, end, group, field in [
        ("2026-13", "2026-12", "month", "period_start"),
        ("2026-06", "2026-01", "month", "period_end"),
        ("2026-01", "2026-02", "week", "group_by"),
        ("2000-01", "2020-01", "month", "period_end"),
    ]:
        with pytest.raises(ReportingDomainError) as raised:
            period(start, end, group, today=TODAY)
        assert raised.value.field == field


def test_assessments_count_starts_completions_and_the_lead_time_from_moving_in() -> None:
    facts = [
        fact("assessment_started", "a", "A1", "2026-01-10", kind="BASIC", moved_in_on="2025-12-01"),
        fact("assessment_started", "b", "B1", "2026-01-20", kind="BASIC", moved_in_on="2025-10-22"),
        # The same fact delivered twice by a retrying sender is one record.
        fact("assessment_started", "b", "B1", "2026-01-20", kind="BASIC", moved_in_on="2025-10-22"),
        fact("assessment_started", "c", "C1", "2026-02-03", kind="MULTI_SECTOR"),
        fact("assessment_completed", "a", "A1", "2026-02-01", kind="BASIC", outcome="NO_PLAN"),
        fact("assessment_started", "d", "D1", "2025-12-31", kind="BASIC"),
    ]
    chosen = period("2026-01", "2026-02", "month", today=TODAY)
    found = rows(reports.build("assessments", facts, chosen, {}, TODAY))
    assert found["2026-01", "BASIC"] == {
        "started": 2,
        "completed": 0,
        "lead_time_cases": 2,
        "lead_time_median_days": 65.0,
        "lead_time_mean_days": 65.0,
    }
    assert found["2026-02", "BASIC"]["completed"] == 1
    assert found["2026-02", "MULTI_SECTOR"]["started"] == 1
    assert found["2026-02", "MULTI_SECTOR"]["lead_time_median_days"] is None
    only_multi = rows(reports.build("assessments", facts, chosen, {"kind": "MULTI_SECTOR"}, TODAY))
    assert set(only_multi) == {("2026-01", "MULTI_SECTOR"), ("2026-02", "MULTI_SECTOR")}


def _plan(record: str, kind: str, *changes: tuple[str, str, str, str]) -> list:
    return [
        fact(
            "plan_status_changed",
            f"client-{record}",
            record,
            day,
            kind=kind,
            from_status=before,
            to_status=after,
            review_due_on=due,
        )
        for day, before, after, due in changes
    ]


def test_plans_by_kind_and_those_in_force_at_the_end_of_each_month() -> None:
    facts = [
        *_plan(
            "P1",
            "INDIVIDUAL",
            ("2026-01-05", "", "DRAFT", ""),
            ("2026-01-10", "DRAFT", "AWAITING_APPROVAL", ""),
            ("2026-01-12", "AWAITING_APPROVAL", "ACTIVE", "2026-07-12"),
            ("2026-03-02", "ACTIVE", "ENDED", ""),
        ),
        *_plan(
            "P2",
            "FAMILY",
            ("2026-02-01", "", "DRAFT", ""),
            ("2026-02-03", "DRAFT", "ACTIVE", "2026-08-03"),
        ),
    ]
    chosen = period("2026-01", "2026-03", "month", today=TODAY)
    found = rows(reports.build("plans", facts, chosen, {}, TODAY))
    assert found["2026-01", "INDIVIDUAL"] == {
        "created": 1,
        "activated": 1,
        "suspended": 0,
        "ended": 0,
        "in_force_at_end": 1,
    }
    assert found["2026-03", "INDIVIDUAL"]["ended"] == 1
    assert found["2026-03", "INDIVIDUAL"]["in_force_at_end"] == 0
    assert found["2026-02", "FAMILY"]["activated"] == 1
    assert found["2026-03", "FAMILY"]["in_force_at_end"] == 1


def test_reviews_on_time_late_and_overdue_at_the_end_of_each_month() -> None:
    facts = [
        *_plan("P1", "INDIVIDUAL", ("2025-07-01", "DRAFT", "ACTIVE", "2026-01-01")),
        *_plan("P2", "INDIVIDUAL", ("2025-08-01", "DRAFT", "ACTIVE", "2026-02-01")),
        *_plan("P3", "MULTI_SECTOR", ("2025-09-01", "DRAFT", "ACTIVE", "2026-03-01")),
        fact(
            "plan_reviewed",
            "client-P1",
            "P1",
            "2025-12-20",
            kind="INDIVIDUAL",
            due_on="2026-01-01",
            next_due_on="2026-06-20",
            outcome="CONTINUE",
        ),
        fact(
            "plan_reviewed",
            "client-P2",
            "P2",
            "2026-02-10",
            kind="INDIVIDUAL",
            due_on="2026-02-01",
            next_due_on="2026-08-10",
            outcome="CONTINUE",
        ),
    ]
    chosen = period("2025-12", "2026-03", "month", today=TODAY)
    found = rows(reports.build("reviews", facts, chosen, {}, TODAY))
    assert found["2025-12", "INDIVIDUAL"]["on_time"] == 1
    assert found["2026-02", "INDIVIDUAL"]["late"] == 1
    assert found["2026-02", "INDIVIDUAL"]["on_time_percent"] == 0.0
    # P2 was due on 1 February and reviewed on the 10th: overdue at the end of January only.
    assert found["2026-01", "INDIVIDUAL"]["overdue_at_end"] == 0
    assert found["2026-02", "INDIVIDUAL"]["overdue_at_end"] == 0
    # P3 was due on 1 March and never reviewed.
    assert found["2026-03", "MULTI_SECTOR"]["overdue_at_end"] == 1
    with_states = rows(
        reports.build("reviews", facts, period("2026-01", "2026-01", "", today=TODAY), {}, TODAY)
    )
    assert with_states["2026-01", "INDIVIDUAL"]["overdue_at_end"] == 0


def test_a_future_month_has_no_state_yet() -> None:
    facts = _plan("P1", "INDIVIDUAL", ("2026-01-05", "DRAFT", "ACTIVE", "2026-07-05"))
    found = rows(
        reports.build("plans", facts, period("2026-06", "2026-07", "", today=TODAY), {}, TODAY)
    )
    assert found["2026-06", "INDIVIDUAL"]["in_force_at_end"] == 1
    assert found["2026-07", "INDIVIDUAL"]["in_force_at_end"] is None


def test_enrolments_and_the_cefr_distribution_of_final_tests() -> None:
    facts = [
        fact("enrolment_started", "a", "E1", "2026-01-10", service_type="INTEGRATION_TRAINING"),
        fact("enrolment_started", "b", "E2", "2026-01-12", service_type="INTEGRATION_TRAINING"),
        fact(
            "enrolment_ended",
            "a",
            "E1",
            "2026-03-10",
            service_type="INTEGRATION_TRAINING",
            started_on="2026-01-10",
            outcome="COMPLETED",
            language_test={"reading": "B1", "writing": "A2", "listening": "B1", "speaking": "A2"},
        ),
        fact(
            "enrolment_ended",
            "b",
            "E2",
            "2026-02-01",
            service_type="INTEGRATION_TRAINING",
            started_on="2026-01-12",
            outcome="INTERRUPTED",
            interruption_reason="EMPLOYMENT",
        ),
    ]
    chosen = period("2026-01", "2026-03", "total", today=TODAY)
    found = rows(reports.build("enrolments", facts, chosen, {}, TODAY))
    assert found["2026-01..2026-03", "INTEGRATION_TRAINING"] == {
        "started": 2,
        "completed": 1,
        "interrupted": 1,
        "completed_percent": 50.0,
        "completion_median_days": 59.0,
    }
    assert found["2026-01..2026-03", "GUIDANCE"]["started"] == 0
    tests = rows(reports.build("language-tests", facts, chosen, {}, TODAY))
    assert tests["2026-01..2026-03", "reading", "B1"] == {"results": 1}
    assert tests["2026-01..2026-03", "speaking", "A2"] == {"results": 1}
    assert sum(r["results"] or 0 for r in tests.values()) == 4
    empty = reports.build("language-tests", [], chosen, {}, TODAY)
    assert empty.rows == []
    assert empty.notes


def test_throughput_relates_the_steps_of_one_client_by_pseudonym() -> None:
    facts = [
        fact("referral_received", "a", "R1", "2026-01-01", referrer="migri"),
        fact("assessment_started", "a", "A1", "2026-01-11", kind="BASIC", moved_in_on="2025-12-12"),
        fact("assessment_completed", "a", "A1", "2026-01-21", kind="BASIC"),
        *[f for f in _plan("P1", "INDIVIDUAL", ("2026-02-20", "AWAITING_APPROVAL", "ACTIVE", ""))],
        fact("enrolment_started", "a", "E1", "2026-03-01", service_type="CIVIC_ORIENTATION"),
    ]
    # The plan's facts carry the client "client-P1": relate them to client "a" instead.
    facts[3] = fact(
        "plan_status_changed",
        "a",
        "P1",
        "2026-02-20",
        kind="INDIVIDUAL",
        from_status="AWAITING_APPROVAL",
        to_status="ACTIVE",
    )
    found = rows(
        reports.build(
            "throughput", facts, period("2026-01", "2026-03", "total", today=TODAY), {}, TODAY
        )
    )
    stage = {s: found["2026-01..2026-03", s] for s in reports.STAGES}
    assert stage["moved-in-to-assessment"]["median_days"] == 30.0
    assert stage["referral-to-assessment"]["median_days"] == 10.0
    assert stage["assessment"]["median_days"] == 10.0
    assert stage["assessment-to-plan"]["median_days"] == 30.0
    assert stage["plan-to-first-service"]["median_days"] == 9.0
    assert stage["service-to-completion"]["cases"] == 0


def test_outreach_without_data_says_so_and_counts_coverage_when_there_is_some() -> None:
    chosen = period("2026-01", "2026-01", "", today=TODAY)
    empty = reports.build("outreach", [], chosen, {}, TODAY)
    assert "No outreach data yet" in empty.notes[0]
    facts = [
        fact(
            "outreach_target_identified", "", "T1", "2026-01-02", target_group="SOCIAL_ASSISTANCE"
        ),
        fact(
            "outreach_target_identified", "", "T2", "2026-01-03", target_group="SOCIAL_ASSISTANCE"
        ),
        fact(
            "outreach_contact_recorded",
            "",
            "T1",
            "2026-01-09",
            target_group="SOCIAL_ASSISTANCE",
            result="REACHED",
        ),
        fact(
            "outreach_contact_recorded",
            "",
            "T2",
            "2026-01-09",
            target_group="SOCIAL_ASSISTANCE",
            result="DECLINED",
        ),
    ]
    found = rows(reports.build("outreach", facts, chosen, {}, TODAY))
    assert found["2026-01", "SOCIAL_ASSISTANCE"] == {
        "identified": 2,
        "reached": 1,
        "not_reached": 0,
        "declined": 1,
        "coverage_percent": 50.0,
    }


def test_unknown_reports_and_filters_name_the_field() -> None:
    with pytest.raises(ReportingDomainError) as raised:
        reports.check_kind("salaries")
    assert raised.value.field == "kind"
    with pytest.raises(ReportingDomainError) as raised:
        reports.check_filters("plans", {"service_type": "GUIDANCE"})
    assert raised.value.field == "filters.service_type"
    with pytest.raises(ReportingDomainError) as raised:
        reports.check_filters("plans", {"kind": "SOMETHING"})
    assert raised.value.field == "filters.kind"
    assert reports.check_filters("plans", {"kind": "FAMILY"}) == {"kind": "FAMILY"}
