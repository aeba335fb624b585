"""Pure helpers of the bench: percentiles, the architecture's cost as ratios, wrk's report."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

# Targets of the issue: the architecture's cost against the single-process baseline.
TARGET_P50_RATIO = 1.3
TARGET_THROUGHPUT_RATIO = 0.7
WRK_REPORT_MARK = "WRK-JSON "


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty list."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(durations_ms: list[float]) -> dict[str, float]:
    """Exact p50/p95/p99/max of response times (ms)."""
    ordered = sorted(durations_ms)
    if not ordered:
        return {"requests": 0}
    return {
        "requests": len(ordered),
        "p50_ms": round(percentile(ordered, 50), 3),
        "p95_ms": round(percentile(ordered, 95), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return round(numerator / denominator, 3)


@dataclass(frozen=True)
class Comparison:
    """One operation on the gateway and on the baseline."""

    p50_ratio: float | None  # gateway / baseline, single connection
    throughput_ratio: float | None  # gateway / baseline, saturation (wrk)

    @property
    def p50_met(self) -> bool | None:
        return None if self.p50_ratio is None else self.p50_ratio <= TARGET_P50_RATIO

    @property
    def throughput_met(self) -> bool | None:
        if self.throughput_ratio is None:
            return None
        return self.throughput_ratio >= TARGET_THROUGHPUT_RATIO


def compare(gateway: dict[str, Any], baseline: dict[str, Any]) -> Comparison:
    return Comparison(
        p50_ratio=ratio(
            gateway.get("single", {}).get("p50_ms"), baseline.get("single", {}).get("p50_ms")
        ),
        throughput_ratio=ratio(
            gateway.get("saturation", {}).get("req_per_s"),
            baseline.get("saturation", {}).get("req_per_s"),
        ),
    )


def parse_wrk(output: str) -> dict[str, Any]:
    """The JSON line the bench's wrk script prints in ``done()`` (latencies in µs), as ms."""
    for line in output.splitlines():
        if line.startswith(WRK_REPORT_MARK):
            raw = json.loads(line[len(WRK_REPORT_MARK) :])
            seconds = raw["duration_us"] / 1e6
            errors = sum(raw["errors"].values())
            return {
                "requests": raw["requests"],
                "errors": errors,
                "non_2xx": raw["errors"].get("status", 0),
                "seconds": round(seconds, 2),
                "req_per_s": round(raw["requests"] / seconds, 1) if seconds else 0.0,
                "p50_ms": round(raw["p50_us"] / 1000, 2),
                "p95_ms": round(raw["p95_us"] / 1000, 2),
                "p99_ms": round(raw["p99_us"] / 1000, 2),
                "max_ms": round(raw["max_us"] / 1000, 2),
            }
    raise ValueError("wrk printed no report")


def lua_string(value: str) -> str:
    """A Lua string literal (wrk scripts)."""
    return json.dumps(value)  # JSON string escapes are valid Lua escapes for this input


def wrk_script(method: str, path: str, headers: dict[str, str], body: str | None) -> str:
    """A wrk Lua script: the request (a fresh Idempotency-Key per request when the headers name
    one) and a one-line JSON report."""
    header_lines = "\n".join(
        f"  headers[{lua_string(k)}] = {lua_string(v)}"
        for k, v in headers.items()
        if k != "Idempotency-Key"
    )
    fresh_key = "Idempotency-Key" in headers
    body_literal = lua_string(body) if body is not None else "nil"
    return f"""
local counter = 0
local thread_id = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
function init(args)
  math.randomseed(os.time() + (tid or 0))
  prefix = string.format("%08x-%d-", math.random(0, 2147483647), tid or 0)
end
function request()
  local headers = {{}}
{header_lines}
  {"counter = counter + 1" if fresh_key else ""}
  {'headers["Idempotency-Key"] = prefix .. counter' if fresh_key else ""}
  return wrk.format({lua_string(method)}, {lua_string(path)}, headers, {body_literal})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{WRK_REPORT_MARK}{{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
    .. '"p99_us": %d, "max_us": %d, "errors": {{"connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d}}}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""
