"""Start of multi-sector cooperation and the data transfer with the welfare area, with the real
assessment and plans services: nothing opens before the welfare area accepts, only for that client
and that welfare area, only on a basis that holds; every disclosure is logged and audited."""

from __future__ import annotations

from datetime import timedelta

import grpc
from google.protobuf.json_format import MessageToDict
from welfare_testkit import (
    PIRKANMAA,
    PIRKANMAA_SYSTEM,
    PIRKANMAA_XROAD,
    RESPONSIBLE,
    TAMPERE,
    TAMPERE_EMPLOYMENT,
    TODAY,
    VANTAA,
    VANTAA_KERAVA,
    VANTAA_XROAD,
    Records,
    World,
    client_user,
    consent_basis,
    fields_of,
    legal_basis,
    multi_sector_assessment,
    multi_sector_plan,
    rpc_error,
    welfare_worker,
)

from kotopolku.assessment.v1 import assessment_pb2
from kotopolku.common.identity import XRoadHeaders
from kotopolku.plans.v1 import plans_pb2
from kotopolku.welfare.v1 import welfare_pb2 as pb

PLAN = pb.DATA_CATEGORY_MULTI_SECTOR_PLAN
ASSESSMENT = pb.DATA_CATEGORY_MULTI_SECTOR_ASSESSMENT


async def _plan(world: World, records: Records, client_id: str) -> plans_pb2.Plan:
    return await records.plans.CreatePlan(
        plans_pb2.CreatePlanRequest(plan=multi_sector_plan(client_id)),
        metadata=world.md(TAMPERE),
    )


async def _read_plan(world: World, records: Records, plan_id: str, caller: object) -> object:
    return await records.plans.GetPlan(
        plans_pb2.GetPlanRequest(plan_id=plan_id),
        metadata=world.md(caller),  # type: ignore[arg-type]
    )


async def _area_plans(world: World, records: Records, caller: object) -> list[str]:
    listed = await records.plans.ListWelfareAreaPlans(
        plans_pb2.ListWelfareAreaPlansRequest(page_size=50),
        metadata=world.md(caller),  # type: ignore[arg-type]
    )
    return [p.id for p in listed.plans]


async def test_cooperation_opens_the_multi_sector_data_of_that_client_only(
    records_world: tuple[World, Records],
) -> None:
    world, records = records_world
    client = await world.new_client()
    other = await world.new_client(first_names="Omar", last_name="Farah")
    plan = await _plan(world, records, client.id)
    other_plan = await _plan(world, records, other.id)
    assessment = await records.assessment.CreateAssessment(
        assessment_pb2.CreateAssessmentRequest(
            client_id=client.id,
            kind=assessment_pb2.ASSESSMENT_KIND_MULTI_SECTOR,
            assessment=multi_sector_assessment(),
            fields={"paths": ["multi_sector"]},
        ),
        metadata=world.md(TAMPERE),
    )

    # Before any cooperation the welfare area sees nothing, although the plan names it.
    await rpc_error(_read_plan(world, records, plan.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    assert await _area_plans(world, records, PIRKANMAA) == []
    await rpc_error(
        records.assessment.GetAssessment(
            assessment_pb2.GetAssessmentRequest(assessment_id=assessment.id),
            metadata=world.md(PIRKANMAA),
        ),
        grpc.StatusCode.NOT_FOUND,
    )

    requested = await world.request_cooperation(
        client.id, TAMPERE_EMPLOYMENT, plan_id=plan.id, assessment_id=assessment.id
    )
    assert requested.state == pb.COOPERATION_STATE_REQUESTED
    assert requested.welfare_area == "pirkanmaa"
    assert requested.answer_due == (TODAY + timedelta(days=14)).isoformat()
    assert requested.client_id == client.id
    # Ask once: the identification comes from the client record.
    assert (requested.person.last_name, requested.person.henkilotunnus) == (
        "Hassan",
        client.henkilotunnus,
    )
    [basis] = requested.bases
    assert basis.valid_now
    assert basis.kind == pb.BASIS_KIND_LEGAL

    # The welfare area sees who the request is about (a logged disclosure), not the client id.
    seen = await world.cooperation(requested.id, PIRKANMAA_SYSTEM)
    assert seen.person.henkilotunnus == client.henkilotunnus
    assert seen.client_id == ""
    assert not seen.disclosure_allowed
    # Requested is not accepted: still nothing.
    await rpc_error(_read_plan(world, records, plan.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)

    accepted = await world.accept(requested.id)
    assert accepted.state == pb.COOPERATION_STATE_ACCEPTED
    assert accepted.responsible.name == RESPONSIBLE.name
    # Phone numbers are kept in E.164 form.
    assert accepted.responsible.phone == "+358407654321"
    assert accepted.disclosure_allowed

    read = await _read_plan(world, records, plan.id, PIRKANMAA)
    assert read.id == plan.id  # type: ignore[attr-defined]
    assert await _area_plans(world, records, PIRKANMAA) == [plan.id]
    # That client only: the other client's plan names the same area but stays closed.
    await rpc_error(_read_plan(world, records, other_plan.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    team_view = await records.assessment.GetAssessment(
        assessment_pb2.GetAssessmentRequest(assessment_id=assessment.id),
        metadata=world.md(PIRKANMAA),
    )
    assert team_view.multi_sector.social_and_health_service_needs.text
    # That welfare area only.
    await rpc_error(_read_plan(world, records, plan.id, VANTAA_KERAVA), grpc.StatusCode.NOT_FOUND)
    await rpc_error(world.cooperation(requested.id, VANTAA_KERAVA), grpc.StatusCode.NOT_FOUND)
    await rpc_error(world.cooperation(requested.id, VANTAA), grpc.StatusCode.NOT_FOUND)

    # The client sees in self-service which welfare area received what and when.
    own = await world.welfare.ListOwnDisclosures(
        pb.ListOwnDisclosuresRequest(), metadata=world.md(client_user(client.id))
    )
    channels = sorted({(e.welfare_area, e.channel) for e in own.entries})
    assert channels == [
        ("pirkanmaa", "assessment-service"),
        ("pirkanmaa", "cooperation-request"),
        ("pirkanmaa", "plans-service"),
    ]
    plan_entry = next(e for e in own.entries if e.channel == "plans-service")
    assert plan_entry.resource == f"plans/{plan.id}"
    assert "goals" in plan_entry.fields
    assert plan_entry.basis_kind == pb.BASIS_KIND_LEGAL
    assert plan_entry.legal_reference.startswith("Laki kotoutumisen")
    assert plan_entry.purpose == "welfare-cooperation"
    other_own = await world.welfare.ListOwnDisclosures(
        pb.ListOwnDisclosuresRequest(), metadata=world.md(client_user(other.id))
    )
    assert list(other_own.entries) == []
    # Every disclosure is in the audit record with its recipient and basis.
    deliveries = [e for e in await world.audit_events() if e.action == "disclosure.deliver"]
    assert {e.context["recipient"] for e in deliveries} == {"pirkanmaa"}
    assert {e.context["basis"] for e in deliveries} == {basis.id}
    assert all(e.fields and e.subject_client_id == client.id for e in deliveries)


async def test_a_transfer_sends_exactly_the_disclosable_fields_until_the_consent_is_withdrawn(
    records_world: tuple[World, Records],
) -> None:
    world, records = records_world
    client = await world.new_client()
    plan = await _plan(world, records, client.id)
    requested = await world.request_cooperation(client.id, basis=consent_basis(PLAN), scope=[PLAN])
    await world.accept(requested.id)

    sent = await world.welfare.CreateDisclosure(
        pb.CreateDisclosureRequest(
            cooperation_id=requested.id,
            category=PLAN,
            resource_id=plan.id,
            fields=["goals", "services", "status"],
            idempotency_key="send-1",
        ),
        metadata=world.md(TAMPERE),
    )
    assert list(sent.fields) == ["status", "goals", "services"]
    assert set(MessageToDict(sent.content)) == {"status", "goals", "services"}
    # Not disclosable: the obligations of the plan, or any other category's fields.
    refused = await rpc_error(
        world.welfare.CreateDisclosure(
            pb.CreateDisclosureRequest(
                cooperation_id=requested.id,
                category=PLAN,
                resource_id=plan.id,
                fields=["obligations"],
            ),
            metadata=world.md(TAMPERE),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(refused) == ["fields"]
    # The consent covers plans only.
    await rpc_error(
        world.welfare.CreateDisclosure(
            pb.CreateDisclosureRequest(
                cooperation_id=requested.id, category=ASSESSMENT, resource_id=plan.id
            ),
            metadata=world.md(TAMPERE),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )

    events = [
        e for e in await world.whole_feed(PIRKANMAA_SYSTEM) if e.type == "disclosure.available"
    ]
    assert [MessageToDict(e.data)["disclosure_id"] for e in events] == [sent.id]
    received = await world.welfare.GetDisclosure(
        pb.GetDisclosureRequest(disclosure_id=sent.id), metadata=world.md(PIRKANMAA_SYSTEM)
    )
    assert received.content == sent.content
    assert received.HasField("first_delivered_at")
    await rpc_error(
        world.welfare.GetDisclosure(
            pb.GetDisclosureRequest(disclosure_id=sent.id), metadata=world.md(VANTAA_KERAVA)
        ),
        grpc.StatusCode.NOT_FOUND,
    )

    # The client withdraws the consent: nothing more crosses.
    [basis] = requested.bases
    withdrawn = await world.withdraw(basis.id, client_user(client.id))
    assert not withdrawn.valid_now
    await rpc_error(
        world.welfare.GetDisclosure(
            pb.GetDisclosureRequest(disclosure_id=sent.id), metadata=world.md(PIRKANMAA_SYSTEM)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    await rpc_error(_read_plan(world, records, plan.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    assert await _area_plans(world, records, PIRKANMAA) == []
    await rpc_error(
        world.welfare.CreateDisclosure(
            pb.CreateDisclosureRequest(
                cooperation_id=requested.id, category=PLAN, resource_id=plan.id
            ),
            metadata=world.md(TAMPERE),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    after = await world.cooperation(requested.id, PIRKANMAA)
    assert not after.disclosure_allowed
    assert not after.HasField("person")
    assert "disclosure-basis.withdrawn" in [e.type for e in await world.whole_feed(PIRKANMAA)]
    # Only a consent of the client's own can be withdrawn by the client, and only once.
    await rpc_error(world.withdraw(basis.id), grpc.StatusCode.FAILED_PRECONDITION)

    # A new basis opens it again.
    await world.welfare.AddDisclosureBasis(
        pb.AddDisclosureBasisRequest(cooperation_id=requested.id, basis=legal_basis(PLAN)),
        metadata=world.md(TAMPERE),
    )
    assert (await _read_plan(world, records, plan.id, PIRKANMAA)).id == plan.id  # type: ignore[attr-defined]


async def test_an_expired_basis_stops_disclosure(
    records_world: tuple[World, Records],
) -> None:
    world, records = records_world
    client = await world.new_client()
    plan = await _plan(world, records, client.id)
    until = (TODAY + timedelta(days=10)).isoformat()
    requested = await world.request_cooperation(client.id, basis=legal_basis(valid_until=until))
    await world.accept(requested.id)
    assert (await _read_plan(world, records, plan.id, PIRKANMAA)).id == plan.id  # type: ignore[attr-defined]
    world.clock.advance(days=10)
    assert (await _read_plan(world, records, plan.id, PIRKANMAA)).id == plan.id  # type: ignore[attr-defined]
    world.clock.advance(days=1)
    await rpc_error(_read_plan(world, records, plan.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    expired = await world.cooperation(requested.id, TAMPERE)
    assert not expired.bases[0].valid_now
    assert not expired.disclosure_allowed


async def test_a_declined_or_ended_cooperation_opens_nothing(
    records_world: tuple[World, Records],
) -> None:
    world, records = records_world
    client = await world.new_client()
    plan = await _plan(world, records, client.id)
    requested = await world.request_cooperation(client.id)
    missing_reason = await rpc_error(
        world.welfare.AnswerCooperation(
            pb.AnswerCooperationRequest(cooperation_id=requested.id, accept=False),
            metadata=world.md(PIRKANMAA),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(missing_reason) == ["decline_reason"]
    declined = await world.welfare.AnswerCooperation(
        pb.AnswerCooperationRequest(
            cooperation_id=requested.id, accept=False, decline_reason="Asiakkuus Tampereella"
        ),
        metadata=world.md(PIRKANMAA),
    )
    assert declined.state == pb.COOPERATION_STATE_DECLINED
    assert not declined.HasField("person")
    await rpc_error(world.accept(requested.id), grpc.StatusCode.FAILED_PRECONDITION)
    await rpc_error(_read_plan(world, records, plan.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)

    second = await world.request_cooperation(client.id)
    accepted = await world.accept(second.id)
    assert (await _read_plan(world, records, plan.id, PIRKANMAA)).id == plan.id  # type: ignore[attr-defined]
    ended = await world.welfare.EndCooperation(
        pb.EndCooperationRequest(
            cooperation_id=second.id,
            reason="Monialainen työ päättyi",
            expected_version=accepted.version,
        ),
        metadata=world.md(TAMPERE),
    )
    assert ended.state == pb.COOPERATION_STATE_ENDED
    await rpc_error(_read_plan(world, records, plan.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    types = [e.type for e in await world.whole_feed(PIRKANMAA)]
    assert types == [
        "cooperation.requested",
        "cooperation.answered",
        "cooperation.requested",
        "cooperation.answered",
        "cooperation.ended",
    ]


async def test_requests_are_validated_and_scoped(world: World) -> None:
    client = await world.new_client()
    bad = await rpc_error(
        world.welfare.RequestCooperation(
            pb.RequestCooperationRequest(
                client_id=client.id,
                scope=[pb.DATA_CATEGORY_RECEPTION_TRANSFER],
                basis=pb.DisclosureBasis(kind=pb.BASIS_KIND_CONSENT, categories=[PLAN]),
                answer_due=TODAY.isoformat(),
                welfare_area="lappi",
            ),
            metadata=world.md(TAMPERE),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert set(fields_of(bad)) == {
        "scope",
        "reason",
        "answer_due",
        "welfare_area",
        "municipal_contact.name",
    }
    no_evidence = await rpc_error(
        world.request_cooperation(
            client.id, basis=pb.DisclosureBasis(kind=pb.BASIS_KIND_CONSENT, categories=[PLAN])
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(no_evidence) == ["basis.consent_given_on"]
    # Another municipality's client is not found; a welfare area cannot request.
    await rpc_error(world.request_cooperation(client.id, VANTAA), grpc.StatusCode.NOT_FOUND)
    await rpc_error(
        world.request_cooperation(client.id, PIRKANMAA), grpc.StatusCode.PERMISSION_DENIED
    )
    # A known welfare area other than the municipality's may be asked explicitly.
    explicit = await world.request_cooperation(client.id, welfare_area="vantaa-kerava")
    assert explicit.welfare_area == "vantaa-kerava"
    await rpc_error(world.cooperation(explicit.id, PIRKANMAA), grpc.StatusCode.NOT_FOUND)
    assert (await world.cooperation(explicit.id, VANTAA_KERAVA)).id == explicit.id
    # An idempotent retry answers with the same request.
    first = await world.request_cooperation(client.id, idempotency_key="coop-1")
    assert (await world.request_cooperation(client.id, idempotency_key="coop-1")).id == first.id


async def test_xroad_calls_come_from_the_welfare_areas_own_subsystems(world: World) -> None:
    proposed = await world.propose()
    started = await world.consult(proposed.id)
    through = welfare_worker(
        "pirkanmaa",
        "service-account-welfare-pirkanmaa",
        XRoadHeaders(
            client=PIRKANMAA_XROAD, message_id="msg-1", user_id="FI-PIRHA-77", issue="PIRHA-1"
        ),
    )
    assert (await world.consultation(started.id, through)).id == started.id
    for wrong in ("KOTOPOLKU-DEV/GOV/UNKNOWN/x", VANTAA_XROAD):
        impostor = welfare_worker("pirkanmaa", xroad=XRoadHeaders(client=wrong, message_id="m"))
        await rpc_error(world.consultation(started.id, impostor), grpc.StatusCode.PERMISSION_DENIED)
        await rpc_error(world.read_feed(impostor), grpc.StatusCode.PERMISSION_DENIED)
    [read] = [
        e
        for e in await world.audit_events()
        if e.action == "consultation.read" and e.actor_subject == through.subject
    ]
    assert dict(read.context) == {
        "x-road-client": PIRKANMAA_XROAD,
        "x-road-id": "msg-1",
        "x-road-user-id": "FI-PIRHA-77",
        "x-road-issue": "PIRHA-1",
    }
