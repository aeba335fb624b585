"""Keycloak, PostgreSQL and the collector the chart can add, autoscaling of production, and
secrets by reference only."""

from __future__ import annotations

import json
import re

import helmchart
import pytest
from helmchart import by_component, env_of, of_kind, pod_templates, service_objects

KEYCLOAK_SCRIPT = helmchart.REPO / "scripts" / "keycloak.sh"
REALM = helmchart.REPO / "deploy" / "keycloak" / "kotopolku-realm.json"
PEM = re.compile(r"-----BEGIN [A-Z ]*(PRIVATE )?KEY-----")
SECRET_FIELDS = re.compile(r'"(secret|password|credentials?|privateKey)"\s*:', re.IGNORECASE)


def _kc_version() -> str:
    match = re.search(r'KC_VERSION="\$\{KC_VERSION:-([0-9.]+)\}"', KEYCLOAK_SCRIPT.read_text())
    assert match
    return match.group(1)


def _image(doc: dict) -> str:
    return doc["spec"]["template"]["spec"]["containers"][0]["image"]


def test_keycloak_is_the_official_image_of_the_verified_version(docs, value_set):
    values = helmchart.effective_values(value_set)
    deployment = by_component(docs, "Deployment").get("keycloak")
    if not values["keycloak"]["enabled"]:
        assert deployment is None
        return
    assert _image(deployment) == f"quay.io/keycloak/keycloak:{_kc_version()}"
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["args"][0] == "start"
    env = env_of(container)
    assert env["KC_HOSTNAME"]["value"] == values["keycloak"]["url"]
    for var in ("KC_BOOTSTRAP_ADMIN_USERNAME", "KC_BOOTSTRAP_ADMIN_PASSWORD"):
        assert env[var]["valueFrom"]["secretKeyRef"]["name"] == values["keycloak"]["adminSecret"]
    for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
        assert container[probe]["httpGet"] == {"path": path, "port": "management"}
    if values["keycloak"]["database"]["vendor"] == "postgres":
        assert "secretKeyRef" in env["KC_DB_PASSWORD"]["valueFrom"]


def test_the_realm_import_is_the_repository_realm_and_never_in_production(docs, value_set):
    values = helmchart.effective_values(value_set)
    realms = [c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"].endswith("-realm")]
    if values["environment"] == "production":
        assert not values["keycloak"]["enabled"]
        assert realms == []
        return
    if not (values["keycloak"]["enabled"] and values["keycloak"]["importRealm"]):
        assert realms == []
        return
    (realm,) = realms
    assert realm["metadata"]["labels"]["kotopolku.fi/test-realm"] == "true"
    assert json.loads(realm["data"]["kotopolku-realm.json"]) == json.loads(REALM.read_text())
    mounts = by_component(docs, "Deployment")["keycloak"]["spec"]["template"]["spec"]
    assert {"name": "realm", "configMap": {"name": realm["metadata"]["name"]}} in mounts["volumes"]


def test_the_gateway_is_told_where_keycloak_is(docs, value_set):
    values = helmchart.effective_values(value_set)
    keycloak = values["keycloak"]
    env = env_of(
        service_objects(docs, "Deployment")["gateway"]["spec"]["template"]["spec"]["containers"][0]
    )
    issuer = f"{keycloak['url'].rstrip('/')}/realms/{keycloak['realm']}"
    assert env["KOTOPOLKU_OIDC_ISSUER"]["value"] == issuer
    jwks = env["KOTOPOLKU_OIDC_JWKS_URL"]["value"]
    assert jwks.endswith(f"/realms/{keycloak['realm']}/protocol/openid-connect/certs")
    if keycloak["enabled"] and not keycloak.get("internalUrl"):
        service = by_component(docs, "Service")["keycloak"]["metadata"]["name"]
        assert jwks.startswith(f"http://{service}:8080/")
    elif keycloak.get("internalUrl"):
        assert jwks.startswith(keycloak["internalUrl"])


def test_postgresql_only_in_the_dev_profile_and_with_a_database_per_service(
    docs, value_set, services
):
    values = helmchart.effective_values(value_set)
    deployment = by_component(docs, "Deployment").get("postgresql")
    assert (deployment is not None) == values["postgresql"]["enabled"]
    if values["environment"] == "production":
        assert deployment is None
    if deployment is None:
        return
    assert values["environment"] == "dev"
    assert _image(deployment).startswith("docker.io/library/postgres:")
    (init,) = [
        c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"].endswith("-postgresql-init")
    ]
    created = set(re.findall(r'CREATE DATABASE "([^"]+)"', init["data"]["01-databases.sql"]))
    wanted = {f"kotopolku_{n}" for n, s in services.items() if s["database"]["enabled"]}
    assert wanted <= created
    env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
    assert "secretKeyRef" in env["POSTGRES_PASSWORD"]["valueFrom"]


def test_production_refuses_the_in_chart_postgresql():
    result = helmchart.helm_template_raw(helmchart.VALUE_SETS["prod"], ("postgresql.enabled=true",))
    assert result.returncode != 0
    assert "dev profile only" in result.stderr


def test_the_collector_receives_from_every_service_when_enabled(docs, value_set):
    values = helmchart.effective_values(value_set)
    collector = by_component(docs, "Deployment").get("otel-collector")
    if not values["otelCollector"]["enabled"]:
        assert collector is None
        return
    config = next(
        c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"].endswith("-otel-collector")
    )
    import yaml

    pipeline = yaml.safe_load(config["data"]["config.yaml"])
    traces = pipeline["service"]["pipelines"]["traces"]
    for kind in ("receivers", "processors", "exporters"):
        for name in traces[kind]:
            assert name in pipeline[kind], f"{kind} {name} is used but not defined"
    assert set(pipeline["service"]["extensions"]) <= set(pipeline["extensions"])
    cm = helmchart.env_configmap(docs)
    if not values["otel"]["endpoint"]:
        service = by_component(docs, "Service")["otel-collector"]["metadata"]["name"]
        assert cm["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://{service}:4317"


def test_production_autoscales_every_service_with_a_budget_and_a_spread():
    files = helmchart.VALUE_SETS["prod"]
    docs = helmchart.render(files)
    hpas = by_component(docs, "HorizontalPodAutoscaler")
    pdbs = by_component(docs, "PodDisruptionBudget")
    for name, deployment in service_objects(docs, "Deployment").items():
        assert name in hpas, f"{name}: production runs every service under an HPA"
        assert hpas[name]["spec"]["minReplicas"] >= 2, name
        assert name in pdbs, name
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert {c["topologyKey"] for c in spread} >= {
            "kubernetes.io/hostname",
            "topology.kubernetes.io/zone",
        }


def test_several_pods_always_spread_unless_switched_off(docs, services):
    for name, deployment in service_objects(docs, "Deployment").items():
        svc = services[name]
        several = svc["autoscaling"]["enabled"] or svc["replicas"] > 1
        if several and svc["defaultTopologySpread"] and not svc["topologySpreadConstraints"]:
            assert deployment["spec"]["template"]["spec"].get("topologySpreadConstraints"), name


# --- secrets by reference only ----------------------------------------------------------------


def _all_strings(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _all_strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _all_strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def test_no_secret_material_anywhere_in_the_rendered_output(docs, value_set):
    """No Secret object, no data/stringData outside ConfigMaps, no key material, no password
    fields, except in the labelled test realm of the in-chart Keycloak (never in production)."""
    assert of_kind(docs, "Secret") == []
    for doc in docs:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] != "ConfigMap":
            assert "data" not in doc, where
            assert "stringData" not in doc, where
        test_realm = doc["metadata"].get("labels", {}).get("kotopolku.fi/test-realm") == "true"
        for path, text in _all_strings(doc):
            assert not PEM.search(text), f"{where}{path}: key material"
            if not test_realm:
                assert not SECRET_FIELDS.search(text), f"{where}{path}: a secret field"


def test_every_secret_the_pods_need_is_referenced_by_name_only(docs, value_set):
    """Pods get secrets through secretKeyRef/secret volumes; with external-secrets on, an
    ExternalSecret creates each of them."""
    referenced: set[str] = set()
    for _, pod in pod_templates(docs):
        for container in [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]]:
            for env in container.get("env") or []:
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    referenced.add(ref["name"])
            assert not container.get("envFrom") or all(
                "secretRef" not in e for e in container["envFrom"]
            )
        for volume in pod["spec"].get("volumes") or []:
            if "secret" in volume:
                referenced.add(volume["secret"]["secretName"])
    values = helmchart.effective_values(value_set)
    assert values["internalKeys"]["existingSecret"] in referenced
    external = {e["spec"]["target"]["name"] for e in of_kind(docs, "ExternalSecret")}
    if values["externalSecrets"]["enabled"]:
        platform = {values["keycloak"]["adminSecret"], values["postgresql"]["existingSecret"]}
        platform.add(values["keycloak"]["database"].get("existingSecret") or "")
        assert referenced - platform <= external, "an ExternalSecret for every service Secret"
        for external_secret in of_kind(docs, "ExternalSecret"):
            for item in external_secret["spec"].get("data", []):
                assert set(item["remoteRef"]) <= {"key", "property"}
            for item in external_secret["spec"].get("dataFrom", []):
                assert set(item) == {"extract"}
                assert set(item["extract"]) == {"key"}
    else:
        assert external == set()


@pytest.mark.parametrize("base", sorted(helmchart.VALUE_SETS))
def test_a_secret_in_values_cannot_reach_the_output(base, tmp_path):
    """The schema refuses the places a secret could be typed into values."""
    import yaml

    canary = "kotopolku-canary-Zq8"
    attempts = [
        {"sharedEnv": {"KOTOPOLKU_DB_PASSWORD": canary}},
        {
            "services": {
                "clients": {"env": {"KOTOPOLKU_DATABASE_URL": f"postgresql://u:{canary}@h/d"}}
            }
        },
        {
            "services": {
                "gateway": {"env": {"KOTOPOLKU_OIDC_JWKS_URL": f"https://u:{canary}@kc/certs"}}
            }
        },
        {"keycloak": {"url": f"https://admin:{canary}@login.example.fi"}},
        {"otel": {"endpoint": f"http://u:{canary}@collector:4317"}},
        {"keycloak": {"adminPassword": canary}},
        {"postgresql": {"password": canary}},
    ]
    for i, values in enumerate(attempts):
        path = tmp_path / f"attempt-{i}.yaml"
        path.write_text(yaml.safe_dump(values))
        result = helmchart.helm_template_raw((*helmchart.VALUE_SETS[base], path))
        assert result.returncode != 0, values
        assert canary not in result.stdout


def test_keycloak_is_exposed_only_on_its_http_port(docs, value_set):
    values = helmchart.effective_values(value_set)
    ingresses = [i for i in of_kind(docs, "Ingress") if helmchart.component(i) == "keycloak"]
    wanted = values["keycloak"]["enabled"] and values["keycloak"]["ingress"]["enabled"]
    assert len(ingresses) == (1 if wanted else 0)
    for ingress in ingresses:
        (rule,) = ingress["spec"]["rules"]
        assert rule["host"] == values["keycloak"]["ingress"]["host"]
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["port"] == {"name": "http"}
