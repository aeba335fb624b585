"""Test support for the gateway suite: a real JWKS endpoint, signing keys, tokens, test data.

The JWKS server is a real HTTP server on 127.0.0.1 (``http.server`` in a thread) that serves a
document the test controls and counts the requests it received; tokens are signed with PyJWT by
keys generated with ``cryptography``. Nothing here replaces a part of the gateway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

AUDIENCE = "kotopolku-gateway"
REALM_PATH = "/realms/kotopolku"
CERTS_PATH = f"{REALM_PATH}/protocol/openid-connect/certs"
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@dataclass(frozen=True)
class SigningKey:
    """A private key of the test issuer with the ``kid`` it is published under."""

    kid: str
    alg: str
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def new_rsa(cls, kid: str) -> SigningKey:
        return cls(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def new_ec(cls, kid: str) -> SigningKey:
        return cls(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        text = (
            RSAAlgorithm.to_jwk(public)
            if isinstance(public, rsa.RSAPublicKey)
            else ECAlgorithm.to_jwk(public)
        )
        entry: dict[str, Any] = json.loads(text)
        entry.update(kid=self.kid, use="sig", alg=self.alg)
        return entry

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(
        self, claims: dict[str, Any], *, kid: str | None = None, typ: str | None = "JWT"
    ) -> str:
        headers: dict[str, Any] = {"kid": kid or self.kid}
        if typ is not None:
            headers["typ"] = typ
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=headers)


def unsigned_token(claims: dict[str, Any], kid: str) -> str:
    """``alg: none``, built by hand (PyJWT would not let a verifier accept it anyway)."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_segment(claims)}."


def hs256_token(claims: dict[str, Any], secret: bytes, kid: str, alg: str = "HS256") -> str:
    """A token MACed (HMAC-SHA256) with ``secret``, e.g. an RSA public key's PEM: the classic
    key-confusion attack. ``alg`` is what the header claims."""
    signing_input = f"{_segment({'alg': alg, 'typ': 'JWT', 'kid': kid})}.{_segment(claims)}"
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(digest)}"


def access_claims(
    issuer: str,
    *,
    subject: str = "officer-091",
    roles: Iterable[str] = ("municipal-officer",),
    lifetime: int = 300,
    **extra: Any,
) -> dict[str, Any]:
    """Claims shaped like a Keycloak access token for the gateway's audience."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": [AUDIENCE, "account"],
        "sub": subject,
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
        "typ": "Bearer",
        "azp": "kotopolku-web",
        "realm_access": {"roles": list(roles)},
    }
    claims.update(extra)
    return claims


class JwksServer:
    """Serves ``{"keys": [...]}`` at Keycloak's certs path; the test changes it at will."""

    def __init__(self, keys: Iterable[SigningKey]) -> None:
        self._lock = threading.Lock()
        self._document: Any = {"keys": [k.jwk() for k in keys]}
        self._requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self.running = True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != CERTS_PATH:
                    self.send_error(404)
                    return
                with owner._lock:
                    owner._requests += 1
                    body = json.dumps(owner._document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}{REALM_PATH}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{CERTS_PATH}"

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    def publish(self, *keys: SigningKey) -> None:
        self.serve_document({"keys": [k.jwk() for k in keys]})

    def serve_document(self, document: Any) -> None:
        with self._lock:
            self._document = document

    def stop(self) -> None:
        if self.running:
            self.running = False
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)


def hetu(birth: date, individual: int = 900) -> str:
    """A valid henkilötunnus (900-999: temporary), computed independently of the services."""
    sign = {18: "+", 19: "-", 20: "A"}[birth.year // 100]
    ddmmyy = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}"
    number = f"{individual:03d}"
    return f"{ddmmyy}{sign}{number}{CHECK_CHARACTERS[int(ddmmyy + number) % 31]}"


def with_bad_checksum(code: str) -> str:
    wrong = CHECK_CHARACTERS[(CHECK_CHARACTERS.index(code[-1]) + 1) % len(CHECK_CHARACTERS)]
    return code[:-1] + wrong
