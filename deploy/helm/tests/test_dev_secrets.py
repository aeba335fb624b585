"""scripts/k8s-dev-secrets.py makes exactly the Secrets the dev profile references, and they fit."""

from __future__ import annotations

import re
import subprocess
import sys

import helmchart
import k8s_schema
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from helmchart import of_kind, pod_templates

SCRIPT = helmchart.REPO / "scripts" / "k8s-dev-secrets.py"


def _generated() -> dict[str, dict]:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--namespace", helmchart.NAMESPACE],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(out) if d}


def _referenced(docs) -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {}
    for _, pod in pod_templates(docs):
        for container in [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]]:
            for env in container.get("env") or []:
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    refs.setdefault(ref["name"], set()).add(ref["key"])
        for volume in pod["spec"].get("volumes") or []:
            if "secret" in volume:
                keys = {i["key"] for i in volume["secret"].get("items") or []}
                refs.setdefault(volume["secret"]["secretName"], set()).update(keys)
    return refs


def test_every_referenced_secret_and_key_is_generated():
    docs = helmchart.render(helmchart.VALUE_SETS["dev"])
    generated = _generated()
    for name, keys in _referenced(docs).items():
        assert name in generated, f"{name} is referenced but not generated"
        assert keys <= set(generated[name]["stringData"]), name
    assert k8s_schema.validate_documents([("dev", d) for d in generated.values()], ["1.30.0"]) == []


def test_database_urls_point_at_the_in_chart_postgresql_and_its_databases():
    docs = helmchart.render(helmchart.VALUE_SETS["dev"])
    generated = _generated()
    password = generated["kotopolku-dev-postgresql"]["stringData"]["password"]
    service = helmchart.by_component(docs, "Service")["postgresql"]["metadata"]["name"]
    (init,) = [c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"].endswith("-init")]
    databases = set(re.findall(r'CREATE DATABASE "([^"]+)"', init["data"]["01-databases.sql"]))
    for _name, svc in helmchart.expected_services(helmchart.VALUE_SETS["dev"]).items():
        if not svc["database"]["enabled"]:
            continue
        url = generated[svc["database"]["existingSecret"]]["stringData"]["database-url"]
        match = re.fullmatch(rf"postgresql\+psycopg://kotopolku:(.+)@{service}:5432/(\w+)", url)
        assert match, url
        assert match.group(1) == password
        assert match.group(2) in databases


def test_the_internal_keys_are_matching_ed25519_pairs():
    keys = _generated()["kotopolku-internal-keys"]["stringData"]
    for name in ("gateway", "service"):
        private = serialization.load_pem_private_key(keys[f"{name}.pem"].encode(), None)
        public = serialization.load_pem_public_key(keys[f"{name}.pub"].encode())
        assert isinstance(private, Ed25519PrivateKey)
        assert isinstance(public, Ed25519PublicKey)
        assert private.public_key().public_bytes_raw() == public.public_bytes_raw()
