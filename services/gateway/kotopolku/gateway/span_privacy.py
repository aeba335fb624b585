"""What the HTTP server spans may say about a request: its path, never its query string.

The ASGI instrumentation records the full URL. A query string is where a misconfigured client
puts an access token (``?access_token=``) or a search term, and traces are kept and shipped
like logs, so the URL of every server span is recorded without it.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import Span

# Attributes of the old and the new HTTP semantic conventions that carry the query.
_URL_ATTRIBUTES = ("http.url", "url.full")
_QUERY_ATTRIBUTES = ("url.query",)
REDACTED = "[redacted]"


def drop_query_string(span: Span, scope: dict[str, Any]) -> None:
    if not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    for name in _URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str) and "?" in value:
            span.set_attribute(name, value.split("?", 1)[0])
    for name in _QUERY_ATTRIBUTES:
        if name in attributes:
            span.set_attribute(name, REDACTED)
