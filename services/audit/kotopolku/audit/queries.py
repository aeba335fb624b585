"""QueryEvents requests: filters, keyset page tokens, and the entry a query leaves behind."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from urllib.parse import urlencode

from kotopolku.audit.chain import ChainEntry, EventData, format_time
from kotopolku.audit.events import text_problem
from kotopolku.audit.repository import TrailCriteria
from kotopolku.audit.v1 import audit_pb2
from kotopolku.common import pagination
from kotopolku.common.clock import from_timestamp
from kotopolku.common.errors import FieldViolation, InvalidArgument
from kotopolku.common.identity import Caller
from kotopolku.common.telemetry import current_trace_id

QUERY_ACTION: Final = "audit.query"
SERVICE_NAME: Final = "audit"
_TOKEN_KEY: Final = "before"


@dataclass(frozen=True, slots=True)
class TrailRequest:
    criteria: TrailCriteria
    page_size: int


def _time(
    request: audit_pb2.QueryEventsRequest, name: str, violations: list[FieldViolation]
) -> datetime | None:
    if not request.HasField(name):  # type: ignore[arg-type]
        return None
    try:
        return from_timestamp(getattr(request, name))
    except (ValueError, OverflowError):
        violations.append(FieldViolation(name, "is not a valid time"))
        return None


def _before_position(token: str) -> int | None:
    position = pagination.decode_token(token)
    if position is None:
        return None
    before = position.get(_TOKEN_KEY)
    if isinstance(before, bool) or not isinstance(before, int) or before < 1:
        raise InvalidArgument.field("page_token", "is not a token this API issued")
    return before


def trail_request(request: audit_pb2.QueryEventsRequest) -> TrailRequest:
    violations: list[FieldViolation] = []
    for name in ("subject_client_id", "actor_subject", "exclude_actor_subject"):
        problem = text_problem(getattr(request, name))
        if problem is not None:
            violations.append(FieldViolation(name, problem))
    from_time = _time(request, "from_time", violations)
    to_time = _time(request, "to_time", violations)
    if from_time is not None and to_time is not None and to_time <= from_time:
        violations.append(FieldViolation("to_time", "must be after from_time"))
    if request.page_size < 0:
        violations.append(FieldViolation("page_size", "must not be negative"))
    if violations:
        raise InvalidArgument("The query is not valid", violations=violations)
    criteria = TrailCriteria(
        subject_client_id=request.subject_client_id,
        actor_subject=request.actor_subject,
        exclude_actor_subject=request.exclude_actor_subject,
        from_time=from_time,
        to_time=to_time,
        before_position=_before_position(request.page_token),
    )
    return TrailRequest(criteria, pagination.page_size(request.page_size))


def page(entries: Sequence[ChainEntry], size: int) -> tuple[Sequence[ChainEntry], str]:
    """Splits ``size + 1`` fetched entries into the page and the token of the next one."""
    if len(entries) <= size:
        return entries, ""
    shown = entries[:size]
    return shown, pagination.encode_token({_TOKEN_KEY: shown[-1].position})


def _resource(criteria: TrailCriteria) -> str:
    filters = {
        "subject_client_id": criteria.subject_client_id,
        "actor_subject": criteria.actor_subject,
        "exclude_actor_subject": criteria.exclude_actor_subject,
        "from_time": format_time(criteria.from_time) if criteria.from_time else "",
        "to_time": format_time(criteria.to_time) if criteria.to_time else "",
    }
    query = urlencode({k: v for k, v in filters.items() if v})
    return f"audit/events?{query}" if query else "audit/events"


def query_event(
    caller: Caller,
    criteria: TrailCriteria,
    *,
    municipality_code: str,
    welfare_area_code: str,
    outcome: str,
    now: datetime,
) -> EventData:
    """The audit entry of a QueryEvents call: reading the log is itself logged."""
    return EventData(
        event_id=str(uuid.uuid4()),
        occurred_at=now,
        actor_subject=caller.subject,
        actor_roles=tuple(sorted(caller.roles)),
        municipality_code=municipality_code,
        welfare_area_code=welfare_area_code,
        subject_client_id=criteria.subject_client_id,
        action=QUERY_ACTION,
        resource=_resource(criteria),
        fields=(),
        purpose=caller.purpose,
        trace_id=current_trace_id(),
        service=SERVICE_NAME,
        outcome=outcome,
    )
