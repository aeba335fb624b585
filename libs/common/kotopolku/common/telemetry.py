"""OpenTelemetry tracing configured only from the standard ``OTEL_*`` variables.

With ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_TRACES_EXPORTER=otlp``) spans go to the collector by
OTLP/gRPC, sampled as ``OTEL_TRACES_SAMPLER`` says; ``OTEL_TRACES_EXPORTER=console`` prints them.
Without an exporter nothing is recorded, but every request still gets a trace id that reaches the
logs and the audit records and propagates with W3C ``traceparent``.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

_configured: TracerProvider | None = None


def configure_tracing(service: str) -> TracerProvider:
    """Installs the global tracer provider once per process and returns it."""
    global _configured
    if _configured is not None:
        return _configured
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service)})
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "")
    exporting = exporter_name in ("console", "otlp") or bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    # Unsampled spans still carry real trace ids, at a fraction of a recorded span's cost.
    provider = TracerProvider(resource=resource, sampler=None if exporting else ALWAYS_OFF)
    if exporter_name == "console":
        provider.add_span_processor(BatchSpanProcessor(console_exporter()))
    elif exporting:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _configured = provider
    return provider


def console_exporter(out: IO[str] | None = None) -> ConsoleSpanExporter:
    """Spans as JSON lines, one per span, like the logs they are interleaved with (the SDK's
    default prints each span over some thirty indented lines)."""
    return ConsoleSpanExporter(
        out=out or sys.stdout,
        formatter=lambda span: span.to_json(indent=None) + os.linesep,
    )


def current_trace_id() -> str:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""
