"""Adding a service is one values entry: every object it needs appears, policies still hold."""

from __future__ import annotations

from pathlib import Path

import helmchart
import k8s_schema
import pytest
import yaml
from helmchart import by_component, env_of

NEW_SERVICE = {
    "services": {
        "notes": {
            "port": 50053,
            "database": {"enabled": True},
            "allowFrom": ["clients"],
            "replicas": 2,
            "env": {"KOTOPOLKU_NOTES_RETENTION_DAYS": "30"},
        }
    }
}


@pytest.fixture(scope="module")
def extra_values(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ...]:
    path = tmp_path_factory.mktemp("values") / "values-notes.yaml"
    path.write_text(yaml.safe_dump(NEW_SERVICE))
    return (path,)


@pytest.mark.parametrize("base", sorted(helmchart.VALUE_SETS))
def test_new_service_gets_all_its_objects(base: str, extra_values: tuple[Path, ...]) -> None:
    files = helmchart.VALUE_SETS[base] + extra_values
    docs = helmchart.render(files)
    services = helmchart.expected_services(files)
    assert "notes" in services

    for kind in ("Deployment", "Service", "ServiceAccount", "NetworkPolicy", "PodDisruptionBudget"):
        assert "notes" in by_component(docs, kind), kind
    assert "notes-migrate" in by_component(docs, "Job")

    dep = by_component(docs, "Deployment")["notes"]
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["grpc"]["port"] == 50053
    assert container["image"].split("@")[0].rsplit(":", 1)[0].endswith("/kotopolku-notes") or (
        container["image"].startswith("kotopolku-notes:")
    )
    env = env_of(container)
    assert env["KOTOPOLKU_GRPC_PORT"]["value"] == "50053"
    assert env["KOTOPOLKU_NOTES_RETENTION_DAYS"]["value"] == "30"
    assert "secretKeyRef" in env["KOTOPOLKU_DATABASE_URL"]["valueFrom"]

    cm = helmchart.env_configmap(docs)
    service_name = by_component(docs, "Service")["notes"]["metadata"]["name"]
    assert cm["data"]["KOTOPOLKU_NOTES_ADDRESS"] == f"{service_name}:50053"

    # callers: the public gateway and the listed clients; audit accepts the new service too
    assert helmchart.allowed_callers(services, "notes") == {"gateway", "clients"}
    assert "notes" in helmchart.allowed_callers(services, "audit")

    assert k8s_schema.validate_documents([("notes", d) for d in docs], ["1.30.0"]) == []


def test_new_service_passes_the_whole_policy_suite(extra_values: tuple[Path, ...]) -> None:
    """Re-run the policy tests' checks on a render that includes the new service."""
    import test_helm_chart_policy as policy

    files = extra_values
    docs = helmchart.render(files)
    services = helmchart.expected_services(files)
    policy.test_every_service_has_its_objects(docs, services)
    policy.test_deployments_have_readiness_and_liveness_probes(docs, services)
    policy.test_every_container_has_requests_and_limits(docs)
    policy.test_pods_run_non_root_read_only_without_capabilities(docs)
    policy.test_termination_grace_exceeds_drain_plus_prestop(docs)
    policy.test_pdb_for_every_deployment_that_can_run_several_pods(docs)
    policy.test_no_secret_objects_and_no_credentials_in_plain_values(docs, services)
    policy.test_internal_keys_are_mounted_per_role(docs, services, files)
    policy.test_images_are_pinned(docs)
    policy.test_network_policies_default_deny_and_cover_every_pod(docs)
    policy.test_internal_services_only_reachable_from_allowed_callers(docs, services, files)
    policy.test_migration_hook_job_per_database_service(docs, services)
    policy.test_shared_config_addresses_and_migrate_off(docs, services)
    policy.test_ports_env_match_values(docs, services)


def test_new_service_via_set_flags() -> None:
    """The minimal entry: a name and a port; everything else comes from `default`."""
    docs = helmchart.render((), ("services.reports.port=50054",))
    assert "reports" in by_component(docs, "Deployment")
    assert "reports" in by_component(docs, "NetworkPolicy")
    assert "reports-migrate" not in by_component(docs, "Job")  # no database by default
    cm = helmchart.env_configmap(docs)
    assert cm["data"]["KOTOPOLKU_REPORTS_ADDRESS"].endswith(":50054")
