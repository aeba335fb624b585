"""Rendering the chart with the real helm binary, and the expectations derived from values files.

The expectations (which services exist, who may call whom, which have a database) are computed
here independently of the templates, from the same values files helm gets, so the policy tests are
data-driven: a service added to values.yaml is checked without touching the tests.
"""

from __future__ import annotations

import copy
import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "deploy" / "helm" / "kotopolku"
RELEASE = "kotopolku"
NAMESPACE = "kotopolku"

# Named value sets rendered by the policy tests: chart defaults and the example overlays.
VALUE_SETS: dict[str, tuple[Path, ...]] = {
    "default": (),
    "dev": (CHART / "values-dev.yaml",),
    "staging": (CHART / "values-staging.yaml",),
    "prod": (CHART / "values-prod.yaml",),
}
# Components the chart adds beside the services (third-party images).
PLATFORM = frozenset({"keycloak", "postgresql", "otel-collector"})

Doc = dict[str, Any]


class HelmNotFound(RuntimeError):
    pass


def find_helm() -> str:
    """$HELM, else $KOTOPOLKU_CACHE/bin/helm (scripts/install-helm.sh), else helm on PATH."""
    explicit = os.environ.get("HELM")
    if explicit:
        return explicit
    cache = Path(os.environ.get("KOTOPOLKU_CACHE", Path.home() / ".cache" / "kotopolku"))
    cached = cache / "bin" / "helm"
    if cached.is_file() and os.access(cached, os.X_OK):
        return str(cached)
    on_path = shutil.which("helm")
    if on_path:
        return on_path
    raise HelmNotFound("helm not found: run scripts/install-helm.sh or set HELM")


@dataclass(frozen=True)
class HelmResult:
    returncode: int
    stdout: str
    stderr: str


def helm_template_raw(
    values_files: tuple[Path, ...] = (), sets: tuple[str, ...] = ()
) -> HelmResult:
    cmd = [find_helm(), "template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    for f in values_files:
        cmd += ["-f", str(f)]
    for s in sets:
        cmd += ["--set", s]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    return HelmResult(proc.returncode, proc.stdout, proc.stderr)


@functools.lru_cache(maxsize=64)
def render(values_files: tuple[Path, ...] = (), sets: tuple[str, ...] = ()) -> tuple[Doc, ...]:
    result = helm_template_raw(values_files, sets)
    if result.returncode != 0:
        raise AssertionError(f"helm template failed:\n{result.stderr}")
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


# ---------------------------------------------------------------------------------------------
# Expectations from values (helm semantics: maps merge, lists/scalars replace, null deletes)


def merge_values(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for key, value in overlay.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge_values(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    return copy.deepcopy(overlay)


def effective_values(values_files: tuple[Path, ...] = ()) -> dict[str, Any]:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for f in values_files:
        values = merge_values(values, yaml.safe_load(Path(f).read_text()) or {})
    return values


def expected_services(values_files: tuple[Path, ...] = ()) -> dict[str, dict[str, Any]]:
    """name -> default ⊕ services[name], for enabled services."""
    values = effective_values(values_files)
    out = {}
    for name, svc in values["services"].items():
        merged = merge_values(values["default"], svc or {})
        if merged.get("enabled", True):
            out[name] = merged
    return out


def call_graph(services: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    """(caller, callee) pairs of the services, from the values alone."""
    return {
        (caller, callee)
        for callee, svc in services.items()
        if svc["exposure"] != "public"
        for caller in allowed_callers(services, callee)
    }


def allowed_callers(services: dict[str, dict[str, Any]], name: str) -> set[str]:
    """Components that may open connections to `name` (public services are not listed here)."""
    svc = services[name]
    if svc["allowFromAllServices"]:
        callers = set(services)
    else:
        public = {n for n, s in services.items() if s["exposure"] == "public"}
        callers = public | set(svc["allowFrom"])
    return callers - {name}


# ---------------------------------------------------------------------------------------------
# Accessors over rendered documents


def of_kind(docs: tuple[Doc, ...], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def component(doc: Doc) -> str:
    return doc["metadata"]["labels"]["app.kubernetes.io/component"]


def by_component(docs: tuple[Doc, ...], kind: str) -> dict[str, Doc]:
    """Objects of one kind keyed by component label (release-wide objects have none)."""
    return {
        component(d): d
        for d in of_kind(docs, kind)
        if "app.kubernetes.io/component" in d["metadata"].get("labels", {})
    }


def service_objects(docs: tuple[Doc, ...], kind: str) -> dict[str, Doc]:
    """Like by_component, without the platform components (Keycloak, PostgreSQL, collector)."""
    return {n: d for n, d in by_component(docs, kind).items() if n not in PLATFORM}


def env_configmap(docs: tuple[Doc, ...]) -> Doc:
    """The shared environment ConfigMap (<fullname>-env)."""
    (cm,) = [d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-env")]
    return cm


def pod_templates(docs: tuple[Doc, ...]) -> list[tuple[Doc, Doc]]:
    """(owner, pod template) of every Deployment and Job."""
    return [(d, d["spec"]["template"]) for d in docs if d["kind"] in ("Deployment", "Job")]


def selector_matches(selector: Doc, labels: dict[str, str]) -> bool:
    """Kubernetes LabelSelector semantics (matchLabels + In/NotIn/Exists/DoesNotExist)."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def env_of(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container.get("env") or []}
