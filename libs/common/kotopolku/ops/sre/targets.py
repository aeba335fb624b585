"""Which services to ask, and with which identity.

Inside the cluster every pod has the addresses of all gRPC services in its environment
(``KOTOPOLKU_<SERVICE>_ADDRESS`` from the chart's ConfigMap) and its own private key, so the tool
needs no arguments there: ``kubectl exec deploy/kotopolku-gateway -- kotopolku-sre status``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kotopolku.common.identity import (
    GATEWAY_ISSUER,
    SERVICE_ISSUER_PREFIX,
    AssertionSigner,
    Caller,
    Role,
    ServiceAssertion,
)

_ADDRESS_VARIABLE = re.compile(r"^KOTOPOLKU_([A-Z][A-Z0-9_]*)_ADDRESS$")
# The subject recorded when the tool asks as an administrator (audit logs, service logs).
SRE_SUBJECT = "kotopolku-sre"


class TargetError(ValueError):
    """A usage problem the operator can fix; the message says how."""


@dataclass(frozen=True, slots=True)
class Target:
    service: str
    address: str


def targets_from_environment(environ: Mapping[str, str]) -> list[Target]:
    """Every ``KOTOPOLKU_<NAME>_ADDRESS`` variable, as service ``<name>``."""
    found = []
    for variable, address in environ.items():
        match = _ADDRESS_VARIABLE.match(variable)
        if match and address:
            found.append(Target(match.group(1).lower().replace("_", "-"), address))
    return sorted(found, key=lambda t: t.service)


def parse_targets(pairs: Iterable[str]) -> list[Target]:
    """``name=host:port`` arguments."""
    parsed = []
    for pair in pairs:
        name, sep, address = pair.partition("=")
        if not sep or not name or ":" not in address:
            raise TargetError(f"--address {pair!r}: expected NAME=HOST:PORT, e.g. clients=:50051")
        parsed.append(Target(name, address))
    return parsed


def assertion_source(
    key_file: Path | None, role: str, environ: Mapping[str, str]
) -> Callable[[], str]:
    """The caller assertion the tool sends with GetStatus.

    ``service``: the services' key (role internal-service). ``admin``: the gateway's key,
    asserting an administrator. ``auto`` takes whichever key this pod has, the service key first.
    """
    service_key = key_file or Path(
        environ.get("KOTOPOLKU_SERVICE_KEY_FILE", "var/keys/service.pem")
    )
    gateway_key = key_file or Path(
        environ.get("KOTOPOLKU_GATEWAY_KEY_FILE", "var/keys/gateway.pem")
    )
    if role == "auto":
        role = "service" if service_key.is_file() or not gateway_key.is_file() else "admin"
    if role == "service":
        if not service_key.is_file():
            raise TargetError(f"no service key at {service_key}: pass --key-file")
        signer = AssertionSigner.from_file(service_key, f"{SERVICE_ISSUER_PREFIX}sre")
        return ServiceAssertion(signer, "sre", lifetime=300)
    if not gateway_key.is_file():
        raise TargetError(f"no gateway key at {gateway_key}: pass --key-file")
    signer = AssertionSigner.from_file(gateway_key, GATEWAY_ISSUER)
    admin = Caller(SRE_SUBJECT, frozenset({Role.ADMIN}), "administration")
    return lambda: signer.sign(admin, lifetime=300)


def default_environment() -> Mapping[str, str]:
    return os.environ
