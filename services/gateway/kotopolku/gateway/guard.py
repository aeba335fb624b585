"""Last line of defence: an unexpected exception becomes a 500 problem and a log line without
its message (which may quote personal data), instead of a traceback printed by the server."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kotopolku.common.logging import log_unexpected
from kotopolku.gateway.problems import Problem


class UnexpectedErrorGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            log_unexpected(error, route=getattr(scope.get("route"), "path", "unmatched"))
            if not started:
                response = Problem(500, "internal-error", "Internal error").response(scope["path"])
                await response(scope, receive, send)
