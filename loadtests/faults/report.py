"""The fault suite's results: ``results.json`` and a Markdown table in ``var/faults/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loadtests.faults.measure import FaultFigures


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def fault_row(f: FaultFigures) -> str:
    if f.unavailable_while_down:
        answers = f"{f.unavailable_while_down}/{f.requests_while_down} ({f.with_retry_after})"
    else:
        answers = f"0/{f.requests_while_down}"
    return (
        f"| {f.name} | {f.down_seconds:.0f} | {answers} "
        f"| {_ms(f.time_to_error_p50_ms)} / {_ms(f.time_to_error_p99_ms)} "
        f"| {_s(f.recovery)} | {_s(f.repair_seconds)} | {_s(f.drain_seconds)} "
        f"| {'ok' if not f.problems else 'FAIL: ' + '; '.join(f.problems)} |"
    )


def markdown(result: dict[str, Any], faults: list[FaultFigures]) -> str:
    lines = [
        f"# Fault suite, {result['started_at']}",
        "",
        f"`{result['command']}` — {result['total_seconds']:.0f} s, "
        f"load average before {result['machine']['load_before']}, "
        f"after {result['machine']['load_after']} ({result['machine']['cpus']} CPUs)",
        "",
        "| fault | down s | 503/504 of requests while down (with Retry-After) "
        "| time-to-error p50 / p99 ms | recovery s | of it repair s | outboxes caught up s "
        "| result |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *[fault_row(f) for f in faults],
        "",
    ]
    counts = result["ledger"]
    lines.append(
        f"Writes: {counts['creates_acknowledged']} creates and {counts['updates_acknowledged']} "
        f"updates acknowledged ({counts['creates_unacknowledged']} creates and "
        f"{counts['updates_unacknowledged']} updates unanswered); "
        f"{result['records_found']} records found afterwards; "
        f"violations: {len(result['violations']) or 'none'}."
    )
    lines.append(
        f"Outboxes empty after the run: {'yes' if result['drained'] else 'NO'}"
        f"{'' if result['drain_seconds'] is None else ' (' + _s(result['drain_seconds']) + ' s)'}; "
        f"audit chain: {result['audit_chain']}."
    )
    for fault in faults:
        for sample in fault.wrong_answer_samples:
            lines.append(f"- {fault.name}, wrong answer while down: {sample}")
    for problem in result["problems"]:
        lines.append(f"- PROBLEM: {problem}")
    lines.append("")
    lines.append("PASSED" if result["passed"] else "FAILED")
    return "\n".join(lines) + "\n"


def write(out: Path, result: dict[str, Any], faults: list[FaultFigures]) -> str:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    text = markdown(result, faults)
    (out / "results.md").write_text(text)
    return text
