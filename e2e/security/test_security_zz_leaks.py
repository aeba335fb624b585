"""No personal data or credentials in logs, traces or metrics: everything the services wrote
during this e2e session ($KOTOPOLKU_VAR/log/*.log: JSON logs, and spans when the stack runs with
OTEL_TRACES_EXPORTER=console, as ``make test`` does) and the Prometheus output of the gateway and
every service is scanned for the identity codes, names, e-mail addresses, phone numbers and
tokens the suite sent, for anything shaped like a valid identity code or a JWT, and metric labels
for identifiers. Runs last (see conftest.py); writes var/security/leaks.md.

KOTOPOLKU_REQUIRE_TRACES=1 makes it fail when no span was captured (the scan of traces would be
empty); against a cluster, whose logs are not here, only the metrics are scanned.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from e2e.conftest import API_URL
from e2e.personal_data import SENT
from e2e.security.backends import backend_names, metrics_urls
from e2e.security.conftest import LOG_START, log_files
from e2e.security.leaks import Finding, Scanner

_SPAN = '"span_id": "0x'
_LABEL_VALUE = re.compile(r'="([^"]*)"')
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as handle:
        handle.seek(offset if offset <= path.stat().st_size else 0)
        return handle.read().decode("utf-8", errors="replace")


def test_no_personal_data_or_credentials_in_logs_traces_or_metrics(
    http: httpx.Client, reports: Path
) -> None:
    started = time.monotonic()
    scanner = Scanner(SENT)
    findings: list[Finding] = []
    scanned = Counter[str]()
    for path in log_files():
        offset = LOG_START.get(path, 0)
        text = _read_from(path, offset)
        scanned["log lines"] += text.count("\n")
        scanned["spans"] += text.count(_SPAN)
        scanned["log bytes"] += len(text)
        # Line numbers count from where this session began writing.
        findings += scanner.scan(f"{path.name} (from byte {offset})", text)

    sources = {"gateway": f"{API_URL}/metrics", **metrics_urls(backend_names(http))}
    for name, url in sources.items():
        response = httpx.get(url, timeout=10)
        assert response.status_code == 200, f"no metrics from {name} at {url}"
        lines = response.text.splitlines()
        scanned["metric lines"] += len(lines)
        findings += scanner.scan(f"metrics of {name}", response.text)
        for number, line in enumerate(lines, 1):
            if line.startswith("#"):
                continue
            for value in _LABEL_VALUE.findall(line):
                if _UUID.search(value):
                    findings.append(
                        Finding(f"metrics of {name}", number, "identifier in a label", value[:40])
                    )

    seconds = time.monotonic() - started
    kinds = ", ".join(f"{k}: {len(SENT.of_kind(k))}" for k in SENT.kinds())
    lines = [
        "# Personal data and credentials in logs, traces and metrics",
        "",
        f"Searched for {scanner.searched} values the e2e run sent ({kinds}), valid identity "
        "codes and JWTs of any origin, and identifiers in metric labels.",
        "",
        f"Scanned {scanned['log lines']} log lines ({scanned['log bytes'] // 1_000_000} MB, "
        f"{scanned['spans']} spans) of {len(log_files())} services and {scanned['metric lines']} "
        f"metric lines of {len(sources)} endpoints in {seconds:.1f} s.",
        "",
        f"Findings: {len(findings)}",
        *(f"- {finding}" for finding in findings[:200]),
    ]
    (reports / "leaks.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert SENT.count() > 0 or not log_files(), "the e2e run registered no personal data"
    if os.environ.get("KOTOPOLKU_REQUIRE_TRACES") == "1":
        assert scanned["spans"] > 0, "no spans were captured: run the stack with console traces"
    if not log_files():
        pytest.skip("no logs of the system under test here: only the metrics were scanned")
    assert not findings, f"{len(findings)} leaks (see {reports / 'leaks.md'}):\n" + "\n".join(
        str(f) for f in findings[:50]
    )
