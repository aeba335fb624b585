"""The audit service over real gRPC, with real assertions, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa

from kotopolku.audit.service import DEFINITION, AuditSettings
from kotopolku.audit.v1 import audit_pb2, audit_pb2_grpc
from kotopolku.common import testing
from kotopolku.common.clock import to_timestamp
from kotopolku.common.errors import parse_rpc_error
from kotopolku.common.identity import (
    GATEWAY_ISSUER,
    METADATA_KEY,
    AssertionSigner,
    Caller,
    generate_key_pair,
)
from kotopolku.common.server import ServiceHost

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class SteppingClock:
    """Every reading is one second after the previous: recorded times are predictable."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Audit:
    host: ServiceHost
    stub: audit_pb2_grpc.AuditServiceAsyncStub
    keys: testing.TestKeys
    clock: SteppingClock

    def user(
        self,
        *roles: str,
        subject: str = "user-1",
        municipality: str | None = "091",
        client_id: str | None = None,
    ) -> tuple[tuple[str, str], ...]:
        caller = Caller(
            subject,
            frozenset(roles),
            "supervision",
            municipality=municipality,
            client_id=client_id,
        )
        return ((METADATA_KEY, self.keys.assertion(caller)),)

    def service(self, name: str = "clients") -> tuple[tuple[str, str], ...]:
        signer = AssertionSigner.from_file(self.keys.service_private, f"kotopolku-service:{name}")
        return ((METADATA_KEY, signer.sign(signer.service_caller(name))),)

    async def append(self, *events: audit_pb2.AuditEvent) -> audit_pb2.AppendEventsResponse:
        return await self.stub.AppendEvents(
            audit_pb2.AppendEventsRequest(events=events), metadata=self.service()
        )

    async def sql(self, statement: str) -> None:
        assert self.host.database is not None
        async with self.host.database.transaction() as connection:
            await connection.execute(sa.text(statement))

    async def rows(self, statement: str) -> list[sa.Row[tuple[object, ...]]]:
        assert self.host.database is not None
        async with self.host.database.engine.connect() as connection:
            return list((await connection.execute(sa.text(statement))).all())

    async def verify(self) -> audit_pb2.VerifyChainResponse:
        return await self.stub.VerifyChain(
            audit_pb2.VerifyChainRequest(), metadata=self.user("auditor")
        )


def event(**overrides: object) -> audit_pb2.AuditEvent:
    values: dict[str, object] = {
        "event_id": str(uuid.uuid4()),
        "occurred_at": to_timestamp(START),
        "actor_subject": "officer-1",
        "actor_roles": ["municipal-officer"],
        "municipality_code": "091",
        "subject_client_id": "client-a",
        "action": "client.read",
        "resource": "clients/client-a",
        "fields": ["names", "contact"],
        "purpose": "integration-service",
        "service": "clients",
        "outcome": "success",
    }
    values.update(overrides)
    return audit_pb2.AuditEvent(**values)  # type: ignore[arg-type]


@pytest.fixture
async def audit(keys: testing.TestKeys, database_url: str) -> AsyncIterator[Audit]:
    settings = AuditSettings(
        database_url=database_url,
        grpc_port=0,
        metrics_port=0,
        gateway_public_key_file=keys.gateway_public,
        service_public_key_file=keys.service_public,
        service_key_file=keys.service_private,
        verify_chunk_size=100,
    )
    clock = SteppingClock()
    host = ServiceHost(DEFINITION, settings, clock=clock, verifier=keys.verifier())
    port = await host.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Audit(host, audit_pb2_grpc.AuditServiceStub(channel), keys, clock)  # type: ignore[arg-type]
    finally:
        await channel.close()
        await host.stop(grace=0)


async def rpc_error(call: Callable[[], object]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call()  # type: ignore[misc]
    return caught.value


# -- appending --------------------------------------------------------------------------------


async def test_append_stores_events_once_and_counts_duplicates(audit: Audit) -> None:
    first = [event() for _ in range(3)]
    assert (await audit.append(*first)) == audit_pb2.AppendEventsResponse(appended=3)

    again = await audit.append(*first, event())
    assert (again.appended, again.duplicates) == (1, 3)

    same = event()
    within = await audit.append(same, same, event())
    assert (within.appended, within.duplicates) == (2, 1)

    rows = await audit.rows("SELECT position, event_id FROM audit_entries ORDER BY position")
    assert [r.position for r in rows] == [1, 2, 3, 4, 5, 6]
    assert len({r.event_id for r in rows}) == 6
    head = await audit.rows("SELECT position, entry_hash FROM audit_chain_head")
    assert head[0].position == 6


async def test_an_empty_append_does_nothing(audit: Audit) -> None:
    assert (await audit.append()) == audit_pb2.AppendEventsResponse()


async def test_stored_events_come_back_as_sent(audit: Audit) -> None:
    sent = event(
        occurred_at=to_timestamp(START.replace(microsecond=654321)),
        welfare_area_code="WA01",
        resource="asiakkaat/Äänekoski",
        trace_id="0af7651916cd43dd8448eb211c80319c",
    )
    await audit.append(sent)
    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
        metadata=audit.user("auditor"),
    )
    [recorded] = page.events
    assert recorded.event == sent
    assert recorded.position == 1
    assert recorded.recorded_at.ToDatetime(tzinfo=UTC) == START + timedelta(seconds=1)
    assert len(recorded.entry_hash) == 64


async def test_the_context_of_an_event_is_kept_and_covered_by_the_chain(audit: Audit) -> None:
    """X-Road headers and a disclosure's recipient travel in ``context``; the chain covers them,
    and entries without one keep the hash they always had."""
    sent = event(
        context={
            "x-road-client": "FI-TEST/GOV/0996189-5/pirkanmaa-hva",
            "x-road-id": "b1e4f7e2-0c3d-4a5e-9f00-000000000001",
            "x-road-user-id": "FI010190-999W",
            "x-road-issue": "PIRHA-2026-17",
            "recipient": "pirkanmaa",
        }
    )
    await audit.append(event(), sent)
    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
        metadata=audit.user("auditor"),
    )
    assert [dict(e.event.context) for e in page.events] == [dict(sent.context), {}]
    assert (await audit.verify()).intact
    await audit.sql(
        "UPDATE audit_entries SET context = replace(context, 'pirkanmaa', 'vantaa')"
        " WHERE position = 2"
    )
    result = await audit.verify()
    assert (result.intact, result.first_bad_position) == (False, 2)


async def test_a_context_with_bad_names_or_values_is_refused(audit: Audit) -> None:
    error = await rpc_error(
        lambda: audit.append(event(context={"Bad Name": "x", "recipient": "y" * 1001}))
    )
    remote = parse_rpc_error(error)
    assert remote.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in remote.violations} == {
        "events[0].context",
        "events[0].context.recipient",
    }


@pytest.mark.parametrize("roles", [("admin",), ("auditor",), ("municipal-officer",), ("client",)])
async def test_a_user_cannot_append(audit: Audit, roles: tuple[str, ...]) -> None:
    error = await rpc_error(
        lambda: audit.stub.AppendEvents(
            audit_pb2.AppendEventsRequest(events=[event()]), metadata=audit.user(*roles)
        )
    )
    remote = parse_rpc_error(error)
    assert remote.code == grpc.StatusCode.PERMISSION_DENIED
    assert remote.type == "forbidden"
    assert await audit.rows("SELECT position FROM audit_entries") == []


async def test_a_call_without_an_assertion_is_unauthenticated(audit: Audit) -> None:
    for call in (
        lambda: audit.stub.AppendEvents(audit_pb2.AppendEventsRequest(events=[event()])),
        lambda: audit.stub.QueryEvents(audit_pb2.QueryEventsRequest()),
        lambda: audit.stub.VerifyChain(audit_pb2.VerifyChainRequest()),
    ):
        remote = parse_rpc_error(await rpc_error(call))
        assert remote.code == grpc.StatusCode.UNAUTHENTICATED
        assert remote.type == "unauthenticated"


async def test_a_forged_assertion_is_unauthenticated(audit: Audit, tmp_path: Path) -> None:
    generate_key_pair(tmp_path / "forged.pem", tmp_path / "forged.pub")
    as_gateway = AssertionSigner.from_file(tmp_path / "forged.pem", GATEWAY_ISSUER)
    as_service = AssertionSigner.from_file(tmp_path / "forged.pem", "kotopolku-service:clients")
    auditor = Caller("mallory", frozenset({"auditor"}), "supervision", municipality="091")
    for metadata, call in (
        (
            ((METADATA_KEY, as_gateway.sign(auditor)),),
            lambda m: audit.stub.QueryEvents(audit_pb2.QueryEventsRequest(), metadata=m),
        ),
        (
            ((METADATA_KEY, as_service.sign(as_service.service_caller("clients"))),),
            lambda m: audit.stub.AppendEvents(
                audit_pb2.AppendEventsRequest(events=[event()]), metadata=m
            ),
        ),
    ):
        remote = parse_rpc_error(await rpc_error(lambda c=call, m=metadata: c(m)))
        assert remote.code == grpc.StatusCode.UNAUTHENTICATED
    assert await audit.rows("SELECT position FROM audit_entries") == []


async def test_invalid_events_are_refused_with_field_violations(audit: Audit) -> None:
    batch = [event(), event(event_id="123"), event(), event(action="", occurred_at=None)]
    error = await rpc_error(
        lambda: audit.stub.AppendEvents(
            audit_pb2.AppendEventsRequest(events=batch), metadata=audit.service()
        )
    )
    remote = parse_rpc_error(error)
    assert remote.code == grpc.StatusCode.INVALID_ARGUMENT
    assert remote.type == "validation-error"
    assert {v.field for v in remote.violations} == {
        "events[1].event_id",
        "events[3].action",
        "events[3].occurred_at",
    }
    # Nothing of an invalid batch is stored.
    assert await audit.rows("SELECT position FROM audit_entries") == []


# -- querying ---------------------------------------------------------------------------------


async def test_an_auditor_sees_only_their_municipality(audit: Audit) -> None:
    helsinki = [event(municipality_code="091") for _ in range(3)]
    jyvaskyla = [event(municipality_code="837") for _ in range(2)]
    await audit.append(*helsinki, *jyvaskyla)

    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
        metadata=audit.user("auditor", municipality="091"),
    )
    assert [e.event.event_id for e in page.events] == [e.event_id for e in reversed(helsinki)]

    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(actor_subject="officer-1"),
        metadata=audit.user("auditor", subject="auditor-837", municipality="837"),
    )
    assert {e.event.event_id for e in page.events} == {e.event_id for e in jyvaskyla}
    assert {e.event.municipality_code for e in page.events} == {"837"}


async def test_an_auditor_without_a_municipality_is_denied(audit: Audit) -> None:
    await audit.append(event())
    remote = parse_rpc_error(
        await rpc_error(
            lambda: audit.stub.QueryEvents(
                audit_pb2.QueryEventsRequest(), metadata=audit.user("auditor", municipality=None)
            )
        )
    )
    assert remote.code == grpc.StatusCode.PERMISSION_DENIED


async def test_query_filters_by_actor_and_recorded_time(audit: Audit) -> None:
    # Each append is recorded one clock step (one second) after the previous one.
    await audit.append(event(actor_subject="officer-1"))  # recorded START+1s
    await audit.append(event(actor_subject="officer-2"))  # START+2s
    await audit.append(event(actor_subject="officer-1"))  # START+3s
    await audit.append(event(actor_subject="officer-1"))  # START+4s
    auditor = audit.user("auditor")

    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(actor_subject="officer-1"), metadata=auditor
    )
    assert [e.position for e in page.events] == [4, 3, 1]

    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(
            actor_subject="officer-1",
            from_time=to_timestamp(START + timedelta(seconds=2)),
            to_time=to_timestamp(START + timedelta(seconds=4)),
        ),
        metadata=auditor,
    )
    assert [e.position for e in page.events] == [3]

    others = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(exclude_actor_subject="officer-1"), metadata=auditor
    )
    # Entries 5 and 6 are the auditor's own queries above: reading the log is logged too.
    assert [(e.position, e.event.actor_subject) for e in others.events][-1] == (2, "officer-2")
    assert "officer-1" not in {e.event.actor_subject for e in others.events}


async def test_a_client_sees_only_their_own_trail(audit: Audit) -> None:
    await audit.append(
        # The clients service matched citizen-1 to client-a by strong identity.
        event(
            actor_subject="citizen-1",
            actor_roles=["client"],
            subject_client_id="client-a",
            action="client.read-own",
        ),
        # An attempt that failed proves nothing.
        event(
            actor_subject="citizen-3",
            subject_client_id="client-a",
            action="client.read-own",
            outcome="denied",
        ),
        event(subject_client_id="client-a", municipality_code="837"),
        event(subject_client_id="client-b"),
    )
    citizen = audit.user("client", subject="citizen-1", municipality=None)

    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(subject_client_id="client-a"), metadata=citizen
    )
    # Their whole trail, from every municipality, newest first.
    assert [e.position for e in page.events] == [3, 2, 1]
    assert {e.event.subject_client_id for e in page.events} == {"client-a"}

    denied = [
        (citizen, audit_pb2.QueryEventsRequest(subject_client_id="client-b")),
        (citizen, audit_pb2.QueryEventsRequest()),
        (citizen, audit_pb2.QueryEventsRequest(actor_subject="officer-1")),
        (
            audit.user("client", subject="citizen-2", municipality=None),
            audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
        ),
        (
            audit.user("client", subject="citizen-3", municipality=None),
            audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
        ),
    ]
    for metadata, request in denied:
        remote = parse_rpc_error(
            await rpc_error(lambda m=metadata, r=request: audit.stub.QueryEvents(r, metadata=m))
        )
        assert remote.code == grpc.StatusCode.PERMISSION_DENIED, request
        assert remote.type == "forbidden"


async def test_a_client_vouched_for_by_the_gateway_sees_their_trail(audit: Audit) -> None:
    # No client.read-own has reached the log yet (first visit: it is still in the outbox).
    await audit.append(
        event(subject_client_id="client-c", municipality_code="837"),
        event(subject_client_id="client-c", municipality_code="837"),
        event(subject_client_id="client-a"),
        event(
            actor_subject="citizen-5",
            subject_client_id="client-a",
            action="client.read-own",
        ),
    )
    vouched = audit.user("client", subject="citizen-5", municipality=None, client_id="client-c")
    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(subject_client_id="client-c"), metadata=vouched
    )
    assert [e.position for e in page.events] == [2, 1]

    # A claim naming another record refuses even a record the log would tie to this user.
    remote = parse_rpc_error(
        await rpc_error(
            lambda: audit.stub.QueryEvents(
                audit_pb2.QueryEventsRequest(subject_client_id="client-a"), metadata=vouched
            )
        )
    )
    assert remote.code == grpc.StatusCode.PERMISSION_DENIED
    # The claim is only for clients.
    remote = parse_rpc_error(
        await rpc_error(
            lambda: audit.stub.QueryEvents(
                audit_pb2.QueryEventsRequest(subject_client_id="client-c"),
                metadata=audit.user("municipal-officer", client_id="client-c"),
            )
        )
    )
    assert remote.code == grpc.StatusCode.PERMISSION_DENIED

    rows = await audit.rows(
        "SELECT actor_subject, municipality_code, outcome FROM audit_entries"
        " WHERE action = 'audit.query' ORDER BY position"
    )
    assert [tuple(r) for r in rows] == [
        ("citizen-5", "837", "success"),
        ("citizen-5", "", "denied"),
        ("user-1", "091", "denied"),
    ]


@pytest.mark.parametrize(
    "roles",
    [(), ("admin",), ("municipal-officer",), ("manager",), ("service-provider",)],
)
async def test_other_roles_cannot_query(audit: Audit, roles: tuple[str, ...]) -> None:
    await audit.append(event())
    remote = parse_rpc_error(
        await rpc_error(
            lambda: audit.stub.QueryEvents(
                audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
                metadata=audit.user(*roles),
            )
        )
    )
    assert remote.code == grpc.StatusCode.PERMISSION_DENIED


async def test_internal_services_cannot_query(audit: Audit) -> None:
    remote = parse_rpc_error(
        await rpc_error(
            lambda: audit.stub.QueryEvents(audit_pb2.QueryEventsRequest(), metadata=audit.service())
        )
    )
    assert remote.code == grpc.StatusCode.PERMISSION_DENIED


async def test_pagination_is_stable_while_entries_are_appended(audit: Audit) -> None:
    await audit.append(*(event(subject_client_id="client-p") for _ in range(25)))
    auditor = audit.user("auditor")
    seen: list[int] = []
    token = ""
    sizes = []
    while True:
        page = await audit.stub.QueryEvents(
            audit_pb2.QueryEventsRequest(
                subject_client_id="client-p", page_size=10, page_token=token
            ),
            metadata=auditor,
        )
        seen.extend(e.position for e in page.events)
        sizes.append(len(page.events))
        # Newer entries arriving meanwhile do not shift the pages.
        await audit.append(event(subject_client_id="client-p"))
        token = page.next_page_token
        if not token:
            break
    assert sizes == [10, 10, 5]
    assert seen == list(range(25, 0, -1))


async def test_a_foreign_page_token_is_invalid(audit: Audit) -> None:
    remote = parse_rpc_error(
        await rpc_error(
            lambda: audit.stub.QueryEvents(
                audit_pb2.QueryEventsRequest(page_token="not-ours"),
                metadata=audit.user("auditor"),
            )
        )
    )
    assert remote.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in remote.violations] == ["page_token"]


async def test_the_query_itself_is_audited(audit: Audit) -> None:
    await audit.append(event(subject_client_id="client-a"))
    await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
        metadata=audit.user("auditor", subject="auditor-1"),
    )
    with pytest.raises(grpc.aio.AioRpcError):
        await audit.stub.QueryEvents(
            audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
            metadata=audit.user("municipal-officer", subject="officer-9"),
        )
    rows = await audit.rows(
        "SELECT position, action, subject_client_id, actor_subject, actor_roles,"
        " municipality_code, service, outcome, resource FROM audit_entries ORDER BY position"
    )
    assert [(r.position, r.action) for r in rows] == [
        (1, "client.read"),
        (2, "audit.query"),
        (3, "audit.query"),
    ]
    granted, denied = rows[1], rows[2]
    assert (granted.subject_client_id, granted.actor_subject, granted.outcome) == (
        "client-a",
        "auditor-1",
        "success",
    )
    assert (granted.municipality_code, granted.service) == ("091", "audit")
    assert granted.actor_roles == '["auditor"]'
    assert granted.resource == "audit/events?subject_client_id=client-a"
    assert (denied.actor_subject, denied.outcome) == ("officer-9", "denied")

    # The next query sees the previous query's entry, and the chain still holds.
    page = await audit.stub.QueryEvents(
        audit_pb2.QueryEventsRequest(subject_client_id="client-a"),
        metadata=audit.user("auditor", subject="auditor-1"),
    )
    assert [e.event.action for e in page.events] == ["audit.query", "audit.query", "client.read"]
    assert (await audit.verify()).intact


# -- verification -----------------------------------------------------------------------------


async def test_an_empty_chain_is_intact(audit: Audit) -> None:
    result = await audit.verify()
    assert result == audit_pb2.VerifyChainResponse(intact=True, entries_checked=0)


async def test_the_chain_is_intact_after_appends(audit: Audit) -> None:
    for _ in range(5):
        await audit.append(*(event() for _ in range(50)))
    # verify_chunk_size is 100 in these tests: the 250 entries come in three chunks.
    result = await audit.verify()
    assert result == audit_pb2.VerifyChainResponse(intact=True, entries_checked=250)


@pytest.mark.parametrize("roles", [("auditor",), ("admin",)])
async def test_auditors_and_admins_verify(audit: Audit, roles: tuple[str, ...]) -> None:
    result = await audit.stub.VerifyChain(
        audit_pb2.VerifyChainRequest(), metadata=audit.user(*roles)
    )
    assert result.intact


@pytest.mark.parametrize("roles", [("client",), ("municipal-officer",), ()])
async def test_others_cannot_verify(audit: Audit, roles: tuple[str, ...]) -> None:
    for metadata in (audit.user(*roles), audit.service()):
        remote = parse_rpc_error(
            await rpc_error(
                lambda m=metadata: audit.stub.VerifyChain(
                    audit_pb2.VerifyChainRequest(), metadata=m
                )
            )
        )
        assert remote.code == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("tampering", "bad_position"),
    [
        ("UPDATE audit_entries SET action = 'client.nothing' WHERE position = 2", 2),
        ("UPDATE audit_entries SET fields = '[\"names\"]' WHERE position = 4", 4),
        ("UPDATE audit_entries SET fields = 'not json' WHERE position = 3", 3),
        ("UPDATE audit_entries SET entry_hash = previous_hash WHERE position = 3", 3),
        ("UPDATE audit_entries SET previous_hash = entry_hash WHERE position = 5", 5),
        ("DELETE FROM audit_entries WHERE position = 3", 3),
        ("DELETE FROM audit_entries WHERE position = 6", 6),
        ("DELETE FROM audit_entries WHERE position >= 2", 2),
        ("UPDATE audit_chain_head SET entry_hash = 'x'", 6),
    ],
)
async def test_tampering_in_the_database_is_found(
    audit: Audit, tampering: str, bad_position: int
) -> None:
    await audit.append(*(event() for _ in range(6)))
    assert (await audit.verify()).intact
    await audit.sql(tampering)
    result = await audit.verify()
    assert not result.intact
    assert result.first_bad_position == bad_position
    assert result.problem


async def test_swapped_rows_are_found(audit: Audit) -> None:
    await audit.append(*(event(action=f"action-{i}") for i in range(1, 5)))
    # Swap everything but the position between entries 2 and 3.
    await audit.sql("UPDATE audit_entries SET position = -2 WHERE position = 2")
    await audit.sql("UPDATE audit_entries SET position = 2 WHERE position = 3")
    await audit.sql("UPDATE audit_entries SET position = 3 WHERE position = -2")
    result = await audit.verify()
    assert (result.intact, result.first_bad_position) == (False, 2)


async def test_concurrent_appends_keep_the_chain_intact(audit: Audit) -> None:
    shared = [event() for _ in range(10)]

    async def deliver(task: int) -> tuple[int, int]:
        appended = duplicates = 0
        for batch in range(5):
            response = await audit.append(
                *(event(resource=f"t{task}/b{batch}/{i}") for i in range(20)), *shared
            )
            appended += response.appended
            duplicates += response.duplicates
        return appended, duplicates

    results = await asyncio.gather(*(deliver(task) for task in range(8)))
    total = 8 * 5 * 20 + len(shared)
    assert sum(a for a, _ in results) == total
    assert sum(d for _, d in results) == 8 * 5 * len(shared) - len(shared)
    rows = await audit.rows("SELECT position FROM audit_entries ORDER BY position")
    assert [r.position for r in rows] == list(range(1, total + 1))
    result = await audit.verify()
    assert (result.intact, result.entries_checked) == (True, total)


async def test_concurrent_queries_and_appends_keep_the_chain_intact(audit: Audit) -> None:
    await audit.append(*(event() for _ in range(20)))
    auditor = audit.user("auditor")

    async def query() -> int:
        for _ in range(5):
            page = await audit.stub.QueryEvents(
                audit_pb2.QueryEventsRequest(subject_client_id="client-a", page_size=5),
                metadata=auditor,
            )
            assert len(page.events) == 5
        return 5

    async def append() -> int:
        for _ in range(5):
            await audit.append(*(event() for _ in range(10)))
        return 50

    counts = await asyncio.gather(*(query() for _ in range(4)), *(append() for _ in range(4)))
    total = 20 + sum(counts)
    result = await audit.verify()
    assert (result.intact, result.entries_checked) == (True, total)
    queries = await audit.rows("SELECT position FROM audit_entries WHERE action = 'audit.query'")
    assert len(queries) == 20
