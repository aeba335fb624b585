"""Reminders through the messaging service: the real appointments service, its outbox and relay,
on SQLite and PostgreSQL, and a real gRPC server speaking the messaging contract that records
what it is asked (the messaging service itself is tested on its own)."""

from __future__ import annotations

import grpc
import jwt
from appointments_testkit import OFFICER, System, appointment, person

from kotopolku.appointments.tables import reminder_outbox, reminders
from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.common.clock import from_timestamp
from kotopolku.common.identity import INTERNAL_SERVICE_ROLE


def _states(found: pb.Appointment) -> list[tuple[int, int]]:
    return [(r.lead_minutes, r.state) for r in found.reminders]


async def test_reminders_follow_the_appointment(system: System) -> None:
    client_id = await system.new_client()
    booked = await system.create(
        client_id,
        appointment(reminder_lead_minutes=[60, 1440], organiser="Helsingin kotoutumispalvelut"),
    )
    assert _states(booked) == [
        (1440, pb.REMINDER_STATE_PENDING),
        (60, pb.REMINDER_STATE_PENDING),
    ]
    assert await system.relay.deliver_once() == 2
    sent = system.messaging.sent
    assert [r.template_key for r in sent] == ["appointment-reminder"] * 2
    assert {r.client_id for r in sent} == {client_id}
    assert {r.municipality_code for r in sent} == {"091"}
    # No language chosen: the messaging service uses the client's own.
    assert {r.language for r in sent} == {""}
    assert dict(sent[0].variables) == {
        "date": "22.10.2026",
        "time": "10.00",
        "location": "Toinen linja 4, Helsinki",
        "organiser": "Helsingin kotoutumispalvelut",
    }
    assert [from_timestamp(r.send_at).isoformat() for r in sent] == [
        "2026-10-21T07:00:00+00:00",
        "2026-10-22T06:00:00+00:00",
    ]
    # Called as the appointments service itself.
    claims = jwt.decode(system.messaging.callers[0], options={"verify_signature": False})
    assert claims["roles"] == [INTERNAL_SERVICE_ROLE]
    assert claims["sub"] == "kotopolku-service:appointments"
    scheduled = await system.get(booked.id)
    assert {s for _, s in _states(scheduled)} == {pb.REMINDER_STATE_SCHEDULED}

    # Nothing more to deliver: no duplicates.
    assert await system.relay.deliver_once() == 0
    assert len(sent) == 2

    # Moving it withdraws both and schedules two new ones.
    moved = await system.update(scheduled, pb.AppointmentInput(start="2026-10-23T12:00"), "start")
    await system.relay.deliver_once()
    assert sorted(system.messaging.cancelled) == ["n-1", "n-2"]
    assert len(system.messaging.distinct_keys) == 4
    assert dict(sent[-1].variables)["date"] == "23.10.2026"
    # A title change does not touch the reminders (the title is not in them).
    retitled = await system.update(moved, pb.AppointmentInput(title="Muu"), "title")
    assert await system.relay.deliver_once() == 0
    # Choosing the language re-plans them in it.
    relanguaged = await system.update(
        retitled, pb.AppointmentInput(reminder_language="ar"), "reminder_language"
    )
    await system.relay.deliver_once()
    assert {r.language for r in sent[-2:]} == {"ar"}

    # Cancelling withdraws what is left.
    await system.cancel(relanguaged)
    await system.relay.deliver_once()
    assert len(system.messaging.cancelled) == 6
    rows = await system.rows(reminders)
    assert {row.state for row in rows} == {"CANCELLED"}
    assert await system.rows(reminder_outbox) == []


async def test_past_reminders_and_reminders_without_the_client_are_not_planned(
    system: System, clock: object
) -> None:
    client_id = await system.new_client()
    # The appointment is in 30 minutes: a 60-minute reminder is already late.
    soon = await system.create(
        client_id,
        appointment(
            start="2026-10-20T12:30", end="2026-10-20T13:00", reminder_lead_minutes=[60, 10]
        ),
    )
    assert [r.lead_minutes for r in soon.reminders] == [10]
    # Defaults apply only where the client takes part.
    staff_only = await system.create(
        client_id,
        appointment(
            start="2026-10-24T10:00",
            end="2026-10-24T11:00",
            assignees=[person(OFFICER)],
            default_reminders=True,
        ),
    )
    assert list(staff_only.reminders) == []
    with_client = await system.create(
        client_id,
        appointment(start="2026-10-28T10:00", end="2026-10-28T11:00", default_reminders=True),
    )
    assert [r.lead_minutes for r in with_client.reminders] == [1440]


async def test_delivery_survives_failures_and_lost_answers(system: System) -> None:
    client_id = await system.new_client()
    booked = await system.create(client_id, appointment(reminder_lead_minutes=[120]))
    # The messaging service fails: the work stays and is retried later.
    system.messaging.failures = 1
    assert await system.relay.deliver_once() == 0
    outbox = await system.rows(reminder_outbox)
    assert [(row.attempts, row.last_error) for row in outbox] == [(1, "INTERNAL")]
    assert await system.relay.deliver_once() == 0  # not yet due again
    system.clock.advance(seconds=2)  # type: ignore[attr-defined]
    # The messaging service did the work but the answer was lost: the retry carries the same
    # key, so it is scheduled once.
    system.messaging.lose_answers = 1
    assert await system.relay.deliver_once() == 0
    system.clock.advance(seconds=3)  # type: ignore[attr-defined]
    assert await system.relay.deliver_once() == 1
    assert len(system.messaging.sent) == 2
    assert len(system.messaging.distinct_keys) == 1
    found = await system.get(booked.id)
    assert [r.state for r in found.reminders] == [pb.REMINDER_STATE_SCHEDULED]


async def test_a_refused_reminder_is_marked_failed_and_not_retried(system: System) -> None:
    client_id = await system.new_client()
    booked = await system.create(client_id, appointment(reminder_lead_minutes=[120]))
    system.messaging.failures = 1
    system.messaging.failure_code = grpc.StatusCode.INVALID_ARGUMENT
    assert await system.relay.deliver_once() == 1
    assert await system.rows(reminder_outbox) == []
    found = await system.get(booked.id)
    assert [r.state for r in found.reminders] == [pb.REMINDER_STATE_FAILED]
