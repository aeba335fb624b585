"""Offline validation of rendered manifests against the Kubernetes OpenAPI schemas and the CRDs.

Built-in kinds: the schemas shipped inside the `kubernetes-validate` package (no network); strict
mode rejects unknown fields. Custom resources the chart can emit:
* ServiceMonitor, PrometheusRule (monitoring.coreos.com/v1): the models generated from the
  Prometheus Operator CRDs (cloudcoil-models-prometheus-operator); a field the model does not
  know is reported as unknown.
* ExternalSecret (external-secrets.io/v1): schemas/externalsecret-v1.json.
Unlike the `kubernetes-validate` CLI, a kind without a schema is an error here, not a warning.

    python deploy/helm/tests/k8s_schema.py -k 1.30.0 -k 1.37.0 rendered/*.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

_SCHEMAS = Path(__file__).with_name("schemas")

# The oldest Kubernetes the chart supports (gRPC probes GA in 1.27, preStop `sleep` action on by
# default since 1.30) and the newest schema set kubernetes-validate ships.
DEFAULT_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())


def load_documents(paths: Iterable[Path]) -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in paths:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((str(path), doc))
    return docs


def object_name(doc: dict[str, Any]) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def _unknown_fields(given: Any, known: Any, path: str = "") -> list[str]:
    """Paths present in ``given`` but dropped by the model (fields the CRD does not define)."""
    if isinstance(given, dict) and isinstance(known, dict):
        found = []
        for key, value in given.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in known:
                found.append(where)
            else:
                found += _unknown_fields(value, known[key], where)
        return found
    if isinstance(given, list) and isinstance(known, list):
        return [
            u
            for i, (g, k) in enumerate(zip(given, known, strict=False))
            for u in _unknown_fields(g, k, f"{path}[{i}]")
        ]
    return []


def validate_custom_resource(doc: dict[str, Any]) -> list[str] | None:
    """Errors of a custom resource the chart emits; None when the kind is not one of them."""
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if api == "monitoring.coreos.com/v1" and kind in ("ServiceMonitor", "PrometheusRule"):
        import pydantic
        from cloudcoil.models.prometheus_operator import v1

        try:
            model = getattr(v1, kind).model_validate(doc)
        except pydantic.ValidationError as exc:
            return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        dumped = model.model_dump(by_alias=True, exclude_unset=True, mode="json")
        return [f"{field}: unknown field" for field in _unknown_fields(doc, dumped)]
    if api == "external-secrets.io/v1" and kind == "ExternalSecret":
        schema = json.loads((_SCHEMAS / "externalsecret-v1.json").read_text())
        validator = jsonschema.Draft7Validator(schema)
        return [
            f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(doc)
        ]
    return None


def validate_documents(
    docs: Sequence[tuple[str, dict[str, Any]]], versions: Sequence[str], strict: bool = True
) -> list[str]:
    """Returns one message per failure (empty list = all valid)."""
    errors = []
    for source, doc in docs:
        custom = validate_custom_resource(doc)
        if custom is not None:
            errors += [f"{source}: {object_name(doc)} (CRD): {e}" for e in custom]
            continue
        for version in versions:
            try:
                kubernetes_validate.validate(doc, version, strict)
            except kubernetes_validate.ValidationError as exc:
                path = ".".join(str(p) for p in exc.path)
                errors.append(
                    f"{source}: {object_name(doc)} (k8s {version}): {path}: {exc.message}"
                )
            except kubernetes_validate.SchemaNotFoundError as exc:
                errors.append(f"{source}: {object_name(doc)}: {exc.message}")
    return errors


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--kubernetes-version", action="append", dest="versions")
    parser.add_argument("--no-strict", action="store_true", help="allow unknown fields")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    versions = args.versions or list(DEFAULT_VERSIONS)
    docs = load_documents(args.files)
    errors = validate_documents(docs, versions, strict=not args.no_strict)
    for error in errors:
        print(f"ERROR {error}")
    kinds = Counter(doc["kind"] for _, doc in docs)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    mode = "strict" if not args.no_strict else "non-strict"
    print(
        f"k8s-schema: {len(docs)} objects from {len(args.files)} file(s) against Kubernetes "
        f"{', '.join(versions)} ({mode}): {len(errors)} error(s) [{summary}]"
    )
    if not docs:
        print("ERROR no objects to validate")
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
