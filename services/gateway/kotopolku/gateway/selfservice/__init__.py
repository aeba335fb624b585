"""The client self-service web front end (kotoutuja-asiakkaan oma-asiointi, IS service 19).

A small static application under ``/app/``: it signs the client in with Keycloak (authorization
code with PKCE, the public client ``kotopolku-ui``) and calls this gateway's ``/v1`` API with the
access token, so it has no privileges of its own. The pages are served with a strict Content
Security Policy: scripts and styles only from here, network calls only to here and to Keycloak,
no framing, and no Referer that could carry the authorization code elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from kotopolku.gateway.settings import GatewaySettings

STATIC = Path(__file__).with_name("static")
PREFIX = "/app"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(settings: GatewaySettings) -> dict[str, str]:
    keycloak = _origin(settings.oidc_issuer)
    policy = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self' {keycloak}",
            "frame-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }


class _StaticWithHeaders(StaticFiles):
    """Static files with the page's security headers (set per response: no middleware on the
    API's hot path)."""

    def __init__(self, headers: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._headers = headers

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.update(self._headers)
        return response


def install(app: FastAPI, settings: GatewaySettings) -> None:
    headers = security_headers(settings)
    router = APIRouter(include_in_schema=False)

    @router.get(PREFIX)
    async def to_app() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=308)

    @router.get(f"{PREFIX}/")
    async def index() -> FileResponse:
        # The page is small and changes with releases; the assets it names are revalidated too.
        return FileResponse(STATIC / "index.html", headers={**headers, "Cache-Control": "no-cache"})

    @router.get(f"{PREFIX}/config.json")
    async def config() -> JSONResponse:
        return JSONResponse(
            {"authority": settings.oidc_issuer, "client_id": settings.ui_client_id},
            headers={**headers, "Cache-Control": "no-cache"},
        )

    app.include_router(router)
    app.mount(
        f"{PREFIX}/static", _StaticWithHeaders(headers, directory=STATIC), name="self-service"
    )
