"""The bench's pure logic: percentiles, ratios against the targets, wrk's report and script,
CPU pinning choice, the day's pacing and the comparison table."""

from __future__ import annotations

import json

import pytest

from loadtests import compare_bench, run_bench
from loadtests.figures import (
    WRK_REPORT_MARK,
    compare,
    parse_wrk,
    percentile,
    ratio,
    summarise,
    wrk_script,
)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0], 50) == 1.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_summarise_sorts_and_rounds() -> None:
    figures = summarise([3.0, 1.0, 2.0, 10.0])
    assert figures == {"requests": 4, "p50_ms": 2.0, "p95_ms": 10.0, "p99_ms": 10.0, "max_ms": 10.0}
    assert summarise([]) == {"requests": 0}


def test_ratio_needs_both_figures() -> None:
    assert ratio(13.0, 10.0) == 1.3
    assert ratio(None, 10.0) is None
    assert ratio(1.0, 0.0) is None


def test_comparison_against_the_targets() -> None:
    gateway = {"single": {"p50_ms": 2.6}, "saturation": {"req_per_s": 700.0}}
    baseline = {"single": {"p50_ms": 2.0}, "saturation": {"req_per_s": 1000.0}}
    met = compare(gateway, baseline)
    assert (met.p50_ratio, met.throughput_ratio) == (1.3, 0.7)
    assert met.p50_met is True
    assert met.throughput_met is True
    worse = compare({"single": {"p50_ms": 2.7}, "saturation": {"req_per_s": 699.0}}, baseline)
    assert worse.p50_met is False
    assert worse.throughput_met is False
    unknown = compare({"single": {"p50_ms": 1.0}}, {"single": {"p50_ms": 1.0}})
    assert unknown.throughput_ratio is None
    assert unknown.throughput_met is None


def test_wrk_report_is_read_in_milliseconds() -> None:
    report = {
        "requests": 5000,
        "duration_us": 10_000_000,
        "p50_us": 2500,
        "p95_us": 7000,
        "p99_us": 12345,
        "max_us": 40000,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": 3, "timeout": 1},
    }
    output = f"Running 10s test\n{WRK_REPORT_MARK}{json.dumps(report)}\n"
    figures = parse_wrk(output)
    assert figures["req_per_s"] == 500.0
    assert (figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]) == (2.5, 7.0, 12.35)
    assert figures["errors"] == 4
    assert figures["non_2xx"] == 3
    with pytest.raises(ValueError, match="no report"):
        parse_wrk("wrk: connection refused")


def test_wrk_script_sends_the_request_and_fresh_keys() -> None:
    script = wrk_script(
        "POST",
        "/v1/clients",
        {"Authorization": "Bearer t", "Idempotency-Key": "x"},
        json.dumps({"last_name": 'Wa"rsame'}),
    )
    assert 'headers["Authorization"] = "Bearer t"' in script
    assert 'headers["Idempotency-Key"] = prefix .. counter' in script
    assert '"{\\"last_name\\": \\"Wa\\\\\\"rsame\\"}"' in script
    assert WRK_REPORT_MARK in script
    read = wrk_script("GET", "/v1/me", {"Authorization": "Bearer t"}, None)
    assert "Idempotency-Key" not in read
    assert "nil)" in read


def test_system_cpus() -> None:
    assert compare_bench.system_cpus("auto", 2) == frozenset({1})
    assert compare_bench.system_cpus("auto", 4) == frozenset({1, 2, 3})
    assert compare_bench.system_cpus("auto", 1) == frozenset()
    assert compare_bench.system_cpus("none", 8) == frozenset()
    assert compare_bench.system_cpus("2,3", 8) == frozenset({2, 3})


def test_day_pacing_leaves_out_the_feed_and_placement_users() -> None:
    # 60 users: 2 feeds (long polls), 2 placement officers at 0.5 req/s, 56 paced users.
    assert run_bench.day_pacing(300, 60) == pytest.approx((300 - 1.0) / 56)
    with pytest.raises(run_bench.BenchError):
        run_bench.day_pacing(300, 4)


def test_long_polls_are_not_judged() -> None:
    feed = run_bench.Operation("GET", "/v1/welfare-area/feed", 3, 0, 2500, 3000, 3000, 3000, 0.3)
    lag = run_bench.Operation("FEED", "event lag", 3, 0, 20, 30, 30, 30, 0.3)
    read = run_bench.Operation("GET", "/v1/me", 3, 0, 20, 30, 30, 30, 0.3)
    assert run_bench.is_long_poll(feed)
    assert run_bench.is_long_poll(lag)
    assert not run_bench.is_long_poll(read)


def test_comparison_table() -> None:
    side = {
        "single": {"p50_ms": 2.0, "p95_ms": 3.0, "p99_ms": 4.0},
        "saturation": {"req_per_s": 500.0, "errors": 0, "cpu_ms_per_request": 3.9},
    }
    section = {
        "tools": {"single": "httpx", "saturation": "wrk -t1 -c16 -d10s"},
        "requests": 300,
        "targets": {"p50_ratio_max": 1.3, "throughput_ratio_min": 0.7},
        "system_cpus": [1],
        "operations": [
            {
                "operation": "GET /v1/clients/{id}",
                "gateway": side,
                "baseline": side,
                "p50_ratio": 1.0,
                "throughput_ratio": 1.0,
                "p50_target_met": True,
                "throughput_target_met": True,
            }
        ],
    }
    table = "\n".join(compare_bench.markdown(section))
    assert (
        "| GET /v1/clients/{id} | 2.00 / 3.00 / 4.00 | 2.00 / 3.00 / 4.00 | 1.00× ✓ | 500 | 500 "
        "| 1.00× ✓ | 3.90 / 3.90 |"
    ) in table
    assert "wrk -t1 -c16 -d10s" in table
