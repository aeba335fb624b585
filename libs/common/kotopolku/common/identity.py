"""Who is calling: the typed caller context and the signed assertion that carries it.

The gateway validates the Keycloak token and mints a short-lived *caller assertion*: a JWT signed
with the gateway's Ed25519 key, sent in the ``x-kotopolku-caller`` gRPC metadata entry. Services
hold only public keys, so a pod that can reach a service still cannot invent a user. Background
work of a service (audit delivery) is signed with the separate service key and carries only the
``internal-service`` role. The threat model is in docs/security.md.
"""

from __future__ import annotations

import contextvars
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kotopolku.common.errors import Unauthenticated

METADATA_KEY: Final = "x-kotopolku-caller"
AUDIENCE: Final = "kotopolku-internal"
GATEWAY_ISSUER: Final = "kotopolku-gateway"
SERVICE_ISSUER_PREFIX: Final = "kotopolku-service:"
INTERNAL_SERVICE_ROLE: Final = "internal-service"
ASSERTION_LIFETIME_SECONDS: Final = 120
_ALGORITHM: Final = "EdDSA"


class Role:
    """Realm roles of Keycloak (deploy/keycloak/kotopolku-realm.json)."""

    MUNICIPAL_OFFICER: Final = "municipal-officer"
    EMPLOYMENT_OFFICER: Final = "employment-officer"
    WELFARE_AREA_WORKER: Final = "welfare-area-worker"
    SERVICE_PROVIDER: Final = "service-provider"
    CLIENT: Final = "client"
    REFERRER: Final = "referrer"
    MANAGER: Final = "manager"
    AUDITOR: Final = "auditor"
    ADMIN: Final = "admin"
    # An interpreting service's interpreter (tulkki): own bookings only.
    INTERPRETER: Final = "interpreter"
    # The municipality's archivist (arkistonhoitaja): retention, packages, disposal.
    ARCHIVIST: Final = "archivist"


@dataclass(frozen=True, slots=True)
class XRoadHeaders:
    """The X-Road (Suomi.fi-palveluväylä) REST headers of a call that came through a security
    server. They identify the call in the partner's own logs, so the audit record keeps them.

    ``client`` is the calling subsystem (``X-Road-Client``: ``INSTANCE/CLASS/MEMBER/SUBSYSTEM``),
    ``message_id`` the message id (``X-Road-Id``), ``user_id`` the end user in the client
    organisation (``X-Road-UserId``; personal data, never logged) and ``issue`` the case the call
    belongs to (``X-Road-Issue``).
    """

    client: str = ""
    message_id: str = ""
    user_id: str = field(default="", repr=False)
    issue: str = ""

    def audit_context(self) -> tuple[tuple[str, str], ...]:
        """The headers as named audit facts; absent ones are left out."""
        named = (
            ("x-road-client", self.client),
            ("x-road-id", self.message_id),
            ("x-road-user-id", self.user_id),
            ("x-road-issue", self.issue),
        )
        return tuple((name, value) for name, value in named if value)

    def claims(self) -> dict[str, str]:
        named = {"c": self.client, "i": self.message_id, "u": self.user_id, "s": self.issue}
        return {key: value for key, value in named.items() if value}

    @classmethod
    def from_claims(cls, claims: Any) -> XRoadHeaders | None:
        if not isinstance(claims, dict):
            return None
        values = {key: str(claims.get(key) or "") for key in ("c", "i", "u", "s")}
        headers = cls(values["c"], values["i"], values["u"], values["s"])
        return headers if headers.audit_context() else None


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller of one request, as every service sees it."""

    subject: str
    roles: frozenset[str]
    purpose: str
    municipality: str | None = None
    welfare_area: str | None = None
    # Organisation of a referring authority's service account, e.g. "migri".
    organisation: str | None = None
    # Identity code of a client user (from strong authentication); personal data, never logged.
    henkilotunnus: str | None = field(default=None, repr=False)
    # The client record of a client user, once the gateway has resolved it (self-service calls).
    client_id: str | None = None
    # Set when the call came through an X-Road security server.
    xroad: XRoadHeaders | None = field(default=None, repr=False)
    # How strongly the user authenticated (the token's ``acr``, e.g. an eIDAS level of assurance)
    # and when (``auth_time``, seconds since the epoch): evidence of an approval or signature.
    acr: str | None = None
    auth_time: int | None = None
    # The assertion this context came from, forwarded on calls made while serving the request.
    assertion: str = field(default="", repr=False, compare=False)

    def has_any(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_internal_service(self) -> bool:
        return INTERNAL_SERVICE_ROLE in self.roles


def service_caller(service_name: str) -> Caller:
    """A service acting on its own behalf (background work), as audit records name it."""
    return Caller(
        subject=f"{SERVICE_ISSUER_PREFIX}{service_name}",
        roles=frozenset({INTERNAL_SERVICE_ROLE}),
        purpose="system-operation",
    )


_current_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "kotopolku_caller", default=None
)


def current_caller() -> Caller:
    caller = _current_caller.get()
    if caller is None:
        raise Unauthenticated("No caller identity in this context")
    return caller


def set_current_caller(caller: Caller | None) -> contextvars.Token[Caller | None]:
    return _current_caller.set(caller)


def reset_current_caller(token: contextvars.Token[Caller | None]) -> None:
    _current_caller.reset(token)


class AssertionSigner:
    """Mints caller assertions; held by the gateway (users) and by services (themselves)."""

    def __init__(self, private_key: Ed25519PrivateKey, issuer: str) -> None:
        self._key = private_key
        self._issuer = issuer

    @classmethod
    def from_file(cls, path: Path, issuer: str) -> AssertionSigner:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key, issuer)

    def sign(self, caller: Caller, lifetime: int = ASSERTION_LIFETIME_SECONDS) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": AUDIENCE,
            "sub": caller.subject,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "roles": sorted(caller.roles),
            "pur": caller.purpose,
        }
        optional = {
            "mun": caller.municipality,
            "wa": caller.welfare_area,
            "org": caller.organisation,
            "hetu": caller.henkilotunnus,
            "cid": caller.client_id,
            "acr": caller.acr,
            "auth_time": caller.auth_time,
        }
        claims.update({k: v for k, v in optional.items() if v})
        if caller.xroad is not None and caller.xroad.claims():
            claims["xrd"] = caller.xroad.claims()
        return jwt.encode(claims, self._key, algorithm=_ALGORITHM)

    def service_caller(self, service_name: str) -> Caller:
        return service_caller(service_name)


class ServiceAssertion:
    """A service's own assertion for the calls it makes on its own behalf, re-minted when half
    of its lifetime has passed."""

    def __init__(self, signer: AssertionSigner, service: str, lifetime: int = 3600) -> None:
        self._signer = signer
        self._caller = signer.service_caller(service)
        self._lifetime = lifetime
        self._token = ""
        self._renew_at = 0.0

    def __call__(self) -> str:
        now = time.monotonic()
        if now >= self._renew_at:
            self._token = self._signer.sign(self._caller, self._lifetime)
            self._renew_at = now + self._lifetime / 2
        return self._token


class AssertionVerifier:
    """Checks caller assertions: signature, audience, expiry, and who may have issued them.

    Verified assertions are cached until they expire, so a request whose assertion is reused
    across hops pays for the signature check once per process.
    """

    def __init__(
        self,
        gateway_key: Ed25519PublicKey,
        service_key: Ed25519PublicKey | None,
        cache_size: int = 10_000,
    ) -> None:
        self._gateway_key = gateway_key
        self._service_key = service_key
        self._cache: OrderedDict[str, tuple[float, Caller]] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_files(cls, gateway_public: Path, service_public: Path | None) -> AssertionVerifier:
        service_key = (
            load_public_key(service_public)
            if service_public is not None and service_public.exists()
            else None
        )
        return cls(load_public_key(gateway_public), service_key)

    def verify(self, token: str) -> Caller:
        cached = self._cache.get(token)
        now = time.time()
        if cached is not None and cached[0] > now:
            return cached[1]
        caller, expires = self._verify_uncached(token)
        self._cache[token] = (expires, caller)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return caller

    def _verify_uncached(self, token: str) -> tuple[Caller, float]:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss", "")
        except jwt.PyJWTError as exc:
            raise Unauthenticated("Malformed caller assertion") from exc
        if issuer == GATEWAY_ISSUER:
            key = self._gateway_key
        elif issuer.startswith(SERVICE_ISSUER_PREFIX) and self._service_key is not None:
            key = self._service_key
        else:
            raise Unauthenticated("Caller assertion from an unknown issuer")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[_ALGORITHM],
                audience=AUDIENCE,
                issuer=issuer,
                leeway=5,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"Invalid caller assertion: {exc}") from exc
        roles = frozenset(str(r) for r in claims.get("roles", []))
        # Only the service key may grant the internal-service role, and it grants nothing else.
        if issuer == GATEWAY_ISSUER and INTERNAL_SERVICE_ROLE in roles:
            raise Unauthenticated("The gateway cannot assert an internal service")
        if issuer != GATEWAY_ISSUER and roles != {INTERNAL_SERVICE_ROLE}:
            raise Unauthenticated("A service assertion can only carry the internal-service role")
        caller = Caller(
            subject=str(claims["sub"]),
            roles=roles,
            purpose=str(claims.get("pur", "")),
            municipality=claims.get("mun"),
            welfare_area=claims.get("wa"),
            organisation=claims.get("org"),
            henkilotunnus=claims.get("hetu"),
            client_id=claims.get("cid"),
            xroad=XRoadHeaders.from_claims(claims.get("xrd")),
            acr=_optional_text(claims.get("acr")),
            auth_time=_optional_int(claims.get("auth_time")),
            assertion=token,
        )
        return caller, float(claims["exp"])


def _optional_text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _optional_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def generate_key_pair(private_path: Path, public_path: Path) -> None:
    """Writes a new Ed25519 key pair (dev and tests; production keys come from a Secret)."""
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def ensure_dev_keys(key_dir: Path, names: Iterable[str] = ("gateway", "service")) -> None:
    for name in names:
        private, public = key_dir / f"{name}.pem", key_dir / f"{name}.pub"
        if not (private.exists() and public.exists()):
            generate_key_pair(private, public)
