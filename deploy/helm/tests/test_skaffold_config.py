"""skaffold.yaml stays consistent with the chart: an artifact and image override per service."""

from __future__ import annotations

import re
from pathlib import Path

import helmchart
import pytest
import yaml

SKAFFOLD = helmchart.REPO / "skaffold.yaml"


def _config() -> dict:
    return yaml.safe_load(SKAFFOLD.read_text())


def _sanitize(image: str) -> str:
    return re.sub(r"[-/]", "_", image)


def test_one_artifact_per_service_from_the_same_dockerfile():
    config = _config()
    assert config["apiVersion"].startswith("skaffold/v4beta")
    artifacts = {a["image"]: a for a in config["build"]["artifacts"]}
    services = helmchart.expected_services()
    assert set(artifacts) == {f"kotopolku-{name}" for name in services}
    for name in services:
        artifact = artifacts[f"kotopolku-{name}"]
        assert artifact["docker"]["dockerfile"] == "Dockerfile"
        build_args = artifact["docker"]["buildArgs"]
        assert build_args["SERVICE"] == name
        # Besides the service, only the Debian packages it runs (Dockerfile ARG APT_PACKAGES).
        assert set(build_args) <= {"SERVICE", "APT_PACKAGES"}
        assert artifact.get("context", ".") == "."


def test_helm_release_overrides_every_image():
    config = _config()
    (release,) = config["deploy"]["helm"]["releases"]
    assert (helmchart.REPO / release["chartPath"]).resolve() == helmchart.CHART
    templates = release["setValueTemplates"]
    for name in helmchart.expected_services():
        key = _sanitize(f"kotopolku-{name}")
        for field, var in (("repository", "REPO"), ("tag", "TAG"), ("digest", "DIGEST")):
            assert templates[f"services.{name}.image.{field}"] == f"{{{{.IMAGE_{var}_{key}}}}}"


def test_profiles_use_the_overlays():
    profiles = {p["name"]: p for p in _config()["profiles"]}
    assert {"dev", "ci", "prod"} <= set(profiles)
    overlays = (
        ("dev", "values-dev.yaml"),
        ("ci", "values-staging.yaml"),
        ("prod", "values-prod.yaml"),
    )
    for name, overlay in overlays:
        (patch,) = [p for p in profiles[name]["patches"] if p["path"].endswith("/valuesFiles")]
        assert patch["value"] == [f"deploy/helm/kotopolku/{overlay}"]
        assert (helmchart.CHART / overlay).is_file()


def test_what_skaffold_passes_is_accepted_by_the_chart():
    """Simulate skaffold's --set flags: local build (no digest) and pushed build (digest)."""
    templates = _config()["deploy"]["helm"]["releases"][0]["setValueTemplates"]
    for digest in ("", "sha256:" + "c" * 64):
        sets = []
        for key, template in sorted(templates.items()):
            image = re.search(r"IMAGE_\w+?_(kotopolku_\w+)", template).group(1).replace("_", "-")
            value = {
                "REPO": f"localhost:5000/{image}",
                "TAG": "4f2a9c1",
                "DIGEST": digest,
            }[re.search(r"IMAGE_(REPO|TAG|DIGEST)_", template).group(1)]
            sets.append(f"{key}={value}")
        docs = helmchart.render(helmchart.VALUE_SETS["dev"], tuple(sets))
        for name, dep in helmchart.service_objects(docs, "Deployment").items():
            expected = f"localhost:5000/kotopolku-{name}:4f2a9c1" + (f"@{digest}" if digest else "")
            assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == expected


def test_dev_creates_its_secrets_before_deploying():
    (dev,) = [p for p in _config()["profiles"] if p["name"] == "dev"]
    (hooks,) = [p for p in dev["patches"] if p["path"] == "/deploy/helm/hooks"]
    (before,) = hooks["value"]["before"]
    assert before["host"]["command"] == ["python3", "scripts/k8s-dev-secrets.py", "apply"]


def test_the_profiles_match_their_purpose():
    """dev: in-chart Keycloak and PostgreSQL; prod: external ones and an HPA everywhere."""
    dev = helmchart.effective_values(helmchart.VALUE_SETS["dev"])
    assert dev["keycloak"]["enabled"]
    assert dev["postgresql"]["enabled"]
    prod = helmchart.effective_values(helmchart.VALUE_SETS["prod"])
    assert not prod["keycloak"]["enabled"]
    assert not prod["postgresql"]["enabled"]
    assert all(
        s["autoscaling"]["enabled"]
        for s in helmchart.expected_services(helmchart.VALUE_SETS["prod"]).values()
    )


class _NoDuplicateKeys(yaml.SafeLoader):
    """A loader that refuses a mapping key given twice (PyYAML keeps the last one silently)."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> object:
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
    assert not repeated, f"line {node.start_mark.line + 1}: repeated keys {repeated}"
    return loader.construct_mapping(node, deep)


_NoDuplicateKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@pytest.mark.parametrize(
    "path",
    [
        "skaffold.yaml",
        *(f"deploy/helm/kotopolku/{name}" for name in ("values.yaml", "values-dev.yaml")),
        *(f"deploy/helm/kotopolku/{name}" for name in ("values-staging.yaml", "values-prod.yaml")),
    ],
)
def test_no_key_is_given_twice(path: str) -> None:
    root = Path(__file__).resolve().parents[3]
    with (root / path).open() as handle:
        list(yaml.load_all(handle, Loader=_NoDuplicateKeys))
