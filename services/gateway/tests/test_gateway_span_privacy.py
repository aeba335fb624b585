"""The server request hook of the gateway's HTTP spans (span_privacy): whatever the caller put in
the path or the query, the span says the route template only."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext

from kotopolku.gateway.span_privacy import REDACTED, UNMATCHED, record_route_not_path

NAME = "Virtanen Matti"
HETU = "010190-123A"
SCOPE: dict[str, Any] = {"scheme": "http", "server": ("127.0.0.1", 8300)}


def _span_after_hook(attributes: dict[str, Any], scope: dict[str, Any] = SCOPE) -> ReadableSpan:
    """A real SDK span with the instrumentation's attributes, through the hook."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer(__name__).start_as_current_span("GET", attributes=attributes) as span:
        record_route_not_path(span, scope)
    [finished] = exporter.get_finished_spans()
    return finished


def test_the_path_and_the_url_become_the_route_template() -> None:
    span = _span_after_hook(
        {
            "http.route": "/v1/appointments/{appointment_id}",
            "http.target": f"/v1/appointments/{NAME}",
            "http.url": f"http://127.0.0.1:8300/v1/appointments/{NAME}",
            "url.path": f"/v1/appointments/{NAME}",
            "url.full": f"http://127.0.0.1:8300/v1/appointments/{NAME}?hetu={HETU}",
            "url.query": f"hetu={HETU}",
            "http.method": "PATCH",
        }
    )
    attributes = dict(span.attributes or {})
    assert attributes["http.target"] == "/v1/appointments/{appointment_id}"
    assert attributes["url.path"] == "/v1/appointments/{appointment_id}"
    assert attributes["http.url"] == "http://127.0.0.1:8300/v1/appointments/{appointment_id}"
    assert attributes["url.full"] == "http://127.0.0.1:8300/v1/appointments/{appointment_id}"
    assert attributes["url.query"] == REDACTED
    assert attributes["http.method"] == "PATCH"
    assert "Virtanen" not in repr(attributes)
    assert HETU not in repr(attributes)


def test_a_path_no_route_matched_is_not_recorded_at_all() -> None:
    span = _span_after_hook(
        {
            "http.target": f"/v1/{HETU}/{NAME}",
            "http.url": f"https://gateway.example/v1/{HETU}/{NAME}",
        },
        {"scheme": "https", "server": ("gateway.example", 443)},
    )
    attributes = dict(span.attributes or {})
    assert attributes["http.target"] == UNMATCHED
    assert attributes["http.url"] == "https://gateway.example"
    assert "Virtanen" not in repr(attributes)
    assert HETU not in repr(attributes)


def test_attributes_the_instrumentation_did_not_set_are_not_added() -> None:
    span = _span_after_hook({"http.route": "/v1/clients", "http.target": "/v1/clients"})
    assert dict(span.attributes or {}) == {
        "http.route": "/v1/clients",
        "http.target": "/v1/clients",
    }


@pytest.mark.parametrize("route", ["", "GET", 7])
def test_a_route_that_is_not_a_path_template_counts_as_unmatched(route: Any) -> None:
    span = _span_after_hook({"http.route": route, "http.target": f"/v1/clients/{NAME}"})
    assert dict(span.attributes or {})["http.target"] == UNMATCHED


def test_a_span_that_is_not_recorded_is_left_alone() -> None:
    record_route_not_path(NonRecordingSpan(SpanContext(1, 1, False)), SCOPE)
