"""Integration tests of the clients service: the real service in-process, called over gRPC.

Every test starts :class:`ServiceHost` with the real definition (migrations, interceptors,
identity verification, audit outbox) on a fresh SQLite and PostgreSQL database, and calls it over
a real ``grpc.aio`` channel with gateway-signed caller assertions. The audit service is not
running (``audit_address`` points nowhere), so audit events are read from the ``audit_outbox``
table; the relay test at the end starts the real audit service too.
"""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import psycopg
import pytest
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy.engine import make_url

from kotopolku.audit.v1 import audit_pb2, audit_pb2_grpc
from kotopolku.clients.service import DEFINITION, ClientsSettings
from kotopolku.clients.tables import audit_outbox, client_search_keys, clients, referrals
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.errors import RemoteError, parse_rpc_error
from kotopolku.common.identity import (
    GATEWAY_ISSUER,
    INTERNAL_SERVICE_ROLE,
    METADATA_KEY,
    AssertionSigner,
    Caller,
    Role,
    generate_key_pair,
)
from kotopolku.common.localtime import finnish_date
from kotopolku.common.server import ServiceHost
from kotopolku.common.testing import fresh_postgres_database, postgres_server_url

Metadata = tuple[tuple[str, str], ...]

PURPOSE = "integration-services"
UNREACHABLE_AUDIT = "127.0.0.1:1"
CLIENTS_SERVICE = "kotopolku.clients.v1.ClientsService"
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
SERVICE_ID_PATTERN = r"KP[0-9A-HJKMNP-TV-Z]{10}"

OFFICER_091 = Caller(
    subject="officer-091",
    roles=frozenset({Role.MUNICIPAL_OFFICER}),
    purpose=PURPOSE,
    municipality="091",
)
OTHER_OFFICER_091 = Caller(
    subject="officer-091-b",
    roles=frozenset({Role.EMPLOYMENT_OFFICER}),
    purpose=PURPOSE,
    municipality="091",
)
OFFICER_837 = Caller(
    subject="officer-837",
    roles=frozenset({Role.MUNICIPAL_OFFICER}),
    purpose=PURPOSE,
    municipality="837",
)
MANAGER_091 = Caller(
    subject="manager-091", roles=frozenset({Role.MANAGER}), purpose=PURPOSE, municipality="091"
)
WELFARE_WORKER = Caller(
    subject="welfare-1",
    roles=frozenset({Role.WELFARE_AREA_WORKER}),
    purpose=PURPOSE,
    municipality="091",
    welfare_area="HEL",
)
REFERRER = Caller(
    subject="svc-migri", roles=frozenset({Role.REFERRER}), purpose=PURPOSE, organisation="migri"
)
AUDITOR_091 = Caller(
    subject="auditor-091", roles=frozenset({Role.AUDITOR}), purpose=PURPOSE, municipality="091"
)


# --- helpers -----------------------------------------------------------------------------


def hetu(birth: date, individual: int = 900, sign: str | None = None) -> str:
    """A valid (temporary, 900-999) henkilötunnus, computed independently of the service."""
    if sign is None:
        sign = {18: "+", 19: "-", 20: "A"}[birth.year // 100]
    ddmmyy = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}"
    number = f"{individual:03d}"
    return f"{ddmmyy}{sign}{number}{CHECK_CHARACTERS[int(ddmmyy + number) % 31]}"


def with_bad_checksum(code: str) -> str:
    wrong = CHECK_CHARACTERS[(CHECK_CHARACTERS.index(code[-1]) + 1) % len(CHECK_CHARACTERS)]
    return code[:-1] + wrong


def person(
    first_names: str,
    last_name: str,
    birth: date,
    *,
    individual: int | None = None,
    sign: str | None = None,
    **fields: Any,
) -> clients_pb2.Client:
    """A minimal valid client; with ``individual`` it also gets a henkilötunnus."""
    if individual is not None:
        fields.setdefault("henkilotunnus", hetu(birth, individual, sign))
    return clients_pb2.Client(
        first_names=first_names, last_name=last_name, date_of_birth=birth.isoformat(), **fields
    )


def full_client() -> clients_pb2.Client:
    birth = date(1985, 3, 14)
    return clients_pb2.Client(
        first_names="Aino Maria",
        last_name="Hämäläinen",
        date_of_birth=birth.isoformat(),
        henkilotunnus=hetu(birth, 901),
        languages=["ar", "fi"],
        contact=clients_pb2.ContactDetails(
            email="aino.hamalainen@example.fi",
            phone="+358401234567",
            street_address="Mannerheimintie 1 A 2",
            postal_code="00100",
            post_office="Helsinki",
        ),
        segment=clients_pb2.CLIENT_SEGMENT_PLACED,
        residence_permit_type=clients_pb2.RESIDENCE_PERMIT_TYPE_INTERNATIONAL_PROTECTION,
        first_permit_date="2020-05-01",
        status=clients_pb2.CLIENT_STATUS_ACTIVE,
    )


def referral(
    first_names: str,
    last_name: str,
    birth: date,
    *,
    municipality: str = "091",
    code: str = "",
) -> clients_pb2.Referral:
    return clients_pb2.Referral(
        municipality_code=municipality,
        first_names=first_names,
        last_name=last_name,
        date_of_birth=birth.isoformat(),
        henkilotunnus=code,
        languages=["ar"],
        contact=clients_pb2.ContactDetails(phone="+358401112233"),
        reason="Muuttanut kuntaan, tarvitsee alkukartoituksen",
    )


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> RemoteError:
    """Awaits a call that must fail with ``code``; returns its structured details."""
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    error = parse_rpc_error(info.value)
    assert error.code == code, error
    return error


async def wait_until(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(0.05)


def health_stub(channel: grpc.aio.Channel) -> Any:
    """The health stub (its type stubs declare no methods)."""
    return health_pb2_grpc.HealthStub(channel)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Clients:
    """A running clients service and a channel to it."""

    keys: testing.TestKeys
    database_url: str
    host: ServiceHost
    channel: grpc.aio.Channel
    stub: clients_pb2_grpc.ClientsServiceAsyncStub
    stopped: bool = False

    def md(self, caller: Caller) -> Metadata:
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    async def create(
        self, client: clients_pb2.Client, caller: Caller = OFFICER_091, key: str = ""
    ) -> clients_pb2.Client:
        request = clients_pb2.CreateClientRequest(client=client, idempotency_key=key)
        return await self.stub.CreateClient(request, metadata=self.md(caller))

    async def get(self, client_id: str, caller: Caller = OFFICER_091) -> clients_pb2.Client:
        return await self.stub.GetClient(
            clients_pb2.GetClientRequest(client_id=client_id), metadata=self.md(caller)
        )

    async def search(
        self, caller: Caller = OFFICER_091, **criteria: Any
    ) -> clients_pb2.SearchClientsResponse:
        return await self.stub.SearchClients(
            clients_pb2.SearchClientsRequest(**criteria), metadata=self.md(caller)
        )

    async def search_ids(self, caller: Caller = OFFICER_091, **criteria: Any) -> list[str]:
        return [c.id for c in (await self.search(caller, **criteria)).clients]

    async def refer(
        self, message: clients_pb2.Referral, key: str = "", caller: Caller = REFERRER
    ) -> clients_pb2.Referral:
        return await self.stub.CreateReferral(
            clients_pb2.CreateReferralRequest(referral=message, idempotency_key=key),
            metadata=self.md(caller),
        )

    async def count(self, table: sa.Table) -> int:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)

    async def outbox_rows(self) -> list[bytes]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(audit_outbox.c.payload).order_by(audit_outbox.c.seq)
            )
            return [bytes(row.payload) for row in rows]

    async def audit_events(self) -> list[audit_pb2.AuditEvent]:
        return [audit_pb2.AuditEvent.FromString(payload) for payload in await self.outbox_rows()]

    async def stop(self, grace: float = 0) -> None:
        if self.stopped:
            return
        self.stopped = True
        try:
            await self.host.stop(grace)
        finally:
            await self.channel.close()


async def start_clients(
    keys: testing.TestKeys,
    database_url: str,
    audit_address: str = UNREACHABLE_AUDIT,
    **settings: Any,
) -> Clients:
    host = ServiceHost(
        DEFINITION,
        ClientsSettings(
            database_url=database_url,
            grpc_port=0,
            metrics_port=0,
            gateway_public_key_file=keys.gateway_public,
            service_public_key_file=keys.service_public,
            service_key_file=keys.service_private,
            audit_address=audit_address,
            migrate_on_start=True,
            **settings,
        ),
        verifier=keys.verifier(),
    )
    port = await host.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return Clients(keys, database_url, host, channel, clients_pb2_grpc.ClientsServiceStub(channel))


@pytest.fixture
async def svc(keys: testing.TestKeys, database_url: str) -> AsyncIterator[Clients]:
    running = await start_clients(keys, database_url)
    try:
        yield running
    finally:
        await running.stop(0)


# --- create and read ---------------------------------------------------------------------


async def test_create_then_get_round_trips_every_field_and_is_audited(svc: Clients) -> None:
    sent = full_client()
    created = await svc.create(sent)

    assert created.id
    assert created.version == 1
    assert created.municipality_code == "091"
    assert created.system_identifier
    assert re.fullmatch(SERVICE_ID_PATTERN, created.system_identifier)
    assert created.created_at.seconds > 0
    assert created.updated_at == created.created_at
    expected = clients_pb2.Client()
    expected.CopyFrom(sent)
    for name in ("id", "version", "municipality_code", "system_identifier"):
        setattr(expected, name, getattr(created, name))
    expected.created_at.CopyFrom(created.created_at)
    expected.updated_at.CopyFrom(created.updated_at)
    assert created == expected

    fetched = await svc.get(created.id)
    assert fetched == created

    events = await svc.audit_events()
    assert [e.action for e in events] == ["client.create", "client.read"]
    for event in events:
        assert event.subject_client_id == created.id
        assert event.municipality_code == "091"
        assert event.actor_subject == OFFICER_091.subject
        assert list(event.actor_roles) == [Role.MUNICIPAL_OFFICER]
        assert event.purpose == PURPOSE
        assert event.service == "clients"
        assert event.outcome == "success"
        assert event.resource == f"clients/{created.id}"
        assert event.event_id
        assert {"first_names", "last_name", "henkilotunnus", "contact"} <= set(event.fields)
    assert len({e.event_id for e in events}) == 2

    # Names of fields, never their values.
    for payload in await svc.outbox_rows():
        for value in (
            "Hämäläinen",
            "Hamalainen",
            "Aino",
            sent.henkilotunnus,
            sent.contact.email,
            sent.contact.phone,
            "Mannerheimintie",
        ):
            assert value.encode() not in payload


async def test_invalid_henkilotunnus_is_refused_and_nothing_is_written(svc: Clients) -> None:
    client = person("Matti", "Virtanen", date(1970, 1, 1))
    client.henkilotunnus = with_bad_checksum(hetu(date(1970, 1, 1), 905))

    error = await rpc_error(svc.create(client), grpc.StatusCode.INVALID_ARGUMENT)

    assert error.type == "validation-error"
    assert [v.field for v in error.violations] == ["henkilotunnus"]
    assert "check character" in error.violations[0].description
    assert client.henkilotunnus not in error.detail
    assert await svc.count(clients) == 0
    assert await svc.count(client_search_keys) == 0
    assert await svc.count(audit_outbox) == 0


async def test_every_bad_field_is_reported_at_once(svc: Clients) -> None:
    client = clients_pb2.Client(
        first_names="   ",
        last_name="Virtanen",
        date_of_birth="1970-02-30",
        henkilotunnus="123",
        languages=["fi", "xx"],
        contact=clients_pb2.ContactDetails(email="not-an-address", phone="abc"),
        first_permit_date=(date.today() + timedelta(days=30)).isoformat(),
    )

    error = await rpc_error(svc.create(client), grpc.StatusCode.INVALID_ARGUMENT)

    assert error.type == "validation-error"
    fields = {v.field for v in error.violations}
    assert {
        "first_names",
        "date_of_birth",
        "henkilotunnus",
        "languages[1]",
        "contact.email",
        "contact.phone",
        "first_permit_date",
    } <= fields, fields
    assert "last_name" not in fields
    assert await svc.count(clients) == 0
    assert await svc.count(audit_outbox) == 0


async def test_henkilotunnus_century_signs_case_and_birth_date(svc: Clients) -> None:
    births = {
        "+": date(1895, 6, 1),
        **{sign: date(1950, 6, 1) for sign in "-YXWVU"},
        **{sign: date(2005, 6, 1) for sign in "ABCDEF"},
    }
    for number, (sign, birth) in enumerate(births.items(), start=910):
        code = hetu(birth, number, sign)
        created = await svc.create(person("Testi", f"Henkilo{sign}", birth, henkilotunnus=code))
        assert created.henkilotunnus == code
        assert created.date_of_birth == birth.isoformat()
    assert await svc.count(clients) == len(births) == 13

    # Lower case and surrounding spaces are accepted; the code is stored in canonical form.
    lower = hetu(date(2010, 10, 10), 930, "B")
    created = await svc.create(
        person("Testi", "Henkilo", date(2010, 10, 10), henkilotunnus=f" {lower.lower()} ")
    )
    assert created.henkilotunnus == lower
    assert await svc.search_ids(henkilotunnus=lower.lower()) == [created.id]
    total = await svc.count(clients)

    # The date of birth must be the one in the code.
    code = hetu(date(1950, 6, 1), 920, "Y")
    wrong_day = person("Testi", "Henkilo", date(1950, 6, 2), henkilotunnus=code)
    error = await rpc_error(svc.create(wrong_day), grpc.StatusCode.INVALID_ARGUMENT)
    assert [v.field for v in error.violations] == ["date_of_birth"]

    # The century sign decides the century: an "A" (2000s) code with a 1900s date is refused.
    other_century = hetu(date(2005, 6, 1), 920, "A")
    wrong_century = person("Testi", "Henkilo", date(1905, 6, 1), henkilotunnus=other_century)
    error = await rpc_error(svc.create(wrong_century), grpc.StatusCode.INVALID_ARGUMENT)
    assert [v.field for v in error.violations] == ["date_of_birth"]
    assert await svc.count(clients) == total


# --- idempotency and duplicates ----------------------------------------------------------


async def test_same_idempotency_key_and_body_creates_one_client(svc: Clients) -> None:
    body = person("Leena", "Korhonen", date(1980, 5, 5), individual=940)
    first = await svc.create(body, key="create-leena-1")
    again = await svc.create(body, key="create-leena-1")

    assert again.id == first.id
    assert again.system_identifier == first.system_identifier
    assert again.version == 1
    assert await svc.count(clients) == 1

    changed = person("Leena", "Korhonen", date(1980, 5, 6))
    error = await rpc_error(
        svc.create(changed, key="create-leena-1"), grpc.StatusCode.ALREADY_EXISTS
    )
    assert error.type == "idempotency-key-reused"
    assert await svc.count(clients) == 1

    # Keys are scoped to the caller: another officer's key of the same name is their own.
    other = await svc.create(changed, caller=OTHER_OFFICER_091, key="create-leena-1")
    assert other.id != first.id
    assert await svc.count(clients) == 2


async def test_duplicate_henkilotunnus_only_within_one_municipality(svc: Clients) -> None:
    birth = date(1975, 12, 24)
    code = hetu(birth, 950)
    first = await svc.create(person("Juha", "Nieminen", birth, henkilotunnus=code))

    error = await rpc_error(
        svc.create(person("Juha Pekka", "Nieminen", birth, henkilotunnus=code)),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert error.type == "conflict"
    assert code not in error.detail

    elsewhere = await svc.create(
        person("Juha", "Nieminen", birth, henkilotunnus=code), caller=OFFICER_837
    )
    assert elsewhere.municipality_code == "837"
    assert elsewhere.id != first.id
    assert elsewhere.system_identifier != first.system_identifier
    assert await svc.count(clients) == 2

    # People without a henkilötunnus are never duplicates of each other.
    one = await svc.create(person("Ali", "Hassan", date(1999, 1, 1)))
    two = await svc.create(person("Ali", "Hassan", date(1999, 1, 1)))
    assert one.id != two.id
    assert one.henkilotunnus == two.henkilotunnus == ""
    assert one.system_identifier != two.system_identifier


# --- authorisation -----------------------------------------------------------------------


async def test_other_municipality_sees_nothing_and_the_refusal_is_audited(svc: Clients) -> None:
    created = await svc.create(person("Aino", "Hämäläinen", date(1985, 3, 14), individual=960))
    before = len(await svc.audit_events())

    error = await rpc_error(svc.get(created.id, caller=OFFICER_837), grpc.StatusCode.NOT_FOUND)
    assert error.type == "not-found"
    missing = await rpc_error(
        svc.get("00000000-0000-0000-0000-000000000000", caller=OFFICER_837),
        grpc.StatusCode.NOT_FOUND,
    )
    assert (missing.detail, missing.type) == (error.detail, error.type)

    refusals = (await svc.audit_events())[before:]
    assert [(e.action, e.outcome) for e in refusals] == [
        ("client.read", "denied"),
        ("client.read", "not-found"),
    ]
    denied = refusals[0]
    assert denied.subject_client_id == created.id
    assert denied.municipality_code == "091"
    assert denied.actor_subject == OFFICER_837.subject

    assert await svc.search_ids(caller=OFFICER_837, name="Hamalainen") == []
    assert await svc.search_ids(caller=OFFICER_837, henkilotunnus=created.henkilotunnus) == []
    assert await svc.search_ids(name="Hamalainen") == [created.id]

    update = clients_pb2.UpdateClientRequest(
        client_id=created.id,
        client=clients_pb2.Client(last_name="Changed"),
        update_mask=FieldMask(paths=["last_name"]),
        expected_version=1,
    )
    await rpc_error(
        svc.stub.UpdateClient(update, metadata=svc.md(OFFICER_837)), grpc.StatusCode.NOT_FOUND
    )
    assert (await svc.get(created.id)).last_name == "Hämäläinen"


async def test_roles_without_write_access_cannot_create(svc: Clients) -> None:
    body = person("Matti", "Virtanen", date(1970, 1, 1))
    for caller in (MANAGER_091, WELFARE_WORKER, REFERRER, AUDITOR_091):
        error = await rpc_error(svc.create(body, caller=caller), grpc.StatusCode.PERMISSION_DENIED)
        assert error.type == "forbidden"
    no_municipality = Caller(
        subject="officer-x", roles=frozenset({Role.MUNICIPAL_OFFICER}), purpose=PURPOSE
    )
    await rpc_error(svc.create(body, caller=no_municipality), grpc.StatusCode.PERMISSION_DENIED)
    assert await svc.count(clients) == 0

    # A manager reads and searches but does not write.
    created = await svc.create(body)
    assert (await svc.get(created.id, caller=MANAGER_091)).id == created.id
    assert await svc.search_ids(caller=MANAGER_091, name="Virtanen") == [created.id]


async def test_client_user_sees_only_their_own_record(svc: Clients) -> None:
    birth = date(1992, 4, 3)
    code = hetu(birth, 970, "Y")
    own = await svc.create(person("Fatima", "Mohamed", birth, henkilotunnus=code))
    other = await svc.create(person("Omar", "Mohamed", date(1990, 1, 1), individual=971))
    user = Caller(
        subject="client-user-1", roles=frozenset({Role.CLIENT}), purpose=PURPOSE, henkilotunnus=code
    )

    mine = await svc.stub.GetOwnClient(clients_pb2.GetOwnClientRequest(), metadata=svc.md(user))
    assert mine.id == own.id
    assert mine.henkilotunnus == code
    assert (await svc.get(own.id, caller=user)).id == own.id

    await rpc_error(svc.get(other.id, caller=user), grpc.StatusCode.NOT_FOUND)
    await rpc_error(svc.search(caller=user, name="Mohamed"), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(
        svc.create(person("Fatima", "Mohamed", birth), caller=user),
        grpc.StatusCode.PERMISSION_DENIED,
    )

    events = await svc.audit_events()
    read_own = [e for e in events if e.action == "client.read-own"]
    assert len(read_own) == 1
    assert read_own[0].subject_client_id == own.id
    assert read_own[0].actor_subject == "client-user-1"
    assert read_own[0].municipality_code == "091"
    assert any(
        e.action == "client.read" and e.outcome == "denied" and e.subject_client_id == other.id
        for e in events
    )
    for payload in await svc.outbox_rows():
        assert code.encode() not in payload

    # A client user without a record, or without a strongly identified code, has no own record.
    stranger = Caller(
        subject="client-user-2",
        roles=frozenset({Role.CLIENT}),
        purpose=PURPOSE,
        henkilotunnus=hetu(date(1993, 3, 3), 972),
    )
    await rpc_error(
        svc.stub.GetOwnClient(clients_pb2.GetOwnClientRequest(), metadata=svc.md(stranger)),
        grpc.StatusCode.NOT_FOUND,
    )
    anonymous = Caller(subject="client-user-3", roles=frozenset({Role.CLIENT}), purpose=PURPOSE)
    await rpc_error(
        svc.stub.GetOwnClient(clients_pb2.GetOwnClientRequest(), metadata=svc.md(anonymous)),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(
        svc.stub.GetOwnClient(clients_pb2.GetOwnClientRequest(), metadata=svc.md(OFFICER_091)),
        grpc.StatusCode.PERMISSION_DENIED,
    )


# --- referrals ---------------------------------------------------------------------------


async def test_referrer_may_only_create_referrals(svc: Clients) -> None:
    client = await svc.create(person("Omar", "Haddad", date(1990, 7, 1)))
    body = referral("Omar", "Haddad", date(1990, 7, 1))

    first = await svc.refer(body, key="migri-ref-1")
    again = await svc.refer(body, key="migri-ref-1")
    assert again.id == first.id
    assert first.status == clients_pb2.REFERRAL_STATUS_RECEIVED
    assert first.referrer_organisation == "migri"
    assert first.municipality_code == "091"
    assert first.version == 1
    assert first.reason == body.reason
    assert await svc.count(referrals) == 1
    changed = referral("Omar", "Haddad", date(1990, 7, 2))
    error = await rpc_error(svc.refer(changed, key="migri-ref-1"), grpc.StatusCode.ALREADY_EXISTS)
    assert error.type == "idempotency-key-reused"
    assert await svc.count(referrals) == 1

    created = [e for e in await svc.audit_events() if e.action == "referral.create"]
    assert len(created) == 1
    assert created[0].municipality_code == "091"
    assert created[0].resource == f"referrals/{first.id}"
    assert created[0].actor_subject == REFERRER.subject

    md = svc.md(REFERRER)
    await rpc_error(svc.get(client.id, caller=REFERRER), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(svc.search(caller=REFERRER, name="Haddad"), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(
        svc.stub.ListReferrals(clients_pb2.ListReferralsRequest(), metadata=md),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(
        svc.stub.GetReferral(clients_pb2.GetReferralRequest(referral_id=first.id), metadata=md),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(
        svc.stub.AcceptReferral(
            clients_pb2.AcceptReferralRequest(referral_id=first.id), metadata=md
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )

    # Officers do not create referrals; a referral needs a reason and a valid municipality.
    await rpc_error(svc.refer(body, caller=OFFICER_091), grpc.StatusCode.PERMISSION_DENIED)
    bad = referral("Omar", "Haddad", date(1990, 7, 1), municipality="91")
    bad.reason = " "
    error = await rpc_error(svc.refer(bad), grpc.StatusCode.INVALID_ARGUMENT)
    assert {v.field for v in error.violations} == {"municipality_code", "reason"}

    # The officer pages through the inbox: every referral exactly once.
    sent = [first.id] + [
        (await svc.refer(referral("Henkilo", f"Numero{i}", date(1980, 1, 1 + i)))).id
        for i in range(4)
    ]
    seen: list[str] = []
    token = ""
    while True:
        page = await svc.stub.ListReferrals(
            clients_pb2.ListReferralsRequest(page_size=2, page_token=token),
            metadata=svc.md(OFFICER_091),
        )
        assert len(page.referrals) <= 2
        seen += [r.id for r in page.referrals]
        token = page.next_page_token
        if not token:
            break
    assert seen == sent


async def test_officer_handles_the_referrals_of_their_municipality(svc: Clients) -> None:
    md = svc.md(OFFICER_091)
    existing_birth = date(1988, 8, 8)
    existing_code = hetu(existing_birth, 980)
    existing = await svc.create(
        person("Amina", "Yusuf", existing_birth, henkilotunnus=existing_code)
    )

    new_person = await svc.refer(
        referral("Ahmed", "Farah", date(1995, 2, 2), code=hetu(date(1995, 2, 2), 981))
    )
    known_person = await svc.refer(referral("Amina", "Yusuf", existing_birth, code=existing_code))
    to_decline = await svc.refer(referral("Bashir", "Said", date(1985, 1, 1)))
    elsewhere = await svc.refer(referral("Lina", "Saleh", date(1991, 3, 3), municipality="837"))

    listed = await svc.stub.ListReferrals(clients_pb2.ListReferralsRequest(), metadata=md)
    assert {r.id for r in listed.referrals} == {new_person.id, known_person.id, to_decline.id}
    listed_837 = await svc.stub.ListReferrals(
        clients_pb2.ListReferralsRequest(), metadata=svc.md(OFFICER_837)
    )
    assert [r.id for r in listed_837.referrals] == [elsewhere.id]
    await rpc_error(
        svc.stub.GetReferral(clients_pb2.GetReferralRequest(referral_id=elsewhere.id), metadata=md),
        grpc.StatusCode.NOT_FOUND,
    )
    await rpc_error(
        svc.stub.AcceptReferral(
            clients_pb2.AcceptReferralRequest(referral_id=elsewhere.id), metadata=md
        ),
        grpc.StatusCode.NOT_FOUND,
    )

    # Accepting creates a client from the referral.
    accepted = await svc.stub.AcceptReferral(
        clients_pb2.AcceptReferralRequest(
            referral_id=new_person.id, segment=clients_pb2.CLIENT_SEGMENT_SELF_MOVED
        ),
        metadata=md,
    )
    assert accepted.status == clients_pb2.REFERRAL_STATUS_ACCEPTED
    assert accepted.client_id
    assert accepted.decided_at.seconds > 0
    assert accepted.version == 2
    client = await svc.get(accepted.client_id)
    assert (client.first_names, client.last_name) == ("Ahmed", "Farah")
    assert client.henkilotunnus == new_person.henkilotunnus
    assert client.date_of_birth == "1995-02-02"
    assert list(client.languages) == ["ar"]
    assert client.contact.phone == "+358401112233"
    assert client.segment == clients_pb2.CLIENT_SEGMENT_SELF_MOVED
    assert client.status == clients_pb2.CLIENT_STATUS_ACTIVE
    assert client.municipality_code == "091"
    assert await svc.count(clients) == 2

    error = await rpc_error(
        svc.stub.AcceptReferral(
            clients_pb2.AcceptReferralRequest(referral_id=new_person.id), metadata=md
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error.type == "invalid-state"
    error = await rpc_error(
        svc.stub.DeclineReferral(
            clients_pb2.DeclineReferralRequest(referral_id=new_person.id, reason="late"),
            metadata=md,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error.type == "invalid-state"
    assert await svc.count(clients) == 2

    # A referral of somebody who is already a client joins that record.
    linked = await svc.stub.AcceptReferral(
        clients_pb2.AcceptReferralRequest(referral_id=known_person.id), metadata=md
    )
    assert linked.status == clients_pb2.REFERRAL_STATUS_ACCEPTED
    assert linked.client_id == existing.id
    assert await svc.count(clients) == 2
    actions = [(e.action, e.subject_client_id) for e in await svc.audit_events()]
    assert ("client.create", accepted.client_id) in actions
    assert ("client.link-referral", existing.id) in actions

    # Declining needs a reason.
    error = await rpc_error(
        svc.stub.DeclineReferral(
            clients_pb2.DeclineReferralRequest(referral_id=to_decline.id, reason="  "),
            metadata=md,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["reason"]
    declined = await svc.stub.DeclineReferral(
        clients_pb2.DeclineReferralRequest(
            referral_id=to_decline.id, reason="Ei kotoutumispalvelujen asiakas"
        ),
        metadata=md,
    )
    assert declined.status == clients_pb2.REFERRAL_STATUS_DECLINED
    assert declined.decision_reason == "Ei kotoutumispalvelujen asiakas"
    assert declined.client_id == ""
    assert await svc.count(clients) == 2

    received = await svc.stub.ListReferrals(
        clients_pb2.ListReferralsRequest(status=clients_pb2.REFERRAL_STATUS_RECEIVED), metadata=md
    )
    assert list(received.referrals) == []
    decided = await svc.stub.ListReferrals(
        clients_pb2.ListReferralsRequest(status=clients_pb2.REFERRAL_STATUS_ACCEPTED), metadata=md
    )
    assert {r.id for r in decided.referrals} == {new_person.id, known_person.id}
    fetched = await svc.stub.GetReferral(
        clients_pb2.GetReferralRequest(referral_id=known_person.id), metadata=md
    )
    assert fetched == linked


async def test_accepting_a_referral_into_a_named_existing_client(svc: Clients) -> None:
    md = svc.md(OFFICER_091)
    existing = await svc.create(person("Bashir", "Said", date(1985, 1, 1)))
    other_municipality = await svc.create(
        person("Bashir", "Said", date(1985, 1, 1)), caller=OFFICER_837
    )
    sent = await svc.refer(referral("Bashir", "Said", date(1985, 1, 1)))

    await rpc_error(
        svc.stub.AcceptReferral(
            clients_pb2.AcceptReferralRequest(
                referral_id=sent.id, existing_client_id=other_municipality.id
            ),
            metadata=md,
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    accepted = await svc.stub.AcceptReferral(
        clients_pb2.AcceptReferralRequest(referral_id=sent.id, existing_client_id=existing.id),
        metadata=md,
    )
    assert accepted.client_id == existing.id
    assert await svc.count(clients) == 2


# --- updates -----------------------------------------------------------------------------


async def test_update_with_mask_and_expected_version(svc: Clients) -> None:
    md = svc.md(OFFICER_091)
    created = await svc.create(full_client())

    change = clients_pb2.UpdateClientRequest(
        client_id=created.id,
        client=clients_pb2.Client(
            contact=clients_pb2.ContactDetails(email="aino@example.org"),
            languages=["fi"],
            status=clients_pb2.CLIENT_STATUS_INACTIVE,
        ),
        update_mask=FieldMask(paths=["contact.email", "languages", "status"]),
        expected_version=1,
    )
    updated = await svc.stub.UpdateClient(change, metadata=md)
    assert updated.version == 2
    assert updated.contact.email == "aino@example.org"
    assert updated.contact.phone == created.contact.phone  # not in the mask: kept
    assert updated.contact.street_address == created.contact.street_address
    assert list(updated.languages) == ["fi"]
    assert updated.status == clients_pb2.CLIENT_STATUS_INACTIVE
    assert updated.last_name == created.last_name
    assert updated.henkilotunnus == created.henkilotunnus
    assert updated.system_identifier == created.system_identifier
    assert updated.created_at == created.created_at
    assert await svc.get(created.id) == updated

    events = [e for e in await svc.audit_events() if e.action == "client.update"]
    assert len(events) == 1
    assert list(events[0].fields) == ["contact", "languages", "status"]
    assert b"aino@example.org" not in (await svc.outbox_rows())[-2]

    error = await rpc_error(
        svc.stub.UpdateClient(change, metadata=md), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert error.type == "stale-version"
    assert (await svc.get(created.id)).version == 2

    unknown = clients_pb2.UpdateClientRequest(
        client_id=created.id,
        client=clients_pb2.Client(system_identifier="KP0000000000"),
        update_mask=FieldMask(paths=["system_identifier"]),
        expected_version=2,
    )
    error = await rpc_error(
        svc.stub.UpdateClient(unknown, metadata=md), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in error.violations] == ["update_mask.system_identifier"]

    for request in (
        clients_pb2.UpdateClientRequest(client_id=created.id, expected_version=2),
        clients_pb2.UpdateClientRequest(
            client_id=created.id,
            client=clients_pb2.Client(last_name="X"),
            update_mask=FieldMask(paths=["last_name"]),
        ),
        clients_pb2.UpdateClientRequest(
            client_id=created.id,
            client=clients_pb2.Client(last_name=""),
            update_mask=FieldMask(paths=["last_name"]),
            expected_version=2,
        ),
    ):
        await rpc_error(
            svc.stub.UpdateClient(request, metadata=md), grpc.StatusCode.INVALID_ARGUMENT
        )
    assert (await svc.get(created.id)).version == 2


async def test_renaming_changes_what_search_finds(svc: Clients) -> None:
    md = svc.md(OFFICER_091)
    created = await svc.create(person("Matti", "Virtanen", date(1970, 1, 1)))
    assert await svc.search_ids(name="Virtanen") == [created.id]

    renamed = await svc.stub.UpdateClient(
        clients_pb2.UpdateClientRequest(
            client_id=created.id,
            client=clients_pb2.Client(last_name="Korhonen"),
            update_mask=FieldMask(paths=["last_name"]),
            expected_version=1,
        ),
        metadata=md,
    )
    assert (renamed.first_names, renamed.last_name, renamed.version) == ("Matti", "Korhonen", 2)
    assert await svc.search_ids(name="Korhonen") == [created.id]
    assert await svc.search_ids(name="Matti Korhonen") == [created.id]
    assert await svc.search_ids(name="Virtanen") == []
    assert await svc.search_ids(name="Matti") == [created.id]


async def test_update_of_identity_fields_is_checked(svc: Clients) -> None:
    md = svc.md(OFFICER_091)
    birth = date(1981, 11, 11)
    taken = await svc.create(person("Eeva", "Laine", birth, individual=990))
    created = await svc.create(person("Eeva", "Laine", birth))

    def set_code(code: str, version: int) -> clients_pb2.UpdateClientRequest:
        return clients_pb2.UpdateClientRequest(
            client_id=created.id,
            client=clients_pb2.Client(henkilotunnus=code),
            update_mask=FieldMask(paths=["henkilotunnus"]),
            expected_version=version,
        )

    # Another client of the municipality has this code.
    await rpc_error(
        svc.stub.UpdateClient(set_code(taken.henkilotunnus, 1), metadata=md),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    # A code of another birth date.
    error = await rpc_error(
        svc.stub.UpdateClient(set_code(hetu(date(1981, 11, 12), 991), 1), metadata=md),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["date_of_birth"]
    own_code = hetu(birth, 992)
    updated = await svc.stub.UpdateClient(set_code(own_code, 1), metadata=md)
    assert (updated.henkilotunnus, updated.version) == (own_code, 2)
    assert await svc.search_ids(henkilotunnus=own_code) == [created.id]

    # Moving the birth date alone away from the date in the code is refused as well.
    error = await rpc_error(
        svc.stub.UpdateClient(
            clients_pb2.UpdateClientRequest(
                client_id=created.id,
                client=clients_pb2.Client(date_of_birth="1981-11-12"),
                update_mask=FieldMask(paths=["date_of_birth"]),
                expected_version=2,
            ),
            metadata=md,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["date_of_birth"]
    assert (await svc.get(created.id)).date_of_birth == birth.isoformat()


# --- search ------------------------------------------------------------------------------


async def test_search_is_tolerant_of_diacritics_and_spelling(svc: Clients) -> None:
    birth = date(1960, 9, 9)
    hama = await svc.create(person("Aino", "Hämäläinen", date(1985, 3, 14)))
    mohammed = await svc.create(person("Mohammed", "Ali", date(1990, 1, 1)))
    virtanen = await svc.create(person("Matti", "Virtanen", birth, individual=995))
    await svc.create(person("Liisa", "Nieminen", birth))
    await svc.create(person("Omar", "Hassan", date(1977, 7, 7)), caller=OFFICER_837)

    assert await svc.search_ids(name="Hamalainen") == [hama.id]
    assert await svc.search_ids(name="HÄMÄLÄINEN aino") == [hama.id]
    assert await svc.search_ids(name="Muhammad") == [mohammed.id]
    assert await svc.search_ids(name="Mohamed Ali") == [mohammed.id]
    assert await svc.search_ids(name="Vir") == [virtanen.id]
    assert await svc.search_ids(name="Wirtanen") == [virtanen.id]
    assert await svc.search_ids(name="Virtanen Liisa") == []
    assert await svc.search_ids(name="Hassan") == []
    assert await svc.search_ids(henkilotunnus=virtanen.henkilotunnus) == [virtanen.id]
    assert await svc.search_ids(henkilotunnus=hetu(birth, 996)) == []
    by_birth = await svc.search(date_of_birth=birth.isoformat())
    assert [c.last_name for c in by_birth.clients] == ["Nieminen", "Virtanen"]
    assert await svc.search_ids(name="Matti", date_of_birth=birth.isoformat()) == [virtanen.id]
    assert await svc.search_ids(name="Matti", date_of_birth="1961-01-01") == []

    hits = [e for e in await svc.audit_events() if e.action == "client.search-result"]
    assert {e.subject_client_id for e in hits} >= {hama.id, mohammed.id, virtanen.id}
    for payload in await svc.outbox_rows():
        assert "Hämäläinen".encode() not in payload
        assert b"Virtanen" not in payload

    # Status filter.
    inactive = await svc.create(
        person("Maija", "Virtanen", date(1971, 1, 1), status=clients_pb2.CLIENT_STATUS_INACTIVE)
    )
    assert await svc.search_ids(status=clients_pb2.CLIENT_STATUS_INACTIVE) == [inactive.id]
    assert await svc.search_ids(name="Virtanen", status=clients_pb2.CLIENT_STATUS_ACTIVE) == [
        virtanen.id
    ]
    assert await svc.search_ids(name="Virtanen") == [inactive.id, virtanen.id]  # Maija < Matti


async def test_search_validation(svc: Clients) -> None:
    for criteria in ({}, {"name": "   "}, {"page_size": 10}):
        error = await rpc_error(svc.search(**criteria), grpc.StatusCode.INVALID_ARGUMENT)
        assert error.type == "validation-error"
    error = await rpc_error(
        svc.search(henkilotunnus=with_bad_checksum(hetu(date(1970, 1, 1)))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["henkilotunnus"]
    error = await rpc_error(svc.search(date_of_birth="1.1.1970"), grpc.StatusCode.INVALID_ARGUMENT)
    assert [v.field for v in error.violations] == ["date_of_birth"]
    await rpc_error(svc.search(name="x", page_size=-1), grpc.StatusCode.INVALID_ARGUMENT)
    await rpc_error(
        svc.search(name="x", page_token="not a token!"), grpc.StatusCode.INVALID_ARGUMENT
    )


async def test_search_pages_through_all_matches_once_in_stable_order(svc: Clients) -> None:
    firsts = ["Eino", "Aada", "Ville", "Aada", "Kalle", "Sanni", "Onni"]
    created = [
        await svc.create(person(first, "Korhonen", date(1980 + i, 1, 1)))
        for i, first in enumerate(firsts)
    ]
    await svc.create(person("Aada", "Koskinen", date(1980, 1, 1)))

    async def all_pages() -> list[list[str]]:
        pages: list[list[str]] = []
        token = ""
        while True:
            page = await svc.search(name="Korhonen", page_size=3, page_token=token)
            pages.append([c.id for c in page.clients])
            token = page.next_page_token
            if not token:
                return pages

    pages = await all_pages()
    assert [len(p) for p in pages] == [3, 3, 1]
    ids = [i for page in pages for i in page]
    assert sorted(ids) == sorted(c.id for c in created)
    by_id = {c.id: c for c in created}
    names = [by_id[i].first_names for i in ids]
    assert names == sorted(names)
    # The two Aadas are ordered by id; the order is the same every time.
    assert ids[:2] == sorted(ids[:2])
    assert await all_pages() == pages
    one_page = await svc.search(name="Korhonen", page_size=7)
    assert [c.id for c in one_page.clients] == ids
    assert one_page.next_page_token == ""


async def test_search_finds_a_client_once_however_many_of_their_keys_match(
    svc: Clients,
) -> None:
    anna = await svc.create(person("Anna Annika", "Anttila", date(1990, 2, 2)))
    await svc.create(person("Anna", "Anttila", date(1991, 2, 2)), caller=OFFICER_837)
    # "Ann" is a prefix of two of her names, and "Anna" also matches exactly and phonetically.
    assert await svc.search_ids(name="Ann") == [anna.id]
    assert await svc.search_ids(name="Anna") == [anna.id]
    assert await svc.search_ids(name="Anna Ann Ant") == [anna.id]
    assert await svc.search_ids(name="Anna Annika Anttila") == [anna.id]
    assert await svc.search_ids(name="Anna Virtanen") == []


async def test_search_pages_through_several_tokens_in_order(svc: Clients) -> None:
    spellings = ["Mohamed", "Mohammed", "Muhammad", "Mohamed Amin", "Mohammad"]
    created = [
        await svc.create(person(first, last, date(1980 + i, 1, 1)))
        for i, (first, last) in enumerate(
            (first, last) for last in ("Ali", "Hassan", "Alin") for first in spellings
        )
    ]
    # Namesakes in another municipality, and in this one by other names, are not found.
    await svc.create(person("Mohamed", "Ali", date(1980, 1, 1)), caller=OFFICER_837)
    await svc.create(person("Omar", "Ali", date(1980, 1, 1)))
    by_id = {c.id: c for c in created}
    expected = sorted(
        (c for c in created if c.last_name in ("Ali", "Alin")),
        key=lambda c: (f"{c.last_name.lower()} {c.first_names.lower()}", c.id),
    )
    ids: list[str] = []
    token = ""
    while True:
        page = await svc.search(name="muhamed al", page_size=4, page_token=token)
        assert len(page.clients) <= 4
        ids += [c.id for c in page.clients]
        token = page.next_page_token
        if not token:
            break
    assert ids == [c.id for c in expected]
    assert len(set(ids)) == len(ids) == 10
    assert all(by_id[i].last_name != "Hassan" for i in ids)
    # Status and birth date narrow the same search.
    born = by_id[ids[0]].date_of_birth
    assert await svc.search_ids(name="muhamed al", date_of_birth=born) == [ids[0]]
    assert await svc.search_ids(name="muhamed al", status=clients_pb2.CLIENT_STATUS_INACTIVE) == []


async def test_search_by_name_and_identity_code_needs_both_to_match(svc: Clients) -> None:
    born = date(1979, 4, 4)
    found = await svc.create(person("Hodan", "Warsame", born, individual=931))
    assert await svc.search_ids(name="Warsame", henkilotunnus=found.henkilotunnus) == [found.id]
    assert await svc.search_ids(name="Hodan Wa", henkilotunnus=found.henkilotunnus) == [found.id]
    assert await svc.search_ids(name="Farah", henkilotunnus=found.henkilotunnus) == []


# --- family links and consents -----------------------------------------------------------


async def test_family_links_in_both_directions_and_removal(svc: Clients) -> None:
    md = svc.md(OFFICER_091)
    parent = await svc.create(person("Amina", "Yusuf", date(1980, 1, 1)))
    child = await svc.create(person("Sara", "Yusuf", date(2015, 5, 5)))
    spouse = await svc.create(person("Abdi", "Yusuf", date(1978, 3, 3)))
    stranger = await svc.create(person("Abdi", "Yusuf", date(1978, 3, 3)), caller=OFFICER_837)

    async def links(client_id: str) -> list[tuple[str, int]]:
        listed = await svc.stub.ListFamilyLinks(
            clients_pb2.ListFamilyLinksRequest(client_id=client_id), metadata=md
        )
        assert all(link.client_id == client_id for link in listed.links)
        return sorted((link.related_client_id, link.relation) for link in listed.links)

    link = await svc.stub.AddFamilyLink(
        clients_pb2.AddFamilyLinkRequest(
            link=clients_pb2.FamilyLink(
                client_id=parent.id,
                related_client_id=child.id,
                relation=clients_pb2.FAMILY_RELATION_CHILD,
            )
        ),
        metadata=md,
    )
    assert (link.client_id, link.related_client_id, link.relation) == (
        parent.id,
        child.id,
        clients_pb2.FAMILY_RELATION_CHILD,
    )
    assert link.created_at.seconds > 0
    await svc.stub.AddFamilyLink(
        clients_pb2.AddFamilyLinkRequest(
            link=clients_pb2.FamilyLink(
                client_id=parent.id,
                related_client_id=spouse.id,
                relation=clients_pb2.FAMILY_RELATION_SPOUSE,
            )
        ),
        metadata=md,
    )
    assert await links(parent.id) == sorted(
        [
            (child.id, clients_pb2.FAMILY_RELATION_CHILD),
            (spouse.id, clients_pb2.FAMILY_RELATION_SPOUSE),
        ]
    )
    assert await links(child.id) == [(parent.id, clients_pb2.FAMILY_RELATION_PARENT)]
    assert await links(spouse.id) == [(parent.id, clients_pb2.FAMILY_RELATION_SPOUSE)]

    # Restating the link from the child's side replaces it rather than doubling it.
    await svc.stub.AddFamilyLink(
        clients_pb2.AddFamilyLinkRequest(
            link=clients_pb2.FamilyLink(
                client_id=child.id,
                related_client_id=parent.id,
                relation=clients_pb2.FAMILY_RELATION_PARENT,
            )
        ),
        metadata=md,
    )
    assert await links(child.id) == [(parent.id, clients_pb2.FAMILY_RELATION_PARENT)]
    assert (child.id, clients_pb2.FAMILY_RELATION_CHILD) in await links(parent.id)

    for bad in (
        clients_pb2.FamilyLink(client_id=parent.id, related_client_id=child.id),
        clients_pb2.FamilyLink(
            client_id=parent.id,
            related_client_id=parent.id,
            relation=clients_pb2.FAMILY_RELATION_SIBLING,
        ),
    ):
        await rpc_error(
            svc.stub.AddFamilyLink(clients_pb2.AddFamilyLinkRequest(link=bad), metadata=md),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
    await rpc_error(
        svc.stub.AddFamilyLink(
            clients_pb2.AddFamilyLinkRequest(
                link=clients_pb2.FamilyLink(
                    client_id=parent.id,
                    related_client_id=stranger.id,
                    relation=clients_pb2.FAMILY_RELATION_SPOUSE,
                )
            ),
            metadata=md,
        ),
        grpc.StatusCode.NOT_FOUND,
    )

    await svc.stub.RemoveFamilyLink(
        clients_pb2.RemoveFamilyLinkRequest(client_id=child.id, related_client_id=parent.id),
        metadata=md,
    )
    assert await links(child.id) == []
    assert await links(parent.id) == [(spouse.id, clients_pb2.FAMILY_RELATION_SPOUSE)]
    await rpc_error(
        svc.stub.RemoveFamilyLink(
            clients_pb2.RemoveFamilyLinkRequest(client_id=parent.id, related_client_id=child.id),
            metadata=md,
        ),
        grpc.StatusCode.NOT_FOUND,
    )

    updates = [
        e
        for e in await svc.audit_events()
        if e.action == "family.update" and e.outcome == "success"
    ]
    assert {e.subject_client_id for e in updates} == {parent.id, child.id, spouse.id}
    assert all(list(e.fields) == ["family_links"] for e in updates)


async def test_consents_add_list_withdraw(svc: Clients) -> None:
    md = svc.md(OFFICER_091)
    birth = date(1990, 10, 10)
    code = hetu(birth, 997)
    client = await svc.create(person("Yasmin", "Ahmed", birth, henkilotunnus=code))
    today = finnish_date(datetime.now(UTC))

    def consent(**fields: Any) -> clients_pb2.AddConsentRequest:
        values: dict[str, Any] = {
            "client_id": client.id,
            "purpose": "welfare-area-disclosure",
            "scope": "Tiedot sosiaalityölle  kotoutumissuunnitelmaa varten",
        }
        return clients_pb2.AddConsentRequest(consent=clients_pb2.Consent(**{**values, **fields}))

    given = await svc.stub.AddConsent(consent(), metadata=md)
    assert given.id
    assert given.client_id == client.id
    assert given.scope == "Tiedot sosiaalityölle kotoutumissuunnitelmaa varten"
    assert given.valid_from == today.isoformat()
    assert given.valid_until == ""
    assert given.valid_now
    assert given.given_at.seconds > 0
    assert not given.HasField("withdrawn_at")

    later = await svc.stub.AddConsent(
        consent(
            purpose="family-plan",
            valid_from=(today + timedelta(days=10)).isoformat(),
            valid_until=(today + timedelta(days=40)).isoformat(),
        ),
        metadata=md,
    )
    assert not later.valid_now

    listed = await svc.stub.ListConsents(
        clients_pb2.ListConsentsRequest(client_id=client.id), metadata=md
    )
    assert [(c.id, c.valid_now) for c in listed.consents] == [(given.id, True), (later.id, False)]

    withdrawn = await svc.stub.WithdrawConsent(
        clients_pb2.WithdrawConsentRequest(client_id=client.id, consent_id=given.id), metadata=md
    )
    assert withdrawn.id == given.id
    assert not withdrawn.valid_now
    assert withdrawn.HasField("withdrawn_at")
    listed = await svc.stub.ListConsents(
        clients_pb2.ListConsentsRequest(client_id=client.id), metadata=md
    )
    assert [(c.id, c.valid_now) for c in listed.consents] == [(given.id, False), (later.id, False)]

    error = await rpc_error(
        svc.stub.AddConsent(
            consent(
                valid_from=(today + timedelta(days=5)).isoformat(),
                valid_until=(today + timedelta(days=4)).isoformat(),
            ),
            metadata=md,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["consent.valid_until"]
    error = await rpc_error(
        svc.stub.AddConsent(consent(purpose="marketing", scope=""), metadata=md),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in error.violations} == {"consent.purpose", "consent.scope"}
    await rpc_error(
        svc.stub.WithdrawConsent(
            clients_pb2.WithdrawConsentRequest(client_id=client.id, consent_id="no-such"),
            metadata=md,
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    await rpc_error(
        svc.stub.ListConsents(
            clients_pb2.ListConsentsRequest(client_id=client.id), metadata=svc.md(OFFICER_837)
        ),
        grpc.StatusCode.NOT_FOUND,
    )

    # The client may see and withdraw their own consents.
    user = Caller(
        subject="client-user-9", roles=frozenset({Role.CLIENT}), purpose=PURPOSE, henkilotunnus=code
    )
    own = await svc.stub.ListConsents(
        clients_pb2.ListConsentsRequest(client_id=client.id), metadata=svc.md(user)
    )
    assert len(own.consents) == 2
    mine = await svc.stub.WithdrawConsent(
        clients_pb2.WithdrawConsentRequest(client_id=client.id, consent_id=later.id),
        metadata=svc.md(user),
    )
    assert mine.HasField("withdrawn_at")
    await rpc_error(
        svc.stub.WithdrawConsent(
            clients_pb2.WithdrawConsentRequest(client_id=client.id, consent_id=later.id),
            metadata=svc.md(MANAGER_091),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )

    actions = [e.action for e in await svc.audit_events() if e.subject_client_id == client.id]
    assert actions.count("consent.create") == 2
    assert actions.count("consent.withdraw") == 2


# --- authentication ----------------------------------------------------------------------


async def test_calls_without_a_valid_caller_are_unauthenticated(
    svc: Clients, keys: testing.TestKeys, tmp_path: Path
) -> None:
    request = clients_pb2.SearchClientsRequest(name="Virtanen")

    error = await rpc_error(svc.stub.SearchClients(request), grpc.StatusCode.UNAUTHENTICATED)
    assert error.type == "unauthenticated"
    await rpc_error(
        svc.stub.SearchClients(request, metadata=((METADATA_KEY, "not-a-jwt"),)),
        grpc.StatusCode.UNAUTHENTICATED,
    )

    generate_key_pair(tmp_path / "rogue.pem", tmp_path / "rogue.pub")
    rogue = AssertionSigner.from_file(tmp_path / "rogue.pem", GATEWAY_ISSUER).sign(OFFICER_091)
    await rpc_error(
        svc.stub.SearchClients(request, metadata=((METADATA_KEY, rogue),)),
        grpc.StatusCode.UNAUTHENTICATED,
    )

    for roles in ({INTERNAL_SERVICE_ROLE}, {INTERNAL_SERVICE_ROLE, Role.MUNICIPAL_OFFICER}):
        pretender = Caller(
            subject="kotopolku-service:clients",
            roles=frozenset(roles),
            purpose=PURPOSE,
            municipality="091",
        )
        await rpc_error(
            svc.stub.SearchClients(request, metadata=svc.md(pretender)),
            grpc.StatusCode.UNAUTHENTICATED,
        )

    # The service key may not carry user roles either.
    service_signer = AssertionSigner.from_file(keys.service_private, "kotopolku-service:audit")
    officer_by_service = service_signer.sign(OFFICER_091)
    await rpc_error(
        svc.stub.SearchClients(request, metadata=((METADATA_KEY, officer_by_service),)),
        grpc.StatusCode.UNAUTHENTICATED,
    )

    expired = keys.gateway_signer().sign(OFFICER_091, lifetime=-60)
    await rpc_error(
        svc.stub.SearchClients(request, metadata=((METADATA_KEY, expired),)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert await svc.count(audit_outbox) == 0

    # Control: the same request with a good assertion is served.
    assert list((await svc.search(name="Virtanen")).clients) == []


# --- health and shutdown -----------------------------------------------------------------


async def test_health_answers_without_a_caller(svc: Clients) -> None:
    health = health_stub(svc.channel)
    for name in ("", "readiness", CLIENTS_SERVICE):
        answer = await health.Check(health_pb2.HealthCheckRequest(service=name))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING, name
    await rpc_error(
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service")),
        grpc.StatusCode.NOT_FOUND,
    )

    await svc.stop(0)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{svc.host.port}")
    try:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await health_stub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await channel.close()


async def test_health_watch_turns_not_serving_when_stop_begins(svc: Clients) -> None:
    health = health_stub(svc.channel)
    watch = health.Watch(health_pb2.HealthCheckRequest(service="readiness"))
    first = await asyncio.wait_for(watch.read(), 5)
    assert first.status == health_pb2.HealthCheckResponse.SERVING

    stopping = asyncio.create_task(svc.stop(5))
    second = await asyncio.wait_for(watch.read(), 5)
    assert second.status == health_pb2.HealthCheckResponse.NOT_SERVING
    watch.cancel()
    await asyncio.wait_for(stopping, 10)


@contextmanager
def database_write_lock(database_url: str) -> Iterator[Callable[[], bool]]:
    """Holds a lock that makes the service's writes wait; yields "is somebody waiting?"."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        lite = sqlite3.connect(url.database, isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield lambda: True
        finally:
            lite.execute("ROLLBACK")
            lite.close()
        return
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn, autocommit=True) as observer:
        holder.execute("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE")

        def waiting() -> bool:
            row = observer.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            return bool(row and row[0] > 0)

        try:
            yield waiting
        finally:
            holder.rollback()


async def test_graceful_stop_lets_an_in_flight_call_finish(svc: Clients) -> None:
    health = health_stub(svc.channel)
    # Touch the database first, so that the service has set it up (WAL) before the lock.
    assert await svc.search_ids(name="Virtanen") == []

    with database_write_lock(svc.database_url) as waiting:
        in_flight = asyncio.create_task(svc.create(person("Matti", "Virtanen", date(1970, 1, 1))))

        async def call_is_waiting() -> bool:
            # SQLite has no view of lock waiters: there the call only has to have been sent.
            await asyncio.sleep(0.2)
            return waiting() and not in_flight.done()

        await wait_until(call_is_waiting, 5, "the call to wait for the database")
        stopping = asyncio.create_task(svc.stop(10))

        async def refuses_new_calls() -> bool:
            try:
                await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
            except grpc.aio.AioRpcError as error:
                return error.code() == grpc.StatusCode.UNAVAILABLE
            return False

        await wait_until(refuses_new_calls, 5, "the stopping server to refuse new calls")
        assert not in_flight.done()
        assert not stopping.done()
    created = await asyncio.wait_for(in_flight, 10)
    assert created.version == 1
    await asyncio.wait_for(stopping, 15)

    # The acknowledged create was committed, audit event included.
    restarted = await start_clients(svc.keys, svc.database_url)
    try:
        assert (await restarted.get(created.id)).last_name == "Virtanen"
        actions = [e.action for e in await restarted.audit_events()]
        assert actions[:1] == ["client.create"]
    finally:
        await restarted.stop(0)


# --- audit delivery ----------------------------------------------------------------------


@contextmanager
def audit_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    if make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
        return
    server = postgres_server_url()
    assert server is not None
    with fresh_postgres_database(server) as url:
        yield url


async def test_outbox_relay_delivers_exactly_once_across_an_audit_outage(
    keys: testing.TestKeys, database_url: str, tmp_path: Path
) -> None:
    audit_service = pytest.importorskip("kotopolku.audit.service")
    port = free_port()

    def audit_host(url: str) -> ServiceHost:
        return ServiceHost(
            audit_service.DEFINITION,
            audit_service.AuditSettings(
                database_url=url,
                grpc_port=port,
                metrics_port=0,
                gateway_public_key_file=keys.gateway_public,
                service_public_key_file=keys.service_public,
                service_key_file=keys.service_private,
            ),
            verifier=keys.verifier(),
        )

    with audit_database(database_url, tmp_path) as audit_url:
        audit = audit_host(audit_url)
        assert await audit.start() == port
        svc = await start_clients(
            keys, database_url, audit_address=f"127.0.0.1:{port}", outbox_poll_seconds=0.2
        )
        audit_channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        trail = audit_pb2_grpc.AuditServiceStub(audit_channel)

        async def delivered(client_id: str) -> list[audit_pb2.AuditEvent]:
            answer = await trail.QueryEvents(
                audit_pb2.QueryEventsRequest(subject_client_id=client_id, page_size=100),
                metadata=svc.md(AUDITOR_091),
                timeout=2,
            )
            return [r.event for r in answer.events if r.event.service == "clients"]

        async def outbox_empty() -> bool:
            return await svc.count(audit_outbox) == 0

        try:
            first = await svc.create(person("Matti", "Virtanen", date(1970, 1, 1)))

            async def first_arrived() -> bool:
                return len(await delivered(first.id)) == 1

            await wait_until(first_arrived, 5, "the first event at the audit service")
            await wait_until(outbox_empty, 5, "the clients outbox to empty")
            [event] = await delivered(first.id)
            assert (event.action, event.actor_subject, event.municipality_code) == (
                "client.create",
                OFFICER_091.subject,
                "091",
            )

            # The audit service goes away; the clients service still acknowledges writes.
            await audit.stop(0)
            second = await svc.create(person("Maija", "Virtanen", date(1971, 1, 1)))
            outbox = await svc.audit_events()
            assert [(e.action, e.subject_client_id) for e in outbox] == [
                ("client.create", second.id)
            ]
            relay = svc.host.relay
            assert relay is not None

            async def delivery_failed() -> bool:
                return relay.consecutive_failures > 0

            await wait_until(delivery_failed, 5, "the relay to notice the outage")
            assert await svc.count(audit_outbox) == 1

            audit = audit_host(audit_url)
            assert await audit.start() == port

            async def second_arrived() -> bool:
                return len(await delivered(second.id)) >= 1

            # The relay may be in its back-off (it doubles from 0.25 s) when the service returns.
            await wait_until(second_arrived, 10, "the second event after the outage")
            await wait_until(outbox_empty, 5, "the clients outbox to empty")
            arrived = await delivered(second.id)
            assert [(e.action, e.event_id) for e in arrived] == [
                ("client.create", outbox[0].event_id)
            ]
            assert len(await delivered(first.id)) == 1
        finally:
            await svc.stop(0)
            await audit_channel.close()
            await audit.stop(0)
