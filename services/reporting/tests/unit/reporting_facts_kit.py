"""Facts for the reporting domain tests, built the way the senders build them."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime
from typing import Any

from kotopolku.reporting.domain.facts import Fact

_ORDER = itertools.count()


def pseudonym(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def fact(fact_kind: str, subject: str, record: str, day: str, **body: Any) -> Fact:
    """``subject`` and ``record`` are short names turned into 64-hex pseudonyms."""
    field = {
        "assessment_started": "started_on",
        "assessment_completed": "completed_on",
        "plan_status_changed": "changed_on",
        "plan_reviewed": "reviewed_on",
        "enrolment_started": "started_on",
        "enrolment_ended": "ended_on",
        "outreach_target_identified": "identified_on",
        "outreach_contact_recorded": "contacted_on",
        "referral_received": "received_on",
    }[fact_kind]
    when = date.fromisoformat(day)
    return Fact(
        kind=fact_kind,
        subject=pseudonym(subject) if subject else "",
        record=pseudonym(record),
        day=when,
        # Facts of one day keep the order they were made in.
        occurred_at=datetime(when.year, when.month, when.day, 8, tzinfo=UTC).replace(
            microsecond=next(_ORDER) % 1_000_000
        ),
        body={field: day, **body},
    )
