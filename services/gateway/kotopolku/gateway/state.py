"""What the gateway holds for its lifetime: settings, token validator, backend stubs."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import grpc
import httpx

from kotopolku.appointments.v1 import appointments_pb2_grpc
from kotopolku.archive.v1 import archive_pb2_grpc
from kotopolku.assessment.v1 import assessment_pb2_grpc
from kotopolku.audit.v1 import audit_pb2_grpc
from kotopolku.clients.v1 import clients_pb2_grpc, outreach_pb2_grpc
from kotopolku.common.channels import open_channel
from kotopolku.common.errors import parse_rpc_error
from kotopolku.common.identity import (
    ASSERTION_LIFETIME_SECONDS,
    GATEWAY_ISSUER,
    METADATA_KEY,
    AssertionSigner,
    Caller,
)
from kotopolku.contracts.v1 import contracts_pb2_grpc
from kotopolku.esign.v1 import esign_pb2_grpc
from kotopolku.gateway.auth.tokens import JwksCache, TokenValidator
from kotopolku.gateway.problems import from_remote
from kotopolku.gateway.settings import GatewaySettings
from kotopolku.guidance.v1 import guidance_pb2_grpc
from kotopolku.interpretation.v1 import interpretation_pb2_grpc
from kotopolku.messaging.v1 import messaging_pb2_grpc
from kotopolku.plans.v1 import plans_pb2_grpc
from kotopolku.programme.v1 import programme_pb2_grpc
from kotopolku.reporting.v1 import reporting_pb2_grpc
from kotopolku.welfare.v1 import welfare_pb2_grpc

Response = TypeVar("Response")


class AssertionCache:
    """Mints the internal caller assertion once per (caller, purpose) and reuses it for a while,
    which also lets services reuse their verification of it."""

    def __init__(self, signer: AssertionSigner, size: int = 20_000) -> None:
        self._signer = signer
        self._cache: OrderedDict[bytes, tuple[float, str]] = OrderedDict()
        self._size = size
        self._reuse_seconds = ASSERTION_LIFETIME_SECONDS / 2

    def assertion(self, caller: Caller) -> str:
        key = hashlib.blake2b(
            repr(
                (
                    caller.subject,
                    sorted(caller.roles),
                    caller.purpose,
                    caller.municipality,
                    caller.welfare_area,
                    caller.organisation,
                    caller.henkilotunnus,
                    caller.client_id,
                    caller.xroad.claims() if caller.xroad is not None else None,
                    caller.acr,
                    caller.auth_time,
                )
            ).encode(),
            digest_size=20,
        ).digest()
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        token = self._signer.sign(caller)
        self._cache[key] = (now + self._reuse_seconds, token)
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return token


@dataclass
class GatewayState:
    settings: GatewaySettings
    tokens: TokenValidator
    assertions: AssertionCache
    clients: clients_pb2_grpc.ClientsServiceAsyncStub
    audit: audit_pb2_grpc.AuditServiceAsyncStub
    assessment: assessment_pb2_grpc.AssessmentServiceAsyncStub
    plans: plans_pb2_grpc.PlansServiceAsyncStub
    programme: programme_pb2_grpc.ProgrammeServiceAsyncStub
    welfare: welfare_pb2_grpc.WelfareServiceAsyncStub
    messaging: messaging_pb2_grpc.MessagingServiceAsyncStub
    appointments: appointments_pb2_grpc.AppointmentsServiceAsyncStub
    interpretation: interpretation_pb2_grpc.InterpretationServiceAsyncStub
    esign: esign_pb2_grpc.EsignServiceAsyncStub
    contracts: contracts_pb2_grpc.ContractsServiceAsyncStub
    guidance: guidance_pb2_grpc.GuidanceServiceAsyncStub
    archive: archive_pb2_grpc.ArchiveServiceAsyncStub
    reporting: reporting_pb2_grpc.ReportingServiceAsyncStub
    # Outreach lists are served by the clients service.
    outreach: outreach_pb2_grpc.OutreachServiceAsyncStub
    # Backend name → channel, for readiness checks and closing.
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    http: httpx.AsyncClient | None = None

    @classmethod
    def create(
        cls,
        settings: GatewaySettings,
        channel_opener: Callable[[str, Callable[[], str | None]], Any] = open_channel,
    ) -> GatewayState:
        """``channel_opener``: in-process channels instead (kotopolku.common.inprocess)."""
        http = httpx.AsyncClient()
        jwks = JwksCache(settings.jwks_url, settings.jwks_cache_seconds, http)
        tokens = TokenValidator(
            jwks,
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            algorithms=settings.oidc_algorithms,
            leeway_seconds=settings.oidc_leeway_seconds,
        )
        signer = AssertionSigner.from_file(settings.gateway_key_file, GATEWAY_ISSUER)
        # The gateway adds the assertion itself per call, so channels forward nothing.
        channels = {
            name: channel_opener(address, lambda: None)
            for name, address in settings.backend_addresses().items()
        }
        return cls(
            settings=settings,
            tokens=tokens,
            assertions=AssertionCache(signer),
            clients=clients_pb2_grpc.ClientsServiceStub(channels["clients"]),  # type: ignore[arg-type]
            audit=audit_pb2_grpc.AuditServiceStub(channels["audit"]),  # type: ignore[arg-type]
            assessment=assessment_pb2_grpc.AssessmentServiceStub(channels["assessment"]),  # type: ignore[arg-type]
            plans=plans_pb2_grpc.PlansServiceStub(channels["plans"]),  # type: ignore[arg-type]
            programme=programme_pb2_grpc.ProgrammeServiceStub(channels["programme"]),  # type: ignore[arg-type]
            welfare=welfare_pb2_grpc.WelfareServiceStub(channels["welfare"]),  # type: ignore[arg-type]
            messaging=messaging_pb2_grpc.MessagingServiceStub(channels["messaging"]),  # type: ignore[arg-type]
            appointments=appointments_pb2_grpc.AppointmentsServiceStub(channels["appointments"]),  # type: ignore[arg-type]
            interpretation=interpretation_pb2_grpc.InterpretationServiceStub(  # type: ignore[arg-type]
                channels["interpretation"]
            ),
            esign=esign_pb2_grpc.EsignServiceStub(channels["esign"]),  # type: ignore[arg-type]
            contracts=contracts_pb2_grpc.ContractsServiceStub(channels["contracts"]),  # type: ignore[arg-type]
            guidance=guidance_pb2_grpc.GuidanceServiceStub(channels["guidance"]),  # type: ignore[arg-type]
            archive=archive_pb2_grpc.ArchiveServiceStub(channels["archive"]),  # type: ignore[arg-type]
            reporting=reporting_pb2_grpc.ReportingServiceStub(channels["reporting"]),  # type: ignore[arg-type]
            outreach=outreach_pb2_grpc.OutreachServiceStub(channels["clients"]),  # type: ignore[arg-type]
            channels=channels,
            http=http,
        )

    async def call(
        self,
        method: Callable[..., Awaitable[Response]],
        request: Any,
        caller: Caller,
        *,
        deadline_seconds: float | None = None,
    ) -> Response:
        """One backend call with the caller's assertion and a deadline; errors become problems."""
        metadata = ((METADATA_KEY, self.assertions.assertion(caller)),)
        try:
            return await method(
                request,
                metadata=metadata,
                timeout=deadline_seconds or self.settings.backend_timeout_seconds,
            )
        except grpc.aio.AioRpcError as error:
            raise from_remote(parse_rpc_error(error), self.settings.retry_after_seconds) from error

    def with_client(self, caller: Caller, client_id: str) -> Caller:
        return replace(caller, client_id=client_id)

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
        if self.http is not None:
            await self.http.aclose()
