"""The single-process baseline: the gateway and every backend service in one process, the
gateway's gRPC stubs calling the servicers in process (:mod:`kotopolku.common.inprocess`).

Same FastAPI app, routers and error mapping, same servicers, domain code and databases (their own
copy), same caller-assertion signing in the gateway and verification in each service, the same
audit outbox relays and background workers, all on one event loop. What is left out is the
architecture's cost: serialisation, HTTP/2 over loopback, one process per service, the spans of
each hop. The bench (``run_bench.py``) measures the same operations on both and reports ratios.

Configuration comes from the running local stack (``scripts/stack.sh``): each process's
environment is read from ``/proc/<pid>/environ`` of the pid files in ``$KOTOPOLKU_VAR/run``, and
then changed where the baseline must differ: its own databases (``kotopolku_baseline_<service>``
on the stack's PostgreSQL server, or SQLite files under ``--data-dir``), its own object stores, no
metrics ports, the HTTP port.

    python -m loadtests.baseline --port 8410          # until SIGTERM / Ctrl-C
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
import uvicorn
from sqlalchemy.engine import make_url

from kotopolku.common.inprocess import InProcessNetwork
from kotopolku.common.logging import configure_logging
from kotopolku.common.server import ServiceDefinition, ServiceHost
from kotopolku.common.telemetry import configure_tracing
from kotopolku.gateway.app import create_app
from kotopolku.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PORT = 8410
# Processes of the stack that are no Kotopolku service (their pid files sit beside the others).
NOT_SERVICES = frozenset({"dev-sinks", "keycloak", "gateway", "baseline"})
# The audit service starts first: the others deliver their audit events to it.
FIRST = "audit"


@dataclass(frozen=True)
class BaselinePlan:
    """Who runs in the baseline process and with which environment (``KOTOPOLKU_*``)."""

    services: dict[str, dict[str, str]]
    gateway: dict[str, str]


def read_environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (entry.split(b"=", 1) for entry in raw.split(b"\0") if b"=" in entry)
    return {key.decode(): value.decode(errors="replace") for key, value in pairs}


def stack_plan(var_dir: Path) -> BaselinePlan:
    """The running stack's services and gateway with the environment each was started with."""
    run_dir = var_dir / "run"
    services: dict[str, dict[str, str]] = {}
    gateway: dict[str, str] | None = None
    for pid_file in sorted(run_dir.glob("*.pid")):
        name = pid_file.stem
        if name in NOT_SERVICES and name != "gateway":
            continue
        try:
            env = read_environment(int(pid_file.read_text().strip()))
        except (OSError, ValueError):
            continue
        if name == "gateway":
            gateway = env
        else:
            services[name] = env
    if gateway is None or not services:
        raise RuntimeError(f"no running stack found in {run_dir} (scripts/stack.sh up first)")
    return BaselinePlan(services, gateway)


def kotopolku_only(env: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith("KOTOPOLKU_")}


def baseline_database_url(stack_url: str, service: str, data_dir: Path) -> str:
    """The baseline's own database of a service on the same engine (and server) as the stack's."""
    url = make_url(stack_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{data_dir / f'{service}.db'}"
    return url.set(database=f"kotopolku_baseline_{service}").render_as_string(hide_password=False)


def baseline_plan(stack: BaselinePlan, port: int, data_dir: Path) -> BaselinePlan:
    """The stack's configuration, changed where the baseline must not share with it."""
    services: dict[str, dict[str, str]] = {}
    for name, env in stack.services.items():
        own = kotopolku_only(env)
        if "KOTOPOLKU_DATABASE_URL" in own:
            own["KOTOPOLKU_DATABASE_URL"] = baseline_database_url(
                own["KOTOPOLKU_DATABASE_URL"], name, data_dir
            )
        if "KOTOPOLKU_OBJECT_STORE_URL" in own:
            own["KOTOPOLKU_OBJECT_STORE_URL"] = str(data_dir / "objects" / name)
        own["KOTOPOLKU_METRICS_PORT"] = "0"
        own["KOTOPOLKU_MIGRATE_ON_START"] = "true"
        services[name] = own
    gateway = kotopolku_only(stack.gateway)
    gateway["KOTOPOLKU_HTTP_PORT"] = str(port)
    return BaselinePlan(services, gateway)


def ensure_postgres_databases(plan: BaselinePlan) -> None:
    for env in plan.services.values():
        url = make_url(env.get("KOTOPOLKU_DATABASE_URL", "sqlite://"))
        if url.get_backend_name() != "postgresql" or url.database is None:
            continue
        admin = url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(
            admin.render_as_string(hide_password=False), autocommit=True
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{url.database}"')


@contextlib.contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """Settings classes read ``KOTOPOLKU_*`` from the environment: give each its own."""
    saved = {key: value for key, value in os.environ.items() if key.startswith("KOTOPOLKU_")}
    for key in saved:
        del os.environ[key]
    os.environ.update(env)
    try:
        yield
    finally:
        for key in [key for key in os.environ if key.startswith("KOTOPOLKU_")]:
            del os.environ[key]
        os.environ.update(saved)


def definition_of(service: str) -> ServiceDefinition:
    module = importlib.import_module(f"kotopolku.{service}.service")
    definition = module.DEFINITION
    if not isinstance(definition, ServiceDefinition):
        raise TypeError(f"kotopolku.{service}.service.DEFINITION is no ServiceDefinition")
    return definition


def _start_order(names: list[str]) -> list[str]:
    return sorted(names, key=lambda name: (name != FIRST, name))


@dataclass
class Baseline:
    network: InProcessNetwork
    hosts: list[ServiceHost]
    server: uvicorn.Server
    serving: asyncio.Task[None]


@contextlib.asynccontextmanager
async def running_baseline(plan: BaselinePlan, host: str = "127.0.0.1") -> AsyncIterator[Baseline]:
    """Starts the services in process, then the gateway on ``KOTOPOLKU_HTTP_PORT``; stops all."""
    network = InProcessNetwork()
    hosts: list[ServiceHost] = []
    server: uvicorn.Server | None = None
    serving: asyncio.Task[None] | None = None
    try:
        for name in _start_order(list(plan.services)):
            definition = definition_of(name)
            with environment(plan.services[name]):
                settings = definition.settings_class()
                service = ServiceHost(
                    definition,
                    settings,
                    server_factory=network.server,
                    channel_opener=network.channel,
                )
                await service.start()
            hosts.append(service)
        with environment(plan.gateway):
            settings_gateway = GatewaySettings()
        app = create_app(settings_gateway, channel_opener=network.channel)
        config = uvicorn.Config(
            app,
            host=host,
            port=settings_gateway.http_port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=int(settings_gateway.shutdown_grace_seconds),
        )
        server = uvicorn.Server(config)
        # Signals are the caller's to handle (serve_until_signalled): uvicorn would re-raise
        # them once it stops, ending the process before the services have stopped.
        server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the baseline gateway did not start")
            await asyncio.sleep(0.05)
        log.info("baseline serving", extra={"services": len(hosts)})
        yield Baseline(network, hosts, server, serving)
    finally:
        if server is not None and serving is not None:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
        for service in reversed(hosts):
            await service.stop(grace=1.0)


async def serve_until_signalled(plan: BaselinePlan) -> None:
    async with running_baseline(plan) as baseline:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, setattr, baseline.server, "should_exit", True)
        # The gateway stops first (in-flight requests finish), then the services, outboxes last.
        await asyncio.shield(baseline.serving)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.baseline", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--var",
        type=Path,
        default=Path(os.environ.get("KOTOPOLKU_VAR", REPO_ROOT / "var")),
        help="the stack's var directory (pid files, keys)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="SQLite databases and object stores (default <var>/bench/baseline)",
    )
    args = parser.parse_args(argv)
    data_dir = (args.data_dir or args.var / "bench" / "baseline").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    plan = baseline_plan(stack_plan(args.var), args.port, data_dir)
    ensure_postgres_databases(plan)
    configure_logging("baseline", plan.gateway.get("KOTOPOLKU_LOG_LEVEL", "INFO"))
    configure_tracing("kotopolku-baseline")
    loop_factory = uvicorn.Config("loadtests.baseline:main").get_loop_factory()  # as the gateway
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve_until_signalled(plan))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
