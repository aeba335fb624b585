"""RED metrics per route template (never the raw path: it carries identifiers)."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kotopolku.gateway.auth.gate import ROUTE_TEMPLATE_KEY

REQUESTS = Counter(
    "http_server_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
LATENCY = Histogram(
    "http_server_request_duration_seconds",
    "Time to handle an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class MetricsMiddleware:
    """Plain ASGI middleware: cheaper than BaseHTTPMiddleware on the hot path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            # A request the authentication gate refused never reached the router.
            template = getattr(route, "path", None) or scope.get(ROUTE_TEMPLATE_KEY, "unmatched")
            method = scope["method"]
            LATENCY.labels(method, template).observe(time.perf_counter() - started)
            REQUESTS.labels(method, template, str(status)).inc()
