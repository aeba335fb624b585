"""Facts (raportointitiedot): what the owning services report, and the rules they must keep.

Each service may send only its own kinds of facts (:data:`SENDERS`). A fact is checked before
it is kept: a municipality code, pseudonyms of the right shape (64 hexadecimal characters: a
client id or a name can never pass), calendar dates and the codes reports group by. A fact that
breaks a rule names the field, and the whole batch is refused, so a sender's bug is seen at once
instead of skewing figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from kotopolku.reporting.domain.errors import ReportingDomainError

ASSESSMENT_KINDS: Final = frozenset({"BASIC", "MULTI_SECTOR"})
PLAN_KINDS: Final = frozenset({"INDIVIDUAL", "MULTI_SECTOR", "FAMILY"})
PLAN_STATUSES: Final = frozenset({"DRAFT", "AWAITING_APPROVAL", "ACTIVE", "SUSPENDED", "ENDED"})
IN_FORCE: Final = frozenset({"ACTIVE", "SUSPENDED"})
SERVICE_TYPES: Final = frozenset(
    {
        "CIVIC_ORIENTATION",
        "INTEGRATION_TRAINING",
        "LANGUAGE_TRAINING",
        "LITERACY_TRAINING",
        "BASIC_EDUCATION_FOR_ADULTS",
        "GUIDANCE",
        "MUNICIPALITY_DEFINED",
    }
)
CEFR_LEVELS: Final = ("BELOW_A1", "A1", "A2", "B1", "B2", "C1", "C2")
SKILLS: Final = ("reading", "writing", "listening", "speaking")
ENROLMENT_OUTCOMES: Final = frozenset({"COMPLETED", "INTERRUPTED"})
TARGET_GROUPS: Final = frozenset(
    {
        "SOCIAL_ASSISTANCE",
        "CHILD_HOME_CARE_ALLOWANCE",
        "INTERNATIONAL_PROTECTION",
        "TRAFFICKING_VICTIM",
    }
)
CONTACT_RESULTS: Final = frozenset({"REACHED", "NOT_REACHED", "DECLINED"})

ASSESSMENT_STARTED: Final = "assessment_started"
ASSESSMENT_COMPLETED: Final = "assessment_completed"
PLAN_STATUS_CHANGED: Final = "plan_status_changed"
PLAN_REVIEWED: Final = "plan_reviewed"
ENROLMENT_STARTED: Final = "enrolment_started"
ENROLMENT_ENDED: Final = "enrolment_ended"
OUTREACH_TARGET_IDENTIFIED: Final = "outreach_target_identified"
OUTREACH_CONTACT_RECORDED: Final = "outreach_contact_recorded"
REFERRAL_RECEIVED: Final = "referral_received"

# Who may report what: the service that owns the records.
SENDERS: Final[Mapping[str, frozenset[str]]] = {
    "assessment": frozenset({ASSESSMENT_STARTED, ASSESSMENT_COMPLETED}),
    "plans": frozenset({PLAN_STATUS_CHANGED, PLAN_REVIEWED}),
    "programme": frozenset({ENROLMENT_STARTED, ENROLMENT_ENDED}),
    # Referrals and outreach lists are kept by the clients service.
    "clients": frozenset(
        {REFERRAL_RECEIVED, OUTREACH_TARGET_IDENTIFIED, OUTREACH_CONTACT_RECORDED}
    ),
}

# The field holding the day a fact is about; required.
DAY_FIELD: Final[Mapping[str, str]] = {
    ASSESSMENT_STARTED: "started_on",
    ASSESSMENT_COMPLETED: "completed_on",
    PLAN_STATUS_CHANGED: "changed_on",
    PLAN_REVIEWED: "reviewed_on",
    ENROLMENT_STARTED: "started_on",
    ENROLMENT_ENDED: "ended_on",
    OUTREACH_TARGET_IDENTIFIED: "identified_on",
    OUTREACH_CONTACT_RECORDED: "contacted_on",
    REFERRAL_RECEIVED: "received_on",
}
# Other dates, which may be empty.
OPTIONAL_DATES: Final[Mapping[str, tuple[str, ...]]] = {
    ASSESSMENT_STARTED: ("moved_in_on",),
    PLAN_STATUS_CHANGED: ("review_due_on",),
    PLAN_REVIEWED: ("due_on", "next_due_on"),
    ENROLMENT_ENDED: ("started_on",),
    OUTREACH_TARGET_IDENTIFIED: ("window_ends_on",),
}
# Codes reports group by: the value must be one of these (empty allowed where marked).
_CODES: Final[Mapping[str, Mapping[str, tuple[frozenset[str], bool]]]] = {
    ASSESSMENT_STARTED: {"kind": (ASSESSMENT_KINDS, False)},
    ASSESSMENT_COMPLETED: {"kind": (ASSESSMENT_KINDS, False)},
    PLAN_STATUS_CHANGED: {
        "kind": (PLAN_KINDS, False),
        "from_status": (PLAN_STATUSES, True),
        "to_status": (PLAN_STATUSES, False),
    },
    PLAN_REVIEWED: {"kind": (PLAN_KINDS, False)},
    ENROLMENT_STARTED: {"service_type": (SERVICE_TYPES, False)},
    ENROLMENT_ENDED: {
        "service_type": (SERVICE_TYPES, False),
        "outcome": (ENROLMENT_OUTCOMES, False),
    },
    OUTREACH_TARGET_IDENTIFIED: {"target_group": (TARGET_GROUPS, False)},
    OUTREACH_CONTACT_RECORDED: {
        "target_group": (TARGET_GROUPS, False),
        "result": (CONTACT_RESULTS, False),
    },
}
_PSEUDONYM = re.compile(r"^[0-9a-f]{64}$")
_MUNICIPALITY = re.compile(r"^\d{3}$")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
_ORGANISATION = re.compile(r"^[a-z0-9-]{1,60}$")
_NEEDS_SUBJECT: Final = frozenset(SENDERS["assessment"] | SENDERS["plans"] | SENDERS["programme"])


def sender_of(subject: str) -> str | None:
    """The service name of an internal caller (``kotopolku-service:<name>``)."""
    prefix = "kotopolku-service:"
    return subject.removeprefix(prefix) if subject.startswith(prefix) else None


def _date(value: Any, field: str, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            raise ReportingDomainError(field, "is required")
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ReportingDomainError(field, "is not a date YYYY-MM-DD") from None


def check_fact(
    sender: str,
    kind: str | None,
    municipality: str,
    subject: str,
    record: str,
    body: Mapping[str, Any],
    *,
    field: str = "fact",
) -> date:
    """Checks one fact from ``sender``; returns the day it is about."""
    if kind is None:
        raise ReportingDomainError(f"{field}.body", "is required")
    if kind not in SENDERS.get(sender, frozenset()):
        raise ReportingDomainError(f"{field}.{kind}", f"is not a fact the {sender} service sends")
    if not _MUNICIPALITY.match(municipality):
        raise ReportingDomainError(f"{field}.municipality_code", "must be three digits")
    if subject and not _PSEUDONYM.match(subject):
        raise ReportingDomainError(f"{field}.subject", "must be a pseudonym (64 hex characters)")
    if not subject and kind in _NEEDS_SUBJECT:
        raise ReportingDomainError(f"{field}.subject", "is required")
    if not _PSEUDONYM.match(record):
        raise ReportingDomainError(f"{field}.record", "must be a pseudonym (64 hex characters)")
    prefix = f"{field}.{kind}"
    day = _date(body.get(DAY_FIELD[kind]), f"{prefix}.{DAY_FIELD[kind]}", required=True)
    assert day is not None
    for name in OPTIONAL_DATES.get(kind, ()):
        _date(body.get(name), f"{prefix}.{name}", required=False)
    codes = _CODES.get(kind, {})
    for name, value in body.items():
        if name in codes:
            allowed, may_be_empty = codes[name]
            if not (value in allowed or (may_be_empty and value == "")):
                raise ReportingDomainError(f"{prefix}.{name}", "is not a known code")
        elif name == "language_test":
            _check_levels(value, f"{prefix}.language_test")
        elif name == "referrer":
            if not _ORGANISATION.match(str(value)):
                raise ReportingDomainError(f"{prefix}.referrer", "is not an organisation code")
        elif (
            name not in (DAY_FIELD[kind], *OPTIONAL_DATES.get(kind, ()))
            and value != ""
            and not _CODE.match(str(value))
        ):
            raise ReportingDomainError(f"{prefix}.{name}", "is not a code")
    for name, (_, may_be_empty) in codes.items():
        if name not in body and not may_be_empty:
            raise ReportingDomainError(f"{prefix}.{name}", "is required")
    return day


def _check_levels(value: Any, field: str) -> None:
    if not isinstance(value, Mapping):
        raise ReportingDomainError(field, "must be CEFR levels by skill")
    for skill, level in value.items():
        if skill not in SKILLS:
            raise ReportingDomainError(f"{field}.{skill}", "is not a skill")
        if level and level not in CEFR_LEVELS:
            raise ReportingDomainError(f"{field}.{skill}", "is not a CEFR level")


@dataclass(frozen=True, slots=True)
class Fact:
    """A kept fact as reports read it."""

    kind: str
    subject: str
    record: str
    day: date
    occurred_at: datetime
    body: Mapping[str, Any]

    def code(self, name: str) -> str:
        return str(self.body.get(name, "") or "")

    def date(self, name: str) -> date | None:
        value = self.body.get(name)
        return date.fromisoformat(str(value)) if value else None
