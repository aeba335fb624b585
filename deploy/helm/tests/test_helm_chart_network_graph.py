"""The network the rendered NetworkPolicies allow is exactly the one the values describe.

For every pair of pods of the release and every port the destination listens on, a connection
is allowed when the source's egress policies and the destination's ingress policies both allow it
(Kubernetes semantics: a pod selected by no policy of a direction is open in that direction).
That graph must equal the intended one, computed from the values alone: the services' call graph
(gateway -> services, allowFrom, everyone -> audit), each service to its database, the gateway to
Keycloak, everyone to the telemetry collector. Destinations outside the release are checked per
pod by port: DNS, the external database, Keycloak and collector, and nothing else.
"""

from __future__ import annotations

from typing import Any

import helmchart
import pytest
from helmchart import Doc, of_kind, selector_matches

Edge = tuple[str, str, int]


def _pods(docs: tuple[Doc, ...]) -> dict[str, tuple[dict[str, str], set[int]]]:
    """component -> (pod labels, container ports) of every Deployment and Job."""
    pods = {}
    for owner, pod in helmchart.pod_templates(docs):
        ports = {
            p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports") or []
        }
        pods[helmchart.component(owner)] = (pod["metadata"]["labels"], ports)
    return pods


def _policies(docs: tuple[Doc, ...], labels: dict[str, str], direction: str) -> list[Doc]:
    return [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if direction in p["spec"]["policyTypes"]
        and selector_matches(p["spec"]["podSelector"], labels)
    ]


def _port_allowed(rule: dict[str, Any], port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(p["port"] == port and p.get("protocol", "TCP") == "TCP" for p in ports)


def _peer_is_pod_of_release(peer: dict[str, Any], labels: dict[str, str]) -> bool:
    # A peer with a namespaceSelector or an ipBlock names something outside this namespace.
    return set(peer) == {"podSelector"} and selector_matches(peer["podSelector"], labels)


def _allows(
    docs: tuple[Doc, ...], own: dict[str, str], other: dict[str, str], port: int, direction: str
) -> bool:
    selecting = _policies(docs, own, direction)
    if not selecting:
        return True
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for policy in selecting:
        for rule in policy["spec"].get(key) or []:
            if not _port_allowed(rule, port):
                continue
            peers = rule.get(peers_key)
            if peers is None or any(_peer_is_pod_of_release(p, other) for p in peers):
                return True
    return False


def allowed_graph(docs: tuple[Doc, ...]) -> set[Edge]:
    pods = _pods(docs)
    return {
        (src, dst, port)
        for src, (src_labels, _) in pods.items()
        for dst, (dst_labels, ports) in pods.items()
        if src != dst
        for port in ports
        if _allows(docs, src_labels, dst_labels, port, "Egress")
        and _allows(docs, dst_labels, src_labels, port, "Ingress")
    }


def intended_graph(values_files: tuple) -> set[Edge]:
    values = helmchart.effective_values(values_files)
    services = helmchart.expected_services(values_files)
    edges = {
        (caller, callee, services[callee]["port"])
        for caller, callee in helmchart.call_graph(services)
    }
    keycloak, postgresql = values["keycloak"], values["postgresql"]
    if postgresql["enabled"]:
        for name, svc in services.items():
            if svc["database"]["enabled"]:
                edges.add((name, "postgresql", 5432))
                if svc["migration"]["enabled"]:
                    edges.add((f"{name}-migrate", "postgresql", 5432))
        if (
            keycloak["enabled"]
            and keycloak["database"]["vendor"] == "postgres"
            and not keycloak["database"].get("host")
        ):
            edges.add(("keycloak", "postgresql", 5432))
    if keycloak["enabled"]:
        edges |= {(n, "keycloak", 8080) for n, s in services.items() if s["usesKeycloak"]}
    if values["otelCollector"]["enabled"] and not values["otel"]["endpoint"]:
        edges |= {(n, "otel-collector", port) for n in services for port in (4317, 4318)}
    return edges


def external_ports(docs: tuple[Doc, ...]) -> dict[str, set[int]]:
    """Per pod: TCP ports it may open to anything outside the release."""
    found: dict[str, set[int]] = {}
    for name, (labels, _) in _pods(docs).items():
        ports: set[int] = set()
        for policy in _policies(docs, labels, "Egress"):
            for rule in policy["spec"].get("egress") or []:
                peers = rule.get("to")
                if peers is None or any(set(p) != {"podSelector"} for p in peers):
                    assert rule.get("ports"), f"{name}: egress to anywhere on every port"
                    ports |= {p["port"] for p in rule["ports"]}
        found[name] = ports
    return found


def intended_external_ports(values_files: tuple) -> dict[str, set[int]]:
    values = helmchart.effective_values(values_files)
    services = helmchart.expected_services(values_files)
    egress = values["networkPolicy"]["egress"]
    dns, database = set(egress["dns"]["ports"]), set(egress["database"]["ports"])
    external_db = not values["postgresql"]["enabled"]
    keycloak = values["keycloak"]
    intended: dict[str, set[int]] = {}
    for name, svc in services.items():
        ports = set(dns)
        if svc["database"]["enabled"] and external_db:
            ports |= database
        if svc["usesKeycloak"] and not keycloak["enabled"]:
            ports |= set(egress["keycloak"]["ports"])
        if values["otel"]["endpoint"]:
            ports |= set(egress["telemetry"]["ports"])
        intended[name] = ports
        if svc["database"]["enabled"] and svc["migration"]["enabled"]:
            intended[f"{name}-migrate"] = dns | (database if external_db else set())
    if keycloak["enabled"]:
        kc_db = keycloak["database"]
        outside = kc_db["vendor"] == "postgres" and (kc_db.get("host") or external_db)
        intended["keycloak"] = dns | (database if outside else set())
    if values["postgresql"]["enabled"]:
        intended["postgresql"] = set(dns)
    if values["otelCollector"]["enabled"]:
        traces = values["otelCollector"].get("tracesEndpoint")
        intended["otel-collector"] = dns | (set(egress["telemetry"]["ports"]) if traces else set())
    return intended


def test_the_allowed_graph_is_the_intended_one(docs, value_set):
    allowed, intended = allowed_graph(docs), intended_graph(value_set)
    assert allowed - intended == set(), "allowed but not intended"
    assert intended - allowed == set(), "intended but blocked"


def test_traffic_leaving_the_release_is_only_what_it_needs(docs, value_set):
    assert external_ports(docs) == intended_external_ports(value_set)


def test_a_service_calls_only_the_services_it_is_allowed_to(docs, services):
    """Spelled out for the shape every operator asks about."""
    graph = allowed_graph(docs)
    calls = {(s, d) for s, d, _ in graph if d in services and s in services}
    assert calls == helmchart.call_graph(services)
    for name in services:
        if name != "audit":
            assert (name, "audit") in calls, f"{name} must reach audit"
    assert not [(s, d) for s, d in calls if d == "gateway"], "nothing inside calls the gateway"


@pytest.mark.parametrize("base", sorted(helmchart.VALUE_SETS))
def test_the_graph_follows_a_new_service(base, tmp_path):
    import yaml

    extra = tmp_path / "values-extra.yaml"
    extra.write_text(
        yaml.safe_dump(
            {
                "services": {
                    "notes": {"port": 50070, "database": {"enabled": True}, "allowFrom": ["plans"]}
                }
            }
        )
    )
    files = (*helmchart.VALUE_SETS[base], extra)
    docs = helmchart.render(files)
    graph = allowed_graph(docs)
    assert graph == intended_graph(files)
    assert ("plans", "notes", 50070) in graph
    assert ("notes", "audit", helmchart.expected_services(files)["audit"]["port"]) in graph
    assert ("clients", "notes", 50070) not in graph
