"""The programme service reports enrolments and their end to reporting as pseudonymous facts,
in the transaction of the change (kotopolku.common.facts)."""

from __future__ import annotations

from programme_testkit import Programme, service

from kotopolku.common.facts import MUNICIPAL_PURPOSE
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.programme.tables import reporting_outbox
from kotopolku.programme.v1 import programme_pb2 as pb
from kotopolku.reporting.v1 import reporting_pb2


async def test_an_enrolment_and_its_completion_become_pseudonymous_facts(svc: Programme) -> None:
    await svc.create_provider()
    training = await svc.create_service(service(capacity=2))
    enrolment = await svc.enrol(training.id)
    svc.clock.advance(days=60)
    await svc.attend(enrolment.id, "2026-04-20")
    await svc.complete(
        enrolment,
        pb.Completion(
            completion_date="2026-04-30",
            language_test=pb.LanguageTestResult(
                reading=pb.CEFR_LEVEL_B1,
                writing=pb.CEFR_LEVEL_A2,
                listening=pb.CEFR_LEVEL_B1,
                speaking=pb.CEFR_LEVEL_A2,
            ),
        ),
    )

    rows = await svc.rows(reporting_outbox)
    found = [reporting_pb2.Fact.FromString(r.payload) for r in rows]
    assert [f.WhichOneof("body") for f in found] == ["enrolment_started", "enrolment_ended"]
    started, ended = found[0].enrolment_started, found[1].enrolment_ended
    assert (started.service_type, started.started_on) == ("INTEGRATION_TRAINING", "2026-03-02")
    assert (ended.outcome, ended.started_on, ended.ended_on) == (
        "COMPLETED",
        "2026-03-02",
        "2026-04-30",
    )
    assert ended.language_test == reporting_pb2.LanguageLevels(
        reading="B1", writing="A2", listening="B1", speaking="A2"
    )
    key = PseudonymKey.from_file(svc.keys.reporting_pseudonym, MUNICIPAL_PURPOSE)
    assert {f.subject for f in found} == {key.pseudonym("091", "client", enrolment.client_id)}
    assert {f.record for f in found} == {key.pseudonym("091", "enrolment", enrolment.id)}
    for row in rows:
        assert enrolment.client_id.encode() not in row.payload
        assert enrolment.id.encode() not in row.payload
        assert b"Osallistuja" not in row.payload


async def test_an_interruption_is_reported_with_its_reason(svc: Programme) -> None:
    await svc.create_provider()
    training = await svc.create_service(service(capacity=2))
    enrolment = await svc.enrol(training.id)
    svc.clock.advance(days=10)
    await svc.interrupt(
        enrolment,
        pb.Interruption(
            date="2026-03-10", reason=pb.INTERRUPTION_REASON_EMPLOYMENT, details="Sai töitä"
        ),
    )
    [_, ended] = [
        reporting_pb2.Fact.FromString(r.payload) for r in await svc.rows(reporting_outbox)
    ]
    assert ended.enrolment_ended.outcome == "INTERRUPTED"
    assert ended.enrolment_ended.interruption_reason == "EMPLOYMENT"
    assert not ended.enrolment_ended.HasField("language_test")
