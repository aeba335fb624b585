"""Where the backend services of the system under test listen, and the keys of a local stack.

A local stack (``scripts/stack.sh``) puts each service on ``GRPC_PORT_BASE`` + its fixed number
and its Prometheus endpoint 1000 above that; the names come from the gateway's readiness answer,
so a new service is covered as soon as the gateway knows it. For a cluster, port-forward and set
``KOTOPOLKU_GRPC_ADDRESSES`` (``clients=127.0.0.1:50051,...``) and ``KOTOPOLKU_METRICS_URLS``
(``http://127.0.0.1:9464/metrics,...``).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

# The fixed port numbers of the services (gRPC port = base + number).
PORT_OFFSETS = {
    "clients": 1,
    "audit": 2,
    "assessment": 3,
    "plans": 4,
    "programme": 5,
    "welfare": 6,
    "appointments": 7,
    "messaging": 8,
    "interpretation": 9,
    "esign": 10,
    "archive": 11,
    "contracts": 12,
    "guidance": 13,
    "reporting": 14,
}
METRICS_PORT_OFFSET = 1000
REPO_ROOT = Path(__file__).resolve().parents[2]


def backend_names(http: httpx.Client) -> list[str]:
    """The backends the gateway calls (its readiness answer names them)."""
    return sorted(http.get("/readyz").json().get("backends", {}))


def _base() -> int:
    return int(os.environ.get("GRPC_PORT_BASE", "50050"))


def grpc_addresses(names: list[str]) -> dict[str, str]:
    configured = os.environ.get("KOTOPOLKU_GRPC_ADDRESSES", "")
    if configured:
        pairs = (item.split("=", 1) for item in configured.split(",") if "=" in item)
        return {name.strip(): address.strip() for name, address in pairs}
    return {
        name: f"127.0.0.1:{_base() + PORT_OFFSETS[name]}" for name in names if name in PORT_OFFSETS
    }


def metrics_urls(names: list[str]) -> dict[str, str]:
    configured = os.environ.get("KOTOPOLKU_METRICS_URLS", "")
    if configured:
        return {url: url for url in configured.split(",") if url}
    return {
        name: f"http://127.0.0.1:{_base() + PORT_OFFSETS[name] + METRICS_PORT_OFFSET}/metrics"
        for name in names
        if name in PORT_OFFSETS
    }


def state_directory() -> Path:
    """KOTOPOLKU_VAR of the stack under test: its keys and logs."""
    return Path(os.environ.get("KOTOPOLKU_VAR", REPO_ROOT / "var"))


def key_file(name: str) -> Path | None:
    """A private key of the local stack (``gateway`` or ``service``), if this is one."""
    path = state_directory() / "keys" / f"{name}.pem"
    return path if path.is_file() else None
