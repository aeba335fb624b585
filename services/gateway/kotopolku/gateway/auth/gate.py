"""Authentication before anything else: a /v1 request without a valid access token is answered
401 before its body is read.

FastAPI reads and parses a JSON body before it runs a route's dependencies, so without this an
anonymous caller would get 400 for a malformed body instead of 401, learn how the API reacts to
bodies, and make the gateway parse whatever they send. The ``authenticated`` dependency still
runs for every route (the token check is cached, so the second one costs a lookup). Operations
that the OpenAPI document declares public (``security: []``, e.g. a calendar feed whose URL holds
its secret) pass without a token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from kotopolku.gateway.auth.tokens import InvalidToken
from kotopolku.gateway.problems import Problem, unauthorized

API_PREFIX = "/v1/"
# Where the route template of a request the gate refused is left for the metrics middleware.
ROUTE_TEMPLATE_KEY = "kotopolku.route_template"
_PARAMETER = re.compile(r"\\\{[^/]+?\\\}")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    public: bool


def operations_of(document: dict[str, Any]) -> list[Operation]:
    """The API operations of an OpenAPI document, with whether each needs a token."""
    default = document.get("security", [])
    found = []
    for template, item in document.get("paths", {}).items():
        if not template.startswith(API_PREFIX):
            continue
        pattern = re.compile("^" + _PARAMETER.sub("[^/]+", re.escape(template)) + "$")
        for method, operation in item.items():
            if isinstance(operation, dict):
                security = operation.get("security", default)
                found.append(Operation(method.upper(), template, pattern, security == []))
    # Literal segments before parameters, as the router matches (/v1/calendars/me before
    # /v1/calendars/{x}).
    found.sort(key=lambda o: o.template.count("{"))
    return found


class AuthenticationGate:
    def __init__(self, app: ASGIApp, openapi: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        self._openapi = openapi
        self._operations: list[Operation] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        problem = await self._refusal(scope)
        if problem is None:
            await self.app(scope, receive, send)
            return
        operation = self._operation(scope)
        if operation is not None and operation.public:
            await self.app(scope, receive, send)
            return
        if operation is not None:
            scope[ROUTE_TEMPLATE_KEY] = operation.template
        await problem.response(scope["path"])(scope, receive, send)

    async def _refusal(self, scope: Scope) -> Problem | None:
        scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return unauthorized("Send an access token: Authorization: Bearer <token>")
        try:
            await scope["app"].state.gateway.tokens.validate(token.strip())
        except InvalidToken as error:
            return unauthorized(str(error))
        return None

    def _operation(self, scope: Scope) -> Operation | None:
        if self._operations is None:
            self._operations = operations_of(self._openapi())
        method, path = scope["method"], scope["path"]
        return next(
            (o for o in self._operations if o.method == method and o.pattern.match(path)), None
        )
