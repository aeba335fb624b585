"""RPCs of calendars: a client's appointments, a person's, a team's, one's own; iCalendar export
and per-person feeds."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.appointments import access, convert, repository
from kotopolku.appointments.domain import client_person_key
from kotopolku.appointments.domain.calendar_file import MEDIA_TYPE, Detail, calendar_file
from kotopolku.appointments.rpc_support import Context, RpcBase, appointment_entry
from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.appointments.validation import Collector, parse_uuid, period
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.clock import as_utc, to_timestamp
from kotopolku.common.errors import InvalidArgument, NotFound
from kotopolku.common.identity import Caller, current_caller

# What an export or a feed covers, and at most how many entries it has.
EXPORT_PAST: Final = timedelta(days=30)
EXPORT_FUTURE: Final = timedelta(days=365)
EXPORT_LIMIT: Final = 2000
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_SUBJECT = re.compile(r"[^\s]{1,64}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarRpcs(RpcBase):
    async def _page(
        self,
        connection: AsyncConnection,
        caller: Caller,
        where: repository.CalendarFilter,
        size: int,
        page_token: str,
        staff_of: Any,
    ) -> pb.ListAppointmentsResponse:
        position = pagination.decode_token(page_token)
        after = (datetime.fromisoformat(position["s"]), str(position["i"])) if position else None
        rows = await repository.list_appointments(connection, where, after, size + 1)
        page = rows[:size]
        await self._audit.record(
            connection,
            caller,
            [
                appointment_entry(
                    row,
                    "appointment.list-result",
                    convert.STAFF_FIELDS if staff_of(row) else convert.PARTICIPANT_FIELDS,
                )
                for row in page
            ],
        )
        token = (
            pagination.encode_token({"s": as_utc(page[-1].starts_at).isoformat(), "i": page[-1].id})
            if len(rows) > size
            else ""
        )
        return pb.ListAppointmentsResponse(
            appointments=await self._messages(connection, page, staff_of), next_page_token=token
        )

    async def _own_key(self, caller: Caller, seen: access.Viewer) -> tuple[str, str | None]:
        """The caller's person key, and the client id of a client user (None for others)."""
        if not seen.client_user:
            return caller.subject, None
        own = await self._clients.own_client()
        if own is None:
            raise NotFound("No client record is linked to this identity")
        return client_person_key(own.id), own.id

    async def ListClientAppointments(
        self, request: pb.ListClientAppointmentsRequest, context: Context
    ) -> pb.ListAppointmentsResponse:
        caller = current_caller()
        municipality = access.staff(caller)
        collector = Collector()
        client_id = collector.check("client_id", lambda: parse_uuid(request.client_id, "client_id"))
        collector.raise_if_any()
        start, end = period(request.period)
        size = pagination.page_size(request.page_size)
        where = repository.CalendarFilter(
            start,
            end,
            municipality=municipality,
            client_id=client_id,
            include_cancelled=request.include_cancelled,
        )
        async with self._db.transaction() as connection:
            return await self._page(
                connection, caller, where, size, request.page_token, lambda row: True
            )

    async def QueryCalendar(
        self, request: pb.QueryCalendarRequest, context: Context
    ) -> pb.ListAppointmentsResponse:
        caller = current_caller()
        which = request.WhichOneof("calendar")
        if which is None:
            raise InvalidArgument.field("calendar", "name a person_subject, a team or own")
        start, end = period(request.period)
        size = pagination.page_size(request.page_size)
        if which == "own":
            seen = access.viewer(caller)
            key, client_id = await self._own_key(caller, seen)
            where = repository.CalendarFilter(
                start,
                end,
                person_key=key,
                client_id=client_id,
                include_cancelled=request.include_cancelled,
            )

            def staff_of(row: Any) -> bool:
                return seen.is_staff_of(row.municipality_code)
        else:
            municipality = access.staff(caller)
            if which == "person_subject":
                if not _SUBJECT.fullmatch(request.person_subject):
                    raise InvalidArgument.field("person_subject", "is not a user's subject")
                where = repository.CalendarFilter(
                    start,
                    end,
                    municipality=municipality,
                    person_key=request.person_subject,
                    include_cancelled=request.include_cancelled,
                )
            else:
                where = repository.CalendarFilter(
                    start,
                    end,
                    municipality=municipality,
                    team=request.team.strip(),
                    include_cancelled=request.include_cancelled,
                )

            def staff_of(row: Any) -> bool:
                return True

        async with self._db.transaction() as connection:
            return await self._page(connection, caller, where, size, request.page_token, staff_of)

    # --- iCalendar -----------------------------------------------------------------------------

    async def _calendar(
        self,
        connection: AsyncConnection,
        caller: Caller,
        where: repository.CalendarFilter,
        detail: Detail,
        name: str,
        staff_of: Any,
    ) -> bytes:
        rows = await repository.list_appointments(connection, where, None, EXPORT_LIMIT)
        await self._audit.record(
            connection,
            caller,
            [
                appointment_entry(row, "appointment.export", ("starts_at", "ends_at", "location"))
                for row in rows
            ],
        )
        entries = [
            convert.calendar_entry(row, staff=detail is Detail.FULL and staff_of(row))
            for row in rows
        ]
        return calendar_file(name, entries, detail, self._now())

    async def ExportCalendar(
        self, request: pb.ExportCalendarRequest, context: Context
    ) -> pb.CalendarFile:
        caller = current_caller()
        seen = access.viewer(caller)
        key, client_id = await self._own_key(caller, seen)
        if getattr(request.period, "from") or request.period.to:
            start, end = period(request.period)
        else:
            now = self._now()
            start, end = now - EXPORT_PAST, now + EXPORT_FUTURE
        where = repository.CalendarFilter(
            start, end, person_key=key, client_id=client_id, include_cancelled=True
        )
        async with self._db.transaction() as connection:
            content = await self._calendar(
                connection,
                caller,
                where,
                Detail.FULL,
                "Kotopolku",
                lambda row: seen.is_staff_of(row.municipality_code),
            )
        return pb.CalendarFile(content=content, media_type=MEDIA_TYPE)

    async def CreateCalendarFeed(
        self, request: pb.CreateCalendarFeedRequest, context: Context
    ) -> pb.CalendarFeed:
        caller = current_caller()
        seen = access.viewer(caller)
        key, client_id = await self._own_key(caller, seen)
        token = secrets.token_urlsafe(32)
        async with self._db.transaction() as connection:
            row = await repository.replace_feed(
                connection, key, caller.subject, token_hash(token), self._now()
            )
            await self._audit.record(
                connection, caller, [_feed_entry("calendar-feed.create", client_id)]
            )
        return pb.CalendarFeed(token=token, created_at=to_timestamp(row.created_at))

    async def GetCalendarFeed(
        self, request: pb.GetCalendarFeedRequest, context: Context
    ) -> pb.CalendarFeed:
        caller = current_caller()
        key, _ = await self._own_key(caller, access.viewer(caller))
        async with self._db.engine.connect() as connection:
            row = await repository.get_feed(connection, key)
        if row is None:
            raise NotFound("No calendar feed")
        return pb.CalendarFeed(
            created_at=to_timestamp(row.created_at), last_read_at=to_timestamp(row.last_read_at)
        )

    async def RevokeCalendarFeed(
        self, request: pb.RevokeCalendarFeedRequest, context: Context
    ) -> pb.RevokeCalendarFeedResponse:
        caller = current_caller()
        key, client_id = await self._own_key(caller, access.viewer(caller))
        async with self._db.transaction() as connection:
            if not await repository.delete_feed(connection, key):
                raise NotFound("No calendar feed")
            await self._audit.record(
                connection, caller, [_feed_entry("calendar-feed.revoke", client_id)]
            )
        return pb.RevokeCalendarFeedResponse()

    async def ReadCalendarFeed(
        self, request: pb.ReadCalendarFeedRequest, context: Context
    ) -> pb.CalendarFile:
        caller = current_caller()
        access.feed_reader(caller)
        if not _TOKEN.fullmatch(request.token):
            raise NotFound("No such calendar feed")
        now = self._now()
        async with self._db.transaction() as connection:
            feed = await repository.feed_by_token_hash(connection, token_hash(request.token))
            if feed is None:
                raise NotFound("No such calendar feed")
            await repository.touch_feed(connection, feed.person_key, now)
            # Recorded as the feed's owner, reading through their feed.
            owner = replace(caller, subject=feed.owner_subject)
            where = repository.CalendarFilter(
                now - EXPORT_PAST,
                now + EXPORT_FUTURE,
                person_key=feed.person_key,
                include_cancelled=True,
            )
            content = await self._calendar(
                connection, owner, where, Detail.MINIMAL, "Kotopolku", lambda row: False
            )
        return pb.CalendarFile(content=content, media_type=MEDIA_TYPE)


def _feed_entry(action: str, client_id: str | None) -> AuditEntry:
    return AuditEntry(
        action=action, resource="calendar-feeds/own", subject_client_id=client_id or ""
    )
