"""The architecture's cost: the same operations through the gateway (gateway + one process per
service, gRPC between them) and on the single-process baseline (``loadtests/baseline.py``).

Per operation and target: single-connection latency (``httpx``, one keep-alive HTTP/1.1
connection, sequential requests, exact ``perf_counter`` times) and saturation throughput with
``wrk`` (one thread, ``BENCH_WRK_CONNECTIONS`` connections, ``BENCH_WRK_SECONDS``), interleaved
gateway/baseline so that both see the same machine. The CPU seconds every process of each side
spends (all of the stack's services, or the baseline's one process, plus PostgreSQL on a
PostgreSQL stack) are divided by the requests of the wrk runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from e2e.keycloak_tokens import user_token  # noqa: E402
from loadtests.baseline import read_environment  # noqa: E402
from loadtests.day_setup import own_client_id  # noqa: E402
from loadtests.figures import (  # noqa: E402
    TARGET_P50_RATIO,
    TARGET_THROUGHPUT_RATIO,
    compare,
    parse_wrk,
    summarise,
    wrk_script,
)
from loadtests.proc_cpu import (  # noqa: E402
    children,
    cpu_seconds,
    listening_pid,
    pin,
    postgres_cpu_seconds,
    unpin,
)

OFFICER = "helsinki.officer"
SELF_SERVICE = "client.amina"
LOAD_HEADER = {"X-Load-Test": "bench"}
NOT_MEASURED = frozenset({"keycloak", "dev-sinks", "baseline"})


class CompareError(Exception):
    """A side could not be prepared or measured; the message says why."""


@dataclass(frozen=True)
class CompareConfig:
    gateway_url: str
    baseline_port: int
    requests: int
    wrk_seconds: int
    wrk_connections: int
    var_dir: Path
    # CPUs of the system under test (both sides, PostgreSQL included); the load generator
    # (wrk, httpx) runs on the others. Empty: no pinning.
    system_cpus: frozenset[int]

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ[str], gateway_url: str) -> CompareConfig:
        return cls(
            gateway_url=gateway_url,
            baseline_port=int(env.get("BENCH_BASELINE_PORT", "8410")),
            requests=int(env.get("BENCH_COMPARE_REQUESTS", "300")),
            wrk_seconds=int(env.get("BENCH_WRK_SECONDS", "10")),
            wrk_connections=int(env.get("BENCH_WRK_CONNECTIONS", "16")),
            var_dir=Path(env.get("KOTOPOLKU_VAR", REPO_ROOT / "var")),
            system_cpus=system_cpus(env.get("BENCH_PIN_CPUS", "auto"), os.cpu_count() or 1),
        )

    @property
    def baseline_url(self) -> str:
        return f"http://127.0.0.1:{self.baseline_port}"


def system_cpus(setting: str, cpu_count: int) -> frozenset[int]:
    """``auto``: every CPU but the first when there are two or more; ``none``/empty: no pinning;
    else a comma-separated list of CPU numbers."""
    setting = setting.strip().lower()
    if setting in ("", "none", "0-", "no"):
        return frozenset()
    if setting == "auto":
        return frozenset(range(1, cpu_count)) if cpu_count >= 2 else frozenset()
    return frozenset(int(cpu) for cpu in setting.split(",") if cpu.strip())


@dataclass(frozen=True)
class Operation:
    """One request, named by route template; who sends it; a fresh Idempotency-Key or not."""

    name: str
    method: str
    path: str
    user: str = OFFICER
    body: dict[str, Any] | None = None
    creates: bool = False


def _headers(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {user_token(user)}", **LOAD_HEADER}


def _created(response: httpx.Response) -> str:
    if response.status_code != 201:
        raise CompareError(
            f"{response.request.method} {response.request.url.path}: HTTP "
            f"{response.status_code} {response.text[:300]}"
        )
    return str(response.json()["id"])


# Surnames the workloads' name lists (population.py) do not use: what the search operation finds
# does not grow with the data the day writes.
NEW_CLIENT = {
    "first_names": "Hodan",
    "last_name": "Dualeh",
    "date_of_birth": "1988-03-14",
    "languages": ["so", "en", "fi"],
    "contact": {"phone": "040 765 4321", "post_office": "Helsinki"},
    "segment": "self-moved",
}


# What the create operation sends, thousands of times per run: another name than the one the
# search operation looks for, so that the searches of later runs do not find more and more.
CREATED_CLIENT = {
    **NEW_CLIENT,
    "first_names": "Yasmin",
    "last_name": "Samatar",
    "languages": ["so", "fi"],
}


def prepare(url: str) -> list[Operation]:
    """Records to read on this side (its own databases), then the operations on them."""
    with httpx.Client(base_url=url, timeout=30.0, headers=_headers(OFFICER)) as http:

        def post(path: str, body: dict[str, Any]) -> str:
            key = {"Idempotency-Key": f"bench-{uuid.uuid4()}"}
            return _created(http.post(path, json=body, headers=key))

        client_id = post("/v1/clients", NEW_CLIENT)
        assessment_id = post(
            f"/v1/clients/{client_id}/assessments",
            {"kind": "basic", "basic": {"literacy": {"summary": "Lukee ja kirjoittaa"}}},
        )
        today = time.strftime("%Y-%m-%d")
        plan_id = post(
            f"/v1/clients/{client_id}/plans",
            {
                "kind": "individual",
                "start_date": today,
                "end_date": time.strftime("%Y-%m-%d", time.localtime(time.time() + 300 * 86400)),
                "goals": [{"category": "integration", "text": "Suomen kielen taito arjessa"}],
            },
        )
        own_client_id(http, SELF_SERVICE)
    return [
        Operation("GET /v1/clients/{id}", "GET", f"/v1/clients/{client_id}"),
        Operation(
            "POST /v1/clients/search",
            "POST",
            "/v1/clients/search",
            body={"name": "Dualeh", "page_size": 20},
        ),
        Operation("POST /v1/clients", "POST", "/v1/clients", body=CREATED_CLIENT, creates=True),
        Operation("GET /v1/assessments/{id}", "GET", f"/v1/assessments/{assessment_id}"),
        Operation("GET /v1/plans/{id}", "GET", f"/v1/plans/{plan_id}"),
        Operation("GET /v1/me (client)", "GET", "/v1/me", user=SELF_SERVICE),
    ]


def single_connection(url: str, operation: Operation, count: int) -> dict[str, Any]:
    transport = httpx.HTTPTransport(http1=True, http2=False, retries=0)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    expected = 201 if operation.creates else 200
    headers = _headers(operation.user)
    with httpx.Client(base_url=url, transport=transport, limits=limits, timeout=10.0) as http:

        def once() -> float:
            extra = {"Idempotency-Key": f"bench-{uuid.uuid4()}"} if operation.creates else {}
            before = time.perf_counter()
            response = http.request(
                operation.method, operation.path, json=operation.body, headers={**headers, **extra}
            )
            elapsed = (time.perf_counter() - before) * 1000
            if response.status_code != expected:
                raise CompareError(f"{url} {operation.name}: HTTP {response.status_code}")
            return elapsed

        for _ in range(min(50, count)):
            once()
        started = time.perf_counter()
        durations = [once() for _ in range(count)]
        total = time.perf_counter() - started
    figures: dict[str, Any] = summarise(durations)
    figures["req_per_s"] = round(count / total, 1)
    return figures


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def saturation(url: str, operation: Operation, seconds: int, connections: int) -> dict[str, Any]:
    headers = {**_headers(operation.user), "Content-Type": "application/json"}
    if operation.creates:
        headers["Idempotency-Key"] = "fresh per request"
    body = json.dumps(operation.body) if operation.body is not None else None
    script = wrk_script(operation.method, operation.path, headers, body)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        completed = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                file.name,
                f"{url}{operation.path}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        os.unlink(file.name)
    try:
        return parse_wrk(completed.stdout)
    except ValueError as error:
        raise CompareError(f"wrk {operation.name}: {completed.stderr[-300:]}") from error


# --------------------------------------------------------------------------------------------
# The baseline process and CPU accounting


def start_baseline(config: CompareConfig, out_dir: Path) -> subprocess.Popen[bytes]:
    log = (out_dir / "baseline.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "loadtests.baseline", "--port", str(config.baseline_port)],
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "KOTOPOLKU_VAR": str(config.var_dir)},
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CompareError(f"the baseline exited ({process.returncode}); see baseline.log")
        try:
            if httpx.get(f"{config.baseline_url}/readyz", timeout=2.0).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_baseline(process)
    raise CompareError("the baseline did not become ready in 180 s; see baseline.log")


def stop_baseline(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _postgres_pid(var_dir: Path) -> int | None:
    try:
        pid = int((var_dir / "run" / "clients.pid").read_text().strip())
        url = make_url(read_environment(pid).get("KOTOPOLKU_DATABASE_URL", "sqlite://"))
    except (OSError, ValueError):
        return None
    if url.get_backend_name() != "postgresql":
        return None
    return listening_pid(url.port or 5432)


def _stack_pids(var_dir: Path) -> list[int]:
    pids = []
    for pid_file in (var_dir / "run").glob("*.pid"):
        if pid_file.stem in NOT_MEASURED:
            continue
        try:
            pids.append(int(pid_file.read_text().strip()))
        except (OSError, ValueError):
            continue
    return pids


def cpu_meters(config: CompareConfig, baseline_pid: int) -> dict[str, Callable[[], float]]:
    """CPU seconds so far of each side's processes (PostgreSQL counted on both)."""
    stack_pids = _stack_pids(config.var_dir)
    postgres = _postgres_pid(config.var_dir)

    def postgres_seconds() -> float:
        if postgres is None:
            return 0.0
        try:
            return postgres_cpu_seconds(postgres)
        except OSError:
            return 0.0

    def stack() -> float:
        total = 0.0
        for pid in stack_pids:
            try:
                total += cpu_seconds(pid)[0]
            except OSError:
                continue
        return total + postgres_seconds()

    return {
        "gateway": stack,
        "baseline": lambda: cpu_seconds(baseline_pid)[0] + postgres_seconds(),
    }


# --------------------------------------------------------------------------------------------


def system_pids(config: CompareConfig, baseline_pid: int) -> list[int]:
    """Both sides' processes and the PostgreSQL server with its backends."""
    pids = [baseline_pid, *_stack_pids(config.var_dir)]
    postgres = _postgres_pid(config.var_dir)
    if postgres is not None:
        pids += [postgres, *children(postgres)]
    return pids


def run(config: CompareConfig, out_dir: Path) -> dict[str, Any]:
    process = start_baseline(config, out_dir)
    pinned: dict[int, set[int]] = {}
    generator_cpus = set(range(os.cpu_count() or 1)) - set(config.system_cpus)
    try:
        if config.system_cpus and generator_cpus:
            pinned = pin(system_pids(config, process.pid), set(config.system_cpus))
            os.sched_setaffinity(0, generator_cpus)  # this process and wrk, its child
        section = _measure(config, process.pid)
        section["system_cpus"] = sorted(config.system_cpus) if pinned else "not pinned"
        return section
    finally:
        unpin(pinned)
        if pinned:
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        stop_baseline(process)


def _measure(config: CompareConfig, baseline_pid: int) -> dict[str, Any]:
    urls = {"gateway": config.gateway_url, "baseline": config.baseline_url}
    operations = {side: prepare(url) for side, url in urls.items()}
    meters = cpu_meters(config, baseline_pid)
    use_wrk = wrk_available()
    rows = []
    for index, operation in enumerate(operations["gateway"]):
        row: dict[str, Any] = {"operation": operation.name}
        for side, url in urls.items():
            print(f"bench: compare {operation.name} on the {side} ...", flush=True)
            row[side] = {"single": single_connection(url, operations[side][index], config.requests)}
        if use_wrk:
            for side, url in urls.items():
                before = meters[side]()
                figures = saturation(
                    url, operations[side][index], config.wrk_seconds, config.wrk_connections
                )
                if figures["requests"]:
                    figures["cpu_ms_per_request"] = round(
                        (meters[side]() - before) * 1000 / figures["requests"], 3
                    )
                row[side]["saturation"] = figures
        comparison = compare(row["gateway"], row["baseline"])
        row["p50_ratio"] = comparison.p50_ratio
        row["throughput_ratio"] = comparison.throughput_ratio
        row["p50_target_met"] = comparison.p50_met
        row["throughput_target_met"] = comparison.throughput_met
        rows.append(row)
    return {
        "tools": {
            "single": "httpx, one keep-alive HTTP/1.1 connection, sequential",
            "saturation": (
                f"wrk -t1 -c{config.wrk_connections} -d{config.wrk_seconds}s"
                if use_wrk
                else "not run: wrk is missing (apt-get install wrk)"
            ),
        },
        "requests": config.requests,
        "targets": {
            "p50_ratio_max": TARGET_P50_RATIO,
            "throughput_ratio_min": TARGET_THROUGHPUT_RATIO,
        },
        "operations": rows,
    }


def _f(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(section: dict[str, Any]) -> list[str]:
    lines = [
        "### Architecture cost: gateway + services over gRPC vs the single-process baseline",
        "",
        f"System under test on CPUs {section.get('system_cpus', 'not pinned')}, load generator "
        "on the others. "
        f"Latency: {section['tools']['single']} ({section['requests']} requests). "
        f"Throughput: {section['tools']['saturation']}. Ratios gateway / baseline; targets "
        f"p50 ≤ {section['targets']['p50_ratio_max']}×, throughput ≥ "
        f"{section['targets']['throughput_ratio_min']}×.",
        "",
        "| operation | gateway p50 / p95 / p99 ms | baseline p50 / p95 / p99 ms | p50 ratio | "
        "gateway req/s (wrk) | baseline req/s (wrk) | throughput ratio | CPU ms/req gateway / "
        "baseline |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for row in section["operations"]:
        cells = [row["operation"]]
        for side in ("gateway", "baseline"):
            single = row[side]["single"]
            cells.append(
                f"{_f(single['p50_ms'], 2)} / {_f(single['p95_ms'], 2)} / {_f(single['p99_ms'], 2)}"
            )
        mark = {True: " ✓", False: " ✗", None: ""}
        cells.append(_f(row["p50_ratio"], 2) + "×" + mark[row["p50_target_met"]])
        saturations = [row[side].get("saturation", {}) for side in ("gateway", "baseline")]
        cells += [_f(s.get("req_per_s"), 0) for s in saturations]
        cells.append(_f(row["throughput_ratio"], 2) + "×" + mark[row["throughput_target_met"]])
        cells.append(" / ".join(_f(s.get("cpu_ms_per_request"), 2) for s in saturations))
        lines.append("| " + " | ".join(cells) + " |")
    failing = [
        row["operation"]
        for row in section["operations"]
        for side in ("gateway", "baseline")
        if row[side].get("saturation", {}).get("errors")
    ]
    lines.append("")
    if failing:
        lines.append(f"wrk counted errors (non-2xx, timeouts) in: {', '.join(failing)}.")
    lines.append(
        "CPU ms/req: CPU time of all the stack's service processes (or the baseline's one "
        "process), plus the PostgreSQL server's on PostgreSQL, over the wrk run's requests."
    )
    lines.append("")
    return lines
