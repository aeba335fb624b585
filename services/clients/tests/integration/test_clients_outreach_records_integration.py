"""A client reached through outreach is archived whole: the outreach target that became the
client, its target groups and its contact history are exported with the client record and removed
with it (on PostgreSQL the target's reference to the record would otherwise block the removal);
other people's targets stay."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from outreach_testkit import OFFICER, Clock, Outreach, csv_list, people, start_outreach

from kotopolku.clients.client_records import CLIENT_RECORDS
from kotopolku.clients.tables import (
    clients,
    outreach_target_events,
    outreach_target_groups,
    outreach_targets,
)
from kotopolku.clients.v1 import clients_pb2
from kotopolku.clients.v1 import outreach_pb2 as pb
from kotopolku.common import testing
from kotopolku.common.client_records import ClientRecordsStore, Export, digest_of

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def svc(keys: testing.TestKeys, database_url: str) -> AsyncIterator[Outreach]:
    running = await start_outreach(keys, database_url, Clock())
    try:
        yield running
    finally:
        await running.stop()


async def test_the_outreach_target_is_archived_and_removed_with_the_client(svc: Outreach) -> None:
    reached, other = people(2, last_name="Tavoitettu")
    await svc.import_list(csv_list(reached.row(), other.row("child-home-care-allowance")))
    target = await svc.contact(await svc.target_of(reached), pb.CONTACT_OUTCOME_REACHED)
    converted = await svc.stub.ConvertTargetToClient(
        pb.ConvertTargetToClientRequest(
            target_id=target.id,
            expected_version=target.version,
            segment=clients_pb2.CLIENT_SEGMENT_SELF_MOVED,
        ),
        metadata=svc.md(OFFICER),
    )
    client_id = converted.client_id
    store = ClientRecordsStore(CLIENT_RECORDS)
    assert svc.host.database is not None
    async with svc.host.database.transaction() as connection:
        export = await store.export(connection, client_id, "091")
        assert await store.export(connection, client_id, "837") == Export((), digest_of(()))
    by_type: dict[str, list[str]] = {}
    for record in export.records:
        by_type.setdefault(record.record_type, []).append(record.record_id)
    assert by_type["clients.outreach-target"] == [target.id]
    assert by_type["clients.outreach-target-group"] == [f"{target.id}/social-assistance"]
    # Listed, the contact, and the conversion into this client.
    assert len(by_type["clients.outreach-target-event"]) == 3
    [exported] = [r for r in export.records if r.record_type == "clients.outreach-target"]
    assert json.loads(exported.content)["henkilotunnus"] == reached.code
    assert {r.related for r in export.records if r.record_type.startswith("clients.outreach")} == {
        (f"clients.client/{client_id}",),
        (f"clients.outreach-target/{target.id}",),
    }

    async with svc.host.database.transaction() as connection:
        outcome = await store.minimise(
            connection,
            client_id=client_id,
            municipality="091",
            package_id="package-1",
            expected_digest=export.digest,
            actor="kotopolku-service:archive",
            now=NOW,
        )
    counts = {r.record_type: r.count for r in outcome.results}
    assert counts["clients.client"] == 1
    assert counts["clients.outreach-target"] == 1
    async with svc.host.database.engine.connect() as connection:
        left = [r.henkilotunnus for r in await connection.execute(sa.select(outreach_targets))]
        groups = await connection.scalar(
            sa.select(sa.func.count()).select_from(outreach_target_groups)
        )
        events = (await connection.execute(sa.select(outreach_target_events.c.target_id))).all()
        remaining = await connection.scalar(
            sa.select(sa.func.count()).select_from(clients).where(clients.c.id == client_id)
        )
    assert left == [other.code]
    assert groups == 1
    assert {row.target_id for row in events} == {(await svc.target_of(other)).id}
    assert remaining == 0
