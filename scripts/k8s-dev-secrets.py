#!/usr/bin/env python3
"""The Secrets the chart's dev profile references, with fresh keys and passwords (dev only).

    scripts/k8s-dev-secrets.py                  # print them (YAML) for `kubectl apply -f -`
    scripts/k8s-dev-secrets.py apply            # create the missing ones with kubectl
Options: --release NAME (default kotopolku), --namespace NS, --values FILE (default
values-dev.yaml). Which Secrets exist is read from the chart's values, so a new service's
database Secret needs nothing here. Skaffold's `dev` profile runs `apply` before deploying.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CHART = Path(__file__).resolve().parents[1] / "deploy" / "helm" / "kotopolku"


def merge(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        return {**base, **{k: merge(base.get(k), v) for k, v in overlay.items()}}
    return overlay


def key_pair() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


def secret(name: str, namespace: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "kotopolku", "kotopolku.fi/dev-secret": "true"},
        },
        "type": "Opaque",
        "stringData": data,
    }


def esign_signing_files() -> dict[str, str]:
    """The e-signature service's dev signing chain: a root CA and one certificate per
    municipality of the dev realm (kotopolku-esign dev-certificates, in a throwaway directory)."""
    import tempfile

    from kotopolku.esign.__main__ import DEV_MUNICIPALITIES
    from kotopolku.esign.certificates import generate_dev_certificates

    with tempfile.TemporaryDirectory() as directory:
        generate_dev_certificates(Path(directory), DEV_MUNICIPALITIES)
        # The flat files the service reads; the root CA's own key (in a subdirectory) stays out.
        files = sorted(p for p in Path(directory).iterdir() if p.is_file())
        return {path.name: path.read_text() for path in files}


def reporting_pseudonym_files() -> dict[str, str]:
    """The municipal reporting secret, shared by every service that reports facts."""
    return {"reporting-pseudonym.key": secrets.token_hex(32)}


def national_pseudonym_files() -> dict[str, str]:
    """The reporting service's own secret for the national extract."""
    return {"national-pseudonym.key": secrets.token_hex(32)}


# Secrets a service mounts as files (services.*.secretMounts), by service: how to make them.
# A Secret mounted by several services is made once.
MOUNTED_SECRET_FILES = {
    "esign": esign_signing_files,
    "clients": reporting_pseudonym_files,
    "assessment": reporting_pseudonym_files,
    "plans": reporting_pseudonym_files,
    "programme": reporting_pseudonym_files,
    "reporting": national_pseudonym_files,
}


def dev_secrets(
    values: dict[str, Any], release: str, namespace: str, postgres_password: str | None = None
) -> list[dict[str, Any]]:
    fullname = release if "kotopolku" in release else f"{release}-kotopolku"
    pg = values["postgresql"]
    password = postgres_password or secrets.token_urlsafe(24)
    gateway_key, gateway_pub = key_pair()
    service_key, service_pub = key_pair()
    out = [
        secret(
            values["internalKeys"]["existingSecret"],
            namespace,
            {
                "gateway.pem": gateway_key,
                "gateway.pub": gateway_pub,
                "service.pem": service_key,
                "service.pub": service_pub,
            },
        ),
        secret(pg["existingSecret"], namespace, {"password": password}),
        secret(
            values["keycloak"]["adminSecret"],
            namespace,
            {"username": "admin", "password": secrets.token_urlsafe(18)},
        ),
    ]
    for name, entry in values["services"].items():
        svc = merge(values["default"], entry or {})
        if not (svc.get("enabled", True) and svc["database"]["enabled"]):
            continue
        secret_name = svc["database"].get("existingSecret") or f"{fullname}-{name}-database"
        url = (
            f"postgresql+psycopg://{pg['username']}:{password}@{fullname}-postgresql:5432/"
            f"kotopolku_{name.replace('-', '_')}"
        )
        out.append(secret(secret_name, namespace, {svc["database"]["secretKey"]: url}))
    made: set[str] = set()
    for name, entry in values["services"].items():
        svc = merge(values["default"], entry or {})
        if not svc.get("enabled", True):
            continue
        for mount in svc.get("secretMounts") or []:
            if mount["secretName"] not in made:
                made.add(mount["secretName"])
                out.append(secret(mount["secretName"], namespace, MOUNTED_SECRET_FILES[name]()))
    kc_db = values["keycloak"]["database"]
    if kc_db.get("vendor") == "postgres" and kc_db.get("existingSecret"):
        out.append(
            secret(
                kc_db["existingSecret"],
                namespace,
                {"username": pg["username"], "password": password},
            )
        )
    return out


def _kubectl(*args: str) -> subprocess.CompletedProcess[str]:
    # kubectl from PATH, as the developer runs it.
    return subprocess.run(["kubectl", *args], capture_output=True, text=True, check=False)  # noqa: S603, S607


def apply_missing(values: dict[str, Any], release: str, namespace: str) -> int:
    pg_secret = values["postgresql"]["existingSecret"]
    found = _kubectl("get", "secret", pg_secret, "-n", namespace, "-o", "jsonpath={.data.password}")
    password = base64.b64decode(found.stdout).decode() if found.returncode == 0 else None
    wanted = dev_secrets(values, release, namespace, password)
    missing = [
        s
        for s in wanted
        if _kubectl("get", "secret", s["metadata"]["name"], "-n", namespace).returncode != 0
    ]
    if not missing:
        print("k8s-dev-secrets: all dev Secrets exist", file=sys.stderr)
        return 0
    applied = subprocess.run(  # noqa: S603
        ["kubectl", "apply", "-n", namespace, "-f", "-"],  # noqa: S607
        input=yaml.safe_dump_all(missing),
        text=True,
        check=False,
    )
    return applied.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["print", "apply"], default="print")
    parser.add_argument("--release", default="kotopolku")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--values", type=Path, default=CHART / "values-dev.yaml")
    args = parser.parse_args(argv)
    values = merge(
        yaml.safe_load((CHART / "values.yaml").read_text()), yaml.safe_load(args.values.read_text())
    )
    if args.command == "apply":
        return apply_missing(values, args.release, args.namespace)
    print(yaml.safe_dump_all(dev_secrets(values, args.release, args.namespace)), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
