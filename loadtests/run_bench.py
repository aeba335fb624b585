"""``make bench``: latency and throughput of the running system, in one go.

a. Single-connection read latency: one keep-alive HTTP/1.1 connection, sequential
   ``GET /v1/clients/{id}`` of one client, plus probes that show where the time goes:
   ``GET /healthz`` (HTTP + FastAPI floor), ``GetClient`` straight to the clients service over
   gRPC (service + database, no gateway), ``GET`` of an unknown id (the refusal path: the lookup
   rolls back and the refusal is audited in a transaction of its own), and the CPU time each
   local process spends per request.
b. The architecture's cost (loadtests/compare_bench.py): the same operations through the
   gateway and on the single-process baseline (loadtests/baseline.py, started here on its own
   port), single-connection latency (httpx) and saturation throughput (wrk), and the ratios.
   ``BENCH_BASELINE=0`` skips it.
m. A municipality's day (loadtests/municipal_day.py: officers, self-service clients, the
   training provider, welfare-area feeds) with locust, headless, at a fixed request rate
   (``constant_throughput`` pacing), per-operation p50/p95/p99 and throughput.
c. Optional (``BENCH_SATURATION=1``): the same workload without pacing, for the maximum
   throughput.
d./e. Optional (``BENCH_SCALE=1``, or ``BENCH_SCALE=only`` for these alone: ``make
   bench-scale``): client search at 10k, 100k and 1M clients and the audit log's append rate and
   verification time at a million entries, on PostgreSQL (see loadtests/scale_bench.py).

Prints a Markdown summary and writes ``var/bench/results.json`` (and the locust CSVs next to it).
Exits non-zero only when the figures are meaningless: the system is not ready, a probe fails,
locust produced no statistics, or more than 1 % of the requests failed.

Environment:
  KOTOPOLKU_API_URL       gateway (default http://127.0.0.1:8000)
  BENCH_DATABASE_SERVER   if set, first (re)start the stack with its services on this PostgreSQL
                          server (KOTOPOLKU_DB_SERVER=... KC_REUSE=1 scripts/stack.sh up)
  BENCH_READS             sequential reads in (a) (default 2000)
  BENCH_RATE              target requests/s of (b) (default 300)
  BENCH_USERS             simulated officers in (b) (default 60)
  BENCH_SECONDS           duration of (b) (default 60)
  BENCH_BASELINE          0 to skip b. (default 1 against a local stack)
  BENCH_BASELINE_PORT     port of the baseline (default 8410)
  BENCH_COMPARE_REQUESTS  sequential requests per operation and side in b. (default 300)
  BENCH_WRK_SECONDS       wrk run per operation and side (default 10)
  BENCH_WRK_CONNECTIONS   wrk connections (default 16)
  BENCH_MIXED_BASELINE    1 to run the day (m) on the baseline too
  BENCH_SATURATION        1 to run (c)
  BENCH_SATURATION_USERS  users in (c) (default 30)
  BENCH_SATURATION_SECONDS duration of (c) (default 30)
  BENCH_P99_MS            latency objective of (b) (default 50)
  BENCH_LABEL             name of the configuration in the report (default: detected database)
  BENCH_CLIENTS_GRPC      clients service address for the direct gRPC probe (default
                          127.0.0.1:50051; the probe runs only against a local stack)
  BENCH_SCALE             1 to add d./e., only to run d./e. alone (no running stack needed)
  BENCH_SCALE_DATABASE_SERVER  PostgreSQL server of d./e. (default BENCH_DATABASE_SERVER)
  BENCH_SCALE_SIZES       population sizes of d. (default 10000,100000,1000000)
  BENCH_SCALE_QUERIES     searches per size and path (default 600)
  BENCH_SCALE_AUDIT_EVENTS  events appended and verified in e. (default 1000000)
  BENCH_SCALE_GRPC_EVENTS   events sent through AppendEvents in e. (default 200000)
"""

from __future__ import annotations

import csv
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import httpx
import jwt
from keycloak.exceptions import KeycloakError
from sqlalchemy.engine import make_url

from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common.identity import GATEWAY_ISSUER, METADATA_KEY, AssertionSigner
from kotopolku.gateway.auth.principal import caller_from_claims

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from e2e.keycloak_tokens import user_token  # noqa: E402 (needs the repo root on sys.path)
from loadtests import compare_bench, scale_bench  # noqa: E402
from loadtests.proc_cpu import cpu_seconds, listening_pid, postgres_cpu_seconds  # noqa: E402

OUT_DIR = REPO_ROOT / "var" / "bench"
LOCUSTFILE = REPO_ROOT / "loadtests" / "municipal_day.py"
# Users of the day that are not paced by LOADTEST_RPS_PER_USER: welfare-area feed consumers
# (long polls) and placement officers (LOADTEST_PLACEMENT_RPS each).
DAY_FIXED_USERS = {"LOADTEST_FEED_USERS": 2, "LOADTEST_PLACEMENT_USERS": 2}
PLACEMENT_RPS = 0.5
OFFICER = "helsinki.officer"
MAX_FAILURE_RATIO = 0.01
TARGET_SINGLE_P50_MS = 2.0
LOAD_HEADER = {"X-Load-Test": "bench"}


class BenchError(Exception):
    """The figures would be meaningless; the message says why."""


@dataclass(frozen=True)
class Config:
    api_url: str
    database_server: str
    reads: int
    rate: float
    users: int
    seconds: int
    saturation: bool
    saturation_users: int
    saturation_seconds: int
    p99_ms: float
    label: str
    scale: str
    scale_database_server: str
    baseline: bool
    mixed_baseline: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        return cls(
            api_url=env.get("KOTOPOLKU_API_URL", "http://127.0.0.1:8000").rstrip("/"),
            database_server=env.get("BENCH_DATABASE_SERVER", ""),
            reads=int(env.get("BENCH_READS", "2000")),
            rate=float(env.get("BENCH_RATE", "300")),
            users=int(env.get("BENCH_USERS", "60")),
            seconds=int(env.get("BENCH_SECONDS", "60")),
            saturation=env.get("BENCH_SATURATION", "0") not in ("", "0", "false", "no"),
            saturation_users=int(env.get("BENCH_SATURATION_USERS", "30")),
            saturation_seconds=int(env.get("BENCH_SATURATION_SECONDS", "30")),
            p99_ms=float(env.get("BENCH_P99_MS", "50")),
            label=env.get("BENCH_LABEL", ""),
            scale=env.get("BENCH_SCALE", "0").strip().lower(),
            scale_database_server=env.get(
                "BENCH_SCALE_DATABASE_SERVER", env.get("BENCH_DATABASE_SERVER", "")
            ),
            baseline=env.get("BENCH_BASELINE", "1") not in ("", "0", "false", "no"),
            mixed_baseline=env.get("BENCH_MIXED_BASELINE", "0") not in ("", "0", "false", "no"),
        )

    @property
    def scale_wanted(self) -> bool:
        return self.scale not in ("", "0", "false", "no")

    @property
    def scale_only(self) -> bool:
        return self.scale == "only"


# --------------------------------------------------------------------------------------------
# Preparation


def restart_stack_on_postgres(server: str) -> None:
    print(f"bench: restarting the stack with its services on {server} ...", flush=True)
    env = {**os.environ, "KOTOPOLKU_DB_SERVER": server, "KC_REUSE": "1"}
    subprocess.run(
        ["bash", "scripts/stack.sh", "up"], cwd=REPO_ROOT, env=env, check=True, timeout=900
    )


def wait_ready(api_url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{api_url}/readyz", timeout=2.0)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as error:
            last = repr(error)
        time.sleep(0.5)
    raise BenchError(f"{api_url}/readyz not ready after {timeout_s:.0f} s ({last}); make up first")


def detect_database(config: Config) -> str:
    """Best effort: which database the local clients service opened last (from its log)."""
    if config.label:
        return config.label
    if config.database_server:
        return "PostgreSQL"
    log = Path(os.environ.get("KOTOPOLKU_VAR", REPO_ROOT / "var")) / "log" / "clients.log"
    try:
        engines = re.findall(r"Context impl (\w+)Impl", log.read_text(errors="replace"))
    except OSError:
        engines = []
    if not engines:
        return "unknown"
    engine = str(engines[-1])
    return "PostgreSQL" if engine == "Postgresql" else engine


def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {user_token(OFFICER)}", **LOAD_HEADER}


def create_target_client(http: httpx.Client) -> str:
    response = http.post(
        "/v1/clients",
        json={
            "first_names": "Hodan",
            "last_name": "Warsame",
            "date_of_birth": "1988-03-14",
            "languages": ["so", "en", "fi"],
            "contact": {"phone": "040 765 4321", "post_office": "Helsinki"},
            "segment": "self-moved",
        },
        headers={**auth_headers(), "Idempotency-Key": f"bench-{uuid.uuid4()}"},
    )
    if response.status_code != 201:
        raise BenchError(f"creating the bench client: HTTP {response.status_code} {response.text}")
    return str(response.json()["id"])


# --------------------------------------------------------------------------------------------
# CPU time of the local stack's processes (where the time goes, independent of contention)

# Every process of the local stack (pid files) but these; the day's work reaches most services.
NOT_STACK_PROCESSES = frozenset({"keycloak", "dev-sinks", "baseline"})


@dataclass
class StackCpu:
    """CPU seconds used so far by the local stack's services (pid files), the PostgreSQL server
    of a PostgreSQL run and this script's finished child processes (locust)."""

    postgres_pid: int | None = None

    @classmethod
    def for_config(cls, config: Config) -> StackCpu:
        if not config.database_server:
            return cls()
        port = make_url(config.database_server).port or 5432
        return cls(listening_pid(port))

    def snapshot(self) -> dict[str, float]:
        run_dir = Path(os.environ.get("KOTOPOLKU_VAR", REPO_ROOT / "var")) / "run"
        cpu: dict[str, float] = {}
        for pid_file in sorted(run_dir.glob("*.pid")):
            if pid_file.stem in NOT_STACK_PROCESSES:
                continue
            try:
                cpu[pid_file.stem] = cpu_seconds(int(pid_file.read_text().strip()))[0]
            except (OSError, ValueError):
                continue
        if self.postgres_pid is not None:
            try:
                cpu["postgres"] = postgres_cpu_seconds(self.postgres_pid)
            except OSError:
                pass
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu["locust"] = children.ru_utime + children.ru_stime
        return cpu

    def ms_per_request(self, before: dict[str, float], requests: int) -> dict[str, float]:
        after = self.snapshot()
        per_request = {
            name: round((after[name] - before[name]) * 1000 / requests, 3)
            for name in after
            if name in before and requests and after[name] > before[name]
        }
        if per_request:
            per_request["total"] = round(sum(per_request.values()), 3)
        return per_request


# --------------------------------------------------------------------------------------------
# a. Single-connection latency


@dataclass
class Latency:
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    req_per_s: float


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def sequential(
    http: httpx.Client,
    path: str,
    expected_status: int,
    count: int,
    warmup: int,
    headers: Callable[[], dict[str, str]],
) -> Latency:
    def once() -> float:
        request_headers = headers()  # outside the timed part (token cache look-up)
        before = time.perf_counter()
        response = http.get(path, headers=request_headers)
        elapsed = time.perf_counter() - before
        if response.status_code != expected_status:
            raise BenchError(
                f"GET {path}: HTTP {response.status_code} (expected {expected_status})"
            )
        return elapsed * 1000

    for _ in range(warmup):
        once()
    started = time.perf_counter()
    durations = [once() for _ in range(count)]
    return latency(durations, time.perf_counter() - started)


def direct_grpc_reads(config: Config, client_id: str, count: int) -> Latency | None:
    """GetClient straight to the clients service (no gateway) on one channel: what the service
    and its database cost. Needs the local stack's gateway key to sign the caller assertion."""
    key_file = Path(os.environ.get("KOTOPOLKU_VAR", REPO_ROOT / "var")) / "keys" / "gateway.pem"
    address = os.environ.get("BENCH_CLIENTS_GRPC", "127.0.0.1:50051")
    if not key_file.exists() or not config.api_url.startswith("http://127.0.0.1"):
        return None
    claims = jwt.decode(user_token(OFFICER), options={"verify_signature": False})
    caller = caller_from_claims(claims, "kotopolku-gateway", None)
    signer = AssertionSigner.from_file(key_file, GATEWAY_ISSUER)
    request = clients_pb2.GetClientRequest(client_id=client_id)
    metadata = ((METADATA_KEY, signer.sign(caller)),)
    with grpc.insecure_channel(address) as channel:
        stub = clients_pb2_grpc.ClientsServiceStub(channel)

        def once() -> float:
            before = time.perf_counter()
            stub.GetClient(request, metadata=metadata, timeout=10)
            return (time.perf_counter() - before) * 1000

        for _ in range(100):
            once()
        started = time.perf_counter()
        durations = [once() for _ in range(count)]
        return latency(durations, time.perf_counter() - started)


def latency(durations: list[float], total_s: float) -> Latency:
    durations = sorted(durations)
    return Latency(
        requests=len(durations),
        p50_ms=round(percentile(durations, 50), 3),
        p95_ms=round(percentile(durations, 95), 3),
        p99_ms=round(percentile(durations, 99), 3),
        mean_ms=round(sum(durations) / len(durations), 3),
        max_ms=round(durations[-1], 3),
        req_per_s=round(len(durations) / total_s, 1),
    )


def single_connection(config: Config) -> dict[str, Any]:
    transport = httpx.HTTPTransport(http1=True, http2=False, retries=0)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(
        base_url=config.api_url, transport=transport, limits=limits, timeout=10.0
    ) as http:
        client_id = create_target_client(http)
        probe_count = max(100, config.reads // 4)
        cpu = StackCpu.for_config(config)
        cpu_before = cpu.snapshot()
        read = sequential(http, f"/v1/clients/{client_id}", 200, config.reads, 200, auth_headers)
        time.sleep(0.5)  # let the audit outbox relay deliver the last events
        read_cpu = cpu.ms_per_request(cpu_before, config.reads + 200)
        healthz = sequential(http, "/healthz", 200, probe_count, 50, lambda: dict(LOAD_HEADER))
        unknown = sequential(
            http, f"/v1/clients/{uuid.uuid4()}", 404, probe_count, 50, auth_headers
        )
    grpc_read = direct_grpc_reads(config, client_id, probe_count)
    probes = {"healthz": asdict(healthz), "read_unknown_id_404": asdict(unknown)}
    if grpc_read is not None:
        probes["grpc_get_client_direct"] = asdict(grpc_read)
    return {
        "client_id": client_id,
        "read": asdict(read),
        "target_p50_ms": TARGET_SINGLE_P50_MS,
        "target_met": read.p50_ms <= TARGET_SINGLE_P50_MS,
        "cpu_ms_per_read": read_cpu,
        "probes": probes,
    }


# --------------------------------------------------------------------------------------------
# b./c. Locust runs


@dataclass
class Operation:
    method: str
    name: str
    requests: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    req_per_s: float


@dataclass
class LocustRun:
    kind: str
    users: int
    seconds: int
    rps_per_user: float
    target_rps: float | None
    exit_code: int
    operations: list[Operation] = field(default_factory=list)
    aggregated: Operation | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)
    # Exact percentiles of every request but the feeds' long polls (municipal_day.py).
    exact: dict[str, Any] = field(default_factory=dict)

    @property
    def failure_ratio(self) -> float:
        if self.aggregated is None or self.aggregated.requests == 0:
            return 1.0
        return self.aggregated.failures / self.aggregated.requests


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def run_locust(
    config: Config, kind: str, users: int, seconds: int, rps_per_user: float
) -> LocustRun:
    prefix = OUT_DIR / kind
    for old in OUT_DIR.glob(f"{kind}_*.csv"):
        old.unlink()
    # All users within ~2 s; the locustfile resets the statistics once they have all seeded.
    spawn_rate = max(1, users // 2)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "--csv",
        str(prefix),
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "2",
        "--host",
        config.api_url,
    ]
    summary_path = OUT_DIR / f"{kind}_summary.json"
    summary_path.unlink(missing_ok=True)
    env = {
        **{name: str(count) for name, count in DAY_FIXED_USERS.items()},
        "LOADTEST_PLACEMENT_RPS": str(PLACEMENT_RPS if rps_per_user > 0 else 0),
        **os.environ,
        "LOADTEST_RPS_PER_USER": str(rps_per_user),
        "LOADTEST_RESET_AFTER_SEEDING": "1",
        "LOADTEST_SUMMARY_FILE": str(summary_path),
    }
    target = f"{users * rps_per_user:.0f} req/s" if rps_per_user > 0 else "unpaced"
    print(f"bench: locust {kind}: {users} users, {seconds} s, {target} ...", flush=True)
    log_path = OUT_DIR / f"{kind}.log"
    cpu = StackCpu.for_config(config)
    cpu_before = cpu.snapshot()
    with log_path.open("w") as log:
        try:
            completed = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=seconds + 120,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise BenchError(f"locust {kind} did not stop in time; see {log_path}") from error
    run = LocustRun(
        kind=kind,
        users=users,
        seconds=seconds,
        rps_per_user=rps_per_user,
        target_rps=users * rps_per_user if rps_per_user > 0 else None,
        exit_code=completed.returncode,
    )
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise BenchError(
            f"locust {kind} wrote no statistics (exit {completed.returncode}); see {log_path}"
        )
    with stats_path.open(newline="") as stats:
        for row in csv.DictReader(stats):
            operation = Operation(
                method=row["Type"],
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                p50_ms=_number(row["50%"]),
                p95_ms=_number(row["95%"]),
                p99_ms=_number(row["99%"]),
                max_ms=_number(row["Max Response Time"]),
                req_per_s=round(float(row["Requests/s"]), 1),
            )
            if row["Name"] == "Aggregated":
                run.aggregated = operation
            elif operation.requests:
                run.operations.append(operation)
    failures_path = Path(f"{prefix}_failures.csv")
    if failures_path.exists():
        with failures_path.open(newline="") as failures:
            run.failures = [
                {
                    "method": row["Method"],
                    "name": row["Name"],
                    "error": row["Error"],
                    "occurrences": int(row["Occurrences"]),
                }
                for row in csv.DictReader(failures)
            ]
    if run.aggregated is None or run.aggregated.requests == 0:
        raise BenchError(f"locust {kind} made no requests; see {log_path}")
    if summary_path.exists():
        run.exact = json.loads(summary_path.read_text())
    # Over all requests of the run, seeding included (the statistics were reset after it).
    seeded = users * int(os.environ.get("LOADTEST_SEED_CLIENTS", "3"))
    run.cpu_ms_per_request = cpu.ms_per_request(cpu_before, run.aggregated.requests + seeded)
    return run


def locust_summary(run: LocustRun, p99_ms: float) -> dict[str, Any]:
    aggregated = run.aggregated
    assert aggregated is not None
    steady = [op for op in run.operations if "[seed]" not in op.name and not is_long_poll(op)]
    slowest_p99 = max((op.p99_ms or 0.0) for op in steady) if steady else None
    summary: dict[str, Any] = {
        "users": run.users,
        "seconds": run.seconds,
        "rps_per_user": run.rps_per_user,
        "target_rps": run.target_rps,
        "achieved_rps": aggregated.req_per_s,
        "requests": aggregated.requests,
        "failures": aggregated.failures,
        "failure_ratio": round(run.failure_ratio, 5),
        "aggregated": asdict(aggregated),
        "operations": [asdict(op) for op in run.operations],
        "failure_breakdown": run.failures,
        "locust_exit_code": run.exit_code,
        "cpu_ms_per_request": run.cpu_ms_per_request,
        "exact_without_long_polls": run.exact,
    }
    if run.target_rps is not None:
        # The feeds' long polls wait up to LOADTEST_FEED_WAIT by design: not request latency.
        overall_p99 = run.exact.get("p99_ms", aggregated.p99_ms)
        summary["p99_objective_ms"] = p99_ms
        summary["p99_objective_held"] = (overall_p99 or math.inf) < p99_ms
        summary["p99_objective_held_per_operation"] = (
            slowest_p99 is not None and slowest_p99 < p99_ms
        )
        summary["target_rate_reached"] = aggregated.req_per_s >= 0.95 * run.target_rps
    return summary


def is_long_poll(op: Operation) -> bool:
    """Welfare-area feed reads wait for events; their lag entries are not requests."""
    return op.method == "FEED" or op.name.startswith("/v1/welfare-area/feed")


def day_pacing(rate: float, users: int) -> float:
    """Requests/s per paced user so that the whole day sends ``rate``: feed consumers long poll
    and placement officers run at their own pace."""
    fixed = sum(DAY_FIXED_USERS.values())
    paced = users - fixed
    if paced <= 0:
        raise BenchError(f"BENCH_USERS must exceed the {fixed} feed and placement users")
    placement = DAY_FIXED_USERS["LOADTEST_PLACEMENT_USERS"] * PLACEMENT_RPS
    return max(0.01, (rate - placement) / paced)


# --------------------------------------------------------------------------------------------
# Report


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        f"## Kotopolku bench: {meta['database']}, {meta['started_at']}",
        "",
        f"{meta['cpus']} CPUs, load average {meta['load_before'][0]:.1f} before / "
        f"{meta['load_after'][0]:.1f} after (the load generator and any other work share them).",
        "",
    ]
    if "single_connection" in results:
        lines += _single_connection_lines(results["single_connection"])
    if "compare" in results:
        lines += compare_bench.markdown(results["compare"])
    for key, title in (
        ("mixed", "m. A municipality's day (locust)"),
        ("mixed_baseline", "m'. The same day on the single-process baseline (locust)"),
        ("saturation", "c. Saturation (locust)"),
    ):
        run = results.get(key)
        if not run:
            continue
        paced = f"target {run['target_rps']:.0f} req/s" if run["target_rps"] else "no pacing"
        lines += [
            f"### {title}: {run['users']} users, {run['seconds']} s, {paced}",
            "",
            "| operation | requests | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for op in [*run["operations"], run["aggregated"]]:
            name = "**all**" if op["name"] == "Aggregated" else f"{op['method']} {op['name']}"
            lines.append(
                f"| {name} | {op['requests']} | {op['failures']} | {_ms(op['p50_ms'])} | "
                f"{_ms(op['p95_ms'])} | {_ms(op['p99_ms'])} | {_ms(op['max_ms'])} | "
                f"{op['req_per_s']:g} |"
            )
        lines.append("")
        lines.append(
            f"Achieved {run['achieved_rps']:g} req/s; failures {run['failures']} "
            f"({run['failure_ratio']:.2%})."
        )
        if run["cpu_ms_per_request"]:
            lines.append(f"CPU ms per request: {_cpu(run['cpu_ms_per_request'])}.")
        exact = run.get("exact_without_long_polls") or {}
        if exact.get("requests"):
            lines.append(
                f"Exact, without the feeds' long polls: {exact['requests']} requests, "
                f"p50 {exact['p50_ms']:.1f} / p95 {exact['p95_ms']:.1f} / "
                f"p99 {exact['p99_ms']:.1f} ms."
            )
        if run["target_rps"]:
            held = "held" if run["p99_objective_held"] else "**not held**"
            per_op = "held" if run["p99_objective_held_per_operation"] else "not held"
            reached = "reached" if run["target_rate_reached"] else "**not reached**"
            lines.append(
                f"p99 < {run['p99_objective_ms']:g} ms overall: {held} (every operation: "
                f"{per_op}); target rate {reached}."
            )
        lines.append("")
    if any(key in results for key in ("mixed", "saturation")):
        lines.append(
            "Locust rounds times under 100 ms to whole ms and percentiles are approximate."
        )
        lines.append("")
    if "scale" in results:
        lines += scale_bench.markdown(results["scale"])
    return "\n".join(lines)


def _single_connection_lines(single: dict[str, Any]) -> list[str]:
    read = single["read"]
    lines = [
        f"### a. Single connection, {read['requests']} sequential reads (keep-alive HTTP/1.1)",
        "",
        "| request | p50 ms | p95 ms | p99 ms | mean ms | req/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows = [
        ("GET /healthz (HTTP + FastAPI floor)", single["probes"]["healthz"]),
        ("GET unknown id → 404 (refusal audited)", single["probes"]["read_unknown_id_404"]),
        (
            "gRPC GetClient straight to the clients service",
            single["probes"].get("grpc_get_client_direct"),
        ),
        ("GET /v1/clients/{id} → 200 (+ audit write)", read),
    ]
    for title, figures in rows:
        if figures is None:
            continue
        lines.append(
            f"| {title} | {figures['p50_ms']:.2f} | {figures['p95_ms']:.2f} | "
            f"{figures['p99_ms']:.2f} | {figures['mean_ms']:.2f} | {figures['req_per_s']:.0f} |"
        )
    verdict = "met" if single["target_met"] else "not met"
    lines += ["", f"Target p50 ≤ {single['target_p50_ms']:g} ms for the read: **{verdict}**."]
    if single["cpu_ms_per_read"]:
        lines.append(f"CPU ms per read: {_cpu(single['cpu_ms_per_read'])}.")
    lines.append("")
    return lines


def _cpu(per_process: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in per_process.items())


def failure_breakdown(run: dict[str, Any]) -> str:
    lines = [f"{run['failures']} of {run['requests']} requests failed:"]
    for failure in run["failure_breakdown"]:
        lines.append(
            f"  {failure['occurrences']:>6}  {failure['method']} {failure['name']}: "
            f"{failure['error']}"
        )
    return "\n".join(lines)


def mixed_on_baseline(config: Config, compare_config: compare_bench.CompareConfig) -> LocustRun:
    """The same day on the single-process baseline (its CPU is not split by process)."""
    process = compare_bench.start_baseline(compare_config, OUT_DIR)
    try:
        on_baseline = run_locust(
            replace(config, api_url=compare_config.baseline_url),
            "mixed_baseline",
            config.users,
            config.seconds,
            day_pacing(config.rate, config.users),
        )
    finally:
        compare_bench.stop_baseline(process)
    on_baseline.target_rps = config.rate
    on_baseline.cpu_ms_per_request = {}
    return on_baseline


def _local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "http://localhost"))


def main() -> int:
    config = Config.from_env(os.environ)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    runs: list[LocustRun] = []
    try:
        if config.scale_wanted and not config.scale_database_server:
            raise BenchError(
                "BENCH_SCALE needs a PostgreSQL server: set BENCH_SCALE_DATABASE_SERVER"
                " (or BENCH_DATABASE_SERVER)"
            )
        results: dict[str, Any] = {
            "meta": {
                "api_url": config.api_url,
                "database": "PostgreSQL" if config.scale_only else "",
                "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "cpus": os.cpu_count(),
                "load_before": os.getloadavg(),
                "python": platform.python_version(),
            }
        }
        if not config.scale_only:
            if config.database_server:
                restart_stack_on_postgres(config.database_server)
            wait_ready(config.api_url)
            results["meta"]["database"] = detect_database(config)
            print(f"bench: single-connection reads ({config.reads}) ...", flush=True)
            results["single_connection"] = single_connection(config)
            compare_config = compare_bench.CompareConfig.from_env(os.environ, config.api_url)
            local = (compare_config.var_dir / "run" / "gateway.pid").exists()
            if config.baseline and local and _local(config.api_url):
                results["compare"] = compare_bench.run(compare_config, OUT_DIR)
            elif config.baseline:
                print(
                    "bench: (b) skipped: the baseline takes its configuration from a local stack"
                    f" (pid files in {compare_config.var_dir}/run)",
                    flush=True,
                )
            mixed = run_locust(
                config, "mixed", config.users, config.seconds, day_pacing(config.rate, config.users)
            )
            mixed.target_rps = config.rate
            results["mixed"] = locust_summary(mixed, config.p99_ms)
            runs.append(mixed)
            if config.mixed_baseline and "compare" in results:
                on_baseline = mixed_on_baseline(config, compare_config)
                results["mixed_baseline"] = locust_summary(on_baseline, config.p99_ms)
                runs.append(on_baseline)
            if config.saturation:
                saturation = run_locust(
                    config, "saturation", config.saturation_users, config.saturation_seconds, 0
                )
                results["saturation"] = locust_summary(saturation, config.p99_ms)
                runs.append(saturation)
        if config.scale_wanted:
            scale_config = scale_bench.ScaleConfig.from_env(
                os.environ, config.scale_database_server
            )
            results["scale"] = scale_bench.run(scale_config, OUT_DIR)
        results["meta"]["load_after"] = os.getloadavg()
    except (
        BenchError,
        scale_bench.ScaleError,
        compare_bench.CompareError,
        subprocess.CalledProcessError,
        httpx.HTTPError,
        grpc.RpcError,
        KeycloakError,
    ) as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    (OUT_DIR / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    report = markdown(results)
    (OUT_DIR / "results.md").write_text(report + "\n")
    print()
    print(report)
    print(f"\nbench: wrote {OUT_DIR / 'results.json'} and results.md")
    bad = [run for run in runs if run.failure_ratio > MAX_FAILURE_RATIO]
    for run in bad:
        print(f"\nbench: {run.kind}: too many failures for meaningful figures", file=sys.stderr)
        print(failure_breakdown(results[run.kind]), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
