"""Appointments on the real service (SQLite and PostgreSQL), with the real clients service:
booking, reading by role and tenant, validation, conflicts, changes with If-Match, cancellation,
deletion and history, and Helsinki time across the clock changes."""

from __future__ import annotations

import uuid

import grpc
from appointments_testkit import (
    AUDITOR,
    CLIENT_USER,
    COLLEAGUE,
    HETU,
    INTERPRETER,
    MANAGER,
    OFFICER,
    OFFICER_837,
    OTHER_WELFARE,
    THE_CLIENT,
    WELFARE,
    System,
    appointment,
    gather,
    person,
    rpc_error,
)

from kotopolku.appointments.tables import appointments, history
from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.common.clock import from_timestamp


async def test_booking_is_read_by_staff_assignees_and_the_client_only(system: System) -> None:
    client_id = await system.new_client(hetu=HETU)
    booked = await system.create(
        client_id,
        appointment(
            assignees=[
                person(OFFICER, display_name="Outi Ohjaaja"),
                THE_CLIENT,
                person(WELFARE, pb.ASSIGNEE_KIND_WELFARE_AREA_STAFF, display_name="Sosiaalityö"),
            ]
        ),
    )
    assert booked.version == 1
    assert booked.status == pb.APPOINTMENT_STATUS_SCHEDULED
    assert booked.municipality_code == "091"
    assert booked.starts_at_local == "2026-10-22T10:00:00+03:00"
    assert from_timestamp(booked.starts_at).isoformat() == "2026-10-22T07:00:00+00:00"
    assert booked.created_by == OFFICER.subject
    assert booked.description == "Tulkki paikalla"

    for caller in (OFFICER, COLLEAGUE, MANAGER):
        assert (await system.get(booked.id, caller)).description == "Tulkki paikalla"
    # An assignee from the welfare area, and the client, see the participant view.
    for caller in (WELFARE, CLIENT_USER):
        seen = await system.get(booked.id, caller)
        assert seen.location == booked.location
        assert seen.description == ""
        assert not seen.HasField("references")
    # Another municipality, an unassigned welfare worker and an interpreter see nothing.
    for caller in (OFFICER_837, OTHER_WELFARE, INTERPRETER):
        await rpc_error(system.get(booked.id, caller), grpc.StatusCode.NOT_FOUND)
    await rpc_error(system.get(booked.id, AUDITOR), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(system.get(str(uuid.uuid4())), grpc.StatusCode.NOT_FOUND)

    events = await system.audit_events()
    actions = [(e.action, e.outcome) for e in events]
    assert ("appointment.create", "success") in actions
    assert ("appointment.read", "not-found") in actions
    reads = [e for e in events if e.action == "appointment.read" and e.outcome == "success"]
    assert len(reads) == 5
    assert all(e.subject_client_id == client_id for e in reads)


async def test_only_officers_of_the_clients_municipality_book(system: System) -> None:
    client_id = await system.new_client()
    await rpc_error(system.create(client_id, caller=MANAGER), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(system.create(client_id, caller=WELFARE), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(system.create(client_id, caller=OFFICER_837), grpc.StatusCode.NOT_FOUND)
    await rpc_error(system.create(str(uuid.uuid4())), grpc.StatusCode.NOT_FOUND)
    assert await system.rows(appointments) == []


async def test_invalid_bookings_name_every_field_and_store_nothing(system: System) -> None:
    client_id = await system.new_client()
    error = await rpc_error(
        system.create(
            client_id,
            appointment(
                title=" ",
                start="2026-10-22T11:00",
                end="2026-10-22T10:00",
                assignees=[THE_CLIENT, THE_CLIENT],
                reminder_lead_minutes=[1, 60, 60],
            ),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    fields = {v.field for v in error.violations}
    assert {"title", "end", "assignees[1]"} <= fields
    error = await rpc_error(
        system.create(client_id, appointment(start="2026-03-29T03:30", end="2026-03-29T05:00")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["start"]
    assert "does not exist" in error.violations[0].description
    error = await rpc_error(
        system.create(client_id, appointment(reminder_lead_minutes=[60], location="")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["location"]
    assert await system.rows(appointments) == []


async def test_across_the_autumn_clock_change(system: System) -> None:
    client_id = await system.new_client()
    # 02:00 (+03:00) to 05:00 (+02:00) on Sunday 25 October 2026 lasts four hours.
    night = await system.create(
        client_id, appointment(start="2026-10-25T02:00", end="2026-10-25T05:00", title="Yö")
    )
    assert (
        from_timestamp(night.ends_at) - from_timestamp(night.starts_at)
    ).total_seconds() == 4 * 3600
    assert night.starts_at_local == "2026-10-25T02:00:00+03:00"
    assert night.ends_at_local == "2026-10-25T05:00:00+02:00"
    # The repeated hour needs an offset; with it, the second 03:30 is an hour after the first.
    error = await rpc_error(
        system.create(client_id, appointment(start="2026-10-25T03:30", end="2026-10-25T06:00")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "+03:00" in error.violations[0].description
    second = await system.create(
        client_id,
        appointment(
            start="2026-10-25T03:30+02:00",
            end="2026-10-25T04:30+02:00",
            assignees=[person(COLLEAGUE)],
        ),
    )
    assert from_timestamp(second.starts_at).isoformat() == "2026-10-25T01:30:00+00:00"
    assert second.starts_at_local == "2026-10-25T03:30:00+02:00"
    # Moving a start in spring keeps the real duration over the skipped hour.
    moved = await system.update(second, pb.AppointmentInput(start="2027-03-28T02:30"), "start")
    assert moved.starts_at_local == "2027-03-28T02:30:00+02:00"
    assert moved.ends_at_local == "2027-03-28T04:30:00+03:00"


async def test_conflicts_are_refused_named_and_can_be_overridden(system: System) -> None:
    client_id = await system.new_client()
    other_client = await system.new_client()
    first = await system.create(client_id)
    # The officer is booked 10-11: an overlapping booking names the first appointment.
    error = await rpc_error(
        system.create(
            other_client,
            appointment(
                start="2026-10-22T10:30", end="2026-10-22T11:30", assignees=[person(OFFICER)]
            ),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error.type == "appointment-conflict"
    assert first.id in error.detail
    assert [v.field for v in error.violations] == ["assignees[0]"]
    assert first.id in error.violations[0].description
    # Back to back is fine, and a task never conflicts.
    await system.create(
        other_client,
        appointment(start="2026-10-22T11:00", end="2026-10-22T12:00", assignees=[person(OFFICER)]),
    )
    await system.create(
        other_client,
        appointment(
            kind=pb.APPOINTMENT_KIND_TASK,
            start="2026-10-22T10:00",
            end="2026-10-22T10:30",
            assignees=[person(OFFICER)],
        ),
    )
    # Booking over it on purpose is recorded in the history.
    over = await system.create(
        other_client,
        appointment(start="2026-10-22T10:30", end="2026-10-22T10:45", assignees=[person(OFFICER)]),
        allow_conflicts=True,
    )
    entries = await system.history(over.id)
    assert list(entries[0].overridden_conflicts) == [first.id]
    # A cancelled appointment frees the time.
    await system.cancel(first)
    await system.create(
        other_client,
        appointment(start="2026-10-22T10:00", end="2026-10-22T10:30", assignees=[person(OFFICER)]),
    )


async def test_a_conflict_in_another_municipality_is_not_named(system: System) -> None:
    helsinki_client = await system.new_client()
    tampere_client = await system.new_client(OFFICER_837)
    tampere = await system.create(
        tampere_client,
        appointment(
            assignees=[person(OFFICER_837), person(WELFARE, pb.ASSIGNEE_KIND_WELFARE_AREA_STAFF)]
        ),
        caller=OFFICER_837,
    )
    error = await rpc_error(
        system.create(
            helsinki_client,
            appointment(assignees=[person(WELFARE, pb.ASSIGNEE_KIND_WELFARE_AREA_STAFF)]),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert tampere.id not in error.detail
    assert tampere.id not in error.violations[0].description
    assert error.violations[0].description == "has another appointment at that time"


async def test_concurrent_bookings_of_one_person_are_checked_one_after_the_other(
    system: System,
) -> None:
    clients = [await system.new_client() for _ in range(4)]
    results = await gather(
        *(
            system.create(client_id, appointment(assignees=[person(COLLEAGUE)]))
            for client_id in clients
        )
    )
    booked = [r for r in results if isinstance(r, pb.Appointment)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(booked) == 1, results
    assert len(refused) == 3
    assert all(r.code() == grpc.StatusCode.FAILED_PRECONDITION for r in refused)


async def test_changes_need_the_current_version_and_leave_history(system: System) -> None:
    client_id = await system.new_client()
    booked = await system.create(client_id)
    await rpc_error(
        system.update(booked, pb.AppointmentInput(title="Uusi"), "title", version=7),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    await rpc_error(
        system.update(booked, pb.AppointmentInput(title="Uusi"), "title", caller=MANAGER),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(
        system.update(booked, pb.AppointmentInput(title="Uusi"), "title", caller=OFFICER_837),
        grpc.StatusCode.NOT_FOUND,
    )
    error = await rpc_error(
        system.update(booked, pb.AppointmentInput(), "created_by"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in error.violations] == ["update_mask.created_by"]
    # Moving the start keeps the hour.
    moved = await system.update(
        booked,
        pb.AppointmentInput(start="2026-10-23T13:00", title="Alkukartoitus, jatko"),
        "start",
        "title",
    )
    assert moved.version == 2
    assert (moved.starts_at_local, moved.ends_at_local) == (
        "2026-10-23T13:00:00+03:00",
        "2026-10-23T14:00:00+03:00",
    )
    # The same change again changes nothing.
    same = await system.update(moved, pb.AppointmentInput(title="Alkukartoitus, jatko"), "title")
    assert same.version == 2
    await rpc_error(
        system.update(booked, pb.AppointmentInput(title="X"), "title"),
        grpc.StatusCode.FAILED_PRECONDITION,
    )

    cancelled = await system.cancel(moved)
    assert cancelled.status == pb.APPOINTMENT_STATUS_CANCELLED
    assert cancelled.cancellation_reason == "Asiakas sairastui"
    error = await rpc_error(
        system.update(cancelled, pb.AppointmentInput(title="X"), "title"),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert error.type == "invalid-state"
    await rpc_error(system.cancel(cancelled), grpc.StatusCode.FAILED_PRECONDITION)

    await system.delete(cancelled)
    await rpc_error(system.get(booked.id), grpc.StatusCode.NOT_FOUND)
    entries = await system.history(booked.id)
    assert [e.action for e in entries] == [
        pb.HISTORY_ACTION_CREATED,
        pb.HISTORY_ACTION_UPDATED,
        pb.HISTORY_ACTION_CANCELLED,
        pb.HISTORY_ACTION_DELETED,
    ]
    assert [e.version for e in entries] == [1, 2, 3, 4]
    assert all(e.actor_subject == OFFICER.subject for e in entries)
    updated = {c.field: (c.before, c.after) for c in entries[1].changes}
    assert set(updated) == {"title", "starts_at", "ends_at"}
    assert updated["title"] == ('"Alkukartoitus"', '"Alkukartoitus, jatko"')
    assert entries[2].reason == "Asiakas sairastui"
    assert entries[3].reason == "Väärä asiakas"
    await rpc_error(system.history(booked.id, OFFICER_837), grpc.StatusCode.NOT_FOUND)
    assert len(await system.rows(history)) == 4


async def test_a_retried_booking_with_the_same_key_books_once(system: System) -> None:
    client_id = await system.new_client()
    first = await system.create(client_id, key="k-1")
    again = await system.create(client_id, key="k-1")
    assert again.id == first.id
    error = await rpc_error(
        system.create(client_id, appointment(title="Muu"), key="k-1"),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert error.type == "idempotency-key-reused"
    assert len(await system.rows(appointments)) == 1
