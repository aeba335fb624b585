"""Shared helpers of the reporting service's integration tests: callers, a running reporting
service beside the real clients and messaging services, and shortcuts."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.audit.v1 import audit_pb2
from kotopolku.clients.service import DEFINITION as CLIENTS
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import (
    METADATA_KEY,
    SERVICE_ISSUER_PREFIX,
    AssertionSigner,
    Caller,
    Role,
)
from kotopolku.common.server import ServiceHost
from kotopolku.messaging.service import DEFINITION as MESSAGING
from kotopolku.reporting.access import FEEDBACK_LINK_ROLE
from kotopolku.reporting.service import DEFINITION
from kotopolku.reporting.tables import audit_outbox
from kotopolku.reporting.v1 import reporting_pb2 as pb
from kotopolku.reporting.v1 import reporting_pb2_grpc

Metadata = tuple[tuple[str, str], ...]


def staff(
    subject: str, role: str, municipality: str = "091", purpose: str = "management"
) -> Caller:
    return Caller(
        subject=subject, roles=frozenset({role}), purpose=purpose, municipality=municipality
    )


OFFICER = staff("officer-091", Role.MUNICIPAL_OFFICER, purpose="integration-services")
OFFICER_837 = staff("officer-837", Role.MUNICIPAL_OFFICER, "837", "integration-services")
MANAGER = staff("manager-091", Role.MANAGER)
MANAGER_837 = staff("manager-837", Role.MANAGER, "837")
AUDITOR = staff("auditor-091", Role.AUDITOR, purpose="audit-review")
ADMIN = Caller(subject="admin", roles=frozenset({Role.ADMIN}), purpose="administration")
LINK = Caller(subject="feedback-link", roles=frozenset({FEEDBACK_LINK_ROLE}), purpose="feedback")


def client_user(client_id: str) -> Caller:
    """A client user whose own record the gateway has resolved."""
    return Caller(
        subject=f"client-{client_id[:8]}",
        roles=frozenset({Role.CLIENT}),
        purpose="self-service",
        client_id=client_id,
    )


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    assert raised.value.code() == code, raised.value.details()
    return parse_rpc_error(raised.value)


def client_survey(**fields: Any) -> pb.Survey:
    values: dict[str, Any] = {
        "name": "Kotoutumiskoulutus – asiakaspalaute",
        "title": {"fi": "Miten onnistuimme?", "en": "How did we do?", "ar": "كيف كان أداؤنا؟"},
        "questions": [
            pb.Question(
                id="overall",
                kind=pb.QUESTION_KIND_SCORE,
                text={"fi": "Kokonaisarvio", "en": "Overall"},
                required=True,
            ),
            pb.Question(id="comment", kind=pb.QUESTION_KIND_TEXT, text={"fi": "Terveiset"}),
        ],
        "audience": pb.AUDIENCE_CLIENT,
        "anonymity": pb.ANONYMITY_RESPONDENT_CHOOSES,
    }
    values.update(fields)
    return pb.Survey(**values)


@dataclass
class Reporting:
    keys: testing.TestKeys
    host: ServiceHost
    clients_host: ServiceHost
    messaging_host: ServiceHost
    channel: grpc.aio.Channel
    clients_channel: grpc.aio.Channel

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    def service_md(self, service: str) -> Metadata:
        signer = AssertionSigner.from_file(
            self.keys.service_private, f"{SERVICE_ISSUER_PREFIX}{service}"
        )
        return ((METADATA_KEY, signer.sign(signer.service_caller(service))),)

    @property
    def stub(self) -> reporting_pb2_grpc.ReportingServiceAsyncStub:
        return reporting_pb2_grpc.ReportingServiceStub(self.channel)  # type: ignore[return-value]

    async def new_client(self, caller: Caller = OFFICER, **fields: Any) -> clients_pb2.Client:
        stub = clients_pb2_grpc.ClientsServiceStub(self.clients_channel)
        values: dict[str, Any] = {
            "first_names": "Amina",
            "last_name": "Palaute",
            "date_of_birth": "1990-01-01",
            "contact": clients_pb2.ContactDetails(email="amina@example.org"),
            **fields,
        }
        return await stub.CreateClient(  # type: ignore[no-any-return]
            clients_pb2.CreateClientRequest(client=clients_pb2.Client(**values)),
            metadata=self.md(caller),
        )

    async def survey(self, message: pb.Survey | None = None, caller: Caller = OFFICER) -> pb.Survey:
        return await self.stub.CreateSurvey(  # type: ignore[no-any-return]
            pb.CreateSurveyRequest(survey=message or client_survey()), metadata=self.md(caller)
        )

    async def invite(self, caller: Caller = OFFICER, **fields: Any) -> pb.Invitation:
        fields.setdefault("context_kind", pb.CONTEXT_KIND_PROGRAMME_SERVICE)
        fields.setdefault("respondent", pb.AUDIENCE_CLIENT)
        return await self.stub.CreateInvitation(  # type: ignore[no-any-return]
            pb.CreateInvitationRequest(**fields), metadata=self.md(caller)
        )

    async def report(self, caller: Caller = MANAGER, **fields: Any) -> pb.Report:
        return await self.stub.GetReport(  # type: ignore[no-any-return]
            pb.GetReportRequest(**fields), metadata=self.md(caller)
        )

    async def rows(self, table: sa.Table) -> list[Any]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(sa.select(table))).all())

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        return [audit_pb2.AuditEvent.FromString(r.payload) for r in await self.rows(audit_outbox)]

    async def stop(self) -> None:
        await self.channel.close()
        await self.clients_channel.close()
        await self.host.stop(0)
        await self.messaging_host.stop(0)
        await self.clients_host.stop(0)


async def start_reporting(keys: testing.TestKeys, database_url: str, directory: Path) -> Reporting:
    """The reporting service on the database under test; the clients and messaging services on
    SQLite files in ``directory``."""
    clients_host = await testing.start_host(
        CLIENTS, keys, database_url=f"sqlite:///{directory / 'clients.db'}"
    )
    clients = f"127.0.0.1:{clients_host.port}"
    messaging_host = await testing.start_host(
        MESSAGING,
        keys,
        database_url=f"sqlite:///{directory / 'messaging.db'}",
        clients_address=clients,
        smtp_host="127.0.0.1",
        delivery_worker_enabled=False,
    )
    host = await testing.start_host(
        DEFINITION,
        keys,
        # The invitation relay is driven step by step.
        run_background=False,
        database_url=database_url,
        clients_address=clients,
        messaging_address=f"127.0.0.1:{messaging_host.port}",
        feedback_url="https://kotopolku.example.fi/app/#feedback",
    )
    return Reporting(
        keys,
        host,
        clients_host,
        messaging_host,
        grpc.aio.insecure_channel(f"127.0.0.1:{host.port}"),
        grpc.aio.insecure_channel(clients),
    )
