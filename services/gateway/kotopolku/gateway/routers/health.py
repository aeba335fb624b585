"""Liveness, readiness and metrics for Kubernetes and Prometheus (no authentication)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kotopolku.gateway.routers.params import State

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(state: State) -> JSONResponse:
    """Ready when every backend answers its readiness health check."""

    async def check(channel: object) -> str:
        stub = health_pb2_grpc.HealthStub(channel)  # type: ignore[arg-type]
        try:
            reply = await stub.Check(  # type: ignore[attr-defined]
                health_pb2.HealthCheckRequest(service="readiness"), timeout=1.0
            )
        except Exception:
            return "unavailable"
        return (
            "serving" if reply.status == health_pb2.HealthCheckResponse.SERVING else "not-serving"
        )

    names = list(state.channels)
    results = await asyncio.gather(*(check(state.channels[name]) for name in names))
    backends = dict(zip(names, results, strict=True))
    ready = all(r == "serving" for r in results)
    return JSONResponse(
        {"status": "ready" if ready else "not-ready", "backends": backends},
        status_code=200 if ready else 503,
    )


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
