"""Turns request messages into validated values, naming every offending field at once."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, TypeVar

from kotopolku.appointments.domain import (
    AppointmentDomainError,
    AppointmentKind,
    Assignee,
    AssigneeKind,
    default_leads,
    includes_client,
    moved,
    validate_assignees,
    validate_lead_minutes,
    validate_period,
    validate_times,
)
from kotopolku.appointments.enums import from_proto
from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.clients.domain import ClientDomainError, validate_language_code
from kotopolku.common.errors import FieldViolation, InvalidArgument
from kotopolku.common.localtime import InvalidMoment, parse_day_or_moment, parse_moment

T = TypeVar("T")

UPDATABLE: Final = frozenset(
    {
        "kind",
        "title",
        "description",
        "location",
        "start",
        "end",
        "assignees",
        "references",
        "team",
        "reminder_lead_minutes",
        "reminder_language",
        "organiser",
    }
)
REFERENCE_FIELDS: Final = ("assessment_id", "plan_id", "guidance_visit_id")
_TEAM = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_TITLE: Final = 200
MAX_DESCRIPTION: Final = 4000
MAX_LOCATION: Final = 300
MAX_REASON: Final = 1000
MAX_REFERENCE: Final = 64
MAX_ORGANISER: Final = 200


class Collector:
    """Runs validators and keeps every violation, so one response names all bad fields."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, field: str, validate: Callable[[], T]) -> T | None:
        try:
            return validate()
        except (AppointmentDomainError, ClientDomainError, InvalidMoment) as error:
            self.violations.append(FieldViolation(error.field or field, error.message))
        return None

    def fail(self, field: str, description: str) -> None:
        self.violations.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if self.violations:
            fields = ", ".join(v.field for v in self.violations)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.violations)


@dataclass(frozen=True, slots=True)
class AppointmentValues:
    """An appointment as the rules see it (times in UTC)."""

    kind: AppointmentKind
    title: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    assignees: tuple[Assignee, ...]
    references: dict[str, str]
    team: str
    reminder_leads: tuple[int, ...]
    # As chosen by staff; empty: the client's preferred language.
    reminder_language: str
    # Who the reminders say the appointment is with; empty: the service's default.
    organiser: str

    def columns(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "description": self.description,
            "location": self.location,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "refs": self.references,
            "team": self.team,
            "reminder_leads": list(self.reminder_leads),
            "reminder_language": self.reminder_language,
            "organiser": self.organiser,
        }

    def snapshot(self) -> dict[str, Any]:
        """What the history compares (JSON-friendly)."""
        return {
            "kind": self.kind.value,
            "title": self.title,
            "description": self.description,
            "location": self.location,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "assignees": [
                {
                    "kind": a.kind.value,
                    "subject": a.subject,
                    "display_name": a.display_name,
                    "organisation": a.organisation,
                }
                for a in self.assignees
            ],
            "references": self.references,
            "team": self.team,
            "reminder_lead_minutes": list(self.reminder_leads),
            "reminder_language": self.reminder_language,
            "organiser": self.organiser,
        }


def text(value: str, field: str, limit: int, *, required: bool = False, lines: bool = False) -> str:
    cleaned = value.strip() if lines else " ".join(value.split())
    if required and not cleaned:
        raise AppointmentDomainError(field, "is required")
    if len(cleaned) > limit:
        raise AppointmentDomainError(field, f"must be at most {limit} characters")
    if not cleaned.replace("\n", "").replace("\t", "").isprintable():
        raise AppointmentDomainError(field, "must not contain control characters")
    return cleaned


def parse_uuid(value: str, field: str) -> str:
    if not value:
        raise AppointmentDomainError(field, "is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise AppointmentDomainError(field, "is not an identifier this system issued") from None


def _team(value: str) -> str:
    team = value.strip()
    if team and not _TEAM.fullmatch(team):
        raise AppointmentDomainError(
            "team",
            "must be 1-64 lower-case letters, digits and '-', starting with a letter or digit",
        )
    return team


def _references(message: pb.AppointmentReferences, collector: Collector) -> dict[str, str]:
    found = {}
    for name in REFERENCE_FIELDS:
        value = getattr(message, name).strip()
        if not value:
            continue
        if len(value) > MAX_REFERENCE or not value.isprintable() or " " in value:
            collector.fail(
                f"references.{name}", f"must be an identifier of at most {MAX_REFERENCE} characters"
            )
            continue
        found[name] = value
    return found


def _assignees(message: Iterable[pb.Assignee], collector: Collector) -> list[Assignee] | None:
    people = []
    for index, item in enumerate(message):
        kind = from_proto(AssigneeKind, item.kind)
        if kind is None:
            collector.fail(f"assignees[{index}].kind", "is required")
            return None
        people.append(Assignee(kind, item.subject, item.display_name, item.organisation))
    return people


def _language(value: str) -> str:
    """An ISO 639-1 code (the messaging service's templates are keyed by them)."""
    if not value.strip():
        return ""
    code = validate_language_code(value, field="reminder_language")
    if len(code) != 2:
        raise AppointmentDomainError("reminder_language", "must be a two-letter ISO 639-1 code")
    return code


def _require_location(values: AppointmentValues, collector: Collector) -> None:
    if values.reminder_leads and not values.location:
        collector.fail("location", "is required when the client gets reminders")


def create_values(
    message: pb.AppointmentInput, client_id: str, defaults: Sequence[int]
) -> AppointmentValues:
    collector = Collector()
    kind = from_proto(AppointmentKind, message.kind)
    if kind is None:
        collector.fail("kind", "is required: APPOINTMENT, EVENT or TASK")
    title = collector.check("title", lambda: text(message.title, "title", MAX_TITLE, required=True))
    description = collector.check(
        "description", lambda: text(message.description, "description", MAX_DESCRIPTION, lines=True)
    )
    location = collector.check("location", lambda: text(message.location, "location", MAX_LOCATION))
    start = collector.check("start", lambda: parse_moment(message.start, field="start"))
    end = collector.check("end", lambda: parse_moment(message.end, field="end"))
    people = _assignees(message.assignees, collector)
    checked = (
        collector.check("assignees", lambda: validate_assignees(people or [], client_id))
        if people is not None
        else None
    )
    references = _references(message.references, collector)
    team = collector.check("team", lambda: _team(message.team))
    language = collector.check("reminder_language", lambda: _language(message.reminder_language))
    organiser = collector.check(
        "organiser", lambda: text(message.organiser, "organiser", MAX_ORGANISER)
    )
    if kind is not None and start is not None and end is not None:
        collector.check("end", lambda: validate_times(kind, start, end))
    leads: list[int] | None = None
    if kind is not None and checked is not None:
        with_client = includes_client(checked)
        if message.default_reminders:
            if message.reminder_lead_minutes:
                collector.fail(
                    "reminder_lead_minutes", "must be empty when default_reminders is set"
                )
            leads = default_leads(defaults, kind, with_client)
        else:
            leads = collector.check(
                "reminder_lead_minutes",
                lambda: validate_lead_minutes(
                    list(message.reminder_lead_minutes), kind, with_client
                ),
            )
    collector.raise_if_any()
    assert kind is not None
    assert start is not None
    assert end is not None
    assert checked is not None
    values = AppointmentValues(
        kind=kind,
        title=title or "",
        description=description or "",
        location=location or "",
        starts_at=start,
        ends_at=end,
        assignees=tuple(checked),
        references=references,
        team=team or "",
        reminder_leads=tuple(leads or ()),
        reminder_language=language or "",
        organiser=organiser or "",
    )
    _require_location(values, collector)
    collector.raise_if_any()
    return values


def update_values(
    message: pb.AppointmentInput,
    paths: Sequence[str],
    current: AppointmentValues,
    client_id: str,
) -> AppointmentValues:
    """The appointment after the change; the whole result is re-checked against the rules."""
    collector = Collector()
    wanted = set(paths)
    if not wanted:
        collector.fail("update_mask", "names no field to change")
    for path in sorted(wanted - UPDATABLE):
        collector.fail(f"update_mask.{path}", "cannot be updated")
    changes: dict[str, Any] = {}
    if "kind" in wanted:
        kind = from_proto(AppointmentKind, message.kind)
        if kind is None:
            collector.fail("kind", "is required: APPOINTMENT, EVENT or TASK")
        changes["kind"] = kind
    if "title" in wanted:
        changes["title"] = collector.check(
            "title", lambda: text(message.title, "title", MAX_TITLE, required=True)
        )
    if "description" in wanted:
        changes["description"] = collector.check(
            "description",
            lambda: text(message.description, "description", MAX_DESCRIPTION, lines=True),
        )
    if "location" in wanted:
        changes["location"] = collector.check(
            "location", lambda: text(message.location, "location", MAX_LOCATION)
        )
    new_start = (
        collector.check("start", lambda: parse_moment(message.start, field="start"))
        if "start" in wanted
        else None
    )
    new_end = (
        collector.check("end", lambda: parse_moment(message.end, field="end"))
        if "end" in wanted
        else None
    )
    if "assignees" in wanted:
        people = _assignees(message.assignees, collector)
        if people is not None:
            checked = collector.check("assignees", lambda: validate_assignees(people, client_id))
            changes["assignees"] = tuple(checked) if checked is not None else None
    if "references" in wanted:
        changes["references"] = _references(message.references, collector)
    if "team" in wanted:
        changes["team"] = collector.check("team", lambda: _team(message.team))
    if "reminder_language" in wanted:
        changes["reminder_language"] = collector.check(
            "reminder_language", lambda: _language(message.reminder_language)
        )
    if "organiser" in wanted:
        changes["organiser"] = collector.check(
            "organiser", lambda: text(message.organiser, "organiser", MAX_ORGANISER)
        )
    collector.raise_if_any()
    start, end = moved(current.starts_at, current.ends_at, new_start, new_end)
    result = replace(current, **changes, starts_at=start, ends_at=end)
    collector.check("end", lambda: validate_times(result.kind, result.starts_at, result.ends_at))
    with_client = includes_client(result.assignees)
    if "reminder_lead_minutes" in wanted:
        leads = collector.check(
            "reminder_lead_minutes",
            lambda: validate_lead_minutes(
                list(message.reminder_lead_minutes), result.kind, with_client
            ),
        )
        result = replace(result, reminder_leads=tuple(leads or ()))
    elif result.reminder_leads and (not with_client or not result.kind.blocks_time):
        # The client left, or it became a task: its reminders go with it.
        result = replace(result, reminder_leads=())
    _require_location(result, collector)
    collector.raise_if_any()
    return result


def period(message: pb.Period, *, field: str = "period") -> tuple[datetime, datetime]:
    collector = Collector()
    start = collector.check(
        f"{field}.from",
        lambda: parse_day_or_moment(getattr(message, "from"), field=f"{field}.from"),
    )
    end = collector.check(
        f"{field}.to", lambda: parse_day_or_moment(message.to, field=f"{field}.to")
    )
    if start is not None and end is not None:
        collector.check(f"{field}.to", lambda: validate_period(start, end, field=field))
    collector.raise_if_any()
    assert start is not None
    assert end is not None
    return start, end


def reason(value: str, *, required: bool) -> str:
    collector = Collector()
    cleaned = collector.check(
        "reason", lambda: text(value, "reason", MAX_REASON, required=required)
    )
    collector.raise_if_any()
    return cleaned or ""
