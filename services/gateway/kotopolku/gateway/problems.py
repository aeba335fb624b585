"""RFC 9457 problem details: every error the API returns has this one shape.

``type`` is a stable URN clients may program against, ``title`` names the kind of problem,
``detail`` explains this occurrence, ``errors`` lists offending fields.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kotopolku.common.errors import FieldViolation, RemoteError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:kotopolku:problem:"

# Stable problem types raised by services, and the HTTP status each one means.
_STATUS_BY_TYPE = {
    "validation-error": 422,
    "not-found": 404,
    "conflict": 409,
    "idempotency-key-reused": 422,
    "stale-version": 412,
    "invalid-state": 409,
    "forbidden": 403,
}
_STATUS_BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 503,
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str = "",
        *,
        violations: Sequence[FieldViolation] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.violations = tuple(violations)
        self.headers = dict(headers or {})

    def body(self, instance: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_PREFIX + self.kind,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.violations:
            body["errors"] = [
                {
                    "field": v.field,
                    "pointer": "#/" + v.field.replace(".", "/"),
                    "detail": v.description,
                }
                for v in self.violations
            ]
        return body

    def response(self, instance: str = "") -> JSONResponse:
        return JSONResponse(
            self.body(instance),
            status_code=self.status,
            media_type=MEDIA_TYPE,
            headers=self.headers,
        )


def unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        "unauthenticated",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="kotopolku", error="invalid_token"'},
    )


def forbidden(detail: str = "This role may not do this") -> Problem:
    return Problem(403, "forbidden", "Not allowed", detail)


def from_remote(error: RemoteError, retry_after: int) -> Problem:
    if error.code is grpc.StatusCode.UNAVAILABLE:
        return Problem(
            503,
            "service-unavailable",
            "A backend service is unavailable",
            "Try again shortly",
            headers={"Retry-After": str(retry_after)},
        )
    if error.code is grpc.StatusCode.DEADLINE_EXCEEDED:
        return Problem(
            504,
            "timeout",
            "A backend service did not answer in time",
            "Try again shortly",
            headers={"Retry-After": str(retry_after)},
        )
    if error.code is grpc.StatusCode.UNAUTHENTICATED:
        # The gateway's own assertion was refused: a deployment fault, not the user's.
        log.error("backend refused the gateway's caller assertion")
        return Problem(500, "internal-error", "Internal error")
    status = _STATUS_BY_TYPE.get(error.type) or _STATUS_BY_CODE.get(error.code, 500)
    if status == 500:
        return Problem(500, "internal-error", "Internal error")
    return Problem(
        status,
        error.type or "error",
        error.title or "Request failed",
        error.detail,
        violations=error.violations,
    )


NOT_JSON = "is not valid JSON (UTF-8)"


def _location(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem_handler(request: Request, problem: Problem) -> JSONResponse:
        return problem.response(request.url.path)

    @app.exception_handler(RequestValidationError)
    async def validation_handler(request: Request, error: RequestValidationError) -> JSONResponse:
        violations = [
            FieldViolation("body", NOT_JSON)
            if e.get("type") == "json_invalid"
            else FieldViolation(_location(e.get("loc", ())), str(e.get("msg", "is not valid")))
            for e in error.errors()
        ]
        fields = ", ".join(v.field for v in violations)
        return Problem(
            422,
            "validation-error",
            "The request is not valid",
            f"Invalid value in: {fields}",
            violations=violations,
        ).response(request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_handler(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:
            # FastAPI's answer to a body it cannot decode at all (not UTF-8): bad input like
            # any other, so the documented 422 naming the field.
            return Problem(
                422,
                "validation-error",
                "The request is not valid",
                "Invalid value in: body",
                violations=[FieldViolation("body", NOT_JSON)],
            ).response(request.url.path)
        kinds = {404: "not-found", 405: "method-not-allowed", 401: "unauthenticated"}
        return Problem(
            error.status_code,
            kinds.get(error.status_code, "error"),
            str(error.detail) if error.detail else "Request failed",
            headers=error.headers,
        ).response(request.url.path)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": text,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, text in {
        401: "Missing or invalid access token",
        403: "The caller's role may not do this",
        404: "No such resource (or not visible to the caller)",
        422: "Invalid input; `errors` names the fields",
        503: "A backend service is unavailable; see Retry-After",
    }.items()
}
