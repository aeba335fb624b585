"""Placement proposals and the consultation of the welfare area before placement, over gRPC on
SQLite and PostgreSQL: the round trip, deadlines, isolation, and that nothing the welfare area can
read identifies the persons."""

from __future__ import annotations

import json
from datetime import timedelta

import grpc
from google.protobuf.json_format import MessageToJson
from welfare_testkit import (
    PIRKANMAA,
    PIRKANMAA_SYSTEM,
    TAMPERE,
    TAMPERE_MANAGER,
    TODAY,
    VANTAA,
    VANTAA_KERAVA,
    World,
    family_identifiers,
    fields_of,
    rpc_error,
)

from kotopolku.welfare.v1 import welfare_pb2 as pb


async def test_the_consultation_round_trip(world: World) -> None:
    proposed = await world.propose()
    assert proposed.state == pb.PLACEMENT_STATE_RECEIVED
    assert proposed.evident_service_needs
    assert proposed.welfare_area == "pirkanmaa"
    assert len(proposed.persons) == 4

    # With evident needs the municipality may not decide before hearing the welfare area.
    refused = await rpc_error(world.decide(proposed), grpc.StatusCode.FAILED_PRECONDITION)
    assert "consult" in refused.detail

    started = await world.consult(proposed.id)
    assert started.state == pb.CONSULTATION_STATE_OPEN
    assert started.welfare_area == "pirkanmaa"
    assert started.answer_due == (TODAY + timedelta(days=14)).isoformat()
    assert started.decision_due == proposed.response_due
    assert started.proposal_id == proposed.id
    profile = started.profile
    assert (profile.adults, profile.children) == (2, 2)
    assert list(profile.languages) == ["ar", "fi", "so"]
    assert [(p.role, p.age_band) for p in profile.persons] == [
        (pb.FAMILY_ROLE_PRINCIPAL, pb.AGE_BAND_30_49),
        (pb.FAMILY_ROLE_SPOUSE, pb.AGE_BAND_30_49),
        (pb.FAMILY_ROLE_CHILD, pb.AGE_BAND_0_2),
        (pb.FAMILY_ROLE_CHILD, pb.AGE_BAND_7_12),
    ]
    assert list(profile.persons[0].service_needs) == [
        pb.SERVICE_NEED_CHRONIC_ILLNESS,
        pb.SERVICE_NEED_TRAUMA_SUPPORT,
    ]
    # Still open and not overdue: no decision yet.
    await rpc_error(
        world.decide(await world.proposal(proposed.id)), grpc.StatusCode.FAILED_PRECONDITION
    )

    # The welfare area (its system, a service account) sees it without the link to the persons.
    seen = await world.consultation(started.id, PIRKANMAA_SYSTEM)
    assert seen.proposal_id == ""
    assert seen.note_reviewed_by == ""
    assert seen.profile == started.profile
    listed = await world.welfare.ListConsultations(
        pb.ListConsultationsRequest(), metadata=world.md(PIRKANMAA)
    )
    assert [c.id for c in listed.consultations] == [started.id]

    answered = await world.answer(started.id, PIRKANMAA, key="answer-1")
    assert answered.state == pb.CONSULTATION_STATE_ANSWERED
    assert answered.answer.recommendation == pb.RECOMMENDATION_SUPPORTS_WITH_CONDITIONS
    assert not answered.answer.late
    # A retry with the same Idempotency-Key returns the same answer; a new answer is refused.
    again = await world.answer(started.id, PIRKANMAA, key="answer-1")
    assert again == answered
    await rpc_error(world.answer(started.id, PIRKANMAA), grpc.StatusCode.FAILED_PRECONDITION)

    decided = await world.decide(await world.proposal(proposed.id))
    assert decided.state == pb.PLACEMENT_STATE_ACCEPTED
    assert decided.decision_reason
    after = await world.consultation(started.id, PIRKANMAA)
    assert after.state == pb.CONSULTATION_STATE_DECIDED
    assert after.decision == pb.PLACEMENT_DECISION_ACCEPT
    # The municipality's reason is free text: it stays with the municipality.
    assert "Asunto" not in MessageToJson(after)
    for_municipality = await world.consultation(started.id, TAMPERE)
    assert for_municipality.answer.comments == answered.answer.comments

    types = [e.type for e in await world.whole_feed(PIRKANMAA)]
    assert types == ["consultation.opened", "consultation.answered", "consultation.decided"]


async def test_an_overdue_answer_lets_the_municipality_decide(world: World) -> None:
    proposed = await world.propose()
    started = await world.consult(proposed.id, answer_due=(TODAY + timedelta(days=3)).isoformat())
    world.clock.advance(days=3)
    await rpc_error(
        world.decide(await world.proposal(proposed.id)), grpc.StatusCode.FAILED_PRECONDITION
    )
    world.clock.advance(days=1)
    seen = await world.consultation(started.id, PIRKANMAA)
    assert seen.answer_overdue
    assert seen.state == pb.CONSULTATION_STATE_OPEN
    declined = await world.decide(await world.proposal(proposed.id), pb.PLACEMENT_DECISION_DECLINE)
    assert declined.state == pb.PLACEMENT_STATE_DECLINED
    # Too late to answer now.
    await rpc_error(world.answer(started.id), grpc.StatusCode.FAILED_PRECONDITION)


async def test_a_late_answer_before_the_decision_is_marked_late(world: World) -> None:
    proposed = await world.propose()
    started = await world.consult(proposed.id, answer_due=(TODAY + timedelta(days=2)).isoformat())
    world.clock.advance(days=5)
    answered = await world.answer(started.id)
    assert answered.answer.late


async def test_without_evident_needs_no_consultation_is_needed(world: World) -> None:
    from welfare_testkit import family

    proposed = await world.propose(persons=family(with_needs=False))
    assert not proposed.evident_service_needs
    decided = await world.decide(proposed, pb.PLACEMENT_DECISION_ACCEPT)
    assert decided.state == pb.PLACEMENT_STATE_ACCEPTED
    await rpc_error(world.decide(decided), grpc.StatusCode.FAILED_PRECONDITION)


async def test_only_the_addressed_welfare_area_sees_a_consultation(world: World) -> None:
    proposed = await world.propose()
    started = await world.consult(proposed.id)
    await rpc_error(world.consultation(started.id, VANTAA_KERAVA), grpc.StatusCode.NOT_FOUND)
    await rpc_error(world.consultation(started.id, VANTAA), grpc.StatusCode.NOT_FOUND)
    await rpc_error(world.answer(started.id, VANTAA_KERAVA), grpc.StatusCode.NOT_FOUND)
    listed = await world.welfare.ListConsultations(
        pb.ListConsultationsRequest(), metadata=world.md(VANTAA_KERAVA)
    )
    assert list(listed.consultations) == []
    assert await world.whole_feed(VANTAA_KERAVA) == []
    # The welfare area never reaches the proposal itself; the manager reads it.
    await rpc_error(world.proposal(proposed.id, PIRKANMAA), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(world.proposal(proposed.id, VANTAA), grpc.StatusCode.NOT_FOUND)
    assert (await world.proposal(proposed.id, TAMPERE_MANAGER)).id == proposed.id
    # Vantaa's own proposal goes to its own welfare area.
    theirs = await world.propose(VANTAA)
    assert theirs.welfare_area == "vantaa-kerava"
    # Refusals are audited.
    refusals = [e for e in await world.audit_events() if e.outcome != "success"]
    assert {e.actor_subject for e in refusals} >= {VANTAA_KERAVA.subject, VANTAA.subject}


async def test_nothing_the_welfare_area_reads_identifies_the_persons(world: World) -> None:
    """Everything the welfare area can read about the consultation — the consultation, the
    list, the answer it gets back, the whole feed — holds none of the persons' direct
    identifiers, nor the ELY centre's reference or the proposal id."""
    proposed = await world.propose()
    started = await world.consult(
        proposed.id,
        note="Perhe toivoo asuntoa läheltä koulua; lapsella neuvolaseuranta.",
        note_reviewed=True,
    )
    answered = await world.answer(started.id)
    await world.decide(await world.proposal(proposed.id))
    readable = [
        MessageToJson(await world.consultation(started.id, PIRKANMAA)),
        MessageToJson(
            await world.welfare.ListConsultations(
                pb.ListConsultationsRequest(), metadata=world.md(PIRKANMAA)
            )
        ),
        MessageToJson(answered),
        *[MessageToJson(e) for e in await world.whole_feed(PIRKANMAA)],
    ]
    everything = "\n".join(readable)
    for identifier in [*family_identifiers(), proposed.id]:
        assert identifier.lower() not in everything.lower(), identifier
    # The profile has no place for them at all: its fields are codes and counts.
    profile_fields = {f.name for f in pb.AnonymisedProfile.DESCRIPTOR.fields}
    person_fields = {f.name for f in pb.AnonymisedPerson.DESCRIPTOR.fields}
    assert profile_fields == {"basis", "persons", "languages", "adults", "children", "note"}
    assert person_fields == {"role", "age_band", "service_needs", "unaccompanied_minor"}
    json.loads(readable[0])


async def test_a_note_goes_only_reviewed_and_without_identifiers(world: World) -> None:
    proposed = await world.propose()
    unreviewed = await rpc_error(
        world.consult(proposed.id, note="Perheellä on paljon tarpeita."),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(unreviewed) == ["note_reviewed"]
    for note in (
        "Hodan tarvitsee tulkin.",
        "Yhteys: hodan@example.org",
        "Soita 040 1234567",
        "Syntynyt 17.4.1986",
        "Henkilötunnus 170486-931R",
    ):
        refused = await rpc_error(
            world.consult(proposed.id, note=note, note_reviewed=True),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert fields_of(refused) == ["note"]
    # Nothing was sent.
    assert await world.whole_feed(PIRKANMAA) == []
    started = await world.consult(
        proposed.id, note="Pyörätuoliesteetön asunto tarpeen.", note_reviewed=True
    )
    assert started.profile.note == "Pyörätuoliesteetön asunto tarpeen."
    assert started.note_reviewed_by == TAMPERE.subject


async def test_a_proposal_is_consulted_once_and_creates_are_idempotent(world: World) -> None:
    first = await world.propose(key="ely-42")
    assert (await world.propose(key="ely-42")).id == first.id
    await rpc_error(
        world.propose(key="ely-42", ely_reference="ELY-OTHER"), grpc.StatusCode.ALREADY_EXISTS
    )
    started = await world.consult(first.id, idempotency_key="c-1")
    assert (await world.consult(first.id, idempotency_key="c-1")).id == started.id
    await rpc_error(world.consult(first.id), grpc.StatusCode.FAILED_PRECONDITION)


async def test_bad_proposals_name_every_bad_field(world: World) -> None:
    from welfare_testkit import family

    persons = family()
    persons[1].role = pb.FAMILY_ROLE_PRINCIPAL
    error = await rpc_error(world.propose(persons=persons), grpc.StatusCode.INVALID_ARGUMENT)
    assert fields_of(error) == ["proposal.persons"]
    broken = family()
    broken[0].henkilotunnus = "170486-931X"
    broken[2].languages.append("xx")
    broken[3].date_of_birth = "2024-02-30"
    error = await rpc_error(
        world.propose(persons=broken, ely_centre="", basis=0), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert set(fields_of(error)) == {
        "proposal.ely_centre",
        "proposal.basis",
        "proposal.persons[0].henkilotunnus",
        "proposal.persons[2].languages[2]",
        "proposal.persons[3].date_of_birth",
    }
    assert "170486" not in error.detail
    # Only municipal officers record proposals; a welfare area and a manager are refused.
    for caller in (PIRKANMAA, TAMPERE_MANAGER):
        await rpc_error(world.propose(caller), grpc.StatusCode.PERMISSION_DENIED)


async def test_concurrent_answers_with_one_key_are_one_answer(world: World) -> None:
    """Two replicas of the welfare area's system answer the same event at once with the same
    Idempotency-Key: one answer, and both get it back. Another key is a second answer: refused."""
    import asyncio

    proposed = await world.propose()
    started = await world.consult(proposed.id)
    results = await asyncio.gather(
        *(world.answer(started.id, PIRKANMAA_SYSTEM, key="event-17") for _ in range(4)),
        return_exceptions=True,
    )
    assert all(isinstance(r, pb.Consultation) for r in results), results
    assert len({r.answer.answered_at.seconds for r in results}) == 1  # type: ignore[union-attr]
    await rpc_error(
        world.answer(started.id, PIRKANMAA_SYSTEM, key="event-18"),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    types = [e.type for e in await world.whole_feed(PIRKANMAA)]
    assert types.count("consultation.answered") == 1
