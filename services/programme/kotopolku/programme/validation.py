"""Turns API messages into validated column values, reporting every offending field at once.

Field paths are relative to the resource the request carries (``"capacity"``,
``"contacts[1].email"``, ``"language_test.reading"``), as in the clients service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

from kotopolku.clients.domain import ClientDomainError, validate_language_code
from kotopolku.common.errors import FieldViolation, InvalidArgument
from kotopolku.programme.domain import (
    SKILLS,
    CefrLevel,
    InterruptionReason,
    LanguageTestResult,
    ProgrammeDomainError,
    ServiceType,
    check_language_test,
    intake_problems,
    normalise_intakes,
    require_reachable,
    validate_business_id,
    validate_capacity,
    validate_completion_date,
    validate_contact_count,
    validate_contact_email,
    validate_contact_phone,
    validate_interruption_date,
    validate_interruption_details,
    validate_language_count,
    validate_organisation_id,
    validate_place,
    validate_service_name,
    validate_text,
    validate_validity,
)
from kotopolku.programme.enums import from_proto
from kotopolku.programme.v1 import programme_pb2

T = TypeVar("T")

PROVIDER_UPDATABLE = frozenset({"name", "business_id", "contacts"})
SERVICE_UPDATABLE = frozenset(
    {
        "name",
        "description",
        "provider_id",
        "languages",
        "location",
        "remote",
        "capacity",
        "schedule",
        "intake_dates",
        "valid_from",
        "valid_until",
    }
)
SERVICE_FIELDS = frozenset({"type", *SERVICE_UPDATABLE})
MAX_REFERENCE_LENGTH = 64


class Collector:
    """Runs validators and keeps every violation, so one response names all bad fields."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, field: str, validate: Callable[[], T]) -> T | None:
        try:
            return validate()
        except (ProgrammeDomainError, ClientDomainError) as error:
            self.violations.append(FieldViolation(error.field or field, error.message))
        except ValueError as error:
            self.violations.append(FieldViolation(field, str(error)))
        return None

    def add(self, problems: Iterable[ProgrammeDomainError]) -> None:
        self.violations.extend(FieldViolation(p.field, p.message) for p in problems)

    def fail(self, field: str, description: str) -> None:
        self.violations.append(FieldViolation(field, description))

    def failed(self, *fields: str) -> bool:
        return any(
            v.field == f or v.field.startswith(f + "[") for v in self.violations for f in fields
        )

    def raise_if_any(self) -> None:
        if self.violations:
            fields = ", ".join(v.field for v in self.violations)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.violations)


def parse_date(value: str, field: str, *, required: bool) -> date | None:
    if not value:
        if required:
            raise ProgrammeDomainError(field, "is required (YYYY-MM-DD)")
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ProgrammeDomainError(field, "must be a date in the form YYYY-MM-DD") from None
    if len(value) != len("YYYY-MM-DD") or parsed.year < 2000:
        raise ProgrammeDomainError(field, "must be a date in the form YYYY-MM-DD after 2000")
    return parsed


def parse_uuid(value: str, field: str) -> str:
    if not value:
        raise ProgrammeDomainError(field, "is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ProgrammeDomainError(field, "is not an identifier this system issued") from None


def reference(value: str, field: str) -> str:
    """An identifier issued by another service (plans): opaque, printable, bounded."""
    text = value.strip()
    if not text:
        raise ProgrammeDomainError(field, "is required")
    if len(text) > MAX_REFERENCE_LENGTH or not text.isprintable() or " " in text:
        raise ProgrammeDomainError(
            field, f"must be an identifier of at most {MAX_REFERENCE_LENGTH} characters"
        )
    return text


def _mask(collector: Collector, paths: Iterable[str] | None, allowed: frozenset[str]) -> set[str]:
    if paths is None:
        return set(allowed)
    wanted = set(paths)
    if not wanted:
        collector.fail("update_mask", "names no field to change")
    for path in sorted(wanted - allowed):
        collector.fail(f"update_mask.{path}", "cannot be updated")
    return wanted & allowed


# --- providers ---------------------------------------------------------------------------------


def _contacts(collector: Collector, contacts: Iterable[programme_pb2.ProviderContact]) -> list[Any]:
    checked: list[dict[str, str]] = []
    items = list(contacts)
    collector.check("contacts", lambda: validate_contact_count(len(items)))
    for index, contact in enumerate(items):
        path = f"contacts[{index}]"
        name = collector.check(
            f"{path}.name",
            partial(validate_text, contact.name, field=f"{path}.name", max_length=200),
        )
        email = collector.check(
            f"{path}.email", partial(validate_contact_email, contact.email, field=f"{path}.email")
        )
        phone = collector.check(
            f"{path}.phone", partial(validate_contact_phone, contact.phone, field=f"{path}.phone")
        )
        if not collector.failed(f"{path}.email", f"{path}.phone"):
            collector.check(path, partial(require_reachable, email or "", phone or "", field=path))
        checked.append({"name": name or "", "email": email or "", "phone": phone or ""})
    return checked


def provider_values(
    message: programme_pb2.Provider, paths: Iterable[str] | None = None
) -> dict[str, Any]:
    """Validated columns for a create (``paths`` None: every field, and the id) or an update."""
    collector = Collector()
    wanted = _mask(collector, paths, PROVIDER_UPDATABLE)
    values: dict[str, Any] = {}
    if paths is None:
        values["id"] = collector.check("id", lambda: validate_organisation_id(message.id))
    if "name" in wanted:
        values["name"] = collector.check(
            "name", lambda: validate_text(message.name, field="name", max_length=200)
        )
    if "business_id" in wanted:
        values["business_id"] = collector.check(
            "business_id", lambda: validate_business_id(message.business_id)
        )
    if "contacts" in wanted:
        values["contacts"] = _contacts(collector, message.contacts)
    collector.raise_if_any()
    return values


# --- catalogue services ------------------------------------------------------------------------


def _languages(collector: Collector, codes: Iterable[str]) -> list[str]:
    checked: list[str] = []
    items = list(codes)
    for index, code in enumerate(items):
        path = f"languages[{index}]"
        canonical = collector.check(path, partial(validate_language_code, code, field=path))
        if canonical is not None and canonical not in checked:
            checked.append(canonical)
    if not collector.failed("languages"):
        collector.check("languages", lambda: validate_language_count(len(checked)))
    return checked


def _intakes(collector: Collector, values: Iterable[str]) -> list[date]:
    days = []
    for index, value in enumerate(values):
        path = f"intake_dates[{index}]"
        day = collector.check(path, partial(parse_date, value, path, required=True))
        if day is not None:
            days.append(day)
    return days


def service_values(
    message: programme_pb2.CatalogueService, paths: Iterable[str] | None = None
) -> tuple[dict[str, Any], Collector]:
    """Parsed columns of a create (``paths`` None) or of the masked fields of an update.

    Cross-field rules need the whole record: run :func:`check_service` on the merged values,
    then ``collector.raise_if_any()``.
    """
    collector = Collector()
    wanted = _mask(collector, paths, SERVICE_UPDATABLE)
    if paths is None:
        wanted.add("type")
    values: dict[str, Any] = {}
    if "type" in wanted:
        kind = from_proto(ServiceType, message.type)
        if kind is None:
            collector.fail("type", "is required")
        values["type"] = kind
    texts = {"name": 200, "description": 4000, "location": 300, "schedule": 500}
    for name, limit in texts.items():
        if name in wanted:
            text = str(getattr(message, name))
            values[name] = collector.check(
                name, partial(validate_text, text, field=name, max_length=limit, required=False)
            )
    if "provider_id" in wanted:
        values["provider_id"] = collector.check(
            "provider_id",
            lambda: validate_organisation_id(message.provider_id, field="provider_id"),
        )
    if "languages" in wanted:
        values["languages"] = _languages(collector, message.languages)
    if "remote" in wanted:
        values["remote"] = bool(message.remote)
    if "capacity" in wanted:
        values["capacity"] = collector.check(
            "capacity", lambda: validate_capacity(message.capacity)
        )
    if "intake_dates" in wanted:
        values["intake_dates"] = _intakes(collector, message.intake_dates)
    if "valid_from" in wanted:
        values["valid_from"] = collector.check(
            "valid_from", lambda: parse_date(message.valid_from, "valid_from", required=True)
        )
    if "valid_until" in wanted:
        values["valid_until"] = collector.check(
            "valid_until", lambda: parse_date(message.valid_until, "valid_until", required=False)
        )
    return values, collector


def check_service(
    merged: Mapping[str, Any], changed: Iterable[str], active: int, collector: Collector
) -> list[date]:
    """Rules across fields, on the whole record after the change; returns the sorted intakes.

    A rule is checked only if its fields parsed, and reported on a field that changed.
    """
    touched = set(changed)
    if merged.get("type") is not None and not collector.failed("name"):
        collector.check("name", lambda: validate_service_name(merged["type"], merged["name"]))
    if touched & {"location", "remote"} and not collector.failed("location"):
        collector.check("location", lambda: validate_place(merged["location"], merged["remote"]))
    if "capacity" in touched and merged.get("capacity") is not None and active:
        collector.check("capacity", lambda: validate_capacity(merged["capacity"], active))
    valid_from, valid_until = merged.get("valid_from"), merged.get("valid_until")
    if (
        touched & {"valid_from", "valid_until"}
        and valid_from is not None
        and not collector.failed("valid_until")
    ):
        collector.check("valid_until", lambda: validate_validity(valid_from, valid_until))
    intakes = list(merged.get("intake_dates") or [])
    if touched & {"intake_dates", "valid_from", "valid_until"} and not collector.failed(
        "valid_from", "valid_until"
    ):
        ordered = intakes if "intake_dates" in touched else normalise_intakes(intakes)
        collector.add(intake_problems(ordered, valid_from, valid_until))
    return normalise_intakes(intakes)


# --- enrolments --------------------------------------------------------------------------------


def enrolment_values(request: programme_pb2.CreateEnrolmentRequest) -> dict[str, Any]:
    collector = Collector()
    values = {
        "plan_id": collector.check("plan_id", lambda: reference(request.plan_id, "plan_id")),
        "plan_service_id": collector.check(
            "plan_service_id", lambda: reference(request.plan_service_id, "plan_service_id")
        ),
        "programme_service_id": collector.check(
            "programme_service_id",
            lambda: parse_uuid(request.programme_service_id, "programme_service_id"),
        ),
        "client_id": collector.check(
            "client_id", lambda: parse_uuid(request.client_id, "client_id")
        ),
        "participant_display_name": collector.check(
            "participant_display_name",
            lambda: validate_text(
                request.participant_display_name,
                field="participant_display_name",
                max_length=200,
            ),
        ),
        "start_date": collector.check(
            "start_date", lambda: parse_date(request.start_date, "start_date", required=False)
        ),
    }
    collector.raise_if_any()
    return values


@dataclass(frozen=True, slots=True)
class EnrolmentDates:
    """What the date rules of a report need to know about the enrolment."""

    start: date
    enrolled_on: date
    last_attendance: date | None
    today: date


def interruption_values(
    message: programme_pb2.Interruption, dates: EnrolmentDates
) -> dict[str, Any]:
    collector = Collector()
    day = collector.check("date", lambda: parse_date(message.date, "date", required=True))
    if day is not None:
        collector.check(
            "date",
            lambda: validate_interruption_date(
                day,
                dates.start,
                dates.enrolled_on,
                dates.last_attendance,
                dates.today,
                field="date",
            ),
        )
    reason = from_proto(InterruptionReason, message.reason)
    if reason is None:
        collector.fail("reason", "is required")
    # Without a reason, the details are checked only for their form.
    details = collector.check(
        "details",
        partial(
            validate_interruption_details,
            reason or InterruptionReason.EMPLOYMENT,
            message.details,
            field="details",
        ),
    )
    collector.raise_if_any()
    return {"date": day, "reason": reason, "details": details or ""}


def completion_values(
    message: programme_pb2.Completion, service_type: ServiceType, dates: EnrolmentDates
) -> tuple[date, LanguageTestResult | None]:
    collector = Collector()
    day = collector.check(
        "completion_date",
        lambda: parse_date(message.completion_date, "completion_date", required=True),
    )
    if day is not None:
        collector.check(
            "completion_date",
            lambda: validate_completion_date(
                day, dates.start, dates.last_attendance, dates.today, field="completion_date"
            ),
        )
    test = message.language_test
    levels = {skill: from_proto(CefrLevel, getattr(test, skill)) for skill in SKILLS}
    result, problems = check_language_test(service_type, levels)
    collector.add(problems)
    collector.raise_if_any()
    assert day is not None
    return day, result
