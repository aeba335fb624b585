"""Shared helpers of the guidance service's integration tests: callers, a settable clock, the
running clients and guidance services with typed shortcuts, and sample data."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS_DEFINITION
from kotopolku.clients.service import ClientsSettings
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import METADATA_KEY, Caller, Role
from kotopolku.common.server import ServiceHost
from kotopolku.guidance.service import DEFINITION, GuidanceSettings
from kotopolku.guidance.tables import audit_outbox
from kotopolku.guidance.v1 import guidance_pb2 as pb
from kotopolku.guidance.v1 import guidance_pb2_grpc

PURPOSE = "integration-services"
UNREACHABLE = "127.0.0.1:1"
# 10:00 in Helsinki on Monday 2 March 2026.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
_municipalities = itertools.count(100)


def staff(subject: str, role: str, municipality: str) -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=PURPOSE, municipality=municipality
    )


@dataclass(frozen=True)
class Office:
    """The staff of one municipality, unique per test so that tests sharing a database never see
    each other's records."""

    code: str

    @classmethod
    def new(cls) -> Office:
        return cls(f"{next(_municipalities):03d}")

    @property
    def officer(self) -> Caller:
        return staff(f"officer-{self.code}", Role.MUNICIPAL_OFFICER, self.code)

    @property
    def colleague(self) -> Caller:
        return staff(f"colleague-{self.code}", Role.MUNICIPAL_OFFICER, self.code)

    @property
    def employment(self) -> Caller:
        return staff(f"employment-{self.code}", Role.EMPLOYMENT_OFFICER, self.code)

    @property
    def manager(self) -> Caller:
        return staff(f"manager-{self.code}", Role.MANAGER, self.code)


CLIENT_USER = Caller(
    subject="client-1", roles=frozenset({Role.CLIENT}), purpose="self-service", henkilotunnus=""
)
REFERRER = Caller(
    subject="migri", roles=frozenset({Role.REFERRER}), purpose="referral", organisation="migri"
)


def anonymous_visit(point_id: str, **fields: Any) -> pb.AnonymousVisit:
    values: dict[str, Any] = {
        "service_point_id": point_id,
        "visited_on": "2026-03-02",
        "channel": pb.CHANNEL_ON_SITE,
        "language": "ar",
        "age_band": pb.AGE_BAND_30_TO_44,
        "topics": [pb.TOPIC_HOUSING, pb.TOPIC_SOCIAL_SECURITY],
        "interpreter": pb.Interpretation(used=True, language="ar"),
        "referrals": [pb.REFERRAL_TARGET_KELA],
        "follow_up": pb.FOLLOW_UP_RETURN_VISIT,
    }
    values.update(fields)
    return pb.AnonymousVisit(**values)


def client_visit(client_id: str, **fields: Any) -> pb.Visit:
    values: dict[str, Any] = {
        "client_id": client_id,
        "visited_on": "2026-03-02",
        "channel": pb.CHANNEL_PHONE,
        "language": "fi",
        "topics": [pb.TOPIC_EMPLOYMENT],
        "referrals": [pb.REFERRAL_TARGET_EMPLOYMENT_SERVICES],
        "follow_up": pb.FOLLOW_UP_CHECK_REFERRAL,
        "follow_up_due": "2026-03-16",
        "notes": "Asiakas haluaa hakea töitä ravintola-alalta.",
    }
    values.update(fields)
    return pb.Visit(**values)


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Guidance:
    """The running clients and guidance services, channels to them, and shortcuts."""

    keys: testing.TestKeys
    clients_host: ServiceHost
    host: ServiceHost
    channels: list[grpc.aio.Channel]
    stub: guidance_pb2_grpc.GuidanceServiceAsyncStub
    clients: clients_pb2_grpc.ClientsServiceAsyncStub
    clock: Clock
    keys_used: list[int] = field(default_factory=lambda: [0])

    def md(self, caller: Caller) -> tuple[tuple[str, str], ...]:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def new_client(self, caller: Caller) -> clients_pb2.Client:
        return await self.clients.CreateClient(
            clients_pb2.CreateClientRequest(
                client=clients_pb2.Client(
                    first_names="Amina", last_name="Hassan", date_of_birth="1990-01-01"
                )
            ),
            metadata=self.md(caller),
        )

    async def link_consent(
        self, caller: Caller, client_id: str, **fields: Any
    ) -> clients_pb2.Consent:
        values: dict[str, Any] = {
            "client_id": client_id,
            "purpose": "counselling-visit-link",
            "scope": "Neuvontakäynti 2.3.2026 liitetään asiakastietoihin",
        }
        values.update(fields)
        return await self.clients.AddConsent(
            clients_pb2.AddConsentRequest(consent=clients_pb2.Consent(**values)),
            metadata=self.md(caller),
        )

    async def service_point(
        self, caller: Caller, name: str = "Neuvontapiste Kamppi", low_threshold: bool = True
    ) -> pb.ServicePoint:
        return await self.stub.CreateServicePoint(
            pb.CreateServicePointRequest(
                service_point=pb.ServicePoint(name=name, low_threshold=low_threshold)
            ),
            metadata=self.md(caller),
        )

    async def anonymous(
        self, caller: Caller, visit: pb.AnonymousVisit, key: str = ""
    ) -> pb.AnonymousVisit:
        return await self.stub.CreateAnonymousVisit(
            pb.CreateAnonymousVisitRequest(visit=visit, idempotency_key=key),
            metadata=self.md(caller),
        )

    async def visit(self, caller: Caller, visit: pb.Visit, key: str = "") -> pb.Visit:
        return await self.stub.CreateVisit(
            pb.CreateVisitRequest(visit=visit, idempotency_key=key), metadata=self.md(caller)
        )

    async def article(
        self,
        caller: Caller,
        question: str,
        answer: str,
        language: str = "fi",
        translation_of: str = "",
    ) -> pb.Article:
        return await self.stub.CreateArticle(
            pb.CreateArticleRequest(
                language=language,
                content=pb.ArticleContent(
                    question=question, answer=answer, topics=[pb.TOPIC_HOUSING]
                ),
                translation_of=translation_of,
            ),
            metadata=self.md(caller),
        )

    async def act(
        self, caller: Caller, article: pb.Article, action: int, comment: str = ""
    ) -> pb.Article:
        return await self.stub.TransitionArticle(
            pb.TransitionArticleRequest(
                article_id=article.id,
                action=action,
                comment=comment,
                expected_version=article.version,
            ),
            metadata=self.md(caller),
        )

    async def published(
        self, office: Office, question: str, answer: str, language: str = "fi", **kw: Any
    ) -> pb.Article:
        """An article written by the office's officer and published by a colleague."""
        draft = await self.article(office.officer, question, answer, language, **kw)
        submitted = await self.act(office.officer, draft, pb.ARTICLE_ACTION_SUBMIT)
        return await self.act(office.colleague, submitted, pb.ARTICLE_ACTION_PUBLISH)

    async def search(
        self, caller: Caller, query: str, **criteria: Any
    ) -> pb.SearchArticlesResponse:
        return await self.stub.SearchArticles(
            pb.SearchArticlesRequest(query=query, **criteria), metadata=self.md(caller)
        )

    async def rows(self, table: sa.Table, **where: Any) -> list[Any]:
        assert self.host.database is not None
        query = sa.select(table).where(*(table.c[k] == v for k, v in where.items()))
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(query)).all())

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [audit_pb2.AuditEvent.FromString(row.payload) for row in rows]

    async def stop(self) -> None:
        for channel in self.channels:
            await channel.close()
        await self.host.stop(0)
        await self.clients_host.stop(0)


def _settings(keys: testing.TestKeys) -> dict[str, Any]:
    return {
        "grpc_port": 0,
        "metrics_port": 0,
        "gateway_public_key_file": keys.gateway_public,
        "service_public_key_file": keys.service_public,
        "service_key_file": keys.service_private,
        "audit_address": UNREACHABLE,
        "shutdown_grace_seconds": 0,
    }


async def start_guidance(
    keys: testing.TestKeys, database_url: str, clients_database_url: str, clock: Clock
) -> Guidance:
    clients_host = ServiceHost(
        CLIENTS_DEFINITION,
        ClientsSettings(database_url=clients_database_url, **_settings(keys)),
        clock=clock,
        verifier=keys.verifier(),
    )
    clients_port = await clients_host.start()
    host = ServiceHost(
        DEFINITION,
        GuidanceSettings(
            database_url=database_url,
            clients_address=f"127.0.0.1:{clients_port}",
            **_settings(keys),
        ),
        clock=clock,
        verifier=keys.verifier(),
        # The series closer is driven step by step by the tests that need it.
        run_background=False,
    )
    try:
        port = await host.start()
    except BaseException:
        await clients_host.stop(0)
        raise
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    clients_channel = grpc.aio.insecure_channel(f"127.0.0.1:{clients_port}")
    return Guidance(
        keys,
        clients_host,
        host,
        [channel, clients_channel],
        guidance_pb2_grpc.GuidanceServiceStub(channel),  # type: ignore[arg-type]
        clients_pb2_grpc.ClientsServiceStub(clients_channel),  # type: ignore[arg-type]
        clock,
    )
