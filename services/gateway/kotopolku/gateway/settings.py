"""Gateway configuration (environment variables with the ``KOTOPOLKU_`` prefix)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from kotopolku.common.settings import CommonSettings


class GatewaySettings(CommonSettings):
    http_host: str = "127.0.0.1"
    http_port: int = Field(8000, ge=1, le=65535)
    # The issuer exactly as it appears in tokens (the public URL of the realm).
    oidc_issuer: str = "http://127.0.0.1:8080/realms/kotopolku"
    # Where the gateway itself fetches keys; defaults to the issuer's certs endpoint. Lets the
    # cluster reach Keycloak by an internal address while tokens name the public one.
    oidc_jwks_url: str = ""
    oidc_audience: str = "kotopolku-gateway"
    # The public Keycloak client the self-service pages (/app/) sign clients in with.
    ui_client_id: str = "kotopolku-ui"
    # Only asymmetric algorithms; never taken from the provider's list or the token header.
    oidc_algorithms: tuple[str, ...] = ("RS256", "ES256")
    oidc_leeway_seconds: int = Field(10, ge=0, le=300)
    # How long fetched keys are trusted before a refresh is attempted; on failure the cached
    # keys keep working so a brief Keycloak outage does not log everyone out.
    jwks_cache_seconds: int = Field(300, ge=10)
    gateway_key_file: Path = Path("var/keys/gateway.pem")
    clients_address: str = "127.0.0.1:50051"
    assessment_address: str = "127.0.0.1:50053"
    plans_address: str = "127.0.0.1:50054"
    programme_address: str = "127.0.0.1:50055"
    welfare_address: str = "127.0.0.1:50056"
    messaging_address: str = "127.0.0.1:50058"
    appointments_address: str = "127.0.0.1:50057"
    interpretation_address: str = "127.0.0.1:50059"
    esign_address: str = "127.0.0.1:50060"
    contracts_address: str = "127.0.0.1:50062"
    guidance_address: str = "127.0.0.1:50063"
    archive_address: str = "127.0.0.1:50061"
    reporting_address: str = "127.0.0.1:50064"
    audit_address: str = "127.0.0.1:50052"
    # Deadline of one backend call.
    backend_timeout_seconds: float = Field(5.0, gt=0)
    # Deadline of a read-aloud call (speech synthesis takes longer than a database read).
    speech_timeout_seconds: float = Field(15.0, gt=0)
    # Deadline of a whole-log verification, which reads every audit entry: about 100-200k
    # entries/s in the audit service, so two minutes covers a log of well over ten million.
    verify_timeout_seconds: float = Field(120.0, gt=0)
    # Retry-After sent with 503 when a backend is unavailable.
    retry_after_seconds: int = Field(2, ge=1)
    # Outreach target-group lists (uploaded as the request body): the largest list taken, and
    # the deadline of its import (one transaction over every row).
    outreach_import_max_bytes: int = Field(4 * 1024 * 1024, ge=1024, le=15 * 1024 * 1024)
    outreach_import_timeout_seconds: float = Field(60.0, gt=0)

    def backend_addresses(self) -> dict[str, str]:
        """Every backend the gateway calls, by name (a new service adds one setting above)."""
        return {
            name.removesuffix("_address"): value
            for name, value in self.model_dump().items()
            if name.endswith("_address") and isinstance(value, str)
        }

    @property
    def jwks_url(self) -> str:
        return self.oidc_jwks_url or f"{self.oidc_issuer}/protocol/openid-connect/certs"
