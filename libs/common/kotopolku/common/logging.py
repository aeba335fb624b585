"""JSON logs with the trace id. Log records name operations and identifiers, never personal data:
no names, identity codes, contact details or tokens are passed to a logger anywhere."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter


class _TraceContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "asctime": "time"},
            static_fields={"service": service},
        )
    )
    handler.addFilter(_TraceContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Access logs would print request paths and query strings, which can carry search terms.
    logging.getLogger("uvicorn.access").disabled = True


def log_unexpected(error: BaseException, **context: Any) -> None:
    """Logs an unexpected exception by type and stack frames only: its message may quote
    personal data (a database error repeats the values it could not store)."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    logging.getLogger("kotopolku.unexpected").error(
        "unexpected error",
        extra={"error_type": type(error).__qualname__, "stack": frames, **context},
    )
