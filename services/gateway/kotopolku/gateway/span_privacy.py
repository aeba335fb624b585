"""What the HTTP server spans may say about a request: its route template, never its raw path
nor its query string.

The ASGI instrumentation records the request's own URL and path. Path segments are whatever the
caller put there: an id most of the time, but a misdirected client (or a fuzzer) puts a name or
an identity code there just as easily, and a query string is where a misconfigured client puts an
access token (``?access_token=``) or a search term. Traces are kept and shipped like logs, so the
path and URL attributes of every server span are replaced with the route that matched
(``/v1/appointments/{appointment_id}``, as in ``http.route`` and the span name); when no route
matched, the path is ``unmatched`` (the label the metrics and the error log use too) and the URL
is the server's origin alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from opentelemetry.trace import Span

UNMATCHED: Final = "unmatched"
REDACTED: Final = "[redacted]"
# Attributes of the old and the new HTTP semantic conventions that carry the path.
_PATH_ATTRIBUTES: Final = ("http.target", "url.path")
# ... the whole URL (scheme, host, path and query).
_URL_ATTRIBUTES: Final = ("http.url", "url.full")
# ... the query string alone.
_QUERY_ATTRIBUTES: Final = ("url.query",)


def _origin(scope: Mapping[str, Any]) -> str:
    """``scheme://host[:port]`` of the server, as the instrumentation recorded it."""
    scheme = str(scope.get("scheme") or "http")
    server = scope.get("server")
    if not server:
        return f"{scheme}://"
    host, port = server[0], server[1]
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def record_route_not_path(span: Span, scope: dict[str, Any]) -> None:
    """The server request hook: path and URL attributes say the route template only."""
    if not span.is_recording():
        return
    attributes: Mapping[str, Any] = getattr(span, "attributes", None) or {}
    found = attributes.get("http.route")
    route = found if isinstance(found, str) and found.startswith("/") else ""
    for name in _PATH_ATTRIBUTES:
        if name in attributes:
            span.set_attribute(name, route or UNMATCHED)
    for name in _URL_ATTRIBUTES:
        if name in attributes:
            span.set_attribute(name, _origin(scope) + route)
    for name in _QUERY_ATTRIBUTES:
        if name in attributes:
            span.set_attribute(name, REDACTED)
