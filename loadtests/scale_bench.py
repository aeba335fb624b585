"""The scale section of ``make bench`` (``BENCH_SCALE=1``): client search at 10k, 100k and 1M
clients, and the audit log's append rate and verification time at a million entries.

Everything runs on the PostgreSQL server given by ``BENCH_DATABASE_SERVER``, on this machine:

d. Search. For each population size the generator (:mod:`loadtests.datagen`) fills the
   databases ``kotopolku_scale<size>_*`` once; later runs find them stamped and reuse them. A
   clients service and an audit service (the real processes, ``kotopolku-clients`` and
   ``kotopolku-audit``) are started on that population, and a fixed mix of realistic searches
   by an officer of Helsinki (the largest municipality, 30 % of the clients) is sent one after
   another over one channel: surnames, first name and surname, prefixes of a surname, other
   spellings (without diacritics, other transliterations), henkilötunnus, date of birth, and a
   surname with a date of birth; page size 20. Each search writes its audit events, as in
   production. Latency is measured by the client (``perf_counter``): gRPC ``SearchClients``
   straight to the service and, when Keycloak is reachable, ``POST /v1/clients/search``
   through a gateway process in front of the same service (the same queries, a real token).
e. Audit. On a fresh database ``kotopolku_scale_auditbench``: ``BENCH_SCALE_AUDIT_EVENTS``
   (1,000,000) events appended through the audit service's repository in batches of 1000 (one
   transaction per batch, as an ``AppendEvents`` call), reporting the overall rate and the
   slowest tenth; then the whole chain verified, once in-process through the repository and
   once through the real audit service's ``VerifyChain`` RPC; then ``AppendEvents`` itself over
   gRPC to the audit service process in batches of 200 (what the outbox relay sends).

Results go into the bench's JSON (``scale``) and Markdown table, with the tool of each figure.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import grpc
import httpx
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from kotopolku.audit.chain import EventData  # noqa: E402
from kotopolku.audit.repository import AuditRepository  # noqa: E402
from kotopolku.audit.service import MIGRATIONS as AUDIT_MIGRATIONS  # noqa: E402
from kotopolku.audit.v1 import audit_pb2, audit_pb2_grpc  # noqa: E402
from kotopolku.clients.domain import names  # noqa: E402
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc  # noqa: E402
from kotopolku.common import migrations  # noqa: E402
from kotopolku.common.clock import to_timestamp  # noqa: E402
from kotopolku.common.db import Database  # noqa: E402
from kotopolku.common.identity import (  # noqa: E402
    GATEWAY_ISSUER,
    METADATA_KEY,
    AssertionSigner,
    Caller,
    Role,
    ensure_dev_keys,
)
from kotopolku.gateway.settings import GatewaySettings  # noqa: E402
from loadtests import datagen  # noqa: E402
from loadtests.proc_cpu import cpu_seconds, listening_pid, postgres_cpu_seconds  # noqa: E402

OFFICER: Final = "helsinki.officer"
MUNICIPALITY: Final = "091"
PAGE_SIZE: Final = 20
SEARCH_P99_TARGET_MS: Final = 50.0
APPEND_TARGET_PER_S: Final = 5_000.0
VERIFY_TARGET_S: Final = 10.0
AUDIT_BENCH_PREFIX: Final = "kotopolku_scale_auditbench"
# Caller assertions of the bench's own calls outlive any run, however slow the machine.
ASSERTION_LIFETIME_S: Final = 3600
# What officers type, and how often (weights).
QUERY_KINDS: Final = {
    "surname": 25,
    "first name and surname": 20,
    "surname prefix": 15,
    "other spelling": 15,
    "henkilötunnus": 10,
    "date of birth": 10,
    "surname and date of birth": 5,
}
TOOL_GRPC: Final = "Python grpcio client, sequential on one channel (perf_counter)"
TOOL_HTTP: Final = "Python httpx client, sequential keep-alive HTTP/1.1 (perf_counter)"
TOOL_REPOSITORY: Final = "AuditRepository in-process (as services/audit/bench_append.py)"


class ScaleError(Exception):
    """The scale figures would be meaningless; the message says why."""


@dataclass(frozen=True)
class ScaleConfig:
    server: str
    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    queries: int = 600
    audit_events: int = 1_000_000
    audit_batch: int = 1_000
    grpc_events: int = 200_000
    keycloak_url: str = "http://127.0.0.1:8080"
    seed: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str], server: str) -> ScaleConfig:
        sizes = tuple(
            int(s) for s in env.get("BENCH_SCALE_SIZES", "10000,100000,1000000").split(",")
        )
        return cls(
            server=server,
            sizes=sizes,
            queries=int(env.get("BENCH_SCALE_QUERIES", "600")),
            audit_events=int(env.get("BENCH_SCALE_AUDIT_EVENTS", "1000000")),
            grpc_events=int(env.get("BENCH_SCALE_GRPC_EVENTS", "200000")),
            keycloak_url=env.get("KOTOPOLKU_KEYCLOAK_URL", "http://127.0.0.1:8080").rstrip("/"),
        )


def size_label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


# --------------------------------------------------------------------------------------------
# Processes of the real services


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


class Services:
    """Service processes this bench starts (and only those), stopped at the end."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.keys = out_dir / "keys"
        self.keys.mkdir(parents=True, exist_ok=True)
        ensure_dev_keys(self.keys)
        self.running: list[Process] = []

    def common_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KOTOPOLKU_GATEWAY_PUBLIC_KEY_FILE": str(self.keys / "gateway.pub"),
            "KOTOPOLKU_SERVICE_PUBLIC_KEY_FILE": str(self.keys / "service.pub"),
            "KOTOPOLKU_SERVICE_KEY_FILE": str(self.keys / "service.pem"),
            "KOTOPOLKU_LOG_LEVEL": "WARNING",
            "KOTOPOLKU_METRICS_PORT": "0",
        }

    def start_backend(self, service: str, database_url: str, **extra: str) -> Process:
        port = free_port()
        env = {
            **self.common_env(),
            "KOTOPOLKU_DATABASE_URL": database_url,
            "KOTOPOLKU_GRPC_PORT": str(port),
            "KOTOPOLKU_MIGRATE_ON_START": "true",
            **extra,
        }
        return self._start(service, env, port, lambda: _grpc_ready(port))

    def start_gateway(self, clients_port: int, issuer: str) -> Process:
        port = free_port()
        # Only the clients service is there; every other backend the gateway knows points
        # nowhere (never at a stack that may be running on the default ports).
        backends = {
            f"KOTOPOLKU_{name.upper()}_ADDRESS": "127.0.0.1:1"
            for name in GatewaySettings().backend_addresses()
        }
        env = {
            **self.common_env(),
            **backends,
            "KOTOPOLKU_HTTP_PORT": str(port),
            "KOTOPOLKU_GATEWAY_KEY_FILE": str(self.keys / "gateway.pem"),
            "KOTOPOLKU_OIDC_ISSUER": issuer,
            "KOTOPOLKU_CLIENTS_ADDRESS": f"127.0.0.1:{clients_port}",
        }
        return self._start("gateway", env, port, lambda: _http_ready(port))

    def _start(
        self, name: str, env: dict[str, str], port: int, ready: Callable[[], bool]
    ) -> Process:
        log = self.out_dir / f"scale-{name}-{port}.log"
        with log.open("wb") as output:
            popen = subprocess.Popen(
                [str(REPO_ROOT / ".venv" / "bin" / f"kotopolku-{name}")],
                cwd=REPO_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, popen, port, log)
        self.running.append(process)
        deadline = time.monotonic() + 120
        while not ready():
            if popen.poll() is not None or time.monotonic() > deadline:
                self.stop(process)
                raise ScaleError(f"{name} did not start; see {log}")
            time.sleep(0.3)
        return process

    def stop(self, process: Process) -> None:
        process.stop()
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self.running)):
            self.stop(process)

    def signer(self) -> AssertionSigner:
        return AssertionSigner.from_file(self.keys / "gateway.pem", GATEWAY_ISSUER)


def _grpc_ready(port: int) -> bool:
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub: Any = health_pb2_grpc.HealthStub(channel)
            reply = stub.Check(health_pb2.HealthCheckRequest(service="readiness"), timeout=1)
            return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)
    except grpc.RpcError:
        return False


def _http_ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class CpuMeter:
    """CPU seconds of the processes that serve a measurement: the service processes started
    here, the PostgreSQL server (all its processes) and this process (the load generator)."""

    def __init__(self, server: str) -> None:
        port = make_url(server).port or 5432
        self.postmaster = listening_pid(port)
        self.processes: dict[str, int] = {}

    def watch(self, process: Process) -> None:
        self.processes[process.name] = process.popen.pid

    def snapshot(self) -> dict[str, float]:
        cpu = {"bench client": time.process_time()}
        for name, pid in self.processes.items():
            try:
                cpu[name] = cpu_seconds(pid)[0]
            except OSError:
                continue
        if self.postmaster is not None:
            try:
                cpu["postgres"] = postgres_cpu_seconds(self.postmaster)
            except OSError:
                pass
        return cpu

    def per_unit_ms(self, before: dict[str, float], units: int) -> dict[str, float]:
        after = self.snapshot()
        spent = {
            name: round((after[name] - before[name]) * 1000 / max(1, units), 2)
            for name in after
            if name in before
        }
        spent["total"] = round(sum(spent.values()), 2)
        return spent


# --------------------------------------------------------------------------------------------
# Latency figures


@dataclass
class Latency:
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float


def latency(durations_ms: Sequence[float]) -> Latency:
    ordered = sorted(durations_ms)

    def rank(p: float) -> float:
        return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]

    return Latency(
        requests=len(ordered),
        p50_ms=round(rank(50), 2),
        p95_ms=round(rank(95), 2),
        p99_ms=round(rank(99), 2),
        mean_ms=round(sum(ordered) / len(ordered), 2),
        max_ms=round(ordered[-1], 2),
    )


# --------------------------------------------------------------------------------------------
# Search queries from the population


@dataclass(frozen=True)
class Query:
    kind: str
    name: str = ""
    henkilotunnus: str = ""
    date_of_birth: str = ""

    def grpc(self) -> clients_pb2.SearchClientsRequest:
        return clients_pb2.SearchClientsRequest(
            name=self.name,
            henkilotunnus=self.henkilotunnus,
            date_of_birth=self.date_of_birth,
            page_size=PAGE_SIZE,
        )

    def http(self) -> dict[str, Any]:
        body: dict[str, Any] = {"page_size": PAGE_SIZE}
        for key in ("name", "henkilotunnus", "date_of_birth"):
            if getattr(self, key):
                body[key] = getattr(self, key)
        return body


# Spellings an officer may type for a name written otherwise in the register.
_RESPELLINGS: Final = (
    ("Mohamed", "Mohammed"),
    ("Mohammed", "Muhammad"),
    ("Muhammad", "Mohamed"),
    ("Mohammad", "Muhammad"),
    ("Yusuf", "Youssef"),
    ("Aleksandr", "Alexander"),
    ("Alexander", "Aleksandr"),
    ("Hussein", "Husein"),
    ("Hassan", "Hasan"),
    ("Ahmed", "Ahmad"),
    ("Yuliia", "Julia"),
    ("Olexandr", "Oleksandr"),
    ("Fatimah", "Fatima"),
    ("Abdullahi", "Abdulahi"),
    ("Mohamud", "Mohamoud"),
    ("Kuznetsov", "Kuznetsow"),
    ("Shevchenko", "Sevcenko"),
    ("Tkachenko", "Tkatchenko"),
)


def other_spelling(rng: random.Random, first: str, last: str) -> str:
    """The name as typed without diacritics or in another transliteration."""
    for name in (last, first.split()[0]):
        folded = names.fold(name)
        if not name.isascii():
            return folded.title()
        for registered, typed in _RESPELLINGS:
            if name == registered:
                return typed
    return f"{first.split()[0]} {last}".replace("ss", "s").replace("mm", "m").replace("y", "i")


def search_queries(population_url: str, count: int, seed: int) -> list[Query]:
    """A fixed, seeded mix of searches about clients of the municipality that exist."""
    rng = random.Random(seed)
    with psycopg.connect(datagen.libpq_url(population_url)) as connection:
        sample = connection.execute(
            "SELECT first_names, last_name, henkilotunnus, date_of_birth FROM clients"
            " WHERE municipality_code = %s ORDER BY md5(id || %s) LIMIT %s",
            (MUNICIPALITY, str(seed), max(50, count)),
        ).fetchall()
    if not sample:
        raise ScaleError(f"no clients of {MUNICIPALITY} in {population_url}")
    kinds, weights = list(QUERY_KINDS), list(QUERY_KINDS.values())
    queries: list[Query] = []
    while len(queries) < count:
        first, last, code, born = rng.choice(sample)
        kind = rng.choices(kinds, weights)[0]
        if kind == "surname":
            queries.append(Query(kind, name=last))
        elif kind == "first name and surname":
            queries.append(Query(kind, name=f"{first.split()[0]} {last}"))
        elif kind == "surname prefix":
            queries.append(Query(kind, name=last[: rng.randint(3, 5)]))
        elif kind == "other spelling":
            queries.append(Query(kind, name=other_spelling(rng, first, last)))
        elif kind == "henkilötunnus" and code:
            queries.append(Query(kind, henkilotunnus=code))
        elif kind == "date of birth":
            queries.append(Query(kind, date_of_birth=born.isoformat()))
        elif kind == "surname and date of birth":
            queries.append(Query(kind, name=last, date_of_birth=born.isoformat()))
    return queries


@dataclass
class SearchFigures:
    tool: str
    overall: Latency
    by_kind: dict[str, Latency]
    results_per_search: float
    cpu_ms_per_search: dict[str, float] = field(default_factory=dict)
    target_p99_ms: float = SEARCH_P99_TARGET_MS

    @property
    def target_met(self) -> bool:
        return self.overall.p99_ms < self.target_p99_ms


def _figures(tool: str, timed: list[tuple[Query, float, int]]) -> SearchFigures:
    by_kind: dict[str, list[float]] = {}
    for query, elapsed, _ in timed:
        by_kind.setdefault(query.kind, []).append(elapsed)
    return SearchFigures(
        tool=tool,
        overall=latency([elapsed for _, elapsed, _ in timed]),
        by_kind={kind: latency(values) for kind, values in by_kind.items()},
        results_per_search=round(sum(found for *_, found in timed) / len(timed), 1),
    )


def search_over_grpc(
    port: int, signer: AssertionSigner, queries: list[Query], meter: CpuMeter
) -> SearchFigures:
    caller = Caller(
        subject=f"scale-bench-{uuid.uuid4()}",
        roles=frozenset({Role.MUNICIPAL_OFFICER}),
        purpose="integration-services",
        municipality=MUNICIPALITY,
    )
    # Signed once for the whole run (the bench's own key), valid long enough for a slow one.
    metadata = ((METADATA_KEY, signer.sign(caller, ASSERTION_LIFETIME_S)),)
    timed: list[tuple[Query, float, int]] = []
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = clients_pb2_grpc.ClientsServiceStub(channel)
        for query in queries[: min(50, len(queries))]:  # warm-up: connections, caches
            stub.SearchClients(query.grpc(), metadata=metadata, timeout=30)
        time.sleep(0.5)  # the warm-up's audit events delivered
        cpu_before = meter.snapshot()
        for query in queries:
            request = query.grpc()
            started = time.perf_counter()
            reply = stub.SearchClients(request, metadata=metadata, timeout=30)
            timed.append((query, (time.perf_counter() - started) * 1000, len(reply.clients)))
        time.sleep(0.5)  # the last audit events delivered: their cost belongs to the searches
    figures = _figures(TOOL_GRPC, timed)
    figures.cpu_ms_per_search = meter.per_unit_ms(cpu_before, len(queries))
    return figures


def search_over_http(
    port: int, token: Callable[[], str], queries: list[Query], meter: CpuMeter
) -> SearchFigures:
    timed: list[tuple[Query, float, int]] = []
    transport = httpx.HTTPTransport(http1=True, http2=False, retries=0)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport, timeout=30) as http:

        def once(query: Query) -> tuple[float, int]:
            headers = {"Authorization": f"Bearer {token()}", "X-Load-Test": "bench-scale"}
            body = query.http()
            started = time.perf_counter()
            response = http.post("/v1/clients/search", json=body, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise ScaleError(f"gateway search: HTTP {response.status_code} {response.text}")
            return elapsed, len(response.json()["items"])

        for query in queries[: min(50, len(queries))]:
            once(query)
        time.sleep(0.5)
        cpu_before = meter.snapshot()
        for query in queries:
            elapsed, found = once(query)
            timed.append((query, elapsed, found))
        time.sleep(0.5)
    figures = _figures(TOOL_HTTP, timed)
    figures.cpu_ms_per_search = meter.per_unit_ms(cpu_before, len(queries))
    return figures


def keycloak_token(keycloak_url: str) -> Callable[[], str] | None:
    """A token source for the officer, or None when Keycloak is not reachable."""
    try:
        httpx.get(f"{keycloak_url}/realms/kotopolku", timeout=3).raise_for_status()
    except httpx.HTTPError:
        return None
    from e2e.keycloak_tokens import user_token

    return lambda: user_token(OFFICER)


# --------------------------------------------------------------------------------------------
# d. Search at each size


@dataclass
class Population:
    clients: int
    prefix: str
    generated_seconds: float | None
    audit_entries: int
    search_grpc: SearchFigures | None = None
    search_gateway: SearchFigures | None = None
    gateway_note: str = ""


def prepare_population(config: ScaleConfig, size: int) -> Population:
    prefix = f"kotopolku_scale{size_label(size)}"
    options = datagen.Options(server=config.server, clients=size, prefix=prefix, seed=config.seed)
    seconds: float | None = None
    if not datagen.is_generated(options):
        print(f"bench: generating {size:,} clients into {prefix}_* ...", flush=True)
        seconds = datagen.generate(options, replace=True).seconds
    url = datagen.database_url(config.server, datagen.database_name(prefix, "audit"))
    with psycopg.connect(datagen.libpq_url(url)) as connection:
        row = connection.execute("SELECT position FROM audit_chain_head").fetchone()
    return Population(size, prefix, seconds, int(row[0]) if row else 0)


def measure_search(config: ScaleConfig, services: Services, population: Population) -> None:
    def url(service: str) -> str:
        return datagen.database_url(
            config.server, datagen.database_name(population.prefix, service)
        )

    audit = services.start_backend("audit", url("audit"))
    clients = services.start_backend(
        "clients", url("clients"), KOTOPOLKU_AUDIT_ADDRESS=f"127.0.0.1:{audit.port}"
    )
    meter = CpuMeter(config.server)
    meter.watch(audit)
    meter.watch(clients)
    try:
        queries = search_queries(url("clients"), config.queries, config.seed)
        print(
            f"bench: {population.clients:,} clients: {len(queries)} searches over gRPC ...",
            flush=True,
        )
        population.search_grpc = search_over_grpc(clients.port, services.signer(), queries, meter)
        token = keycloak_token(config.keycloak_url)
        if token is None:
            population.gateway_note = f"Keycloak not reachable at {config.keycloak_url}"
            return
        gateway = services.start_gateway(clients.port, f"{config.keycloak_url}/realms/kotopolku")
        meter.watch(gateway)
        try:
            print(f"bench: {population.clients:,} clients: through the gateway ...", flush=True)
            population.search_gateway = search_over_http(gateway.port, token, queries, meter)
        finally:
            services.stop(gateway)
    finally:
        services.stop(clients)
        services.stop(audit)


# --------------------------------------------------------------------------------------------
# e. Audit append and verification


def bench_events(count: int, offset: int, now: datetime) -> list[EventData]:
    return [
        EventData(
            event_id=str(uuid.uuid4()),
            occurred_at=now,
            actor_subject=f"officer-{(offset + i) % 50}",
            actor_roles=("municipal-officer",),
            municipality_code=("091", "837", "179")[(offset + i) % 3],
            welfare_area_code="",
            subject_client_id=str(uuid.UUID(int=(offset + i) % 50_000)),
            action="client.read",
            resource=f"clients/{uuid.UUID(int=(offset + i) % 50_000)}",
            fields=("names", "contact", "languages"),
            purpose="integration-services",
            trace_id=uuid.uuid4().hex,
            service="clients",
            outcome="success",
        )
        for i in range(count)
    ]


@dataclass
class AuditFigures:
    events: int
    batch: int
    append_seconds: float
    append_per_s: float
    slowest_tenth_per_s: float
    verify_repository_seconds: float
    verify_repository_entries: int
    verify_rpc_seconds: float | None = None
    verify_rpc_entries: int | None = None
    verify_rpc_intact: bool | None = None
    grpc_events: int = 0
    grpc_batch: int = 200
    grpc_append_per_s: float | None = None
    append_cpu_ms_per_1000: dict[str, float] = field(default_factory=dict)
    verify_repository_cpu_s: dict[str, float] = field(default_factory=dict)
    verify_rpc_cpu_s: dict[str, float] = field(default_factory=dict)
    append_tool: str = TOOL_REPOSITORY
    verify_tool: str = "AuditRepository.verify in-process; VerifyChain RPC to the audit process"
    grpc_tool: str = "AppendEvents RPC to the audit process (Python grpcio client, one channel)"
    targets: dict[str, float] = field(
        default_factory=lambda: {
            "append_per_s": APPEND_TARGET_PER_S,
            "verify_1m_seconds": VERIFY_TARGET_S,
        }
    )


@contextmanager
def fresh_database(server: str, name: str) -> Iterator[str]:
    admin = datagen.libpq_url(server)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield datagen.database_url(server, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def append_and_verify(
    url: str, events: int, batch: int, meter: CpuMeter
) -> tuple[AuditFigures, int]:
    """Appends ``events`` through the repository, then verifies the chain in-process. Only the
    append transactions are timed (the events are made between them, as a service receives
    them ready-made)."""
    await asyncio.to_thread(migrations.upgrade, url, "audit", AUDIT_MIGRATIONS)
    database = Database(url)
    repository = AuditRepository(database)
    try:
        now = datetime.now(UTC)
        windows: list[float] = []
        window_seconds, window_events = 0.0, 0
        window_size = max(batch, events // 10)
        append_seconds = append_cpu = 0.0
        appended = 0
        cpu_before = meter.snapshot()
        while appended < events:
            chunk = bench_events(min(batch, events - appended), appended, now)
            started, cpu = time.perf_counter(), time.process_time()
            async with database.transaction() as connection:
                appended += (await repository.append(connection, chunk)).appended
            spent = time.perf_counter() - started
            append_seconds += spent
            append_cpu += time.process_time() - cpu
            window_seconds += spent
            window_events += len(chunk)
            if window_events >= window_size:
                windows.append(window_events / window_seconds)
                window_seconds, window_events = 0.0, 0
        append_cost = meter.per_unit_ms(cpu_before, appended // 1000)
        # Per 1000 events; the bench client's share is the repository's own work only.
        append_cost["bench client"] = round(append_cpu * 1000 / max(1, appended // 1000), 2)
        append_cost["total"] = round(
            sum(value for name, value in append_cost.items() if name != "total"), 2
        )
        print(f"bench: audit: appended {appended:,} events; verifying ...", flush=True)
        cpu_before = meter.snapshot()
        started = time.perf_counter()
        result = await repository.verify()
        verify_seconds = time.perf_counter() - started
        verify_cost = {
            name: round(value / 1000, 2) for name, value in meter.per_unit_ms(cpu_before, 1).items()
        }
        if not result.intact:
            raise ScaleError(f"the benchmark's own chain does not verify: {result.problem}")
    finally:
        await database.dispose()
    return (
        AuditFigures(
            events=appended,
            batch=batch,
            append_seconds=round(append_seconds, 1),
            append_per_s=round(appended / append_seconds),
            slowest_tenth_per_s=round(min(windows))
            if windows
            else round(appended / append_seconds),
            verify_repository_seconds=round(verify_seconds, 2),
            verify_repository_entries=result.entries_checked,
            append_cpu_ms_per_1000=append_cost,
            verify_repository_cpu_s=verify_cost,
        ),
        appended,
    )


def measure_audit(config: ScaleConfig, services: Services) -> AuditFigures:
    meter = CpuMeter(config.server)
    with fresh_database(config.server, AUDIT_BENCH_PREFIX) as url:
        print(f"bench: audit: appending {config.audit_events:,} events ...", flush=True)
        figures, _ = asyncio.run(
            append_and_verify(url, config.audit_events, config.audit_batch, meter)
        )
        audit = services.start_backend("audit", url)
        meter.watch(audit)
        try:
            auditor = Caller("scale-bench", frozenset({Role.AUDITOR}), "supervision", "091")
            with grpc.insecure_channel(f"127.0.0.1:{audit.port}") as channel:
                stub = audit_pb2_grpc.AuditServiceStub(channel)
                metadata = ((METADATA_KEY, services.signer().sign(auditor, ASSERTION_LIFETIME_S)),)
                cpu_before = meter.snapshot()
                started = time.perf_counter()
                reply = stub.VerifyChain(
                    audit_pb2.VerifyChainRequest(), metadata=metadata, timeout=600
                )
                figures.verify_rpc_seconds = round(time.perf_counter() - started, 2)
                figures.verify_rpc_cpu_s = {
                    name: round(value / 1000, 2)
                    for name, value in meter.per_unit_ms(cpu_before, 1).items()
                }
                figures.verify_rpc_entries = reply.entries_checked
                figures.verify_rpc_intact = reply.intact
                if config.grpc_events:
                    figures.grpc_events = config.grpc_events
                    figures.grpc_append_per_s = append_over_grpc(
                        stub, services, config.grpc_events, figures.grpc_batch
                    )
        finally:
            services.stop(audit)
    return figures


def append_over_grpc(stub: Any, services: Services, count: int, batch: int) -> float:
    signer = AssertionSigner.from_file(services.keys / "service.pem", "kotopolku-service:clients")
    caller = signer.service_caller("clients")
    metadata = ((METADATA_KEY, signer.sign(caller, ASSERTION_LIFETIME_S)),)
    now = to_timestamp(datetime.now(UTC))
    requests = []
    for start in range(0, count, batch):
        events = [
            audit_pb2.AuditEvent(
                event_id=str(uuid.uuid4()),
                occurred_at=now,
                actor_subject=f"officer-{i % 50}",
                actor_roles=["municipal-officer"],
                municipality_code="091",
                subject_client_id=str(uuid.UUID(int=i % 50_000)),
                action="client.read",
                resource=f"clients/{uuid.UUID(int=i % 50_000)}",
                fields=["names", "contact", "languages"],
                purpose="integration-services",
                trace_id=uuid.uuid4().hex,
                service="clients",
                outcome="success",
            )
            for i in range(start, min(count, start + batch))
        ]
        requests.append(audit_pb2.AppendEventsRequest(events=events))
    print(f"bench: audit: AppendEvents over gRPC, {count:,} events ...", flush=True)
    started = time.perf_counter()
    appended = 0
    for request in requests:
        appended += stub.AppendEvents(request, metadata=metadata, timeout=60).appended
    return round(appended / (time.perf_counter() - started))


# --------------------------------------------------------------------------------------------
# The section


def run(config: ScaleConfig, out_dir: Path) -> dict[str, Any]:
    services = Services(out_dir)
    started = datetime.now(UTC)
    results: dict[str, Any] = {
        "started_at": started.strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": os.getloadavg(),
        "page_size": PAGE_SIZE,
        "municipality": MUNICIPALITY,
        "query_mix": QUERY_KINDS,
        "populations": [],
    }
    # A step that fails is reported and the others still run: one slow or broken step must not
    # throw away the figures of the rest.
    failures = (ScaleError, grpc.RpcError, httpx.HTTPError, psycopg.Error, OSError)
    try:
        for size in config.sizes:
            try:
                population = prepare_population(config, size)
                measure_search(config, services, population)
                results["populations"].append(_population_dict(population))
            except failures as error:
                print(f"bench: {size:,} clients: {error}", file=sys.stderr, flush=True)
                results.setdefault("errors", []).append(f"search at {size:,} clients: {error}")
        if config.audit_events:
            try:
                results["audit"] = asdict(measure_audit(config, services))
            except failures as error:
                print(f"bench: audit: {error}", file=sys.stderr, flush=True)
                results.setdefault("errors", []).append(f"audit: {error}")
    finally:
        services.stop_all()
    results["load_after"] = os.getloadavg()
    return results


def _population_dict(population: Population) -> dict[str, Any]:
    data = asdict(population)
    for key in ("search_grpc", "search_gateway"):
        figures = getattr(population, key)
        if figures is not None:
            data[key]["target_met"] = figures.target_met
    return data


def _cpu(spent: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {value:g}" for name, value in spent.items() if name != "total")


def markdown(scale: Mapping[str, Any]) -> list[str]:
    lines = [
        f"### d. Client search at scale (officer of {scale['municipality']},"
        f" page size {scale['page_size']}; load {scale['load_before'][0]:.1f} before,"
        f" {scale['load_after'][0]:.1f} after)",
        "",
        "| clients | audit entries | path | p50 ms | p95 ms | p99 ms | max ms | results |"
        " p99 < 50 ms | CPU ms per search |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for population in scale["populations"]:
        for key, path in (("search_grpc", "gRPC SearchClients"), ("search_gateway", "gateway")):
            figures = population.get(key)
            if not figures:
                continue
            overall = figures["overall"]
            verdict = "met" if figures["target_met"] else "**not met**"
            lines.append(
                f"| {population['clients']:,} | {population['audit_entries']:,} | {path} |"
                f" {overall['p50_ms']:.1f} | {overall['p95_ms']:.1f} | {overall['p99_ms']:.1f} |"
                f" {overall['max_ms']:.1f} | {figures['results_per_search']:g} | {verdict} |"
                f" {_cpu(figures['cpu_ms_per_search'])} |"
            )
        if population.get("gateway_note"):
            note = population["gateway_note"]
            lines.append(f"| {population['clients']:,} | | gateway | {note} | | | | | | |")
    lines.append("")
    largest = scale["populations"][-1] if scale["populations"] else None
    if largest and largest.get("search_grpc"):
        lines += [
            f"By query kind at {largest['clients']:,} clients (gRPC), p50 / p99 ms: "
            + "; ".join(
                f"{kind} {figures['p50_ms']:.1f} / {figures['p99_ms']:.1f}"
                for kind, figures in largest["search_grpc"]["by_kind"].items()
            )
            + ".",
            "",
        ]
    generated = [
        f"{p['clients']:,} in {p['generated_seconds']:.0f} s"
        for p in scale["populations"]
        if p["generated_seconds"] is not None
    ]
    lines.append(
        "Populations generated in this run: "
        + (", ".join(generated) if generated else "none (cached)")
        + f". Latency tools: {TOOL_GRPC}; gateway: {TOOL_HTTP}. CPU: /proc of each process"
        ' (the PostgreSQL server\'s processes summed; "bench client" is the load generator).'
    )
    lines.append("")
    for error in scale.get("errors", []):
        lines += [f"**Failed:** {error}", ""]
    audit = scale.get("audit")
    if audit:
        append_ok = "met" if audit["append_per_s"] >= APPEND_TARGET_PER_S else "**not met**"
        checked = audit["verify_rpc_entries"] or audit["verify_repository_entries"]
        verify_s = audit["verify_rpc_seconds"] or audit["verify_repository_seconds"]
        if checked >= 1_000_000:
            verify_ok = "met" if verify_s < VERIFY_TARGET_S else "**not met**"
        else:
            verify_ok = "n/a (fewer than 1M entries)"
        lines += [
            f"### e. Audit log ({audit['events']:,} entries)",
            "",
            "| measure | figure | target | CPU | tool |",
            "|---|---:|---|---|---|",
            f"| append rate, batches of {audit['batch']} | {audit['append_per_s']:,} events/s"
            f" (slowest tenth {audit['slowest_tenth_per_s']:,}) | ≥ 5,000/s: {append_ok} |"
            f" ms per 1000: {_cpu(audit['append_cpu_ms_per_1000'])} | {audit['append_tool']} |",
            f"| verification, in-process | {audit['verify_repository_seconds']:.2f} s for"
            f" {audit['verify_repository_entries']:,} | < 10 s for 1M |"
            f" s: {_cpu(audit['verify_repository_cpu_s'])} | AuditRepository.verify |",
        ]
        if audit["verify_rpc_seconds"] is not None:
            lines.append(
                f"| verification, VerifyChain RPC | {audit['verify_rpc_seconds']:.2f} s for"
                f" {audit['verify_rpc_entries']:,} (intact: {audit['verify_rpc_intact']}) |"
                f" < 10 s for 1M: {verify_ok} | s: {_cpu(audit['verify_rpc_cpu_s'])} |"
                " audit service process |"
            )
        if audit["grpc_append_per_s"] is not None:
            lines.append(
                f"| AppendEvents RPC, batches of {audit['grpc_batch']} |"
                f" {audit['grpc_append_per_s']:,} events/s ({audit['grpc_events']:,} events) |"
                f" ≥ 5,000/s | | {audit['grpc_tool']} |"
            )
        lines.append("")
    return lines
