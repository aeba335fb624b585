"""Turns request messages into validated column values, naming every offending field at once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Final, TypeVar

from kotopolku.clients.domain import ClientDomainError, validate_language_code
from kotopolku.common.errors import FieldViolation, InvalidArgument
from kotopolku.common.localtime import HELSINKI, InvalidMoment, parse_day_or_moment, parse_moment
from kotopolku.interpretation.appointments_directory import AppointmentRef
from kotopolku.interpretation.domain import (
    InterpretationDomainError,
    InterpretationMode,
    TextKind,
    validate_dialect,
    validate_duration,
    validate_key,
    validate_text,
)
from kotopolku.interpretation.enums import ReferenceKind, from_proto
from kotopolku.interpretation.v1 import interpretation_pb2 as pb

T = TypeVar("T")
MAX_NAME: Final = 200
MAX_LOCATION: Final = 300
MAX_NOTES: Final = 1000
MAX_IDENTIFIER: Final = 64


class Collector:
    """Runs validators and keeps every violation, so one response names all bad fields."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, field: str, validate: Callable[[], T]) -> T | None:
        try:
            return validate()
        except (InterpretationDomainError, ClientDomainError, InvalidMoment) as error:
            self.violations.append(FieldViolation(error.field or field, error.message))
        return None

    def fail(self, field: str, description: str) -> None:
        self.violations.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if self.violations:
            fields = ", ".join(v.field for v in self.violations)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.violations)


def words(value: str, field: str, limit: int, *, required: bool = False) -> str:
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise InterpretationDomainError(field, "is required")
    if len(cleaned) > limit or not cleaned.isprintable():
        raise InterpretationDomainError(field, f"must be printable and at most {limit} characters")
    return cleaned


def identifier(value: str, field: str, *, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise InterpretationDomainError(field, "is required")
    if len(text) > MAX_IDENTIFIER or not text.isprintable() or " " in text:
        raise InterpretationDomainError(
            field, f"must be an identifier of at most {MAX_IDENTIFIER} characters"
        )
    return text


def parse_uuid(value: str, field: str) -> str:
    if not value:
        raise InterpretationDomainError(field, "is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InterpretationDomainError(field, "is not an identifier this system issued") from None


def language(value: str, field: str = "language") -> str:
    if not value.strip():
        raise InterpretationDomainError(field, "is required (an ISO 639 code)")
    return validate_language_code(value, field=field)


def appointment_id(value: str) -> str:
    collector = Collector()
    found = collector.check("appointment_id", lambda: parse_uuid(value, "appointment_id"))
    collector.raise_if_any()
    assert found is not None
    return found


def booking_values(message: pb.Booking, appointment: AppointmentRef) -> dict[str, Any]:
    """A booking's columns; time, length and place default to the appointment's."""
    collector = Collector()
    if message.client_id and message.client_id != appointment.client_id:
        collector.fail("client_id", "is not the appointment's client")
    lang = collector.check("language", lambda: language(message.language))
    dialect = collector.check("dialect", lambda: validate_dialect(message.dialect))
    mode = from_proto(InterpretationMode, message.mode)
    if mode is None:
        collector.fail("mode", "is required: ON_SITE, PHONE or VIDEO")
    start: datetime | None = appointment.starts_at
    if message.start:
        start = collector.check("start", lambda: parse_moment(message.start, field="start"))
    length = message.duration_minutes or int(
        (appointment.ends_at - appointment.starts_at) / timedelta(minutes=1)
    )
    duration = collector.check("duration_minutes", lambda: validate_duration(length))
    provider = collector.check(
        "provider_organisation",
        lambda: identifier(message.provider_organisation, "provider_organisation", required=True),
    )
    interpreter = collector.check(
        "interpreter_subject",
        lambda: identifier(message.interpreter_subject, "interpreter_subject"),
    )
    name = collector.check(
        "interpreter_name", lambda: words(message.interpreter_name, "interpreter_name", MAX_NAME)
    )
    location = collector.check(
        "location",
        lambda: words(message.location or appointment.location, "location", MAX_LOCATION),
    )
    if mode is InterpretationMode.ON_SITE and not (location or "").strip():
        collector.fail("location", "is required for interpretation on site")
    notes = collector.check("notes", lambda: words(message.notes, "notes", MAX_NOTES))
    collector.raise_if_any()
    assert mode is not None
    return {
        "appointment_id": appointment.id,
        "client_id": appointment.client_id,
        "language": lang,
        "dialect": dialect or "",
        "mode": mode.value,
        "starts_at": start,
        "duration_minutes": duration,
        "provider_organisation": provider,
        "interpreter_subject": interpreter or None,
        "interpreter_name": name or "",
        "location": location or "",
        "notes": notes or "",
    }


def period_bound(value: str, field: str) -> datetime | None:
    if not value:
        return None
    collector = Collector()
    found = collector.check(field, lambda: parse_day_or_moment(value, field=field))
    collector.raise_if_any()
    return found


def record_values(message: pb.InterpretationRecord, today: date) -> dict[str, Any]:
    collector = Collector()
    client_id = collector.check("client_id", lambda: parse_uuid(message.client_id, "client_id"))
    kind = from_proto(ReferenceKind, message.reference_kind)
    if kind is None:
        collector.fail("reference_kind", "is required: VISIT, ASSESSMENT or APPOINTMENT")
    reference = collector.check(
        "reference_id", lambda: identifier(message.reference_id, "reference_id", required=True)
    )
    lang = collector.check("language", lambda: language(message.language))
    dialect = collector.check("dialect", lambda: validate_dialect(message.dialect))
    mode = from_proto(InterpretationMode, message.mode)
    if mode is None:
        collector.fail("mode", "is required: ON_SITE, PHONE or VIDEO")
    booking = collector.check(
        "booking_id",
        lambda: parse_uuid(message.booking_id, "booking_id") if message.booking_id else None,
    )
    provider = collector.check(
        "provider_organisation",
        lambda: identifier(message.provider_organisation, "provider_organisation"),
    )
    name = collector.check(
        "interpreter_name", lambda: words(message.interpreter_name, "interpreter_name", MAX_NAME)
    )
    used_on = collector.check("used_on", lambda: _used_on(message.used_on, today))
    collector.raise_if_any()
    assert kind is not None
    assert mode is not None
    return {
        "client_id": client_id,
        "reference_kind": kind.value,
        "reference_id": reference,
        "language": lang,
        "dialect": dialect or "",
        "mode": mode.value,
        "booking_id": booking,
        "provider_organisation": provider or "",
        "interpreter_name": name or "",
        "used_on": used_on,
    }


def _used_on(value: str, today: date) -> date:
    if not value:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InterpretationDomainError("used_on", "must be a day YYYY-MM-DD") from None
    if day > today:
        raise InterpretationDomainError("used_on", "must not be in the future")
    if day.year < 2000:
        raise InterpretationDomainError("used_on", "must be after 2000")
    return day


def today_in_helsinki(now: datetime) -> date:
    return now.astimezone(HELSINKI).date()


def translation_values(message: pb.Translation) -> tuple[str, str, TextKind | None, str, str]:
    """(key, language, kind or None if not given, text, source language)."""
    collector = Collector()
    key = collector.check("key", lambda: validate_key(message.key))
    lang = collector.check("language", lambda: language(message.language))
    kind = from_proto(TextKind, message.kind)
    text = collector.check("text", lambda: validate_text(message.text))
    source = collector.check(
        "source_language",
        lambda: (
            language(message.source_language, "source_language") if message.source_language else ""
        ),
    )
    if source and lang and source == lang:
        collector.fail("source_language", "must differ from the language")
    collector.raise_if_any()
    assert key is not None
    assert lang is not None
    assert text is not None
    return key, lang, kind, text, source or ""
