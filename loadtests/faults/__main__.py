"""``make faults``: break the local stack under load and check that nothing acknowledged is lost.

Runs against a stack started by ``scripts/stack.sh up`` on PostgreSQL (``scripts/postgres.sh``),
found through ``$KOTOPOLKU_VAR/run``. Under a steady load of client writes and reads through the
gateway it, in turn: SIGKILLs each backend service and starts it again, stops PostgreSQL as in a
crash and starts it again, and freezes Keycloak. See loadtests/README.md for what is asserted.

  .venv/bin/python -m loadtests.faults [--short] [--faults clients,postgres,...]
      [--down-seconds 10] [--keycloak-seconds 60] ...

Results: var/faults/results.json and results.md (printed). Exit status 1 when a check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from loadtests.faults import report
from loadtests.faults.checks import StatusSource, verify_audit_chain, verify_ledger, wait_drained
from loadtests.faults.driver import PROBES, LoadDriver, LoginFailed, Settings, Tokens
from loadtests.faults.measure import LOGIN, WRITES, FaultFigures, FaultWindow, figures
from loadtests.faults.processes import REPO_ROOT, StackError, StackProcesses

POSTGRES = "postgres"
KEYCLOAK = "keycloak"
SHORT_FAULTS = ("clients", "audit", POSTGRES)


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m loadtests.faults", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--faults",
        default=_env("FAULTS", ""),
        help="comma-separated: backend names, postgres, keycloak (default: every backend of the "
        "stack, then postgres and keycloak; --short: " + ",".join(SHORT_FAULTS) + ")",
    )
    p.add_argument("--short", action="store_true", help="the CI variant: fewer, shorter faults")
    p.add_argument(
        "--down-seconds",
        type=float,
        default=float(_env("FAULTS_DOWN_SECONDS", "10")),
        help="how long a backend or PostgreSQL stays down",
    )
    p.add_argument(
        "--keycloak-seconds", type=float, default=float(_env("FAULTS_KEYCLOAK_SECONDS", "60"))
    )
    p.add_argument(
        "--settle-seconds",
        type=float,
        default=float(_env("FAULTS_SETTLE_SECONDS", "3")),
        help="load after a fault has recovered, before the next one",
    )
    p.add_argument("--warmup-seconds", type=float, default=5.0)
    p.add_argument(
        "--max-time-to-error-ms",
        type=float,
        default=2000.0,
        help="p99 bound of a 503/504 while a part is down: failing fast, not waiting for the "
        "gateway's 5 s backend deadline (with room for a busy 2-core machine)",
    )
    p.add_argument("--max-recovery-seconds", type=float, default=60.0)
    p.add_argument(
        "--drain-age",
        type=float,
        default=5.0,
        help="outboxes have caught up when no row is older than this",
    )
    p.add_argument("--drain-timeout", type=float, default=90.0)
    p.add_argument("--writers", type=int, default=int(_env("FAULTS_WRITERS", "3")))
    p.add_argument("--write-interval", type=float, default=0.5)
    p.add_argument("--api-url", default=_env("KOTOPOLKU_API_URL", "http://127.0.0.1:8000"))
    p.add_argument(
        "--keycloak-url", default=_env("KOTOPOLKU_KEYCLOAK_URL", "http://127.0.0.1:8080")
    )
    p.add_argument("--var", type=Path, default=Path(_env("KOTOPOLKU_VAR", str(REPO_ROOT / "var"))))
    p.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "faults")
    return p


def choose_faults(args: argparse.Namespace, running: Sequence[str]) -> list[str]:
    if args.faults:
        chosen = [f.strip() for f in args.faults.split(",") if f.strip()]
    elif args.short:
        chosen = list(SHORT_FAULTS)
    else:
        chosen = [*running, POSTGRES, KEYCLOAK]
    known = {*running, POSTGRES, KEYCLOAK}
    unknown = [f for f in chosen if f not in known]
    if unknown:
        raise StackError(f"unknown or not running: {', '.join(unknown)} (known: {sorted(known)})")
    return chosen


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


class Suite:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.processes = StackProcesses(args.var)
        self.clock = time.monotonic

    async def _recovered(self, driver: LoadDriver, targets: frozenset[str], since: float) -> None:
        deadline = self.clock() + self.args.max_recovery_seconds
        waiting = set(targets)
        while waiting and self.clock() < deadline:
            waiting -= {o.target for o in driver.observations if o.started >= since and o.ok}
            await asyncio.sleep(0.2)

    async def _inject(
        self, name: str, driver: LoadDriver, status: StatusSource
    ) -> tuple[FaultWindow, float | None, float]:
        args, processes = self.args, self.processes
        probes = frozenset(p.target for p in PROBES)
        if name == KEYCLOAK:
            # Tokens with their whole lifetime ahead, so they outlast the outage.
            await driver.tokens.refresh()
            targets, keep = frozenset({LOGIN}), probes | {WRITES}
            down = args.keycloak_seconds
        elif name == POSTGRES:
            targets, keep, down = probes | {WRITES}, frozenset(), args.down_seconds
        else:
            targets = frozenset({name} | ({WRITES} if name == "clients" else set()))
            # Client writes need the clients service and PostgreSQL only: audit events wait in
            # the outbox, nothing else is called.
            keep = frozenset() if name == "clients" else frozenset({WRITES})
            down = args.down_seconds
        driver.focus = set(targets)
        await asyncio.sleep(2.0)
        frozen: list[int] = []
        image = None
        try:
            if name == KEYCLOAK:
                frozen = processes.freeze_keycloak()
            elif name == POSTGRES:
                await asyncio.to_thread(processes.halt_postgres)
            else:
                image = await asyncio.to_thread(processes.kill, name)
            # From the moment the part is gone: requests sent before are not judged.
            injected = self.clock()
            await asyncio.sleep(down)
        finally:
            repaired = self.clock()
            if name == KEYCLOAK:
                processes.thaw(frozen)
            elif name == POSTGRES:
                await asyncio.to_thread(processes.resume_postgres)
            elif image is not None:
                processes.start(name, image)
            repair_seconds = round(self.clock() - repaired, 2)
        window = FaultWindow(name, targets, injected, repaired, must_keep_working=keep)
        await self._recovered(driver, targets, repaired)
        drained, _ = await wait_drained(
            status, max_age=args.drain_age, within=args.drain_timeout, since=repaired
        )
        await asyncio.sleep(args.settle_seconds)
        driver.focus = set()
        return window, drained, repair_seconds

    async def run(self) -> int:
        args = self.args
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        uptime_before = load_average()
        begun = self.clock()
        gateway = self.processes.image("gateway").environment
        running = [p.target for p in PROBES if (args.var / "run" / f"{p.target}.pid").exists()]
        faults = choose_faults(args, running)
        status = StatusSource.of(gateway, running, args.var / "keys")
        settings = Settings(writers=args.writers, write_interval=args.write_interval)
        results: list[FaultFigures] = []
        problems: list[str] = []
        # Idle connections are dropped before the gateway's own keep-alive timeout (uvicorn: 5 s)
        # closes them, so a request never races a closing connection (a client-side "no answer").
        limits = httpx.Limits(max_connections=50, keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=args.api_url, limits=limits) as http:
            tokens = Tokens(http, args.keycloak_url, self.clock)
            try:
                await tokens.refresh()
            except LoginFailed as error:
                raise StackError(f"cannot log in at {args.keycloak_url}: {error}") from error
            driver = LoadDriver(http, tokens, settings, LoadDriver.new_surname())
            await driver.seed()
            tasks = driver.start()
            try:
                await asyncio.sleep(args.warmup_seconds)
                for name in faults:
                    print(f"faults: {name} ...", file=sys.stderr, flush=True)
                    window, drained, repair = await self._inject(name, driver, status)
                    found = figures(
                        window,
                        driver.observations,
                        max_time_to_error_ms=args.max_time_to_error_ms,
                        max_recovery_seconds=args.max_recovery_seconds,
                        drain_seconds=drained,
                        repair_seconds=repair,
                    )
                    if drained is None:
                        found.problems.append(
                            f"outboxes did not catch up within {args.drain_timeout:.0f} s"
                        )
                    print(f"faults: {report.fault_row(found)}", file=sys.stderr, flush=True)
                    results.append(found)
            finally:
                await driver.stop(tasks)
            await tokens.refresh()
            stopped = self.clock()
            drain_seconds, reports = await wait_drained(
                status, max_age=None, within=args.drain_timeout, since=stopped
            )
            violations, records_found = await verify_ledger(driver)
            chain = await verify_audit_chain(driver)
        if drain_seconds is None:
            waiting = {
                f"{r.service}/{o.name}": o.backlog for r in reports for o in r.outboxes if o.backlog
            }
            problems.append(
                f"outboxes not empty {args.drain_timeout:.0f} s after the load: {waiting}"
            )
        if not chain.get("intact"):
            problems.append(f"audit chain not intact: {chain}")
        problems += [f"{v.kind} {v.marker}: {v.detail}" for v in violations]
        problems += sorted(set(driver.problems))
        passed = not problems and not any(f.problems for f in results)
        result: dict[str, Any] = {
            "started_at": started_at,
            "command": " ".join(["python -m loadtests.faults", shlex.join(sys.argv[1:])]).strip(),
            "total_seconds": round(self.clock() - begun, 1),
            "machine": {
                "cpus": os.cpu_count(),
                "load_before": uptime_before,
                "load_after": load_average(),
            },
            "settings": {k: str(v) for k, v in vars(args).items()},
            "faults": [asdict(f) | {"recovery": f.recovery} for f in results],
            "ledger": driver.ledger.counts(),
            "records_found": records_found,
            "requests": len(driver.observations),
            "violations": [asdict(v) for v in violations],
            "drained": drain_seconds is not None,
            "drain_seconds": drain_seconds,
            "audit_chain": (
                f"intact, {chain.get('entries_checked')} entries"
                if chain.get("intact")
                else f"BROKEN {chain}"
            ),
            "problems": problems,
            "passed": passed,
        }
        print(report.write(args.out, result, results))
        return 0 if passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.short:
        # The CI variant: a backend, the audit service and PostgreSQL, briefly.
        args.down_seconds = min(args.down_seconds, 5.0)
        args.settle_seconds = min(args.settle_seconds, 2.0)
        args.warmup_seconds = min(args.warmup_seconds, 3.0)
    try:
        return asyncio.run(Suite(args).run())
    except StackError as error:
        print(f"faults: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
