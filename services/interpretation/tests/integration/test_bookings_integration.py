"""Interpreter bookings on the real service (SQLite and PostgreSQL), booked for appointments of
the real appointments service: defaults from the appointment, the interpreter's view, states,
If-Match, tenants and audit."""

from __future__ import annotations

import uuid

import grpc
from interpretation_testkit import (
    AUDITOR,
    MANAGER,
    OFFICER,
    OFFICER_837,
    OTHER_SERVICE,
    TULKKI,
    TULKKI_2,
    System,
    rpc_error,
)

from kotopolku.common.clock import from_timestamp
from kotopolku.interpretation.v1 import interpretation_pb2 as pb


async def test_a_booking_takes_the_appointments_time_and_place(system: System) -> None:
    appointment = await system.new_appointment()
    booking = await system.book(appointment.id, notes="Asiakas kuulee huonosti")
    assert booking.status == pb.BOOKING_STATUS_REQUESTED
    assert booking.client_id == appointment.client_id
    assert booking.starts_at_local == "2026-10-22T10:00:00+03:00"
    assert booking.duration_minutes == 90
    assert booking.location == "Toinen linja 4"
    assert (booking.language, booking.dialect) == ("ar", "Iraqi")
    # An explicit time and length, given as Helsinki local time.
    own_time = await system.book(
        appointment.id,
        start="2026-10-22T10:30",
        duration_minutes=30,
        mode=pb.INTERPRETATION_MODE_PHONE,
        location="",
    )
    assert from_timestamp(own_time.starts_at).isoformat() == "2026-10-22T07:30:00+00:00"
    assert own_time.location == "Toinen linja 4"
    again = await system.book(appointment.id, key="k")
    assert (await system.book(appointment.id, key="k")).id == again.id


async def test_bookings_need_a_visible_appointment_and_valid_fields(system: System) -> None:
    tampere = await system.new_appointment(OFFICER_837)
    await rpc_error(system.book(tampere.id), grpc.StatusCode.NOT_FOUND)
    await rpc_error(system.book(str(uuid.uuid4())), grpc.StatusCode.NOT_FOUND)
    appointment = await system.new_appointment()
    await rpc_error(system.book(appointment.id, caller=MANAGER), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(system.book(appointment.id, caller=TULKKI), grpc.StatusCode.PERMISSION_DENIED)
    error = await rpc_error(
        system.book(
            appointment.id,
            language="xx",
            mode=pb.INTERPRETATION_MODE_UNSPECIFIED,
            duration_minutes=5,
            provider_organisation="",
            start="2026-03-29T03:30",
            client_id=str(uuid.uuid4()),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in error.violations} == {
        "language",
        "mode",
        "duration_minutes",
        "provider_organisation",
        "start",
        "client_id",
    }
    assert await system.bookings() == []


async def test_the_interpreter_sees_and_confirms_only_their_own(system: System) -> None:
    appointment = await system.new_appointment()
    open_one = await system.book(appointment.id)
    for_someone_else = await system.book(appointment.id, interpreter_subject=TULKKI_2.subject)
    other_service = await system.book(appointment.id, provider_organisation="muu-tulkkaus")
    tampere_appointment = await system.new_appointment(OFFICER_837)
    await system.book(tampere_appointment.id, caller=OFFICER_837)

    mine = await system.bookings(TULKKI)
    # The open booking of their service (and Tampere's: the same interpreting service).
    assert open_one.id in [b.id for b in mine]
    assert for_someone_else.id not in [b.id for b in mine]
    assert other_service.id not in [b.id for b in mine]
    assert all(b.client_id == "" for b in mine)
    assert [b.id for b in await system.bookings(TULKKI_2)].count(for_someone_else.id) == 1
    assert [b.id for b in await system.bookings(OTHER_SERVICE)] == [other_service.id]
    for caller, booking in (
        (TULKKI, other_service),
        (TULKKI, for_someone_else),
        (OTHER_SERVICE, open_one),
    ):
        await rpc_error(system.get(booking.id, caller), grpc.StatusCode.NOT_FOUND)
    await rpc_error(system.get(open_one.id, OFFICER_837), grpc.StatusCode.NOT_FOUND)
    await rpc_error(system.get(open_one.id, AUDITOR), grpc.StatusCode.PERMISSION_DENIED)
    assert {b.id for b in await system.bookings()} == {
        open_one.id,
        for_someone_else.id,
        other_service.id,
    }

    # The interpreter confirms as themselves; the booking is then theirs alone.
    await rpc_error(
        system.stub.ConfirmBooking(
            pb.ConfirmBookingRequest(booking_id=open_one.id, expected_version=9),
            metadata=system.md(TULKKI),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    confirmed = await system.stub.ConfirmBooking(
        pb.ConfirmBookingRequest(
            booking_id=open_one.id, expected_version=1, interpreter_name="Tulkki T."
        ),
        metadata=system.md(TULKKI),
    )
    assert confirmed.status == pb.BOOKING_STATUS_CONFIRMED
    assert (confirmed.interpreter_subject, confirmed.interpreter_name) == (
        TULKKI.subject,
        "Tulkki T.",
    )
    assert confirmed.client_id == ""
    await rpc_error(system.get(open_one.id, TULKKI_2), grpc.StatusCode.NOT_FOUND)

    # Completed only once it has begun, and only by its interpreter or an officer.
    complete = pb.CompleteBookingRequest(booking_id=open_one.id, expected_version=2)
    error = await rpc_error(
        system.stub.CompleteBooking(complete, metadata=system.md(TULKKI)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error.type == "invalid-state"
    system.clock.advance(days=2, hours=2)
    done = await system.stub.CompleteBooking(complete, metadata=system.md(TULKKI))
    assert done.status == pb.BOOKING_STATUS_COMPLETED
    await rpc_error(
        system.stub.CancelBooking(
            pb.CancelBookingRequest(booking_id=open_one.id, expected_version=3, reason="x"),
            metadata=system.md(OFFICER),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )

    # An officer confirms on the service's behalf only by naming the interpreter.
    error = await rpc_error(
        system.stub.ConfirmBooking(
            pb.ConfirmBookingRequest(booking_id=other_service.id, expected_version=1),
            metadata=system.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "interpreter_subject"
    # The interpreting service declines; a reason is required.
    await rpc_error(
        system.stub.CancelBooking(
            pb.CancelBookingRequest(booking_id=other_service.id, expected_version=1),
            metadata=system.md(OTHER_SERVICE),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    declined = await system.stub.CancelBooking(
        pb.CancelBookingRequest(
            booking_id=other_service.id, expected_version=1, reason="Ei vapaita tulkkeja"
        ),
        metadata=system.md(OTHER_SERVICE),
    )
    assert declined.status == pb.BOOKING_STATUS_CANCELLED
    assert declined.cancellation_reason == "Ei vapaita tulkkeja"

    events = await system.audit_events()
    assert {
        "interpreter-booking.create",
        "interpreter-booking.confirm",
        "interpreter-booking.complete",
    } <= {e.action for e in events}
    assert any(e.outcome == "denied" for e in events)
    assert all(
        e.subject_client_id == appointment.client_id
        for e in events
        if e.action == "interpreter-booking.confirm"
    )


async def test_lists_by_status_appointment_and_time_with_pages(system: System) -> None:
    first = await system.new_appointment(day=21)
    second = await system.new_appointment(day=23)
    a = await system.book(first.id)
    b = await system.book(second.id)
    c = await system.book(second.id, start="2026-10-23T11:00", duration_minutes=30)
    seen, token = [], ""
    while True:
        page = await system.stub.ListBookings(
            pb.ListBookingsRequest(page_size=2, page_token=token), metadata=system.md(OFFICER)
        )
        seen += [x.id for x in page.bookings]
        token = page.next_page_token
        if not token:
            break
    assert seen == [a.id, b.id, c.id]
    assert [x.id for x in await system.bookings(appointment_id=second.id)] == [b.id, c.id]
    assert [x.id for x in await system.bookings(**{"from": "2026-10-22"})] == [b.id, c.id]
    assert [x.id for x in await system.bookings(to="2026-10-22")] == [a.id]
    assert await system.bookings(status=pb.BOOKING_STATUS_CONFIRMED) == []
