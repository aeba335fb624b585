"""Calendars on the real service (SQLite and PostgreSQL): per client, person and team for a
period with pagination; one's own (staff, welfare area, client user); iCalendar export and the
per-person feed, parsed back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from appointments_testkit import (
    CLIENT_USER,
    COLLEAGUE,
    FEED,
    HETU,
    OFFICER,
    OFFICER_837,
    THE_CLIENT,
    WELFARE,
    System,
    appointment,
    person,
    rpc_error,
)
from icalendar import Calendar

from kotopolku.appointments.tables import calendar_feeds
from kotopolku.appointments.v1 import appointments_pb2 as pb


async def _week(system: System) -> tuple[str, list[pb.Appointment]]:
    client_id = await system.new_client(hetu=HETU)
    booked = [
        await system.create(
            client_id, appointment(start=f"2026-10-{day}T09:00", end=f"2026-10-{day}T10:00")
        )
        for day in (21, 22, 23)
    ]
    booked.append(
        await system.create(
            client_id,
            appointment(
                start="2026-10-22T12:00",
                end="2026-10-22T13:00",
                assignees=[
                    person(COLLEAGUE),
                    person(WELFARE, pb.ASSIGNEE_KIND_WELFARE_AREA_STAFF),
                ],
                team="kotoutuminen-lansi",
            ),
        )
    )
    return client_id, booked


async def test_person_team_client_and_own_calendars(system: System) -> None:
    client_id, booked = await _week(system)
    ids = [b.id for b in booked]

    mine = await system.calendar(own=True)
    assert [a.id for a in mine.appointments] == ids[:3]
    colleague = await system.calendar(person_subject=COLLEAGUE.subject)
    assert [a.id for a in colleague.appointments] == [ids[3]]
    team = await system.calendar(team="kotoutuminen-ita")
    assert [a.id for a in team.appointments] == ids[:3]
    # The period is half-open in Helsinki days: 22 October only.
    day = await system.calendar(own=True, start="2026-10-22", end="2026-10-23")
    assert [a.id for a in day.appointments] == [ids[1]]

    # Pages of one, in start order.
    seen, token = [], ""
    while True:
        page = await system.stub.ListClientAppointments(
            pb.ListClientAppointmentsRequest(
                client_id=client_id,
                period=pb.Period(**{"from": "2026-10-01", "to": "2026-11-01"}),
                page_size=1,
                page_token=token,
            ),
            metadata=system.md(OFFICER),
        )
        seen += [a.id for a in page.appointments]
        token = page.next_page_token
        if not token:
            break
    assert seen == [ids[0], ids[1], ids[3], ids[2]]

    # The welfare worker's own calendar has the one they take part in, as a participant.
    welfare = await system.calendar(WELFARE, own=True)
    assert [a.id for a in welfare.appointments] == [ids[3]]
    assert welfare.appointments[0].description == ""
    # The client user's own calendar: those the client takes part in.
    own = await system.calendar(CLIENT_USER, own=True)
    assert [a.id for a in own.appointments] == ids[:3]

    # Another municipality's staff see nothing of Helsinki's calendars.
    assert not (await system.calendar(OFFICER_837, person_subject=OFFICER.subject)).appointments
    assert not (await system.calendar(OFFICER_837, team="kotoutuminen-ita")).appointments
    await rpc_error(
        system.calendar(WELFARE, team="kotoutuminen-ita"), grpc.StatusCode.PERMISSION_DENIED
    )
    error = await rpc_error(
        system.calendar(own=True, start="2026-10-22", end="2028-01-01"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "period.to"

    # Cancelled ones only when asked; deleted ones never.
    await system.cancel(booked[0])
    await system.delete(await system.get(ids[1]))
    assert [a.id for a in (await system.calendar(own=True)).appointments] == [ids[2]]
    with_cancelled = await system.calendar(own=True, include_cancelled=True)
    assert [a.id for a in with_cancelled.appointments] == [ids[0], ids[2]]


async def test_export_and_feed_parse_as_icalendar(system: System) -> None:
    _, booked = await _week(system)
    exported = await system.stub.ExportCalendar(
        pb.ExportCalendarRequest(), metadata=system.md(OFFICER)
    )
    assert exported.media_type.startswith("text/calendar")
    calendar = Calendar.from_ical(exported.content)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Helsinki"]
    events = sorted(calendar.events, key=lambda e: e.start)
    assert [str(e["uid"]) for e in events] == [f"{b.id}@kotopolku" for b in booked[:3]]
    assert events[0].start.astimezone(UTC) == datetime(2026, 10, 21, 6, 0, tzinfo=UTC)
    assert str(events[0]["summary"]) == "Alkukartoitus"
    assert str(events[0]["description"]) == "Tulkki paikalla"

    # The feed: a secret token, shown once and stored only as a hash.
    feed = await system.stub.CreateCalendarFeed(
        pb.CreateCalendarFeedRequest(), metadata=system.md(WELFARE)
    )
    assert len(feed.token) == 43
    stored = await system.rows(calendar_feeds)
    assert [row.person_key for row in stored] == [WELFARE.subject]
    assert feed.token not in repr(stored)
    read = await system.stub.ReadCalendarFeed(
        pb.ReadCalendarFeedRequest(token=feed.token), metadata=system.md(FEED)
    )
    events = list(Calendar.from_ical(read.content).events)
    assert [str(e["uid"]) for e in events] == [f"{booked[3].id}@kotopolku"]
    # A feed says what and where, never the staff's title or notes.
    assert str(events[0]["summary"]).startswith("Kotopolku: ")
    assert "description" not in events[0]
    seen = await system.stub.GetCalendarFeed(
        pb.GetCalendarFeedRequest(), metadata=system.md(WELFARE)
    )
    assert seen.token == ""
    assert seen.HasField("last_read_at")
    events_logged = await system.audit_events()
    assert any(
        e.action == "appointment.export" and e.actor_subject == WELFARE.subject
        for e in events_logged
    )

    # Only the feed route reads by token; a new feed revokes the old; revoking ends it.
    await rpc_error(
        system.stub.ReadCalendarFeed(
            pb.ReadCalendarFeedRequest(token=feed.token), metadata=system.md(WELFARE)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    renewed = await system.stub.CreateCalendarFeed(
        pb.CreateCalendarFeedRequest(), metadata=system.md(WELFARE)
    )
    await rpc_error(
        system.stub.ReadCalendarFeed(
            pb.ReadCalendarFeedRequest(token=feed.token), metadata=system.md(FEED)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    await system.stub.RevokeCalendarFeed(
        pb.RevokeCalendarFeedRequest(), metadata=system.md(WELFARE)
    )
    for token in (renewed.token, "x" * 43, "short"):
        await rpc_error(
            system.stub.ReadCalendarFeed(
                pb.ReadCalendarFeedRequest(token=token), metadata=system.md(FEED)
            ),
            grpc.StatusCode.NOT_FOUND,
        )
    await rpc_error(
        system.stub.RevokeCalendarFeed(pb.RevokeCalendarFeedRequest(), metadata=system.md(WELFARE)),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_a_client_users_feed_has_only_their_appointments(system: System) -> None:
    client_id = await system.new_client(hetu=HETU)
    mine = await system.create(client_id)
    await system.create(
        client_id,
        appointment(start="2026-10-23T09:00", end="2026-10-23T10:00", assignees=[person(OFFICER)]),
    )
    feed = await system.stub.CreateCalendarFeed(
        pb.CreateCalendarFeedRequest(), metadata=system.md(CLIENT_USER)
    )
    read = await system.stub.ReadCalendarFeed(
        pb.ReadCalendarFeedRequest(token=feed.token), metadata=system.md(FEED)
    )
    uids = [str(e["uid"]) for e in Calendar.from_ical(read.content).events]
    assert uids == [f"{mine.id}@kotopolku"]
    assert THE_CLIENT.kind == pb.ASSIGNEE_KIND_CLIENT
