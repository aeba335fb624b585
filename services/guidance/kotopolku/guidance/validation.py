"""Turns API messages into validated column values, reporting every offending field at once.

Field paths are those of the resource the request carries (``"topics[1]"``, ``"due_on"``), as
in the other services. Anonymous visits take codes, a language code, a date and a service point
only: the message has no other field, and nothing here copies anything else into a row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from kotopolku.clients.domain import ClientDomainError, validate_language_code
from kotopolku.common.errors import FieldViolation, InvalidArgument
from kotopolku.guidance.domain import (
    MAX_ANSWER_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_QUESTION_LENGTH,
    AgeBand,
    Channel,
    FollowUp,
    GuidanceDomainError,
    ReferralTarget,
    Topic,
    validate_follow_up,
    validate_interpretation,
    validate_referrals,
    validate_text,
    validate_topics,
    validate_visit_date,
)
from kotopolku.guidance.enums import E, from_proto
from kotopolku.guidance.v1 import guidance_pb2 as pb

T = TypeVar("T")

VISIT_UPDATABLE = frozenset(
    {
        "visited_on",
        "channel",
        "service_point_id",
        "language",
        "topics",
        "interpreter",
        "referrals",
        "follow_up",
        "follow_up_due",
        "notes",
    }
)
ARTICLE_UPDATABLE = frozenset({"question", "answer", "topics"})
MAX_REFERENCE_LENGTH = 64


class Collector:
    """Runs validators and keeps every violation, so one response names all bad fields."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, field: str, validate: Callable[[], T]) -> T | None:
        try:
            return validate()
        except (GuidanceDomainError, ClientDomainError) as error:
            self.violations.append(FieldViolation(error.field or field, error.message))
        return None

    def fail(self, field: str, description: str) -> None:
        self.violations.append(FieldViolation(field, description))

    def failed(self, field: str) -> bool:
        return any(
            v.field == field or v.field.startswith((field + "[", field + "."))
            for v in self.violations
        )

    def raise_if_any(self) -> None:
        if self.violations:
            fields = ", ".join(v.field for v in self.violations)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.violations)


def parse_date(value: str, field: str, *, default: date | None = None) -> date:
    if not value:
        if default is None:
            raise GuidanceDomainError(field, "is required (YYYY-MM-DD)")
        return default
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise GuidanceDomainError(field, "must be a date in the form YYYY-MM-DD") from None
    if len(value) != len("YYYY-MM-DD") or parsed.year < 2000:
        raise GuidanceDomainError(field, "must be a date in the form YYYY-MM-DD after 2000")
    return parsed


def optional_date(value: str, field: str) -> date | None:
    return parse_date(value, field) if value else None


def parse_uuid(value: str, field: str) -> str:
    if not value:
        raise GuidanceDomainError(field, "is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise GuidanceDomainError(field, "is not an identifier this system issued") from None


def reference(value: str, field: str) -> str | None:
    """An identifier issued by another service (plans, clients): opaque, printable, bounded."""
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_REFERENCE_LENGTH or not text.isprintable() or " " in text:
        raise GuidanceDomainError(
            field, f"must be an identifier of at most {MAX_REFERENCE_LENGTH} characters"
        )
    return text


def _codes(kind: type[E], values: Iterable[int], field: str, collector: Collector) -> list[E]:
    found: list[E] = []
    for index, value in enumerate(values):
        member = from_proto(kind, value)
        if member is None:
            collector.fail(f"{field}[{index}]", "is not a known code")
        else:
            found.append(member)
    return found


def _code(kind: type[E], value: int, field: str, collector: Collector) -> E | None:
    member = from_proto(kind, value)
    if member is None:
        collector.fail(field, "is required: one of the listed codes")
    return member


def _language(value: str, field: str, collector: Collector) -> str | None:
    return collector.check(field, lambda: validate_language_code(value, field=field))


def _facts(
    message: pb.Visit | pb.AnonymousVisit,
    prefix: str,
    today: date,
    collector: Collector,
    *,
    anonymous: bool,
    due: str = "",
) -> dict[str, Any]:
    """What client and anonymous visits share: date, channel, language, topics, interpreter,
    referrals and follow-up."""
    visited_on = collector.check(
        f"{prefix}visited_on",
        lambda: validate_visit_date(
            parse_date(message.visited_on, f"{prefix}visited_on"),
            today,
            field=f"{prefix}visited_on",
        ),
    )
    channel = _code(Channel, message.channel, f"{prefix}channel", collector)
    language = _language(message.language, f"{prefix}language", collector)
    topics = _codes(Topic, message.topics, f"{prefix}topics", collector)
    if not collector.failed(f"{prefix}topics"):
        collector.check(f"{prefix}topics", lambda: validate_topics(topics, field=f"{prefix}topics"))
    referrals = _codes(ReferralTarget, message.referrals, f"{prefix}referrals", collector)
    if not collector.failed(f"{prefix}referrals"):
        collector.check(
            f"{prefix}referrals",
            lambda: validate_referrals(referrals, field=f"{prefix}referrals"),
        )
    interpreter_language = (
        _language(message.interpreter.language, f"{prefix}interpreter.language", collector)
        if message.interpreter.language
        else None
    )
    interpretation = collector.check(
        f"{prefix}interpreter",
        lambda: validate_interpretation(
            message.interpreter.used, interpreter_language, field=f"{prefix}interpreter"
        ),
    )
    follow_up = _code(FollowUp, message.follow_up, f"{prefix}follow_up", collector)
    due_field = f"{prefix}follow_up_due"
    due_on = collector.check(due_field, lambda: optional_date(due, due_field))
    checked = None
    if follow_up is not None and not collector.failed(due_field):
        checked = collector.check(
            f"{prefix}follow_up",
            lambda: validate_follow_up(
                follow_up,
                due_on,
                # A bad visit date is reported already; the other rules still apply.
                visited_on or date.min,
                anonymous=anonymous,
                field=f"{prefix}follow_up",
                due_field=due_field,
            ),
        )
    return {
        "visited_on": visited_on,
        "channel": channel.value if channel else None,
        "language": language,
        "topics": [t.value for t in topics],
        "interpreter_used": interpretation.used if interpretation else False,
        "interpreter_language": interpretation.language if interpretation else None,
        "referrals": [r.value for r in referrals],
        "follow_up": follow_up.value if follow_up else None,
        "follow_up_due": checked[1] if checked else None,
    }


def visit_values(message: pb.Visit, today: date, prefix: str = "") -> dict[str, Any]:
    """Every editable column of a client visit, validated as a whole."""
    collector = Collector()
    values = _facts(message, prefix, today, collector, anonymous=False, due=message.follow_up_due)
    values["service_point_id"] = (
        collector.check(
            f"{prefix}service_point_id",
            lambda: parse_uuid(message.service_point_id, f"{prefix}service_point_id"),
        )
        if message.service_point_id
        else None
    )
    values["notes"] = collector.check(
        f"{prefix}notes",
        lambda: validate_text(message.notes, field=f"{prefix}notes", max_length=MAX_NOTES_LENGTH),
    )
    collector.raise_if_any()
    return values


def new_visit_client(message: pb.Visit) -> str:
    collector = Collector()
    client_id = collector.check("client_id", lambda: parse_uuid(message.client_id, "client_id"))
    collector.raise_if_any()
    assert client_id is not None
    return client_id


def anonymous_values(message: pb.AnonymousVisit, today: date) -> dict[str, Any]:
    """The columns of an anonymous visit: codes, a language, a date and a service point."""
    collector = Collector()
    values = _facts(message, "", today, collector, anonymous=True)
    del values["follow_up_due"]
    age_band = _code(AgeBand, message.age_band, "age_band", collector)
    values["age_band"] = age_band.value if age_band else None
    values["service_point_id"] = collector.check(
        "service_point_id",
        lambda: parse_uuid(message.service_point_id, "service_point_id"),
    )
    collector.raise_if_any()
    return values


def update_mask(paths: Sequence[str], allowed: frozenset[str]) -> set[str]:
    collector = Collector()
    if not paths:
        collector.fail("update_mask", "names no field to change")
    for path in sorted(set(paths) - allowed):
        collector.fail(f"update_mask.{path}", "cannot be updated")
    collector.raise_if_any()
    return set(paths)


def article_content(message: pb.ArticleContent, prefix: str = "") -> dict[str, Any]:
    collector = Collector()
    question = collector.check(
        f"{prefix}question",
        lambda: validate_text(
            message.question,
            field=f"{prefix}question",
            max_length=MAX_QUESTION_LENGTH,
            required=True,
        ),
    )
    answer = collector.check(
        f"{prefix}answer",
        lambda: validate_text(
            message.answer, field=f"{prefix}answer", max_length=MAX_ANSWER_LENGTH, required=True
        ),
    )
    topics = _codes(Topic, message.topics, f"{prefix}topics", collector)
    if not collector.failed(f"{prefix}topics"):
        collector.check(
            f"{prefix}topics", lambda: validate_referrals(topics, field=f"{prefix}topics")
        )
    collector.raise_if_any()
    return {"question": question, "answer": answer, "topics": [t.value for t in topics]}


def language(value: str, field: str = "language") -> str:
    collector = Collector()
    found = _language(value, field, collector)
    collector.raise_if_any()
    assert found is not None
    return found


def task_values(message: pb.SeriesTask, check_due: Callable[[date], date]) -> dict[str, Any]:
    collector = Collector()
    topic = _code(Topic, message.topic, "topic", collector)
    description = collector.check(
        "description",
        lambda: validate_text(
            message.description,
            field="description",
            max_length=MAX_DESCRIPTION_LENGTH,
            required=True,
        ),
    )
    due_on = collector.check("due_on", lambda: check_due(parse_date(message.due_on, "due_on")))
    collector.raise_if_any()
    assert topic is not None
    return {"topic": topic.value, "description": description, "due_on": due_on}


def checked(field: str, validate: Callable[[], T]) -> T:
    """One validator whose failure is the request's only problem."""
    collector = Collector()
    value = collector.check(field, validate)
    collector.raise_if_any()
    return value  # type: ignore[return-value]
