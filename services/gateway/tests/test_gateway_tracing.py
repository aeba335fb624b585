"""Trace propagation: gateway → clients service (gRPC) → audit event (via the outbox relay).

The test process's global tracer provider is an SDK provider installed by this directory's
conftest before anything starts; spans are collected in memory and picked out by trace id.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from gateway_testkit import GatewayStack, hetu, wait_until
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

CREATE_CLIENT = "/kotopolku.clients.v1.ClientsService/CreateClient"
APPEND_EVENTS = "/kotopolku.audit.v1.AuditService/AppendEvents"


@pytest.fixture
def gateway(shared_gateway: GatewayStack) -> GatewayStack:
    """The tests pick their spans by start time and trace id, so they can share a stack."""
    return shared_gateway


async def spans_where(
    exporter: InMemorySpanExporter,
    condition: Callable[[ReadableSpan], bool],
    count: int = 1,
) -> list[ReadableSpan]:
    """Spans end asynchronously (a server span may end after its client got the answer)."""
    deadline = time.monotonic() + 3
    while True:
        found = [s for s in exporter.get_finished_spans() if condition(s)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.02)


def started_after(started_ns: int) -> Callable[[ReadableSpan], bool]:
    return lambda span: (span.start_time or 0) >= started_ns


def attribute(span: ReadableSpan, *names: str) -> Any:
    attributes = span.attributes or {}
    return next((attributes[n] for n in names if n in attributes), None)


async def audit_trace_ids(gateway: GatewayStack, client_id: str) -> list[str]:
    async def trail() -> list[dict[str, Any]]:
        response = await gateway.http.get(
            "/v1/audit/events", params={"subject_client_id": client_id}, headers=gateway.auditor()
        )
        assert response.status_code == 200, response.text
        return [e for e in response.json()["items"] if e["action"] == "client.create"]

    async def delivered() -> bool:
        return bool(await trail())

    await wait_until(delivered, 5, "the client.create audit event")
    return [e["trace_id"] for e in await trail()]


async def create_client(
    gateway: GatewayStack, individual: int, **headers: str
) -> tuple[dict[str, Any], int]:
    started = time.time_ns()
    birth = date(1975, 4, 9)
    response = await gateway.http.post(
        "/v1/clients",
        json={
            "first_names": "Jussi",
            "last_name": "Tracey",
            "date_of_birth": birth.isoformat(),
            "henkilotunnus": hetu(birth, individual),
        },
        headers=gateway.officer(**headers),
    )
    assert response.status_code == 201, response.text
    return response.json(), started


def is_gateway_create(span: ReadableSpan) -> bool:
    return (
        span.kind is SpanKind.SERVER
        and attribute(span, "http.route") == "/v1/clients"
        and attribute(span, "http.request.method", "http.method") == "POST"
    )


def gateway_create_after(started_ns: int) -> Callable[[ReadableSpan], bool]:
    after = started_after(started_ns)
    return lambda span: after(span) and is_gateway_create(span)


async def test_one_request_is_one_trace_across_gateway_clients_and_audit(
    gateway: GatewayStack, span_exporter: InMemorySpanExporter
) -> None:
    created, started = await create_client(gateway, 910)
    after = started_after(started)

    [gateway_span] = await spans_where(span_exporter, gateway_create_after(started))
    assert gateway_span.context is not None
    trace_id = gateway_span.context.trace_id
    in_trace = [
        s
        for s in await spans_where(
            span_exporter,
            lambda s: s.context is not None and s.context.trace_id == trace_id,
            count=3,
        )
    ]
    by_kind = {(s.kind, s.name) for s in in_trace}
    assert (SpanKind.CLIENT, CREATE_CLIENT) in by_kind, by_kind
    assert (SpanKind.SERVER, CREATE_CLIENT) in by_kind, by_kind

    [grpc_client] = [s for s in in_trace if (s.kind, s.name) == (SpanKind.CLIENT, CREATE_CLIENT)]
    [grpc_server] = [s for s in in_trace if (s.kind, s.name) == (SpanKind.SERVER, CREATE_CLIENT)]
    # The service's span is the child of the gateway's call, which is inside the HTTP request.
    assert grpc_client.context is not None
    assert grpc_server.parent is not None
    assert grpc_server.parent.span_id == grpc_client.context.span_id
    ids = {s.context.span_id: s for s in in_trace if s.context is not None}
    ancestor = grpc_client
    while ancestor.parent is not None and ancestor.parent.span_id in ids:
        ancestor = ids[ancestor.parent.span_id]
    assert ancestor is gateway_span

    # The audit event, delivered later by the relay in a trace of its own, names this trace.
    assert await audit_trace_ids(gateway, created["id"]) == [format(trace_id, "032x")]
    appended = await spans_where(
        span_exporter, lambda s: after(s) and (s.kind, s.name) == (SpanKind.SERVER, APPEND_EVENTS)
    )
    assert appended, "the audit service served no AppendEvents call"


async def test_an_incoming_traceparent_is_continued(
    gateway: GatewayStack, span_exporter: InMemorySpanExporter
) -> None:
    trace_hex, parent_hex = secrets.token_hex(16), secrets.token_hex(8)
    created, started = await create_client(
        gateway, 911, traceparent=f"00-{trace_hex}-{parent_hex}-01"
    )
    after = started_after(started)

    [gateway_span] = await spans_where(span_exporter, gateway_create_after(started))
    assert gateway_span.context is not None
    assert gateway_span.parent is not None
    assert format(gateway_span.context.trace_id, "032x") == trace_hex
    assert format(gateway_span.parent.span_id, "016x") == parent_hex
    assert gateway_span.parent.is_remote

    [service_span] = await spans_where(
        span_exporter,
        lambda s: after(s) and (s.kind, s.name) == (SpanKind.SERVER, CREATE_CLIENT),
    )
    assert service_span.context is not None
    assert format(service_span.context.trace_id, "032x") == trace_hex
    assert await audit_trace_ids(gateway, created["id"]) == [trace_hex]


async def test_an_invalid_traceparent_starts_a_new_trace(
    gateway: GatewayStack, span_exporter: InMemorySpanExporter
) -> None:
    zero_trace = "00-" + "0" * 32 + "-" + "1" * 16 + "-01"
    for individual, traceparent in ((912, "garbage"), (913, zero_trace), (914, "ff-zz-yy-01")):
        created, started = await create_client(gateway, individual, traceparent=traceparent)
        [gateway_span] = await spans_where(span_exporter, gateway_create_after(started))
        assert gateway_span.context is not None
        assert gateway_span.context.trace_id != 0
        assert gateway_span.parent is None, traceparent
        assert await audit_trace_ids(gateway, created["id"]) == [
            format(gateway_span.context.trace_id, "032x")
        ]


async def test_server_spans_never_record_the_query_string(
    gateway: GatewayStack, span_exporter: InMemorySpanExporter
) -> None:
    """A token or a search term in a query string must not reach the traces."""
    started = time.time_ns()
    secret = f"eyJsecret{secrets.token_hex(8)}"
    response = await gateway.http.get(
        "/v1/referrals",
        params={"access_token": secret, "name": "Virtanen"},
        headers=gateway.officer(),
    )
    assert response.status_code == 200, response.text
    found = await spans_where(
        span_exporter,
        lambda s: started_after(started)(s) and s.kind is SpanKind.SERVER and "GET" in s.name,
    )
    assert found
    for span in found:
        recorded = repr(dict(span.attributes or {}))
        assert secret not in recorded
        assert "Virtanen" not in recorded
        assert attribute(span, "http.url", "url.full", "http.target", "url.path")
