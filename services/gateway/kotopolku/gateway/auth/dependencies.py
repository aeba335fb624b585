"""FastAPI dependencies: authenticate the request, then require roles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Header, Request

from kotopolku.common.identity import Caller
from kotopolku.gateway.auth.principal import PURPOSES, caller_from_claims
from kotopolku.gateway.auth.tokens import InvalidToken
from kotopolku.gateway.auth.xroad import xroad_headers
from kotopolku.gateway.problems import Problem, forbidden, unauthorized
from kotopolku.gateway.state import GatewayState


def _state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


async def gateway_state(request: Request) -> GatewayState:
    """Async on purpose: FastAPI runs sync dependencies in a thread pool, a hop per request."""
    return _state(request)


async def authenticated(
    request: Request,
    purpose: Annotated[
        str | None,
        Header(
            alias="X-Purpose-Of-Use",
            description="Why the data is processed (käyttötarkoitus); defaults by role.",
        ),
    ] = None,
) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Send an access token: Authorization: Bearer <token>")
    state = _state(request)
    try:
        verified = await state.tokens.validate(token.strip())
    except InvalidToken as error:
        raise unauthorized(str(error)) from error
    if purpose is not None and purpose not in PURPOSES:
        raise Problem(
            422,
            "validation-error",
            "The request is not valid",
            "Unknown purpose of use",
            violations=[],
        )
    caller = caller_from_claims(verified.claims, state.settings.oidc_audience, purpose)
    headers = xroad_headers(request.headers)
    return caller if headers is None else replace(caller, xroad=headers)


CurrentCaller = Annotated[Caller, Depends(authenticated)]


def require_roles(*roles: str) -> Callable[[Caller], Awaitable[Caller]]:
    async def check(caller: CurrentCaller) -> Caller:
        if not caller.has_any(*roles):
            raise forbidden()
        return caller

    return check
