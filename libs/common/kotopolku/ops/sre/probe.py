"""Asks one service how it is: gRPC health (liveness and readiness) and the status API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from kotopolku.common.identity import METADATA_KEY
from kotopolku.ops.sre.targets import Target
from kotopolku.ops.v1 import status_pb2, status_pb2_grpc

_HEALTH_NAMES = {
    health_pb2.HealthCheckResponse.SERVING: "SERVING",
    health_pb2.HealthCheckResponse.NOT_SERVING: "NOT_SERVING",
    health_pb2.HealthCheckResponse.SERVICE_UNKNOWN: "UNKNOWN",
}


@dataclass(frozen=True, slots=True)
class Outbox:
    name: str
    backlog: int
    oldest_age_seconds: float


@dataclass(frozen=True, slots=True)
class ServiceReport:
    service: str
    address: str
    # SERVING / NOT_SERVING / UNKNOWN, or the gRPC code when the check itself failed.
    liveness: str
    readiness: str
    version: str = ""
    build: str = ""
    migration_revision: str = ""
    migration_head: str = ""
    migrations_current: bool = False
    outboxes: Sequence[Outbox] = field(default_factory=tuple)
    # Why the status API did not answer, e.g. "PERMISSION_DENIED"; empty when it did.
    status_error: str = ""

    def problems(self, max_outbox_age: float) -> list[str]:
        """What an operator should look at; empty when all is well."""
        found = []
        if self.liveness != "SERVING":
            found.append(f"liveness {self.liveness}")
        if self.readiness != "SERVING":
            found.append(f"readiness {self.readiness}")
        if self.status_error:
            found.append(f"status {self.status_error}")
        elif not self.migrations_current:
            found.append(
                f"schema at {self.migration_revision or 'none'}, code at {self.migration_head}"
            )
        for outbox in self.outboxes:
            if outbox.oldest_age_seconds > max_outbox_age:
                found.append(
                    f"{outbox.name} outbox: {outbox.backlog} waiting, oldest "
                    f"{outbox.oldest_age_seconds:.0f} s"
                )
        return found


async def _health(channel: grpc.aio.Channel, name: str, call_seconds: float) -> str:
    stub = health_pb2_grpc.HealthStub(channel)
    try:
        reply = await stub.Check(  # type: ignore[attr-defined]
            health_pb2.HealthCheckRequest(service=name), timeout=call_seconds
        )
    except grpc.aio.AioRpcError as error:
        return str(error.code().name)
    return _HEALTH_NAMES.get(reply.status, "UNKNOWN")


async def probe(target: Target, assertion: Callable[[], str], call_seconds: float) -> ServiceReport:
    async with grpc.aio.insecure_channel(target.address) as channel:
        liveness, readiness = await asyncio.gather(
            _health(channel, "", call_seconds), _health(channel, "readiness", call_seconds)
        )
        stub = status_pb2_grpc.StatusServiceStub(channel)
        try:
            status = await stub.GetStatus(
                status_pb2.GetStatusRequest(),
                metadata=((METADATA_KEY, assertion()),),
                timeout=call_seconds,
            )
        except grpc.aio.AioRpcError as error:
            return ServiceReport(
                target.service, target.address, liveness, readiness,
                status_error=str(error.code().name),
            )  # fmt: skip
    return ServiceReport(
        service=target.service,
        address=target.address,
        liveness=liveness,
        readiness=readiness,
        version=status.version,
        build=status.build,
        migration_revision=status.migration_revision,
        migration_head=status.migration_head,
        migrations_current=status.migrations_current,
        outboxes=tuple(Outbox(o.name, o.backlog, o.oldest_age_seconds) for o in status.outboxes),
    )


async def probe_all(
    targets: Sequence[Target], assertion: Callable[[], str], call_seconds: float
) -> list[ServiceReport]:
    return list(await asyncio.gather(*(probe(t, assertion, call_seconds) for t in targets)))


async def probe_gateway(url: str, call_seconds: float) -> ServiceReport:
    """The HTTP gateway: /healthz (liveness) and /readyz (readiness: every backend ready)."""

    base = url.rstrip("/")
    results = []
    async with httpx.AsyncClient(timeout=call_seconds) as http:
        for path in ("/healthz", "/readyz"):
            try:
                response = await http.get(base + path)
                results.append("SERVING" if response.status_code == 200 else "NOT_SERVING")
            except httpx.HTTPError as error:
                results.append(type(error).__name__)
    return ServiceReport(
        "gateway", base, results[0], results[1], migrations_current=True, status_error=""
    )
