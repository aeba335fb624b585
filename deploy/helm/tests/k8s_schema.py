"""Offline validation of rendered manifests against the Kubernetes OpenAPI schemas.

Uses the schemas shipped inside the `kubernetes-validate` package (no network). Strict mode
rejects unknown fields. Unlike the `kubernetes-validate` CLI, a kind without a schema is an error
here, not a warning: the chart renders only built-in kinds.

    python deploy/helm/tests/k8s_schema.py -k 1.30.0 -k 1.37.0 rendered/*.yaml
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

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


def validate_documents(
    docs: Sequence[tuple[str, dict[str, Any]]], versions: Sequence[str], strict: bool = True
) -> list[str]:
    """Returns one message per failure (empty list = all valid)."""
    errors = []
    for source, doc in docs:
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
