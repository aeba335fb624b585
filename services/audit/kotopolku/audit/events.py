"""Between the wire and the chain: validating incoming events, shaping recorded ones."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Final

from kotopolku.audit.chain import ChainEntry, EventData
from kotopolku.audit.v1 import audit_pb2
from kotopolku.common.clock import from_timestamp, to_timestamp
from kotopolku.common.errors import FieldViolation, InvalidArgument

MAX_EVENTS_PER_CALL: Final = 5_000
MAX_TEXT: Final = 1_000
MAX_NAMES: Final = 200
# A batch full of bad events should not produce a status too large to send.
_MAX_REPORTED_VIOLATIONS: Final = 100

_TEXT_FIELDS: Final = (
    "actor_subject",
    "municipality_code",
    "welfare_area_code",
    "subject_client_id",
    "action",
    "resource",
    "purpose",
    "trace_id",
    "service",
    "outcome",
)
_REQUIRED_TEXT: Final = ("action", "service")
MAX_CONTEXT: Final = 20
_CONTEXT_NAME: Final = re.compile(r"[a-z][a-z0-9-]{0,39}")
_NAME_LISTS: Final = ("actor_roles", "fields")


def text_problem(value: str) -> str | None:
    """Why a free-text value cannot be stored, or None."""
    if len(value) > MAX_TEXT:
        return f"must be at most {MAX_TEXT} characters"
    if "\x00" in value:
        return "must not contain NUL characters"
    return None


def _canonical_uuid(value: str) -> str | None:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return str(parsed) if str(parsed) == value.lower() else None


def _check_event(event: audit_pb2.AuditEvent, prefix: str) -> list[FieldViolation]:
    violations: list[FieldViolation] = []
    if not event.event_id:
        violations.append(FieldViolation(f"{prefix}.event_id", "is required"))
    elif _canonical_uuid(event.event_id) is None:
        violations.append(FieldViolation(f"{prefix}.event_id", "must be a UUID"))
    if not event.HasField("occurred_at"):
        violations.append(FieldViolation(f"{prefix}.occurred_at", "is required"))
    else:
        try:
            from_timestamp(event.occurred_at)
        except (ValueError, OverflowError):
            violations.append(FieldViolation(f"{prefix}.occurred_at", "is not a valid time"))
    for name in _TEXT_FIELDS:
        value: str = getattr(event, name)
        if name in _REQUIRED_TEXT and not value.strip():
            violations.append(FieldViolation(f"{prefix}.{name}", "is required"))
            continue
        problem = text_problem(value)
        if problem is not None:
            violations.append(FieldViolation(f"{prefix}.{name}", problem))
    for name in _NAME_LISTS:
        values: Sequence[str] = getattr(event, name)
        if len(values) > MAX_NAMES:
            violations.append(FieldViolation(f"{prefix}.{name}", f"at most {MAX_NAMES} items"))
            continue
        for index, value in enumerate(values):
            problem = text_problem(value)
            if problem is not None:
                violations.append(FieldViolation(f"{prefix}.{name}[{index}]", problem))
    if len(event.context) > MAX_CONTEXT:
        violations.append(FieldViolation(f"{prefix}.context", f"at most {MAX_CONTEXT} entries"))
    else:
        for key, value in event.context.items():
            if not _CONTEXT_NAME.fullmatch(key):
                violations.append(
                    FieldViolation(f"{prefix}.context", f"{key[:40]!r} is not a context name")
                )
            problem = text_problem(value)
            if problem is not None:
                violations.append(FieldViolation(f"{prefix}.context.{key[:40]}", problem))
    return violations


def _event_data(event: audit_pb2.AuditEvent) -> EventData:
    return EventData(
        event_id=event.event_id.lower(),
        occurred_at=from_timestamp(event.occurred_at),
        actor_subject=event.actor_subject,
        actor_roles=tuple(event.actor_roles),
        municipality_code=event.municipality_code,
        welfare_area_code=event.welfare_area_code,
        subject_client_id=event.subject_client_id,
        action=event.action,
        resource=event.resource,
        fields=tuple(event.fields),
        purpose=event.purpose,
        trace_id=event.trace_id,
        service=event.service,
        outcome=event.outcome,
        context=tuple(sorted(event.context.items())),
    )


def events_from_request(events: Sequence[audit_pb2.AuditEvent]) -> list[EventData]:
    """Validated events of an AppendEvents call; all problems are reported together."""
    if len(events) > MAX_EVENTS_PER_CALL:
        raise InvalidArgument.field("events", f"at most {MAX_EVENTS_PER_CALL} events per call")
    violations: list[FieldViolation] = []
    for index, event in enumerate(events):
        violations.extend(_check_event(event, f"events[{index}]"))
    if violations:
        shown = violations[:_MAX_REPORTED_VIOLATIONS]
        more = len(violations) - len(shown)
        detail = f"{len(violations)} invalid field(s) in the events"
        if more:
            detail += f"; the first {len(shown)} are listed"
        raise InvalidArgument(detail, violations=shown)
    return [_event_data(event) for event in events]


def to_proto_event(event: EventData) -> audit_pb2.AuditEvent:
    return audit_pb2.AuditEvent(
        event_id=event.event_id,
        occurred_at=to_timestamp(event.occurred_at),
        actor_subject=event.actor_subject,
        actor_roles=list(event.actor_roles),
        municipality_code=event.municipality_code,
        welfare_area_code=event.welfare_area_code,
        subject_client_id=event.subject_client_id,
        action=event.action,
        resource=event.resource,
        fields=list(event.fields),
        purpose=event.purpose,
        trace_id=event.trace_id,
        service=event.service,
        outcome=event.outcome,
        context=dict(event.context),
    )


def to_recorded(entries: Iterable[ChainEntry]) -> list[audit_pb2.RecordedAuditEvent]:
    return [
        audit_pb2.RecordedAuditEvent(
            event=to_proto_event(entry.event),
            position=entry.position,
            recorded_at=to_timestamp(entry.recorded_at),
            entry_hash=entry.entry_hash,
        )
        for entry in entries
    ]
