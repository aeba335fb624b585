"""Identity sent straight to a backend service over gRPC, past the gateway: every method of every
running service refuses every spoof with UNAUTHENTICATED before a handler runs.

Spoofs: no assertion; plain metadata a naive service might believe (user, roles, municipality, a
real Keycloak access token); an unsigned assertion; one signed with a key of our own; an HMAC
keyed with the gateway's public key; the service key claiming a user; the gateway key claiming
the internal-service role; and a captured assertion replayed after it expired. The same methods
answer a correctly signed assertion (so the refusals are not an accident of the request), and
the service key's internal-service role is refused by everything but the few calls it exists for.

The forged-with-real-key cases need the private keys of a local stack ($KOTOPOLKU_VAR/keys); the
rest run against any system whose services can be reached (KOTOPOLKU_GRPC_ADDRESSES).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import message_factory

from e2e.conftest import Api
from e2e.security.backends import backend_names, grpc_addresses, key_file
from e2e.security.calls import PARAMETERS
from e2e.security.world import World
from kotopolku.common.identity import (
    AUDIENCE,
    GATEWAY_ISSUER,
    INTERNAL_SERVICE_ROLE,
    METADATA_KEY,
    SERVICE_ISSUER_PREFIX,
    AssertionSigner,
    Caller,
    Role,
)
from kotopolku.ops.v1 import status_pb2

# A caller of a municipality that holds no data, so that a served request harms nothing.
PROBE = Caller(
    subject="security-probe",
    roles=frozenset({Role.MUNICIPAL_OFFICER}),
    purpose="integration-services",
    municipality="999",
)
# What the service key's internal-service role is for (docs/security.md); everything else must
# refuse it.
INTERNAL_CALLS = frozenset(
    {
        "kotopolku.audit.v1.AuditService/AppendEvents",
        # A service's own notifications: sent, cancelled and read back by the service.
        "kotopolku.messaging.v1.MessagingService/SendNotification",
        "kotopolku.messaging.v1.MessagingService/CancelNotification",
        "kotopolku.messaging.v1.MessagingService/GetNotification",
        "kotopolku.messaging.v1.MessagingService/ListNotifications",
        "kotopolku.ops.v1.StatusService/GetStatus",
        # Data-free documents anyone with a valid identity may read.
        "kotopolku.reporting.v1.ReportingService/GetNationalExtractSchema",
    }
)
REFUSED_AS_INTERNAL = frozenset(
    {
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
    }
)


# Request fields filled with the world's ids, so that handlers get past validation to the
# access check (field name → world record).
ID_FIELDS = {
    **PARAMETERS,
    "signing_request_id": "signing_request",
    "plan_service_id": "plan_service",
    "programme_service_id": "programme_service",
    "attachment_id": "contract_attachment",
}


@dataclass(frozen=True)
class Method:
    service: str
    path: str  # /package.Service/Method
    request: bytes = b""


def _request(descriptor: Any, world: World) -> bytes:
    message = message_factory.GetMessageClass(descriptor.input_type)()
    for field in descriptor.input_type.fields:
        record = ID_FIELDS.get(field.name)
        if record in world.ids and field.type == field.TYPE_STRING and not field.is_repeated:
            setattr(message, field.name, world[record])
    return bytes(message.SerializeToString())


def _methods(service: str, world: World) -> list[Method]:
    module = importlib.import_module(f"kotopolku.{service}.v1.{service}_pb2")
    descriptors = [
        *module.DESCRIPTOR.services_by_name.values(),
        *status_pb2.DESCRIPTOR.services_by_name.values(),
    ]
    return [
        Method(service, f"/{descriptor.full_name}/{method.name}", _request(method, world))
        for descriptor in descriptors
        for method in descriptor.methods
    ]


@pytest.fixture(scope="module")
def channels(http: httpx.Client) -> Iterator[dict[str, grpc.Channel]]:
    addresses = grpc_addresses(backend_names(http))
    opened = {name: grpc.insecure_channel(address) for name, address in addresses.items()}
    try:
        for name, channel in opened.items():
            try:
                grpc.channel_ready_future(channel).result(timeout=5)
            except grpc.FutureTimeoutError:
                pytest.skip(f"the {name} service at {addresses[name]} cannot be reached from here")
        yield opened
    finally:
        for channel in opened.values():
            channel.close()


@pytest.fixture(scope="module")
def methods(channels: dict[str, grpc.Channel], world: World) -> list[Method]:
    found = [method for service in sorted(channels) for method in _methods(service, world)]
    assert found
    return found


def _call(
    channel: grpc.Channel, method: Method, metadata: list[tuple[str, str]]
) -> grpc.StatusCode:
    stub = channel.unary_unary(
        method.path, request_serializer=lambda b: b, response_deserializer=lambda b: b
    )
    try:
        stub(method.request, metadata=metadata, timeout=10)
    except grpc.RpcError as error:
        return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(issuer: str, roles: list[str], **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": "spoofed-officer",
        "iat": now,
        "exp": now + 120,
        "roles": roles,
        "pur": "integration-services",
        "mun": "091",
        **extra,
    }


def _public_pem(private: Path) -> bytes:
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _spoofs(officer_token: str) -> dict[str, list[tuple[str, str]]]:
    officer = [Role.MUNICIPAL_OFFICER]
    own_key = Ed25519PrivateKey.generate()
    spoofs: dict[str, list[tuple[str, str]]] = {
        "no assertion": [],
        "plain identity metadata": [
            ("x-user", "helsinki.officer"),
            ("x-roles", Role.MUNICIPAL_OFFICER),
            ("x-municipality", "091"),
            ("x-kotopolku-subject", "spoofed-officer"),
        ],
        "the claims as plain JSON": [(METADATA_KEY, json.dumps(_claims(GATEWAY_ISSUER, officer)))],
        "a real Keycloak access token": [
            ("authorization", f"Bearer {officer_token}"),
            (METADATA_KEY, officer_token),
        ],
        "an unsigned assertion": [
            (
                METADATA_KEY,
                f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(GATEWAY_ISSUER, officer))}.",
            )
        ],
        "an assertion signed with a key of our own": [
            (
                METADATA_KEY,
                jwt.encode(_claims(GATEWAY_ISSUER, officer), own_key, algorithm="EdDSA"),
            )
        ],
    }
    gateway, service = key_file("gateway"), key_file("service")
    if gateway is not None:
        signer = AssertionSigner.from_file(gateway, GATEWAY_ISSUER)
        signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}." + _b64(
            _claims(GATEWAY_ISSUER, officer)
        )
        mac = hmac.new(_public_pem(gateway), signing_input.encode(), hashlib.sha256).digest()
        spoofs["an HMAC keyed with the gateway's public key"] = [
            (METADATA_KEY, f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}")
        ]
        spoofs["a replayed assertion that has expired"] = [
            (METADATA_KEY, signer.sign(PROBE, lifetime=-60))
        ]
        spoofs["the gateway key claiming the internal-service role"] = [
            (
                METADATA_KEY,
                signer.sign(
                    Caller("kotopolku-service:clients", frozenset({INTERNAL_SERVICE_ROLE}), "x")
                ),
            )
        ]
    if service is not None:
        service_signer = AssertionSigner.from_file(service, f"{SERVICE_ISSUER_PREFIX}clients")
        spoofs["the service key claiming a user"] = [(METADATA_KEY, service_signer.sign(PROBE))]
        spoofs["the service key claiming a user beside internal-service"] = [
            (
                METADATA_KEY,
                service_signer.sign(
                    Caller(
                        "kotopolku-service:clients",
                        frozenset({INTERNAL_SERVICE_ROLE, Role.MUNICIPAL_OFFICER}),
                        "x",
                        municipality="091",
                    )
                ),
            )
        ]
    return spoofs


def test_every_method_refuses_spoofed_identity(
    channels: dict[str, grpc.Channel], methods: list[Method], officer: Api
) -> None:
    spoofs = _spoofs(officer.token or "")
    accepted = [
        f"{name}: {method.path} answered {code.name}"
        for name, metadata in spoofs.items()
        for method in methods
        if (code := _call(channels[method.service], method, metadata))
        is not grpc.StatusCode.UNAUTHENTICATED
    ]
    assert not accepted, "\n".join(accepted)
    if key_file("gateway") is None or key_file("service") is None:
        pytest.skip("no private keys of a local stack: the spoofs made with real keys were not run")


def _require_key(name: str) -> Path:
    path = key_file(name)
    if path is None:
        pytest.skip(f"no {name} key of a local stack in $KOTOPOLKU_VAR/keys")
    return path


def test_every_method_serves_a_correctly_signed_assertion(
    channels: dict[str, grpc.Channel], methods: list[Method]
) -> None:
    """The control of the test above: the refusals come from the identity, not the request."""
    signer = AssertionSigner.from_file(_require_key("gateway"), GATEWAY_ISSUER)
    metadata = [(METADATA_KEY, signer.sign(PROBE))]
    refused = [
        f"{method.path}: {code.name}"
        for method in methods
        if (code := _call(channels[method.service], method, metadata))
        in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL)
    ]
    assert not refused, "\n".join(refused)


def test_the_internal_service_role_opens_only_its_own_calls(
    channels: dict[str, grpc.Channel], methods: list[Method]
) -> None:
    signer = AssertionSigner.from_file(
        _require_key("service"), f"{SERVICE_ISSUER_PREFIX}security-probe"
    )
    metadata = [(METADATA_KEY, signer.sign(signer.service_caller("security-probe")))]
    served = [
        f"{method.path}: {code.name}"
        for method in methods
        if method.path.lstrip("/") not in INTERNAL_CALLS
        and (code := _call(channels[method.service], method, metadata)) not in REFUSED_AS_INTERNAL
    ]
    assert not served, "the service key was served by:\n" + "\n".join(served)
