"""Client transfer from a reception centre, and the quota refugee reception: the transfer
becomes the client record without asking again what it carried; the welfare area is informed only
on the person's consent; the reception is prepared step by step with its arrival-day tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.json_format import MessageToDict
from welfare_testkit import (
    PIRKANMAA,
    PIRKANMAA_SYSTEM,
    TAMPERE,
    TODAY,
    VANTAA,
    VANTAA_KERAVA,
    World,
    client_user,
    family,
    fields_of,
    hetu,
    rpc_error,
)

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.clock import to_timestamp
from kotopolku.welfare.v1 import welfare_pb2 as pb


def transfer(individual: int, inform: bool, **person: object) -> pb.ReceptionTransfer:
    born = datetime(1994, 8, 30).date()
    values: dict[str, object] = {
        "first_names": "Mariam",
        "last_name": "Haidari",
        "date_of_birth": born.isoformat(),
        "henkilotunnus": hetu(born, individual),
        "languages": ["prs", "fa"],
        "contact": pb.ContactDetails(phone="040 5556667"),
        "first_permit_date": "2025-11-03",
    }
    values.update(person)
    return pb.ReceptionTransfer(
        reception_centre="Joutsenon vastaanottokeskus",
        received_on=TODAY.isoformat(),
        basis=pb.PLACEMENT_BASIS_ASYLUM,
        consent=pb.TransferConsent(
            given_on=TODAY.isoformat(),
            inform_welfare_area=inform,
            scope="Asiakkuuden siirto kuntaan ja hyvinvointialueelle",
        ),
        person=pb.TransferredPerson(**values),  # type: ignore[arg-type]
        service_needs=[pb.SERVICE_NEED_MENTAL_HEALTH],
    )


async def record(world: World, body: pb.ReceptionTransfer, key: str = "") -> pb.ReceptionTransfer:
    return await world.welfare.RecordReceptionTransfer(
        pb.RecordReceptionTransferRequest(transfer=body, idempotency_key=key or world.key()),
        metadata=world.md(TAMPERE),
    )


async def test_the_transfer_becomes_the_client_record_asking_nothing_again(world: World) -> None:
    body = transfer(951, inform=False)
    recorded = await record(world, body, key="transfer-1")
    assert not recorded.existing_client
    client = await world.clients.GetClient(
        clients_pb2.GetClientRequest(client_id=recorded.client_id), metadata=world.md(TAMPERE)
    )
    assert (client.first_names, client.last_name) == ("Mariam", "Haidari")
    assert client.henkilotunnus == body.person.henkilotunnus
    assert list(client.languages) == ["prs", "fa"]
    assert client.contact.phone == "+358405556667"
    assert client.segment == clients_pb2.CLIENT_SEGMENT_PLACED
    assert (
        client.residence_permit_type == clients_pb2.RESIDENCE_PERMIT_TYPE_INTERNATIONAL_PROTECTION
    )
    assert client.first_permit_date == "2025-11-03"
    # Ask once: what was carried is not asked again; only the missing contact details are.
    assert {"first_names", "henkilotunnus", "contact.phone", "segment"} <= set(
        recorded.carried_fields
    )
    assert list(recorded.still_to_ask) == [
        "contact.email",
        "contact.street_address",
        "contact.postal_code",
        "contact.post_office",
    ]
    # A retry is the same transfer and the same client; no notice without consent.
    assert (await record(world, body, key="transfer-1")).id == recorded.id
    assert recorded.notice_disclosure_id == ""
    assert await world.whole_feed(PIRKANMAA) == []
    # The same person again (another transfer) links the existing record.
    second = await record(world, body)
    assert second.existing_client
    assert second.client_id == recorded.client_id


async def test_the_welfare_area_is_informed_only_on_consent(world: World) -> None:
    recorded = await record(world, transfer(952, inform=True))
    assert recorded.notice_disclosure_id
    [event] = await world.whole_feed(PIRKANMAA_SYSTEM)
    assert event.type == "disclosure.available"
    data = MessageToDict(event.data)
    assert data == {
        "disclosure_id": recorded.notice_disclosure_id,
        "transfer_id": recorded.id,
        "category": "reception-transfer",
    }
    notice = await world.welfare.GetDisclosure(
        pb.GetDisclosureRequest(disclosure_id=recorded.notice_disclosure_id),
        metadata=world.md(PIRKANMAA_SYSTEM),
    )
    content = MessageToDict(notice.content)
    assert content["person"] == {
        "first_names": "Mariam",
        "last_name": "Haidari",
        "date_of_birth": "1994-08-30",
        "languages": ["prs", "fa"],
    }
    assert content["service_needs"] == ["mental-health"]
    # Not the identity code nor the contact details: only what the notice needs.
    assert "henkilotunnus" not in str(content)
    assert "contact" not in content
    await rpc_error(
        world.welfare.GetDisclosure(
            pb.GetDisclosureRequest(disclosure_id=recorded.notice_disclosure_id),
            metadata=world.md(VANTAA_KERAVA),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    own = await world.welfare.ListOwnDisclosures(
        pb.ListOwnDisclosuresRequest(), metadata=world.md(client_user(recorded.client_id))
    )
    [entry] = own.entries
    assert (entry.welfare_area, entry.category, entry.basis_kind) == (
        "pirkanmaa",
        pb.DATA_CATEGORY_RECEPTION_TRANSFER,
        pb.BASIS_KIND_CONSENT,
    )
    assert "person.last_name" in entry.fields


async def test_a_transfer_needs_consent_and_valid_data(world: World) -> None:
    body = transfer(953, inform=False, henkilotunnus="300894-953X")
    body.consent.given_on = ""
    body.reception_centre = ""
    error = await rpc_error(record(world, body), grpc.StatusCode.INVALID_ARGUMENT)
    assert set(fields_of(error)) == {
        "transfer.consent.given_on",
        "transfer.reception_centre",
        "transfer.person.henkilotunnus",
    }
    await rpc_error(
        world.welfare.RecordReceptionTransfer(
            pb.RecordReceptionTransferRequest(transfer=transfer(954, inform=False)),
            metadata=world.md(PIRKANMAA),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    recorded = await record(world, transfer(955, inform=False))
    await rpc_error(
        world.welfare.GetReceptionTransfer(
            pb.GetReceptionTransferRequest(transfer_id=recorded.id), metadata=world.md(VANTAA)
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_the_reception_of_quota_refugees_step_by_step(world: World) -> None:
    proposed = await world.propose(persons=family(with_needs=False))
    assert proposed.reception_stage == pb.RECEPTION_STAGE_NOT_APPLICABLE
    housing = pb.ReserveHousingRequest(
        proposal_id=proposed.id,
        contract_reference="VUOKRA-2026-117",
        available_from=(TODAY + timedelta(days=20)).isoformat(),
        expected_version=proposed.version,
    )
    # Before the decision, there is no reception to prepare.
    await rpc_error(
        world.welfare.ReserveHousing(housing, metadata=world.md(TAMPERE)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    accepted = await world.decide(proposed)
    assert accepted.reception_stage == pb.RECEPTION_STAGE_PREPARING
    early = pb.ReportEarliestArrivalRequest(
        proposal_id=proposed.id,
        date=(TODAY + timedelta(days=30)).isoformat(),
        expected_version=accepted.version,
    )
    await rpc_error(
        world.welfare.ReportEarliestArrival(early, metadata=world.md(TAMPERE)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    housing.expected_version = accepted.version
    reserved = await world.welfare.ReserveHousing(housing, metadata=world.md(TAMPERE))
    assert reserved.housing.contract_reference == "VUOKRA-2026-117"
    await rpc_error(
        world.welfare.ReserveHousing(housing, metadata=world.md(TAMPERE)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )  # a stale version
    too_early = pb.ReportEarliestArrivalRequest(
        proposal_id=proposed.id,
        date=(TODAY + timedelta(days=10)).isoformat(),
        expected_version=reserved.version,
    )
    before_housing = await rpc_error(
        world.welfare.ReportEarliestArrival(too_early, metadata=world.md(TAMPERE)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(before_housing) == ["date"]
    early.expected_version = reserved.version
    ready = await world.welfare.ReportEarliestArrival(early, metadata=world.md(TAMPERE))
    assert ready.reception_stage == pb.RECEPTION_STAGE_READY
    assert ready.earliest_arrival.date == early.date

    arrives = datetime.combine(TODAY + timedelta(days=33), datetime.min.time(), UTC) + timedelta(
        hours=13, minutes=40
    )
    scheduled = await world.welfare.RecordArrival(
        pb.RecordArrivalRequest(
            proposal_id=proposed.id,
            arrives_at=to_timestamp(arrives),
            place="Helsinki-Vantaa, terminaali 2",
            expected_version=ready.version,
        ),
        metadata=world.md(TAMPERE),
    )
    assert scheduled.reception_stage == pb.RECEPTION_STAGE_ARRIVAL_SCHEDULED
    kinds = {t.kind: t for t in scheduled.tasks}
    assert set(kinds) == {
        pb.RECEPTION_TASK_KIND_TRANSPORT,
        pb.RECEPTION_TASK_KIND_FIRST_GROCERIES,
        pb.RECEPTION_TASK_KIND_INTERPRETER,
        pb.RECEPTION_TASK_KIND_INITIAL_INFO,
    }
    groceries = kinds[pb.RECEPTION_TASK_KIND_FIRST_GROCERIES]
    assert groceries.due_at.ToDatetime(tzinfo=UTC) == arrives - timedelta(hours=4)
    assert all(t.status == pb.TASK_STATUS_OPEN for t in scheduled.tasks)

    # The Red Cross moves the arrival: the tasks move with it, nothing is duplicated.
    moved = await world.welfare.RecordArrival(
        pb.RecordArrivalRequest(
            proposal_id=proposed.id,
            arrives_at=to_timestamp(arrives + timedelta(days=1)),
            place="Helsinki-Vantaa, terminaali 2",
            expected_version=scheduled.version,
        ),
        metadata=world.md(TAMPERE),
    )
    assert len(moved.tasks) == 4
    transport = next(t for t in moved.tasks if t.kind == pb.RECEPTION_TASK_KIND_TRANSPORT)
    assert transport.due_at.ToDatetime(tzinfo=UTC) == arrives + timedelta(days=1)

    version = moved.version
    current = None
    for task in moved.tasks:
        assigned = await world.welfare.UpdateReceptionTask(
            pb.UpdateReceptionTaskRequest(
                task_id=task.id,
                task=pb.ReceptionTask(assignee="Kaisa Kotoutus", status=pb.TASK_STATUS_DONE),
                update_mask={"paths": ["assignee", "status"]},
                expected_version=task.version,
            ),
            metadata=world.md(TAMPERE),
        )
        assert (assigned.assignee, assigned.status) == ("Kaisa Kotoutus", pb.TASK_STATUS_DONE)
        current = assigned
    assert current is not None
    stale = await rpc_error(
        world.welfare.UpdateReceptionTask(
            pb.UpdateReceptionTaskRequest(
                task_id=current.id,
                task=pb.ReceptionTask(status=pb.TASK_STATUS_OPEN),
                update_mask={"paths": ["status"]},
                expected_version=current.version,
            ),
            metadata=world.md(TAMPERE),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "done" in stale.detail
    received = await world.proposal(proposed.id)
    assert received.reception_stage == pb.RECEPTION_STAGE_RECEIVED
    assert received.version == version
    # The welfare area never sees any of it.
    await rpc_error(world.proposal(proposed.id, PIRKANMAA), grpc.StatusCode.PERMISSION_DENIED)
