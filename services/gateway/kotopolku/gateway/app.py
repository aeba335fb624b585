"""The FastAPI application: REST ↔ gRPC, token checks, problem+json, metrics, traces."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from kotopolku.common.channels import open_channel
from kotopolku.gateway import selfservice
from kotopolku.gateway.auth.gate import AuthenticationGate
from kotopolku.gateway.guard import UnexpectedErrorGuard
from kotopolku.gateway.metrics import MetricsMiddleware
from kotopolku.gateway.problems import install_handlers
from kotopolku.gateway.routers import (
    appointments,
    archive,
    assessment,
    audit,
    clients,
    contracts,
    esign,
    guidance,
    health,
    interpretation,
    messaging,
    outreach,
    plans,
    programme,
    referrals,
    reporting,
    welfare,
    welfare_area,
)
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.gateway.span_privacy import record_route_not_path
from kotopolku.gateway.state import GatewayState

DESCRIPTION = """
Kotopolku is the client information system for municipal integration services
(kotoutumisen edistäminen). Every call needs a Keycloak access token for the
`kotopolku-gateway` audience: `Authorization: Bearer <token>`.

Errors are RFC 9457 `application/problem+json` with a stable `type`. Creates accept
`Idempotency-Key`; updates need `If-Match` with the `ETag` of the version read. Every access to
personal data is recorded in the audit log with the purpose of use (`X-Purpose-Of-Use`).
"""

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "example": "urn:kotopolku:problem:validation-error"},
        "title": {"type": "string", "example": "The request is not valid"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string", "example": "Invalid value in: henkilotunnus"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "example": "henkilotunnus"},
                    "pointer": {"type": "string", "example": "#/henkilotunnus"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}


def create_app(
    settings: GatewaySettings | None = None,
    *,
    channel_opener: Callable[[str, Callable[[], str | None]], Any] = open_channel,
) -> FastAPI:
    """``channel_opener`` opens the backend channels (in-process ones: the load tests'
    single-process baseline)."""
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = GatewayState.create(settings, channel_opener)
        app.state.gateway = state
        await state.tokens.warm()
        try:
            yield
        finally:
            await state.close()

    app = FastAPI(
        title="Kotopolku API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_handlers(app)
    for router in (
        clients.router,
        referrals.router,
        outreach.router,
        assessment.router,
        plans.router,
        programme.router,
        welfare.router,
        welfare_area.router,
        messaging.router,
        appointments.router,
        interpretation.router,
        esign.router,
        contracts.router,
        guidance.router,
        archive.router,
        reporting.router,
        audit.router,
        health.router,
    ):
        app.include_router(router)
    selfservice.install(app, settings)
    # Innermost: no /v1 body is read before the caller is authenticated.
    app.add_middleware(AuthenticationGate, openapi=lambda: app.openapi())
    app.add_middleware(UnexpectedErrorGuard)
    app.add_middleware(MetricsMiddleware)
    # Feed and feedback-link URLs carry a secret: no span may record them. Nor may a span record
    # a raw path or a query string: only the route template (span_privacy).
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls="healthz,readyz,metrics,calendar-feeds/[^/]+[.]ics,feedback/links/",
        server_request_hook=record_route_not_path,
    )

    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original_openapi()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        schema["components"]["securitySchemes"] = {
            "keycloak": {
                "type": "openIdConnect",
                "openIdConnectUrl": f"{settings.oidc_issuer}/.well-known/openid-configuration",
            }
        }
        schema["security"] = [{"keycloak": []}]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
