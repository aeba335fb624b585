"""Interpretation records and translations on the real service (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import grpc
from interpretation_testkit import MANAGER, OFFICER, OFFICER_837, TULKKI, System, rpc_error

from kotopolku.interpretation.v1 import interpretation_pb2 as pb


async def test_interpretation_used_in_a_visit_or_assessment(system: System) -> None:
    appointment = await system.new_appointment()
    booking = await system.book(appointment.id)
    record = await system.stub.RecordInterpretation(
        pb.RecordInterpretationRequest(
            record=pb.InterpretationRecord(
                client_id=appointment.client_id,
                reference_kind=pb.REFERENCE_KIND_ASSESSMENT,
                reference_id="assessment-1",
                language="ar",
                mode=pb.INTERPRETATION_MODE_ON_SITE,
                booking_id=booking.id,
                provider_organisation="tulkkaus",
                interpreter_name="Tulkki T.",
            ),
            idempotency_key="r1",
        ),
        metadata=system.md(OFFICER),
    )
    assert record.used_on == "2026-10-20"
    assert record.recorded_by == OFFICER.subject
    by_client = await system.stub.ListInterpretationRecords(
        pb.ListInterpretationRecordsRequest(client_id=appointment.client_id),
        metadata=system.md(MANAGER),
    )
    assert [r.id for r in by_client.records] == [record.id]
    by_reference = await system.stub.ListInterpretationRecords(
        pb.ListInterpretationRecordsRequest(reference_id="assessment-1"),
        metadata=system.md(OFFICER),
    )
    assert [r.language for r in by_reference.records] == ["ar"]
    other = await system.stub.ListInterpretationRecords(
        pb.ListInterpretationRecordsRequest(client_id=appointment.client_id),
        metadata=system.md(OFFICER_837),
    )
    assert list(other.records) == []
    error = await rpc_error(
        system.stub.RecordInterpretation(
            pb.RecordInterpretationRequest(
                record=pb.InterpretationRecord(
                    client_id=str(uuid.uuid4()),
                    reference_kind=pb.REFERENCE_KIND_VISIT,
                    reference_id="visit-1",
                    language="ar",
                    mode=pb.INTERPRETATION_MODE_PHONE,
                    booking_id=booking.id,
                    used_on="2026-10-21",
                )
            ),
            metadata=system.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in error.violations} == {"used_on"}
    error = await rpc_error(
        system.stub.RecordInterpretation(
            pb.RecordInterpretationRequest(
                record=pb.InterpretationRecord(
                    client_id=await system.new_client(),
                    reference_kind=pb.REFERENCE_KIND_VISIT,
                    reference_id="visit-1",
                    language="ar",
                    mode=pb.INTERPRETATION_MODE_PHONE,
                    booking_id=booking.id,
                )
            ),
            metadata=system.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["booking_id"]
    await rpc_error(
        system.stub.ListInterpretationRecords(
            pb.ListInterpretationRecordsRequest(), metadata=system.md(OFFICER)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )


def _record(client_id: str, kind: int, reference_id: str) -> pb.RecordInterpretationRequest:
    return pb.RecordInterpretationRequest(
        record=pb.InterpretationRecord(
            client_id=client_id,
            reference_kind=kind,  # type: ignore[arg-type]
            reference_id=reference_id,
            language="ar",
            mode=pb.INTERPRETATION_MODE_PHONE,
        )
    )


async def test_a_record_about_another_municipalitys_client_is_refused(system: System) -> None:
    """The clients service decides, as the calling officer, whether the client exists: another
    municipality's client and a client that does not exist get the same answer, and nothing is
    written (no record, no audit entry naming that client)."""
    tampere_client = await system.new_client(OFFICER_837)
    before = len(await system.audit_events())
    for client_id in (tampere_client, str(uuid.uuid4())):
        error = await rpc_error(
            system.stub.RecordInterpretation(
                _record(client_id, pb.REFERENCE_KIND_VISIT, "visit-1"), metadata=system.md(OFFICER)
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert [v.field for v in error.violations] == ["client_id"]
    listed = await system.stub.ListInterpretationRecords(
        pb.ListInterpretationRecordsRequest(client_id=tampere_client),
        metadata=system.md(OFFICER_837),
    )
    assert list(listed.records) == []
    assert not [
        e
        for e in (await system.audit_events())[before:]
        if e.action == "interpretation-record.create"
    ]


async def test_an_appointment_named_by_a_record_must_be_the_clients(system: System) -> None:
    appointment = await system.new_appointment()
    someone_else = await system.new_client()
    tampere = await system.new_appointment(OFFICER_837)
    for client_id, reference in (
        (someone_else, appointment.id),
        (appointment.client_id, tampere.id),
        (appointment.client_id, str(uuid.uuid4())),
    ):
        error = await rpc_error(
            system.stub.RecordInterpretation(
                _record(client_id, pb.REFERENCE_KIND_APPOINTMENT, reference),
                metadata=system.md(OFFICER),
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert [v.field for v in error.violations] == ["reference_id"]
    recorded = await system.stub.RecordInterpretation(
        _record(appointment.client_id, pb.REFERENCE_KIND_APPOINTMENT, appointment.id),
        metadata=system.md(OFFICER),
    )
    assert recorded.reference_id == appointment.id


def _save(system: System, caller: object, expected: int, **fields: object) -> object:
    return system.stub.SaveTranslation(
        pb.SaveTranslationRequest(
            translation=pb.Translation(key="appointment-reminder", **fields),  # type: ignore[arg-type]
            expected_revision=expected,
        ),
        metadata=system.md(caller),  # type: ignore[arg-type]
    )


async def test_translations_are_revisions_with_who_and_when(system: System) -> None:
    template = pb.TEXT_KIND_MESSAGE_TEMPLATE
    original = await _save(
        system,
        OFFICER,
        0,
        language="fi",
        kind=template,
        text="Tapaaminen {{ date }} klo {{ time }}",
    )
    assert (original.revision, original.translated_by) == (1, OFFICER.subject)  # type: ignore[attr-defined]
    # The interpreter translates; the variables must stay.
    error = await rpc_error(
        _save(system, TULKKI, 0, language="ar", source_language="fi", text="موعد {{ date }}"),  # type: ignore[arg-type]
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "text"
    assert "time" in error.violations[0].description
    arabic = await _save(
        system,
        TULKKI,
        0,
        language="ar",
        source_language="fi",
        text="موعد {{ date }} الساعة {{ time }}",
    )
    assert arabic.translated_by == TULKKI.subject  # type: ignore[attr-defined]
    assert arabic.kind == template  # type: ignore[attr-defined]
    # A save must name the revision it replaces.
    await rpc_error(
        _save(
            system, OFFICER, 0, language="ar", source_language="fi", text="{{ date }} {{ time }}"
        ),  # type: ignore[arg-type]
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    second = await _save(
        system, OFFICER, 1, language="ar", source_language="fi", text="الموعد {{ date }} {{ time }}"
    )
    assert second.revision == 2  # type: ignore[attr-defined]
    error = await rpc_error(
        _save(system, OFFICER, 0, language="so", source_language="sv", text="x"),  # type: ignore[arg-type]
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "source_language"
    error = await rpc_error(
        _save(system, OFFICER, 2, language="ar", kind=pb.TEXT_KIND_SHORT_TEXT, text="x"),  # type: ignore[arg-type]
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "kind"

    latest = await system.stub.ListTranslations(
        pb.ListTranslationsRequest(key="appointment-reminder"), metadata=system.md(MANAGER)
    )
    assert [(t.language, t.revision) for t in latest.translations] == [("ar", 2), ("fi", 1)]
    history = await system.stub.ListTranslationRevisions(
        pb.ListTranslationRevisionsRequest(key="appointment-reminder", language="ar", page_size=1),
        metadata=system.md(OFFICER),
    )
    assert [t.revision for t in history.translations] == [2]
    older = await system.stub.ListTranslationRevisions(
        pb.ListTranslationRevisionsRequest(
            key="appointment-reminder", language="ar", page_token=history.next_page_token
        ),
        metadata=system.md(OFFICER),
    )
    assert [(t.revision, t.translated_by) for t in older.translations] == [(1, TULKKI.subject)]
    # Another municipality has its own texts.
    await rpc_error(
        system.stub.GetTranslation(
            pb.GetTranslationRequest(key="appointment-reminder", language="fi"),
            metadata=system.md(OFFICER_837),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
