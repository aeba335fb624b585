"""Validation of incoming events and queries, page tokens, and the role rules that need no data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from kotopolku.audit import access, events, queries
from kotopolku.audit.chain import GENESIS_HASH, ChainEntry, EventData
from kotopolku.audit.v1 import audit_pb2
from kotopolku.common import pagination
from kotopolku.common.clock import to_timestamp
from kotopolku.common.errors import InvalidArgument, PermissionDenied
from kotopolku.common.identity import INTERNAL_SERVICE_ROLE, Caller

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def event(**overrides: object) -> audit_pb2.AuditEvent:
    values: dict[str, object] = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": to_timestamp(NOW),
        "actor_subject": "officer-1",
        "actor_roles": ["municipal-officer"],
        "municipality_code": "091",
        "subject_client_id": "client-1",
        "action": "client.read",
        "resource": "clients/client-1",
        "fields": ["names"],
        "purpose": "integration-service",
        "service": "clients",
        "outcome": "success",
    }
    values.update(overrides)
    return audit_pb2.AuditEvent(**values)  # type: ignore[arg-type]


def violations_of(error: InvalidArgument) -> dict[str, str]:
    return {v.field: v.description for v in error.violations}


# -- events -----------------------------------------------------------------------------------


def test_a_valid_event_becomes_event_data() -> None:
    ts = Timestamp(seconds=int(NOW.timestamp()), nanos=123_456_789)
    [data] = events.events_from_request([event(occurred_at=ts)])
    # Nanoseconds are cut to the microseconds the databases keep.
    assert data.occurred_at == NOW.replace(microsecond=123_456)
    assert data.occurred_at.tzinfo is not None
    assert data.actor_roles == ("municipal-officer",)
    assert data.fields == ("names",)


def test_an_uppercase_uuid_is_stored_in_canonical_form() -> None:
    value = str(uuid.uuid4())
    [data] = events.events_from_request([event(event_id=value.upper())])
    assert data.event_id == value


def test_an_empty_batch_is_valid() -> None:
    assert events.events_from_request([]) == []


@pytest.mark.parametrize(
    ("overrides", "field", "description"),
    [
        ({"event_id": ""}, "event_id", "is required"),
        ({"event_id": "not-a-uuid"}, "event_id", "must be a UUID"),
        ({"event_id": "{" + str(uuid.UUID(int=1)) + "}"}, "event_id", "must be a UUID"),
        ({"event_id": uuid.UUID(int=1).hex}, "event_id", "must be a UUID"),
        ({"occurred_at": None}, "occurred_at", "is required"),
        ({"action": ""}, "action", "is required"),
        ({"action": "   "}, "action", "is required"),
        ({"service": ""}, "service", "is required"),
        ({"resource": "x" * 1001}, "resource", "must be at most 1000 characters"),
        ({"purpose": "a\x00b"}, "purpose", "must not contain NUL characters"),
        ({"fields": ["ok", "b\x00d"]}, "fields[1]", "must not contain NUL characters"),
        ({"actor_roles": ["r"] * 201}, "actor_roles", "at most 200 items"),
    ],
)
def test_invalid_events_name_the_field(
    overrides: dict[str, object], field: str, description: str
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        events.events_from_request([event(), event(**overrides)])
    assert violations_of(caught.value) == {f"events[1].{field}": description}


def test_all_problems_of_a_batch_are_reported_together() -> None:
    batch = [event(), event(event_id="x"), event(), event(action="", occurred_at=None)]
    with pytest.raises(InvalidArgument) as caught:
        events.events_from_request(batch)
    assert violations_of(caught.value) == {
        "events[1].event_id": "must be a UUID",
        "events[3].occurred_at": "is required",
        "events[3].action": "is required",
    }


def test_too_many_events_are_refused() -> None:
    with pytest.raises(InvalidArgument) as caught:
        events.events_from_request([event()] * (events.MAX_EVENTS_PER_CALL + 1))
    assert "events" in violations_of(caught.value)


def test_reported_violations_are_capped() -> None:
    with pytest.raises(InvalidArgument) as caught:
        events.events_from_request([event(event_id="bad")] * 150)
    assert len(caught.value.violations) == 100
    assert "150 invalid" in caught.value.detail


def test_recorded_entries_round_trip_to_protobuf() -> None:
    [data] = events.events_from_request([event()])
    entry = ChainEntry(data, 4, NOW, GENESIS_HASH, "a" * 64)
    [recorded] = events.to_recorded([entry])
    assert recorded.position == 4
    assert recorded.entry_hash == "a" * 64
    assert recorded.recorded_at.ToDatetime(tzinfo=UTC) == NOW
    assert events.events_from_request([recorded.event]) == [data]


# -- queries ----------------------------------------------------------------------------------


def test_an_empty_query_gets_the_default_page_size() -> None:
    request = queries.trail_request(audit_pb2.QueryEventsRequest())
    assert request.page_size == pagination.DEFAULT_PAGE_SIZE
    assert request.criteria == queries.TrailCriteria()


def test_query_filters_are_read() -> None:
    request = queries.trail_request(
        audit_pb2.QueryEventsRequest(
            subject_client_id="c",
            actor_subject="a",
            from_time=to_timestamp(NOW),
            to_time=to_timestamp(NOW + timedelta(hours=1)),
            page_size=1000,
        )
    )
    assert request.criteria.subject_client_id == "c"
    assert request.criteria.actor_subject == "a"
    assert request.criteria.from_time == NOW
    assert request.criteria.to_time == NOW + timedelta(hours=1)
    assert request.page_size == pagination.MAX_PAGE_SIZE


def test_a_time_range_must_not_be_empty() -> None:
    with pytest.raises(InvalidArgument) as caught:
        queries.trail_request(
            audit_pb2.QueryEventsRequest(from_time=to_timestamp(NOW), to_time=to_timestamp(NOW))
        )
    assert violations_of(caught.value) == {"to_time": "must be after from_time"}


def test_query_text_and_page_size_are_validated() -> None:
    with pytest.raises(InvalidArgument) as caught:
        queries.trail_request(audit_pb2.QueryEventsRequest(subject_client_id="a\x00", page_size=-1))
    assert set(violations_of(caught.value)) == {"subject_client_id", "page_size"}


@pytest.mark.parametrize(
    "token",
    [
        "!!!",
        pagination.encode_token({"before": "3"}),
        pagination.encode_token({"before": 0}),
        pagination.encode_token({"before": True}),
        pagination.encode_token({"other": 3}),
    ],
)
def test_foreign_page_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        queries.trail_request(audit_pb2.QueryEventsRequest(page_token=token))
    assert "page_token" in violations_of(caught.value)


def _entries(*positions: int) -> list[ChainEntry]:
    [data] = events.events_from_request([event()])
    return [ChainEntry(data, p, NOW, GENESIS_HASH, GENESIS_HASH) for p in positions]


def test_page_issues_a_token_only_when_more_remain() -> None:
    shown, token = queries.page(_entries(9, 8, 7), 2)
    assert [e.position for e in shown] == [9, 8]
    request = queries.trail_request(audit_pb2.QueryEventsRequest(page_token=token))
    assert request.criteria.before_position == 8
    shown, token = queries.page(_entries(9, 8), 2)
    assert len(shown) == 2
    assert token == ""


def test_the_query_event_describes_the_query() -> None:
    caller = Caller("auditor-1", frozenset({"auditor"}), "supervision", municipality="091")
    criteria = queries.TrailCriteria(subject_client_id="client-1", from_time=NOW)
    data: EventData = queries.query_event(
        caller,
        criteria,
        municipality_code="091",
        welfare_area_code="",
        outcome="success",
        now=NOW,
    )
    assert data.action == "audit.query"
    assert data.service == "audit"
    assert data.subject_client_id == "client-1"
    assert data.actor_subject == "auditor-1"
    assert data.actor_roles == ("auditor",)
    assert data.resource == (
        "audit/events?subject_client_id=client-1&from_time=2026-03-01T12%3A00%3A00.000000Z"
    )
    uuid.UUID(data.event_id)


# -- roles ------------------------------------------------------------------------------------


def caller(*roles: str) -> Caller:
    return Caller("someone", frozenset(roles), "p", municipality="091")


def test_only_internal_services_append() -> None:
    access.require_appender(caller(INTERNAL_SERVICE_ROLE))
    for roles in [(), ("admin",), ("auditor",), ("client",)]:
        with pytest.raises(PermissionDenied):
            access.require_appender(caller(*roles))


def test_only_auditors_and_admins_verify() -> None:
    access.require_verifier(caller("auditor"))
    access.require_verifier(caller("admin"))
    for roles in [(), ("client",), ("manager",), (INTERNAL_SERVICE_ROLE,)]:
        with pytest.raises(PermissionDenied):
            access.require_verifier(caller(*roles))


def test_only_auditors_and_clients_query() -> None:
    access.require_query_role(caller("auditor"))
    access.require_query_role(caller("client"))
    for roles in [(), ("admin",), ("municipal-officer",), (INTERNAL_SERVICE_ROLE,)]:
        with pytest.raises(PermissionDenied):
            access.require_query_role(caller(*roles))
