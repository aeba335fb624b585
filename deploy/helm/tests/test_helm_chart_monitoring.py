"""Alerts, scrape configuration and dashboards: real PromQL, real metrics, real runbooks.

* Every PrometheusRule expression passes `promtool check rules`; a few alerts are exercised with
  `promtool test rules` on synthetic series.
* Every metric an alert or a dashboard panel selects exists: it is registered by the code when
  its modules are imported (the services' own metrics), or it is `up`, or it comes from a named
  exporter of the Kubernetes monitoring stack.
* Every alert links to a runbook heading that exists in docs/operations.md.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
from pathlib import Path

import helmchart
import promtool
import pytest
import yaml
from helmchart import of_kind

DOCS = helmchart.REPO / "docs" / "operations.md"
DASHBOARDS = helmchart.CHART / "files" / "dashboards"
# Metrics from outside the code, by exporter (kube-prometheus-stack ships the first three).
EXTERNAL_METRICS = {
    "up": "Prometheus itself",
    "container_cpu_cfs_throttled_periods_total": "cAdvisor (kubelet)",
    "container_cpu_cfs_periods_total": "cAdvisor (kubelet)",
    "container_memory_working_set_bytes": "cAdvisor (kubelet)",
    "kube_pod_container_resource_limits": "kube-state-metrics",
    "kube_horizontalpodautoscaler_status_current_replicas": "kube-state-metrics",
    "kube_horizontalpodautoscaler_spec_max_replicas": "kube-state-metrics",
    "certmanager_certificate_expiration_timestamp_seconds": "cert-manager",
    "certmanager_certificate_ready_status": "cert-manager",
}
# Everything switched on: the prod overlay has monitoring; the flags add the optional rules.
FULL = (
    "monitoring.prometheusRule.certManager=true",
    "monitoring.prometheusRule.kubernetesMetrics=true",
)


@pytest.fixture(scope="module", autouse=True)
def _promtool_available() -> None:
    try:
        promtool.find_promtool()
    except promtool.PromtoolNotFound as exc:
        if os.environ.get("KOTOPOLKU_REQUIRE_PROMTOOL") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def rules() -> list[dict]:
    docs = helmchart.render(helmchart.VALUE_SETS["prod"], FULL)
    (rule,) = of_kind(docs, "PrometheusRule")
    return rule["spec"]["groups"]


def _alerts(groups: list[dict]) -> list[dict]:
    return [r for g in groups for r in g["rules"] if "alert" in r]


@functools.cache
def code_metrics() -> frozenset[str]:
    """Sample names of every metric the code registers (imported for real, then collected)."""
    from prometheus_client import REGISTRY

    roots = [helmchart.REPO / "libs" / "common", *sorted((helmchart.REPO / "services").glob("*"))]
    for root in roots:
        for path in sorted((root / "kotopolku").rglob("*.py")):
            if "prometheus_client" in path.read_text():
                module = ".".join(path.relative_to(root).with_suffix("").parts)
                importlib.import_module(module)
    names = set()
    for family in REGISTRY.collect():
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_count", "_sum", "_created"),
            "summary": ("", "_count", "_sum", "_created"),
        }.get(family.type, ("",))
        names |= {family.name + suffix for suffix in suffixes}
    return frozenset(names)


def test_rules_pass_promtool(rules: list[dict], tmp_path: Path) -> None:
    result = promtool.check_rules(rules, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {sum(len(g['rules']) for g in rules)} rules found" in result.stdout


def test_the_issue_s_alert_classes_are_covered(rules: list[dict]) -> None:
    names = {a["alert"] for a in _alerts(rules)}
    for needed in (
        "KotopolkuGrpcErrorRate",  # error rate
        "KotopolkuGatewayLatencyHigh",  # latency
        "KotopolkuCpuThrottled",  # saturation
        "KotopolkuAuditOutboxBacklog",  # outbox backlog
        "KotopolkuAuditDeliveryLagging",  # audit-delivery lag
        "KotopolkuJwksRefreshFailing",  # JWKS failures
        "KotopolkuCallerAssertionsRejected",  # internal key (certificate) failures
        "KotopolkuCertificateExpiringSoon",  # TLS certificates
    ):
        assert needed in names


def test_every_alert_names_severity_summary_and_an_existing_runbook(rules: list[dict]) -> None:
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in DOCS.read_text().splitlines()
        if line.startswith("#")
    }
    base = helmchart.effective_values(helmchart.VALUE_SETS["prod"])["monitoring"]["prometheusRule"][
        "runbookBaseUrl"
    ]
    for alert in _alerts(rules):
        name = alert["alert"]
        assert alert["labels"]["severity"] in {"critical", "warning"}, name
        assert alert["annotations"]["summary"], name
        url = alert["annotations"]["runbook_url"]
        assert url == f"{base}#{name.lower()}", name
        assert name.lower() in headings, f"docs/operations.md has no runbook heading '{name}'"


def test_every_alert_selects_metrics_that_exist(rules: list[dict]) -> None:
    known = code_metrics() | set(EXTERNAL_METRICS)
    for rule in rules:
        for alert in rule["rules"]:
            unknown = promtool.metric_names(alert["expr"]) - known
            assert not unknown, f"{alert['alert']}: no such metric {sorted(unknown)}"


def test_the_metric_name_extraction_is_not_fooled() -> None:
    expr = (
        'sum by (namespace, component) (rate(grpc_server_handled_total{grpc_code=~"A|B",'
        'job="x"}[5m])) / on (namespace) group_left max(up) > 0.5 and time() - kotopolku_x > 3'
    )
    assert promtool.metric_names(expr) == {"grpc_server_handled_total", "up", "kotopolku_x"}


def _dashboard_exprs() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                found.append((path.name, panel["title"], target["expr"]))
    return found


def test_dashboards_are_valid_and_select_existing_metrics(tmp_path: Path) -> None:
    exprs = _dashboard_exprs()
    assert len({name for name, _, _ in exprs}) == 2
    known = code_metrics() | set(EXTERNAL_METRICS)
    recording = []
    for i, (name, title, expr) in enumerate(exprs):
        concrete = expr.replace("$__rate_interval", "5m").replace("$namespace", "kotopolku")
        unknown = promtool.metric_names(concrete) - known
        assert not unknown, f"{name} / {title}: no such metric {sorted(unknown)}"
        recording.append({"record": f"dashboard:panel_{i}", "expr": concrete})
    # promtool parses each panel's query as a recording rule.
    result = promtool.check_rules([{"name": "dashboards", "rules": recording}], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_business_dashboard_shows_overdue_plan_reviews() -> None:
    exprs = [e for name, _, e in _dashboard_exprs() if name == "kotopolku-operations.json"]
    assert any("kotopolku_plans_overdue_reviews" in e for e in exprs)


def test_red_dashboard_has_rate_errors_and_duration_per_service() -> None:
    exprs = [e for name, _, e in _dashboard_exprs() if name == "kotopolku-red.json"]
    assert any("grpc_server_handled_total" in e and "by (component)" in e for e in exprs)
    assert any("grpc_code=~" in e for e in exprs)
    assert any(
        "histogram_quantile" in e and "grpc_server_handling_seconds_bucket" in e for e in exprs
    )


def test_service_monitors_scrape_every_component(docs, services, value_set) -> None:
    values = helmchart.effective_values(value_set)
    monitors = helmchart.by_component(docs, "ServiceMonitor")
    if not values["monitoring"]["serviceMonitor"]["enabled"]:
        assert monitors == {}
        return
    expected = set(services) | {
        c
        for c in ("keycloak", "otel-collector")
        if values[{"keycloak": "keycloak", "otel-collector": "otelCollector"}[c]]["enabled"]
    }
    assert set(monitors) == expected
    service_objs = helmchart.by_component(docs, "Service")
    for name, monitor in monitors.items():
        (endpoint,) = monitor["spec"]["endpoints"]
        ports = {p["name"]: p for p in service_objs[name]["spec"]["ports"]}
        assert endpoint["port"] in ports, name
        if name in services:
            assert ports[endpoint["port"]]["port"] == services[name]["metricsPort"], name
            assert endpoint["path"] == services[name]["metricsPath"]
        assert monitor["spec"]["selector"]["matchLabels"] == service_objs[name]["spec"]["selector"]
        assert {
            "sourceLabels": ["__meta_kubernetes_service_label_app_kubernetes_io_component"],
            "targetLabel": "component",
            "action": "replace",
        } in endpoint["relabelings"]


PROMTOOL_TESTS = Path(__file__).with_name("alerts-test.yaml")


def test_alerts_fire_on_synthetic_series(rules: list[dict], tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": rules}, sort_keys=False))
    base = helmchart.effective_values(helmchart.VALUE_SETS["prod"])["monitoring"]["prometheusRule"][
        "runbookBaseUrl"
    ]
    (tmp_path / "tests.yaml").write_text(PROMTOOL_TESTS.read_text().replace("RUNBOOK", base))
    result = promtool.run("test", "rules", str(tmp_path / "tests.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
