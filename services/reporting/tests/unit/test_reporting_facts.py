"""What a fact must look like before it is kept: the sender's own kind, pseudonyms, dates, codes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.facts import check_fact, sender_of

PSEUDONYM = "ab" * 32


def check(
    sender: str = "assessment", kind: str | None = "assessment_started", **changes: Any
) -> date:
    values: dict[str, Any] = {
        "municipality": "091",
        "subject": PSEUDONYM,
        "record": PSEUDONYM,
        "body": {"kind": "BASIC", "started_on": "2026-03-02", "moved_in_on": "2025-09-01"},
    }
    values.update(changes)
    return check_fact(sender, kind, **values)


def field_of(**changes: Any) -> str:
    with pytest.raises(ReportingDomainError) as raised:
        check(**changes)
    return raised.value.field


def test_a_good_fact_gives_its_day() -> None:
    assert check() == date(2026, 3, 2)
    assert sender_of("kotopolku-service:plans") == "plans"
    assert sender_of("helsinki.officer") is None


def test_a_service_sends_only_its_own_kinds_of_facts() -> None:
    assert field_of(sender="plans") == "fact.assessment_started"
    assert field_of(sender="guidance") == "fact.assessment_started"
    assert field_of(kind=None) == "fact.body"


def test_names_and_ids_cannot_pass_as_pseudonyms() -> None:
    assert field_of(subject="3f1c2a8e-5b7d-4c1e-9a2b-6d8e0f1a2b3c") == "fact.subject"
    assert field_of(subject="Amina Hassan") == "fact.subject"
    assert field_of(subject="") == "fact.subject"
    assert field_of(record="010190-999W") == "fact.record"
    assert field_of(municipality="Helsinki") == "fact.municipality_code"


def test_dates_and_codes_are_checked() -> None:
    assert field_of(body={"kind": "BASIC"}) == "fact.assessment_started.started_on"
    assert field_of(body={"kind": "BASIC", "started_on": "2.3.2026"}) == (
        "fact.assessment_started.started_on"
    )
    assert field_of(body={"kind": "BASIC", "started_on": "2026-03-02", "moved_in_on": "x"}) == (
        "fact.assessment_started.moved_in_on"
    )
    assert field_of(body={"kind": "BIG", "started_on": "2026-03-02"}) == (
        "fact.assessment_started.kind"
    )
    assert field_of(body={"started_on": "2026-03-02"}) == "fact.assessment_started.kind"
    assert field_of(body={"kind": "BASIC", "started_on": "2026-03-02", "segment": "Amina"}) == (
        "fact.assessment_started.segment"
    )


def test_language_levels_are_cefr_levels_by_skill() -> None:
    body = {
        "service_type": "INTEGRATION_TRAINING",
        "ended_on": "2026-04-30",
        "outcome": "COMPLETED",
        "language_test": {"reading": "B1", "humming": "A1"},
    }
    with pytest.raises(ReportingDomainError) as raised:
        check_fact("programme", "enrolment_ended", "091", PSEUDONYM, PSEUDONYM, body)
    assert raised.value.field == "fact.enrolment_ended.language_test.humming"
    body["language_test"] = {"reading": "B3"}
    with pytest.raises(ReportingDomainError):
        check_fact("programme", "enrolment_ended", "091", PSEUDONYM, PSEUDONYM, body)
