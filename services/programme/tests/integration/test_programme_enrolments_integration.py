"""Integration tests of enrolments and of what providers report (attendance, interruption,
completion), on SQLite and PostgreSQL, through the real service."""

from __future__ import annotations

from typing import Any

import grpc
import sqlalchemy as sa
from programme_testkit import (
    CLIENT_USER,
    EMPLOYMENT_OFFICER,
    KANSALAISOPISTO,
    MANAGER,
    OFFICER,
    OFFICER_837,
    OPISTO,
    OPISTO_837,
    TODAY,
    WELFARE_WORKER,
    Programme,
    provider,
    rpc_error,
    service,
)

from kotopolku.programme.tables import (
    attendance,
    audit_outbox,
    enrolments,
    idempotency_keys,
    plan_outcome_outbox,
    programme_services,
)
from kotopolku.programme.v1 import programme_pb2 as pb

B1, A2 = pb.CEFR_LEVEL_B1, pb.CEFR_LEVEL_A2
FULL_TEST = pb.LanguageTestResult(
    reading=B1, writing=A2, listening=B1, speaking=pb.CEFR_LEVEL_BELOW_A1
)


async def _setup(svc: Programme, **fields: object) -> pb.CatalogueService:
    await svc.create_provider()
    return await svc.create_service(service(**fields))  # type: ignore[arg-type]


async def _free_places(svc: Programme, service_id: str) -> int:
    return (await svc.get_service(service_id)).free_places


async def _ending_outcomes(svc: Programme) -> list[Any]:
    """Queued outcomes other than the "enrolled" notice every enrolment queues."""
    return [r for r in await svc.rows(plan_outcome_outbox) if r.status != "ENROLLED"]


# --- enrolling ---------------------------------------------------------------------------------


async def test_enrolment_round_trip_minimised_for_provider_and_audited(svc: Programme) -> None:
    training = await _setup(svc)
    await svc.clear_audit()
    request = await svc.enrolment_request(training.id, participant_display_name="  Amina   Hassan ")
    created = await svc.stub.CreateEnrolment(request, metadata=svc.md(EMPLOYMENT_OFFICER))

    assert created.id
    assert created.version == 1
    assert created.status == pb.ENROLMENT_STATUS_ENROLLED
    assert (created.plan_id, created.plan_service_id, created.client_id) == (
        request.plan_id,
        request.plan_service_id,
        request.client_id,
    )
    assert (created.participant_display_name, created.start_date) == ("Amina Hassan", "2026-03-02")
    assert created.municipality_code == "091"
    assert not created.HasField("interruption")
    assert not created.HasField("completion")
    assert await svc.get_enrolment(created.id, caller=MANAGER) == created
    assert await _free_places(svc, training.id) == 2

    seen = await svc.get_enrolment(created.id, caller=OPISTO)
    assert (seen.plan_id, seen.plan_service_id) == ("", "")
    assert (seen.client_id, seen.participant_display_name) == (created.client_id, "Amina Hassan")

    events = await svc.audit_events()
    assert [e.action for e in events] == ["enrolment.create", "enrolment.read", "enrolment.read"]
    for event in events:
        assert event.subject_client_id == created.client_id
        assert event.municipality_code == "091"
        assert event.resource == f"enrolments/{created.id}"
        assert event.purpose
    assert "plan_id" in events[1].fields
    assert "plan_id" not in events[2].fields
    assert "participant_display_name" in events[2].fields
    for payload in await svc.outbox_payloads():
        assert b"Amina" not in payload
        assert b"Hassan" not in payload


async def test_enrolment_validation_names_every_bad_field_and_writes_nothing(
    svc: Programme,
) -> None:
    training = await _setup(svc)
    bad = await svc.enrolment_request(
        "",
        plan_id="",
        plan_service_id="x" * 65,
        client_id="not-a-uuid",
        participant_display_name=" ",
        start_date="2026-02-30",
    )
    error = await rpc_error(
        svc.stub.CreateEnrolment(bad, metadata=svc.md(OFFICER)), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert {v.field for v in error.violations} == {
        "plan_id",
        "plan_service_id",
        "programme_service_id",
        "client_id",
        "participant_display_name",
        "start_date",
    }
    not_an_intake = await rpc_error(
        svc.enrol(training.id, start_date="2026-03-03"), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in not_an_intake.violations] == ["start_date"]
    no_intake = await rpc_error(
        svc.enrol(training.id, start_date=""), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in no_intake.violations] == ["start_date"]
    assert await svc.count(enrolments) == 0
    assert await _free_places(svc, training.id) == 3


async def test_capacity_validity_and_start_dates(svc: Programme) -> None:
    training = await _setup(svc, capacity=1)
    first = await svc.enrol(training.id)
    full = await rpc_error(svc.enrol(training.id), grpc.StatusCode.FAILED_PRECONDITION)
    assert full.type == "invalid-state"
    assert "no free places" in full.detail
    # Interrupting frees the place.
    await svc.interrupt(
        first, pb.Interruption(date="2026-03-02", reason=pb.INTERRUPTION_REASON_EMPLOYMENT)
    )
    assert await _free_places(svc, training.id) == 1
    assert (await svc.enrol(training.id, start_date="2026-08-10")).start_date == "2026-08-10"

    # Without intakes the start defaults to today, or to the first valid day if later.
    open_now = await svc.create_service(service(intake_dates=[], valid_from="2026-01-01"))
    assert (await svc.enrol(open_now.id, start_date="")).start_date == "2026-03-02"
    later = await svc.create_service(service(intake_dates=[], valid_from="2026-05-01"))
    assert (await svc.enrol(later.id, start_date="")).start_date == "2026-05-01"
    outside = await rpc_error(
        svc.enrol(later.id, start_date="2026-04-30"), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in outside.violations] == ["start_date"]

    ended = await svc.create_service(
        service(intake_dates=[], valid_from="2025-01-01", valid_until="2026-03-01")
    )
    error = await rpc_error(
        svc.enrol(ended.id, start_date="2026-02-02"), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert "validity period has ended" in error.detail
    assert await svc.count(enrolments) == 4
    counts = await svc.rows(programme_services)
    assert {r.id: r.active_enrolments for r in counts}[training.id] == 1


async def test_duplicates_idempotency_and_permissions(svc: Programme) -> None:
    training = await _setup(svc)
    # The same programme service agreed twice in one plan (e.g. two course periods).
    planned = await svc.world.active_plan([training.id, training.id], TODAY)
    request = await svc.enrolment_request(training.id, planned, idempotency_key="enrol-1")
    created = await svc.stub.CreateEnrolment(request, metadata=svc.md(OFFICER))
    assert await svc.stub.CreateEnrolment(request, metadata=svc.md(OFFICER)) == created
    changed = pb.CreateEnrolmentRequest()
    changed.CopyFrom(request)
    changed.participant_display_name = "Joku muu"
    reused = await rpc_error(
        svc.stub.CreateEnrolment(changed, metadata=svc.md(OFFICER)), grpc.StatusCode.ALREADY_EXISTS
    )
    assert reused.type == "idempotency-key-reused"
    # One active enrolment per planned service, and per client in a service.
    await rpc_error(svc.enrol(training.id, planned=planned), grpc.StatusCode.ALREADY_EXISTS)
    await rpc_error(
        svc.enrol(training.id, planned=planned, index=1), grpc.StatusCode.ALREADY_EXISTS
    )
    assert await svc.count(enrolments) == 1
    assert await svc.count(idempotency_keys) == 1
    assert await _free_places(svc, training.id) == 2

    for caller in (MANAGER, OPISTO, CLIENT_USER, WELFARE_WORKER):
        await rpc_error(
            svc.enrol(training.id, caller=caller, planned=planned, index=1),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    # Another municipality's officer cannot see the plan, so the plans service says so.
    await rpc_error(
        svc.enrol(training.id, caller=OFFICER_837, planned=planned, index=1),
        grpc.StatusCode.NOT_FOUND,
    )
    await rpc_error(svc.get_enrolment(created.id, caller=OFFICER_837), grpc.StatusCode.NOT_FOUND)
    await rpc_error(
        svc.get_enrolment(created.id, caller=CLIENT_USER), grpc.StatusCode.PERMISSION_DENIED
    )
    assert await svc.count(enrolments) == 1


async def test_provider_sees_only_the_enrolments_of_its_own_services(svc: Programme) -> None:
    own = await _setup(svc)
    await svc.create_provider(provider("kansalaisopisto", 7654321))
    others = await svc.create_service(service(provider_id="kansalaisopisto"))
    mine = [await svc.enrol(own.id)]
    svc.clock.advance(seconds=1)
    mine.append(await svc.enrol(own.id))
    theirs = await svc.enrol(others.id)

    listed = await svc.list_enrolments(OPISTO)
    assert [e.id for e in listed.enrolments] == [e.id for e in mine]
    assert all(e.plan_id == "" for e in listed.enrolments)
    assert [
        e.id for e in (await svc.list_enrolments(OPISTO, programme_service_id=own.id)).enrolments
    ] == [e.id for e in mine]
    assert [e.id for e in (await svc.list_enrolments(KANSALAISOPISTO)).enrolments] == [theirs.id]
    assert len((await svc.list_enrolments(MANAGER)).enrolments) == 3

    await svc.clear_audit()
    await rpc_error(
        svc.list_enrolments(OPISTO, programme_service_id=others.id), grpc.StatusCode.NOT_FOUND
    )
    await rpc_error(svc.get_enrolment(theirs.id, caller=OPISTO), grpc.StatusCode.NOT_FOUND)
    await rpc_error(svc.attend(theirs.id, "2026-03-02", caller=OPISTO), grpc.StatusCode.NOT_FOUND)
    await rpc_error(
        svc.complete(theirs, pb.Completion(completion_date="2026-03-02", language_test=FULL_TEST)),
        grpc.StatusCode.NOT_FOUND,
    )
    await rpc_error(
        svc.stub.ListAttendance(
            pb.ListAttendanceRequest(enrolment_id=theirs.id), metadata=svc.md(OPISTO)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    denied = await svc.audit_events()
    assert [e.outcome for e in denied] == ["denied"] * 4
    assert {e.subject_client_id for e in denied} == {theirs.client_id}
    # Providers list by service, not by client or plan.
    await rpc_error(
        svc.list_enrolments(OPISTO, client_id=mine[0].client_id), grpc.StatusCode.PERMISSION_DENIED
    )
    await rpc_error(svc.list_enrolments(OPISTO, plan_id="p"), grpc.StatusCode.PERMISSION_DENIED)
    # The same organisation id in another municipality is another provider.
    assert list((await svc.list_enrolments(OPISTO_837)).enrolments) == []
    await rpc_error(svc.get_enrolment(mine[0].id, caller=OPISTO_837), grpc.StatusCode.NOT_FOUND)
    assert list((await svc.list_enrolments(OFFICER_837)).enrolments) == []


async def test_list_filters_pagination_and_audit(svc: Programme) -> None:
    training = await _setup(svc, capacity=10)
    made = []
    for _ in range(5):
        made.append(await svc.enrol(training.id))
        svc.clock.advance(seconds=1)
    await svc.interrupt(
        made[1], pb.Interruption(date="2026-03-02", reason=pb.INTERRUPTION_REASON_MOVED_AWAY)
    )
    await svc.clear_audit()

    paged, token = [], ""
    while True:
        page = await svc.list_enrolments(page_size=2, page_token=token)
        paged.extend(e.id for e in page.enrolments)
        token = page.next_page_token
        if not token:
            break
    assert paged == [e.id for e in made]
    events = await svc.audit_events()
    assert [e.action for e in events] == ["enrolment.list-result"] * 5
    assert [e.subject_client_id for e in events] == [e.client_id for e in made]

    by_client = await svc.list_enrolments(client_id=made[2].client_id)
    assert [e.id for e in by_client.enrolments] == [made[2].id]
    by_plan = await svc.list_enrolments(plan_id=made[3].plan_id)
    assert [e.id for e in by_plan.enrolments] == [made[3].id]
    interrupted = await svc.list_enrolments(status=pb.ENROLMENT_STATUS_INTERRUPTED)
    assert [e.id for e in interrupted.enrolments] == [made[1].id]
    error = await rpc_error(
        svc.list_enrolments(programme_service_id="x", client_id="y"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in error.violations} == {"programme_service_id", "client_id"}


# --- reports -----------------------------------------------------------------------------------


async def test_attendance_is_upserted_counted_and_checked(svc: Programme) -> None:
    training = await _setup(svc)
    enrolment = await svc.enrol(training.id)
    svc.clock.advance(days=3)

    await svc.attend(enrolment.id, "2026-03-02")
    await svc.attend(enrolment.id, "2026-03-04", present=False)
    await svc.attend(enrolment.id, "2026-03-03", present=False, caller=OFFICER)
    replaced = await svc.attend(enrolment.id, "2026-03-03", present=True)
    assert (replaced.date, replaced.mark) == ("2026-03-03", pb.ATTENDANCE_MARK_PRESENT)
    assert await svc.count(attendance) == 3

    read = await svc.get_enrolment(enrolment.id)
    assert (read.days_present, read.days_absent) == (2, 1)
    assert read.version == enrolment.version
    listed = await svc.stub.ListAttendance(
        pb.ListAttendanceRequest(enrolment_id=enrolment.id), metadata=svc.md(MANAGER)
    )
    assert [(r.date, r.mark) for r in listed.records] == [
        ("2026-03-02", pb.ATTENDANCE_MARK_PRESENT),
        ("2026-03-03", pb.ATTENDANCE_MARK_PRESENT),
        ("2026-03-04", pb.ATTENDANCE_MARK_ABSENT),
    ]

    future = await rpc_error(
        svc.attend(enrolment.id, "2026-03-06"), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in future.violations] == ["date"]
    before = await rpc_error(
        svc.attend(enrolment.id, "2026-03-01"), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "start date" in before.violations[0].description
    no_mark = await rpc_error(
        svc.stub.RecordAttendance(
            pb.RecordAttendanceRequest(enrolment_id=enrolment.id, date="1.3.2026"),
            metadata=svc.md(OPISTO),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in no_mark.violations} == {"date", "mark"}
    await rpc_error(
        svc.attend(enrolment.id, "2026-03-02", caller=MANAGER), grpc.StatusCode.PERMISSION_DENIED
    )
    assert await svc.count(attendance) == 3
    actions = [e.action for e in await svc.audit_events()]
    assert actions.count("attendance.record") == 4
    assert actions.count("attendance.read") == 1


async def test_completion_needs_the_language_test_and_queues_the_outcome(svc: Programme) -> None:
    training = await _setup(svc, capacity=1)
    enrolment = await svc.enrol(training.id)
    svc.clock.advance(days=60)
    await svc.attend(enrolment.id, "2026-04-20")

    missing = await rpc_error(
        svc.complete(enrolment, pb.Completion(completion_date="2026-04-30")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in missing.violations] == ["language_test"]
    partial = await rpc_error(
        svc.complete(
            enrolment,
            pb.Completion(
                completion_date="2026-05-30",
                language_test=pb.LanguageTestResult(reading=B1, speaking=A2),
            ),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in partial.violations} == {
        "completion_date",
        "language_test.writing",
        "language_test.listening",
    }
    before_attendance = await rpc_error(
        svc.complete(
            enrolment, pb.Completion(completion_date="2026-04-19", language_test=FULL_TEST)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "attendance" in before_attendance.violations[0].description
    assert await _ending_outcomes(svc) == []

    done = await svc.complete(
        enrolment, pb.Completion(completion_date="2026-04-30", language_test=FULL_TEST)
    )
    assert done.status == pb.ENROLMENT_STATUS_COMPLETED
    assert done.version == enrolment.version + 1
    assert done.completion.completion_date == "2026-04-30"
    assert done.completion.language_test == FULL_TEST
    assert done.days_present == 1
    assert await _free_places(svc, training.id) == 1

    [outcome] = await _ending_outcomes(svc)
    assert (outcome.plan_id, outcome.plan_service_id, outcome.status, outcome.enrolment_id) == (
        enrolment.plan_id,
        enrolment.plan_service_id,
        "COMPLETED",
        enrolment.id,
    )
    assert str(outcome.outcome_date) == "2026-04-30"
    assert outcome.summary == (
        "Completed on 2026-04-30. Final language test: reading B1, writing A2, listening B1, "
        "speaking below A1."
    )

    again = await rpc_error(
        svc.complete(done, pb.Completion(completion_date="2026-04-30", language_test=FULL_TEST)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert again.type == "invalid-state"
    late = await rpc_error(svc.attend(enrolment.id, "2026-05-01"), grpc.StatusCode.INVALID_ARGUMENT)
    assert "ended" in late.violations[0].description
    assert (await svc.attend(enrolment.id, "2026-04-29")).date == "2026-04-29"
    events = [e for e in await svc.audit_events() if e.action == "enrolment.complete"]
    assert len(events) == 1
    assert events[0].subject_client_id == enrolment.client_id


async def test_interruption_rules_versions_and_outcome(svc: Programme) -> None:
    training = await _setup(svc)
    enrolment = await svc.enrol(training.id)
    svc.clock.advance(days=10)
    await svc.attend(enrolment.id, "2026-03-09")

    error = await rpc_error(
        svc.interrupt(
            enrolment, pb.Interruption(date="2026-03-10", reason=pb.INTERRUPTION_REASON_OTHER)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["details"]
    error = await rpc_error(
        svc.interrupt(enrolment, pb.Interruption(date="2026-03-20", details="\x00")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in error.violations} == {"date", "reason", "details"}
    error = await rpc_error(
        svc.interrupt(
            enrolment, pb.Interruption(date="2026-03-08", reason=pb.INTERRUPTION_REASON_HEALTH)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "date"
    stale = pb.Enrolment()
    stale.CopyFrom(enrolment)
    stale.version = 7
    error = await rpc_error(
        svc.interrupt(
            stale, pb.Interruption(date="2026-03-10", reason=pb.INTERRUPTION_REASON_EMPLOYMENT)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error.type == "stale-version"
    await rpc_error(
        svc.interrupt(
            enrolment,
            pb.Interruption(date="2026-03-10", reason=pb.INTERRUPTION_REASON_EMPLOYMENT),
            caller=MANAGER,
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert await _ending_outcomes(svc) == []

    ended = await svc.interrupt(
        enrolment,
        pb.Interruption(
            date="2026-03-10", reason=pb.INTERRUPTION_REASON_OTHER, details="Muutti  pois"
        ),
    )
    assert ended.status == pb.ENROLMENT_STATUS_INTERRUPTED
    assert ended.interruption == pb.Interruption(
        date="2026-03-10", reason=pb.INTERRUPTION_REASON_OTHER, details="Muutti pois"
    )
    [outcome] = await _ending_outcomes(svc)
    assert (outcome.status, outcome.summary) == ("INTERRUPTED", "Interrupted on 2026-03-10: other.")
    # The free text stays with the enrolment.
    assert "Muutti" not in outcome.summary
    assert await _free_places(svc, training.id) == 3
    assert [
        e.id for e in (await svc.list_enrolments(status=pb.ENROLMENT_STATUS_ENROLLED)).enrolments
    ] == []


async def test_language_test_depends_on_the_type_of_service(svc: Programme) -> None:
    await svc.create_provider()
    civic = await svc.create_service(
        service(type=pb.SERVICE_TYPE_CIVIC_ORIENTATION, intake_dates=[], valid_from="2026-01-01")
    )
    language = await svc.create_service(
        service(type=pb.SERVICE_TYPE_LANGUAGE_TRAINING, intake_dates=[], valid_from="2026-01-01")
    )
    first, second = (
        await svc.enrol(civic.id, start_date=""),
        await svc.enrol(language.id, start_date=""),
    )
    error = await rpc_error(
        svc.complete(first, pb.Completion(completion_date="2026-03-02", language_test=FULL_TEST)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["language_test"]
    assert not (
        await svc.complete(first, pb.Completion(completion_date="2026-03-02"))
    ).completion.HasField("language_test")
    # Optional for language training; recorded by an officer this time.
    done = await svc.complete(second, pb.Completion(completion_date="2026-03-02"), caller=OFFICER)
    assert done.status == pb.ENROLMENT_STATUS_COMPLETED
    assert len(await _ending_outcomes(svc)) == 2
    rows = await svc.rows(enrolments)
    assert all(r.active_plan_service is None for r in rows)
    assert await svc.count(audit_outbox) > 0
    assert await svc.count(sa.table("attendance")) == 0
