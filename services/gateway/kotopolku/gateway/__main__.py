"""``kotopolku-gateway``: serves the REST API with uvicorn."""

from __future__ import annotations

import uvicorn

from kotopolku.common.logging import configure_logging
from kotopolku.common.telemetry import configure_tracing
from kotopolku.gateway.app import create_app
from kotopolku.gateway.settings import GatewaySettings


def main() -> int:
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    configure_tracing("kotopolku-gateway")
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
