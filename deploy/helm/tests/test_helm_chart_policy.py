"""Policy tests over the rendered chart, for every value set (default, dev, prod).

Each test derives what it expects from the values files (helmchart.expected_services), so a new
service entry in values.yaml is covered automatically.
"""

from __future__ import annotations

import re

import helmchart
import k8s_schema
import pytest
from helmchart import (
    PLATFORM,
    by_component,
    env_of,
    of_kind,
    pod_templates,
    selector_matches,
    service_objects,
)

CREDENTIAL_URL = re.compile(r"://[^/@\s]+:[^/@\s]*@")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|DATABASE_URL", re.IGNORECASE)
IMAGE_REF = re.compile(
    r"^(?P<repo>[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r":(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


def _containers(pod_template: dict) -> list[dict]:
    spec = pod_template["spec"]
    return list(spec.get("initContainers") or []) + list(spec["containers"])


def test_renders_only_builtin_kinds_valid_for_kubernetes(docs):
    errors = k8s_schema.validate_documents(
        [("render", d) for d in docs], k8s_schema.DEFAULT_VERSIONS, strict=True
    )
    assert errors == []


def test_every_service_has_its_objects(docs, services):
    for kind in ("Deployment", "Service", "ServiceAccount", "NetworkPolicy"):
        assert set(service_objects(docs, kind)) == set(services), kind


def test_deployments_have_readiness_and_liveness_probes(docs, services):
    for name, dep in service_objects(docs, "Deployment").items():
        svc = services[name]
        (container,) = dep["spec"]["template"]["spec"]["containers"]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert probe in container, f"{name}: {probe} missing"
        if svc["kind"] == "grpc":
            # Kubernetes-native gRPC health checks (grpc.health.v1) on the serving port.
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                assert container[probe]["grpc"]["port"] == svc["port"], (name, probe)
            # readiness follows the database ("readiness" health service); liveness does not
            readiness = container["readinessProbe"]["grpc"].get("service", "")
            liveness = container["livenessProbe"]["grpc"].get("service", "")
            assert readiness == svc["grpc"]["readinessService"], name
            assert liveness == svc["grpc"]["livenessService"], name
            # "readiness" and the service names turn NOT_SERVING while the database is away
            # (kotopolku.common.server); only the overall status ("") never touches it, so a
            # database outage never restarts pods.
            assert readiness == "readiness", name
            assert liveness == "", f"{name}: liveness must not depend on the database"
            assert container["startupProbe"]["grpc"].get("service", "") == "", name
        else:
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            assert ports[container["readinessProbe"]["httpGet"]["port"]] == svc["port"]


def test_every_container_has_requests_and_limits(docs):
    for owner, pod in pod_templates(docs):
        for container in _containers(pod):
            res = container.get("resources") or {}
            where = f"{owner['kind']}/{owner['metadata']['name']}"
            assert {"cpu", "memory"} <= set(res.get("requests") or {}), where
            assert {"cpu", "memory"} <= set(res.get("limits") or {}), where


def test_pods_run_non_root_read_only_without_capabilities(docs):
    for owner, pod in pod_templates(docs):
        where = f"{owner['kind']}/{owner['metadata']['name']}"
        spec = pod["spec"]
        psc = spec["securityContext"]
        assert psc["runAsNonRoot"] is True, where
        # The services' image user; platform images bring their own non-root user.
        if helmchart.component(owner).removesuffix("-migrate") not in PLATFORM:
            assert psc["runAsUser"] == 10001, where
        assert psc["runAsUser"] > 0, where
        assert psc.get("fsGroup", 0) > 0, where
        assert psc["seccompProfile"]["type"] == "RuntimeDefault", where
        assert spec["automountServiceAccountToken"] is False, where
        assert spec["enableServiceLinks"] is False, where
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in _containers(pod):
            csc = container["securityContext"]
            assert csc["readOnlyRootFilesystem"] is True, where
            assert csc["allowPrivilegeEscalation"] is False, where
            assert csc.get("privileged", False) is False, where
            assert "ALL" in csc["capabilities"]["drop"], where
            assert not csc["capabilities"].get("add"), where
            if "runAsUser" in csc:
                assert csc["runAsUser"] != 0, where
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp, f"{where}: /tmp must be mounted"
            assert "emptyDir" in volumes[tmp[0]["name"]], f"{where}: /tmp must be an emptyDir"


def test_termination_grace_exceeds_drain_plus_prestop(docs):
    for dep in service_objects(docs, "Deployment").values():
        spec = dep["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        env = env_of(container)
        drain = float(env["KOTOPOLKU_SHUTDOWN_GRACE_SECONDS"]["value"])
        pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert spec["terminationGracePeriodSeconds"] > drain + pre_stop, dep["metadata"]["name"]


def test_pdb_for_every_deployment_that_can_run_several_pods(docs):
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    pdbs = of_kind(docs, "PodDisruptionBudget")
    for dep in of_kind(docs, "Deployment"):
        name = dep["metadata"]["name"]
        hpa = hpas.get(name)
        several = (dep["spec"].get("replicas", 1) > 1) or (hpa and hpa["spec"]["maxReplicas"] > 1)
        labels = dep["spec"]["template"]["metadata"]["labels"]
        covering = [p for p in pdbs if selector_matches(p["spec"]["selector"], labels)]
        if several:
            assert len(covering) == 1, f"{name}: needs exactly one PodDisruptionBudget"
        if hpa:
            assert "replicas" not in dep["spec"], f"{name}: HPA-managed, replicas must be unset"


def test_autoscaling_follows_values(docs, services):
    hpas = by_component(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {n for n, s in services.items() if s["autoscaling"]["enabled"]}


def test_no_secret_objects_and_no_credentials_in_plain_values(docs, services):
    assert of_kind(docs, "Secret") == [], "the chart must only reference existing Secrets"
    plain: list[tuple[str, str, str]] = []
    for cm in of_kind(docs, "ConfigMap"):
        plain += [(cm["metadata"]["name"], k, v) for k, v in (cm.get("data") or {}).items()]
    for owner, pod in pod_templates(docs):
        for container in _containers(pod):
            for e in container.get("env") or []:
                if "value" in e:
                    plain.append((owner["metadata"]["name"], e["name"], e["value"]))
            assert not [a for a in container.get("args") or [] if CREDENTIAL_URL.search(a)]
    for where, key, value in plain:
        assert not CREDENTIAL_URL.search(value), f"{where}: {key} holds a URL with credentials"
        assert not SECRET_NAME.search(key), f"{where}: {key} must come from a Secret reference"
    # The database URL of every database service comes from its Secret, in Deployment and Job.
    for owner, pod in pod_templates(docs):
        name = owner["metadata"]["labels"]["app.kubernetes.io/component"].removesuffix("-migrate")
        if name in PLATFORM:
            continue
        env = env_of(pod["spec"]["containers"][0])
        if services[name]["database"]["enabled"]:
            ref = env["KOTOPOLKU_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
            assert ref["name"]
            assert ref["key"]
        else:
            assert "KOTOPOLKU_DATABASE_URL" not in env


def test_internal_keys_are_mounted_per_role(docs, services, value_set):
    values = helmchart.effective_values(value_set)
    for name, dep in service_objects(docs, "Deployment").items():
        spec = dep["spec"]["template"]["spec"]
        (keys,) = [v for v in spec["volumes"] if v["name"] == "internal-keys"]
        paths = {i["key"] for i in keys["secret"]["items"]}
        own = "gateway" if services[name]["signingKey"] == "gateway" else "service"
        other = "service" if own == "gateway" else "gateway"
        assert paths == {f"{own}.pem", "gateway.pub", "service.pub"}, name
        assert f"{other}.pem" not in paths
        env = env_of(spec["containers"][0])
        key_var = "KOTOPOLKU_GATEWAY_KEY_FILE" if own == "gateway" else "KOTOPOLKU_SERVICE_KEY_FILE"
        assert env[key_var]["value"] == f"{values['internalKeys']['mountPath']}/{own}.pem"


def test_secret_mounts_are_read_only_directories(docs, services):
    for name, dep in by_component(docs, "Deployment").items():
        spec = dep["spec"]["template"]["spec"]
        mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
        # Platform components (in-chart Keycloak, PostgreSQL) are not services.
        for wanted in services.get(name, {}).get("secretMounts", []):
            (volume,) = [v for v in spec["volumes"] if v["name"] == wanted["name"]]
            assert volume["secret"]["secretName"] == wanted["secretName"], name
            assert mounts[wanted["name"]]["mountPath"] == wanted["mountPath"], name
            assert mounts[wanted["name"]]["readOnly"] is True, name


def test_images_are_pinned(docs):
    for owner, pod in pod_templates(docs):
        for container in _containers(pod):
            image = container["image"]
            match = IMAGE_REF.match(image)
            assert match, f"{owner['metadata']['name']}: image {image!r} has no tag"
            assert match["tag"] != "latest", image


def test_network_policies_default_deny_and_cover_every_pod(docs):
    policies = of_kind(docs, "NetworkPolicy")
    deny = [
        p
        for p in policies
        if "Ingress" in p["spec"]["policyTypes"] and not p["spec"].get("ingress")
    ]
    assert deny, "a default deny-all ingress policy is required"
    for owner, pod in pod_templates(docs):
        labels = pod["metadata"]["labels"]
        assert any(selector_matches(p["spec"]["podSelector"], labels) for p in deny), (
            f"{owner['metadata']['name']} is not selected by the default deny policy"
        )


def _rules_reaching(policies, labels):
    for policy in policies:
        if selector_matches(policy["spec"]["podSelector"], labels):
            yield from policy["spec"].get("ingress") or []


def _release_pod_labels(docs):
    return {
        name: dep["spec"]["template"]["metadata"]["labels"]
        for name, dep in by_component(docs, "Deployment").items()
    }


def test_internal_services_only_reachable_from_allowed_callers(docs, services, value_set):
    values = helmchart.effective_values(value_set)
    policies = of_kind(docs, "NetworkPolicy")
    pods = _release_pod_labels(docs)
    outsider = {"app": "attacker", "app.kubernetes.io/component": "clients"}  # foreign pod
    for name, svc in services.items():
        if svc["exposure"] == "public":
            continue
        expected = helmchart.allowed_callers(services, name)
        reached_by: set[str] = set()
        for rule in _rules_reaching(policies, pods[name]):
            ports = {p["port"] for p in rule.get("ports") or []}
            assert rule.get("from"), f"{name}: a rule without `from` admits every pod"
            assert ports, f"{name}: a rule without ports admits every port"
            for peer in rule["from"]:
                assert "ipBlock" not in peer, name
                if "namespaceSelector" in peer:
                    # Only the monitoring namespace, and only the metrics port.
                    monitoring = values["networkPolicy"]["monitoring"]
                    assert peer["namespaceSelector"] == monitoring["namespaceSelector"], name
                    assert peer["namespaceSelector"], f"{name}: empty namespaceSelector = all"
                    assert ports == {svc["metricsPort"]}, f"{name}: namespace peer beyond metrics"
                    continue
                selector = peer["podSelector"]
                assert not selector_matches(selector, outsider), f"{name}: foreign pods admitted"
                assert ports == {svc["port"]}, name
                reached_by |= {
                    c for c, labels in pods.items() if selector_matches(selector, labels)
                }
        assert reached_by == expected, f"{name}: callers {sorted(reached_by)} != {sorted(expected)}"


def test_public_services_accept_traffic_on_their_port_only(docs, services):
    policies = of_kind(docs, "NetworkPolicy")
    pods = _release_pod_labels(docs)
    for name, svc in services.items():
        if svc["exposure"] != "public":
            continue
        ports = set()
        for rule in _rules_reaching(policies, pods[name]):
            ports |= {p["port"] for p in rule.get("ports") or []}
        assert ports == {svc["port"], svc["metricsPort"]}, name


def test_prometheus_can_scrape_every_service(docs, services):
    for name, dep in service_objects(docs, "Deployment").items():
        annotations = dep["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert int(annotations["prometheus.io/port"]) == services[name]["metricsPort"]
        (container,) = dep["spec"]["template"]["spec"]["containers"]
        assert services[name]["metricsPort"] in {p["containerPort"] for p in container["ports"]}


def test_migration_hook_job_per_database_service(docs, services):
    jobs = by_component(docs, "Job")
    deployments = by_component(docs, "Deployment")
    db_services = {
        n for n, s in services.items() if s["database"]["enabled"] and s["migration"]["enabled"]
    }
    assert set(jobs) == {f"{n}-migrate" for n in db_services}
    for name in db_services:
        job = jobs[f"{name}-migrate"]
        hooks = set(job["metadata"]["annotations"]["helm.sh/hook"].split(","))
        assert {"pre-install", "pre-upgrade"} <= hooks
        spec = job["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        assert container["args"] == ["migrate"]
        assert spec["restartPolicy"] == "Never"
        # Same image as the service; nothing created by the release itself (hooks run first).
        (svc_container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["image"] == svc_container["image"]
        assert "envFrom" not in container
        assert "serviceAccountName" not in spec
        env = env_of(container)
        assert env["KOTOPOLKU_MIGRATE_ON_START"]["value"] == "false"
        assert (
            env["KOTOPOLKU_DATABASE_URL"]["valueFrom"]
            == env_of(svc_container)["KOTOPOLKU_DATABASE_URL"]["valueFrom"]
        )


def test_shared_config_addresses_and_migrate_off(docs, services):
    cm = helmchart.env_configmap(docs)
    data = cm["data"]
    assert data["KOTOPOLKU_MIGRATE_ON_START"] == "false"
    service_objs = by_component(docs, "Service")
    for name, svc in services.items():
        if svc["kind"] != "grpc":
            continue
        key = f"KOTOPOLKU_{name.upper().replace('-', '_')}_ADDRESS"
        assert data[key] == f"{service_objs[name]['metadata']['name']}:{svc['port']}"
        ports = {p["name"]: p["port"] for p in service_objs[name]["spec"]["ports"]}
        assert ports["grpc"] == svc["port"]
    for dep in service_objects(docs, "Deployment").values():
        (container,) = dep["spec"]["template"]["spec"]["containers"]
        assert container["envFrom"] == [{"configMapRef": {"name": cm["metadata"]["name"]}}]
        annotations = dep["spec"]["template"]["metadata"]["annotations"]
        assert annotations.get("checksum/config"), "pods must roll when the ConfigMap changes"


def test_ports_env_match_values(docs, services):
    for name, dep in service_objects(docs, "Deployment").items():
        svc = services[name]
        env = env_of(dep["spec"]["template"]["spec"]["containers"][0])
        port_var = "KOTOPOLKU_HTTP_PORT" if svc["kind"] == "http" else "KOTOPOLKU_GRPC_PORT"
        assert env[port_var]["value"] == str(svc["port"])
        assert env["KOTOPOLKU_METRICS_PORT"]["value"] == str(svc["metricsPort"])
        assert env["OTEL_SERVICE_NAME"]["value"] == f"kotopolku-{name}"
        for key, value in (svc.get("env") or {}).items():
            assert env[key]["value"] == str(value), (name, key)


@pytest.mark.parametrize("overlay", ["prod"])
def test_ingress_routes_to_the_public_gateway(overlay):
    docs = helmchart.render(helmchart.VALUE_SETS[overlay])
    services = helmchart.expected_services(helmchart.VALUE_SETS[overlay])
    (ingress,) = of_kind(docs, "Ingress")
    target = helmchart.effective_values(helmchart.VALUE_SETS[overlay])["ingress"]["service"]
    assert services[target]["exposure"] == "public"
    svc_name = by_component(docs, "Service")[target]["metadata"]["name"]
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["name"] == svc_name


def test_ingress_disabled_by_default():
    assert of_kind(helmchart.render(()), "Ingress") == []
