"""iCalendar (RFC 5545) files of a person's calendar, made with the ``icalendar`` library.

Times are written as Helsinki local times with ``TZID=Europe/Helsinki`` and the matching
``VTIMEZONE`` (its daylight-saving rules for the years the file covers), so calendar applications
show the right wall-clock time on both sides of a clock change. Appointments and events are
``VEVENT`` components; tasks are ``VTODO`` ones with a due time. A cancelled appointment stays
in the file with ``STATUS:CANCELLED`` so that applications remove it; a deleted one is simply
no longer there.

Two levels of detail: a subscribed feed is fetched and stored by a calendar provider outside the
municipality, so it says only what kind of appointment it is, where and when (``MINIMAL``); the
export a signed-in user downloads also has the title and, for staff, the description (``FULL``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from icalendar import Calendar, Event, Timezone, Todo

from kotopolku.appointments.domain.schedule import AppointmentKind, AppointmentStatus
from kotopolku.common.localtime import HELSINKI

PRODUCT_ID: Final = "-//Kotopolku//Appointments 1.0//FI"
TZID: Final = "Europe/Helsinki"
UID_DOMAIN: Final = "kotopolku"
MEDIA_TYPE: Final = "text/calendar; charset=utf-8"
# How often a subscribed application should fetch the feed again.
REFRESH_INTERVAL: Final = timedelta(hours=1)
KIND_LABELS: Final = {
    AppointmentKind.APPOINTMENT: "Tapaaminen / Appointment",
    AppointmentKind.EVENT: "Tapahtuma / Event",
    AppointmentKind.TASK: "Tehtävä / Task",
}


class Detail(enum.Enum):
    MINIMAL = "minimal"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    id: str
    version: int
    kind: AppointmentKind
    status: AppointmentStatus
    title: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    updated_at: datetime


def _summary(entry: CalendarEntry, detail: Detail) -> str:
    label = f"Kotopolku: {KIND_LABELS[entry.kind]}"
    if detail is Detail.FULL and entry.title:
        return entry.title
    return label


def _written(moment: datetime) -> datetime:
    """Helsinki local time, except the second of a repeated hour (the night the clocks fall back):
    RFC 5545 reads an ambiguous local time as its first occurrence, so that one is written in UTC.
    """
    local = moment.astimezone(HELSINKI)
    if local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def _component(entry: CalendarEntry, detail: Detail, stamp: datetime) -> Event | Todo:
    start = _written(entry.starts_at)
    end = _written(entry.ends_at)
    component: Event | Todo
    if entry.kind is AppointmentKind.TASK:
        component = Todo()
        component.add("dtstart", start)
        component.add("due", end)
        cancelled = "CANCELLED"
        active = "NEEDS-ACTION"
    else:
        component = Event()
        component.add("dtstart", start)
        component.add("dtend", end)
        component.add("transp", "OPAQUE")
        cancelled = "CANCELLED"
        active = "CONFIRMED"
    component.add("uid", f"{entry.id}@{UID_DOMAIN}")
    component.add("dtstamp", stamp)
    component.add("created", entry.created_at)
    component.add("last-modified", entry.updated_at)
    component.add("sequence", max(0, entry.version - 1))
    component.add("summary", _summary(entry, detail))
    if entry.location:
        component.add("location", entry.location)
    if detail is Detail.FULL and entry.description:
        component.add("description", entry.description)
    component.add("status", cancelled if entry.status is AppointmentStatus.CANCELLED else active)
    component.add("class", "PRIVATE" if detail is Detail.MINIMAL else "CONFIDENTIAL")
    return component


def _timezone(entries: Sequence[CalendarEntry], today: date) -> Timezone:
    """VTIMEZONE with the transitions of the years the entries span (and the current one)."""
    days = [e.starts_at.astimezone(HELSINKI).date() for e in entries] + [
        e.ends_at.astimezone(HELSINKI).date() for e in entries
    ]
    first = min([today, *days]).replace(month=1, day=1)
    last = max([today, *days]).replace(month=12, day=31)
    return Timezone.from_tzid(TZID, first_date=first, last_date=last + timedelta(days=1))


def calendar_file(
    name: str, entries: Sequence[CalendarEntry], detail: Detail, now: datetime
) -> bytes:
    """The whole calendar as one iCalendar object (UTF-8, CRLF line endings)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    calendar.add_component(_timezone(entries, now.astimezone(HELSINKI).date()))
    for entry in entries:
        calendar.add_component(_component(entry, detail, now))
    return bytes(calendar.to_ical())
