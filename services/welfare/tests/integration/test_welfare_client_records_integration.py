"""The welfare service's part of the client-records contract, served by the real service: what
concerns the client is exported; minimisation removes the persons' data and keeps the legal acts
(disclosures and their log, bases, the placement decision); a family's proposal stays; an open
cooperation blocks it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import grpc
import sqlalchemy as sa
from test_welfare_transfer_integration import record, transfer
from welfare_testkit import (
    PIRKANMAA_SYSTEM,
    TAMPERE,
    Records,
    World,
    family,
    multi_sector_assessment,
    multi_sector_plan,
    rpc_error,
)

from kotopolku.assessment.v1 import assessment_pb2
from kotopolku.common.identity import METADATA_KEY, SERVICE_ISSUER_PREFIX, AssertionSigner
from kotopolku.plans.v1 import plans_pb2
from kotopolku.records.v1 import records_pb2 as rpb
from kotopolku.records.v1 import records_pb2_grpc
from kotopolku.welfare.tables import (
    consultations,
    disclosure_log,
    disclosures,
    feed_events,
    placement_proposals,
    reception_transfers,
)
from kotopolku.welfare.v1 import welfare_pb2 as pb


def _archive(world: World) -> tuple[records_pb2_grpc.ClientRecordsServiceAsyncStub, Any]:
    signer = AssertionSigner.from_file(
        world.keys.service_private, f"{SERVICE_ISSUER_PREFIX}archive"
    )
    metadata = ((METADATA_KEY, signer.sign(signer.service_caller("archive"))),)
    stub = records_pb2_grpc.ClientRecordsServiceStub(world.channels[0])
    return stub, metadata  # type: ignore[return-value]


async def _rows(world: World, query: Any) -> list[Any]:
    assert world.host.database is not None
    async with world.host.database.engine.connect() as connection:
        return list(await connection.execute(query))


def _minimise(
    client_id: str, digest: str, package: str = "pkg-1"
) -> rpb.MinimiseClientRecordsRequest:
    return rpb.MinimiseClientRecordsRequest(
        client_id=client_id, municipality_code="837", package_id=package, expected_digest=digest
    )


async def test_export_and_minimise_keep_the_legal_acts(world: World) -> None:
    proposed = await world.propose()
    consultation = await world.consult(proposed.id)
    await world.answer(consultation.id)
    decided = await world.decide(await world.proposal(proposed.id))
    body = transfer(961, inform=True)
    body.proposal_id = decided.id
    # Keys of their own: the clients service (and its idempotency keys) serves the whole session.
    received = await record(world, body, key=f"records-{uuid.uuid4()}")
    await world.welfare.GetDisclosure(
        pb.GetDisclosureRequest(disclosure_id=received.notice_disclosure_id),
        metadata=world.md(PIRKANMAA_SYSTEM),
    )
    client_id = received.client_id
    stub, archive = _archive(world)

    export = await stub.ExportClientRecords(
        rpb.ExportClientRecordsRequest(client_id=client_id, municipality_code="837"),
        metadata=archive,
    )
    counts: dict[str, int] = {}
    for item in export.records:
        counts[item.record_type] = counts.get(item.record_type, 0) + 1
    assert counts == {
        "welfare.reception-transfer": 1,
        "welfare.placement-proposal": 1,
        "welfare.consultation": 1,
        "welfare.disclosure-basis": 1,
        "welfare.disclosure": 1,
        "welfare.disclosure-log": 1,
        # consultation opened, answered, decided; the notice made available
        "welfare.feed-event": 4,
    }
    exported_transfer = json.loads(export.records[0].content)
    assert exported_transfer["person"]["last_name"] == "Haidari"
    elsewhere = await stub.ExportClientRecords(
        rpb.ExportClientRecordsRequest(client_id=client_id, municipality_code="091"),
        metadata=archive,
    )
    assert list(elsewhere.records) == []
    described = await stub.DescribeClientRecords(
        rpb.DescribeClientRecordsRequest(client_id=client_id, municipality_code="837"),
        metadata=archive,
    )
    assert list(described.blockers) == []
    log_before = await _rows(world, sa.select(disclosure_log))
    feed_before = await _rows(world, sa.select(feed_events))

    done = await stub.MinimiseClientRecords(_minimise(client_id, export.digest), metadata=archive)
    actions = {r.record_type: (r.action, r.count) for r in done.results}
    assert actions["welfare.reception-transfer"] == ("minimised", 1)
    assert actions["welfare.placement-proposal"] == ("minimised", 1)
    assert actions["welfare.disclosure"] == ("minimised", 1)
    assert actions["welfare.disclosure-log"] == ("kept", 1)
    assert actions["welfare.consultation"] == ("kept", 1)
    assert actions["welfare.family-placement-proposal"] == ("kept", 0)
    repeat = await stub.MinimiseClientRecords(_minimise(client_id, export.digest), metadata=archive)
    assert repeat.repeated_request

    [kept_transfer] = await _rows(
        world, sa.select(reception_transfers).where(reception_transfers.c.client_id == client_id)
    )
    assert kept_transfer.person["last_name"] == "[minimised]"
    assert "Haidari" not in json.dumps(kept_transfer.person)
    assert kept_transfer.service_needs == []
    assert kept_transfer.consent["given_on"]
    [kept_proposal] = await _rows(
        world, sa.select(placement_proposals).where(placement_proposals.c.id == decided.id)
    )
    assert kept_proposal.persons == []
    assert kept_proposal.decision
    assert kept_proposal.decision_reason == "[minimised]"
    [notice] = await _rows(
        world, sa.select(disclosures).where(disclosures.c.client_id == client_id)
    )
    assert notice.content == {"minimised": True}
    assert notice.first_delivered_at is not None
    assert await _rows(world, sa.select(disclosure_log)) == log_before
    assert await _rows(world, sa.select(feed_events)) == feed_before
    [kept_consultation] = await _rows(
        world, sa.select(consultations).where(consultations.c.proposal_id == decided.id)
    )
    assert kept_consultation.profile
    # The views still work on what is left.
    shown = await world.welfare.GetReceptionTransfer(
        pb.GetReceptionTransferRequest(transfer_id=received.id), metadata=world.md(TAMPERE)
    )
    assert shown.person.last_name == "[minimised]"


async def test_a_family_s_proposal_stays_while_another_client_needs_it(world: World) -> None:
    proposed = await world.propose(persons=family(with_needs=False))
    decided = await world.decide(proposed)
    clients = []
    for individual in (962, 963):
        body = transfer(individual, inform=False)
        body.proposal_id = decided.id
        clients.append((await record(world, body, key=f"records-{uuid.uuid4()}")).client_id)
    stub, archive = _archive(world)
    export = await stub.ExportClientRecords(
        rpb.ExportClientRecordsRequest(client_id=clients[0], municipality_code="837"),
        metadata=archive,
    )
    types = [r.record_type for r in export.records]
    assert "welfare.family-placement-proposal" in types
    assert "welfare.placement-proposal" not in types
    await stub.MinimiseClientRecords(_minimise(clients[0], export.digest), metadata=archive)
    [kept] = await _rows(
        world, sa.select(placement_proposals).where(placement_proposals.c.id == decided.id)
    )
    assert len(kept.persons) == len(proposed.persons)


async def test_an_open_cooperation_blocks_minimisation(
    records_world: tuple[World, Records],
) -> None:
    world, records = records_world
    client = await world.new_client()
    plan = await records.plans.CreatePlan(
        plans_pb2.CreatePlanRequest(plan=multi_sector_plan(client.id)), metadata=world.md(TAMPERE)
    )
    assessment = await records.assessment.CreateAssessment(
        assessment_pb2.CreateAssessmentRequest(
            client_id=client.id,
            kind=assessment_pb2.ASSESSMENT_KIND_MULTI_SECTOR,
            assessment=multi_sector_assessment(),
            fields={"paths": ["multi_sector"]},
        ),
        metadata=world.md(TAMPERE),
    )
    requested = await world.request_cooperation(
        client.id, plan_id=plan.id, assessment_id=assessment.id
    )
    stub, archive = _archive(world)
    asked = rpb.DescribeClientRecordsRequest(client_id=client.id, municipality_code="837")
    described = await stub.DescribeClientRecords(asked, metadata=archive)
    assert [b for b in described.blockers] == [
        "1 cooperations with the welfare area are still requested or accepted"
    ]
    export = await stub.ExportClientRecords(
        rpb.ExportClientRecordsRequest(client_id=client.id, municipality_code="837"),
        metadata=archive,
    )
    error = await rpc_error(
        stub.MinimiseClientRecords(_minimise(client.id, export.digest), metadata=archive),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error.type == "minimisation-blocked"

    await world.welfare.EndCooperation(
        pb.EndCooperationRequest(
            cooperation_id=requested.id,
            reason="Asiakas muutti toiselle paikkakunnalle",
            expected_version=requested.version,
        ),
        metadata=world.md(TAMPERE),
    )
    assert list((await stub.DescribeClientRecords(asked, metadata=archive)).blockers) == []
    export = await stub.ExportClientRecords(
        rpb.ExportClientRecordsRequest(client_id=client.id, municipality_code="837"),
        metadata=archive,
    )
    done = await stub.MinimiseClientRecords(
        _minimise(client.id, export.digest, "pkg-2"), metadata=archive
    )
    actions = {r.record_type: (r.action, r.count) for r in done.results}
    assert actions["welfare.cooperation"] == ("minimised", 1)
    assert actions["welfare.disclosure-basis"] == ("minimised", 1)
    shown = await world.cooperation(requested.id, TAMPERE)
    assert shown.person.last_name == "[minimised]"
    assert shown.end_reason == "[minimised]"
    assert shown.state == pb.COOPERATION_STATE_ENDED
