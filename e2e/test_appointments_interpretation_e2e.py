"""Appointments and interpretation through the gateway with real Keycloak tokens: an appointment
with an interpreter and reminders, the interpreter's own view, another municipality's 404, the
.ics download and feed parsed with icalendar, read-aloud audio, and (once the messaging service
is part of the system) the reminder e-mail arriving in the client's language."""

from __future__ import annotations

import io
import os
import random
import time
import uuid
import wave
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from e2e.conftest import Api, finnish_today, new_client

# A random slot, so that the suite can run again on the same system (the users are the same).
_SLOT = random.SystemRandom()
DAY = (finnish_today() + timedelta(days=_SLOT.randint(20, 330))).isoformat()
HOUR = _SLOT.randint(8, 14)


def _at(hour: int, minute: int = 0) -> str:
    return f"{DAY}T{hour:02d}:{minute:02d}"


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def interpreter(as_user: Callable[[str], Api]) -> Api:
    return as_user("interpreter.tulkki")


def _appointment(officer: Api, interpreter: Api, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "appointment",
        "title": "Alkukartoitus tulkin kanssa",
        "description": "Asiakas toivoo naistulkkia",
        "location": "Toinen linja 4, Helsinki",
        "start": _at(HOUR),
        "end": _at(HOUR + 1),
        "assignees": [
            {
                "kind": "municipal-staff",
                "subject": officer.claims["sub"],
                "display_name": "Ohjaaja",
            },
            {"kind": "client"},
            {
                "kind": "interpreter",
                "subject": interpreter.claims["sub"],
                "organisation": "tulkkaus",
                "display_name": "Tulkki",
            },
        ],
        "team": f"e2e-{uuid.uuid4().hex[:8]}",
        "reminder_lead_minutes": [1440, 60],
        "organiser": "Helsingin kotoutumispalvelut",
        **overrides,
    }


@pytest.fixture(scope="module")
def booked(officer: Api, interpreter: Api) -> dict[str, Any]:
    """A client, an appointment with the interpreter and reminders, and two interpreter bookings:
    one for the interpreter's service (tulkkaus), one for another service."""
    client = new_client(officer, languages=["ar", "fi"])
    created = officer.post(
        f"/v1/clients/{client['id']}/appointments",
        json=_appointment(officer, interpreter),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    appointment = _ok(created, 201)
    ours = _ok(
        officer.post(
            "/v1/interpreter-bookings",
            json={
                "appointment_id": appointment["id"],
                "language": "ar",
                "dialect": "Iraqi",
                "mode": "on-site",
                "provider_organisation": "tulkkaus",
                "notes": "Ilmoittaudu infopisteessä",
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
        201,
    )
    theirs = _ok(
        officer.post(
            "/v1/interpreter-bookings",
            json={
                "appointment_id": appointment["id"],
                "language": "ar",
                "mode": "phone",
                "provider_organisation": "muu-tulkkaus",
            },
        ),
        201,
    )
    return {
        "client": client,
        "appointment": appointment,
        "etag": created.headers["etag"],
        "ours": ours,
        "theirs": theirs,
    }


def test_an_appointment_with_an_interpreter_and_reminders(
    officer: Api, tampere_officer: Api, interpreter: Api, booked: dict[str, Any]
) -> None:
    appointment = booked["appointment"]
    assert appointment["start"].startswith(f"{_at(HOUR)}:00+0")
    assert [r["lead_minutes"] for r in appointment["reminders"]] == [1440, 60]
    assert {r["state"] for r in appointment["reminders"]} <= {"pending", "scheduled"}
    booking = booked["ours"]
    assert booking["status"] == "requested"
    assert booking["start"] == appointment["start"]
    assert booking["duration_minutes"] == 60
    assert booking["location"] == "Toinen linja 4, Helsinki"

    # The officer is busy then: a clash is a 409 naming the appointment.
    clash = officer.post(
        f"/v1/clients/{booked['client']['id']}/appointments",
        json=_appointment(officer, interpreter, start=_at(HOUR, 30), end=_at(HOUR + 1, 30)),
    )
    assert clash.status_code == 409, clash.text
    assert clash.headers["content-type"].startswith("application/problem+json")
    assert appointment["id"] in clash.json()["detail"]

    # Another municipality sees none of it.
    for path in (
        f"/v1/appointments/{appointment['id']}",
        f"/v1/interpreter-bookings/{booking['id']}",
        f"/v1/appointments/{appointment['id']}/history",
    ):
        refused = tampere_officer.get(path)
        assert refused.status_code == 404, (path, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")

    # Moving it re-plans the reminders; the history says who moved it and what changed.
    moved = officer.patch(
        f"/v1/appointments/{appointment['id']}",
        json={"start": _at(HOUR + 2)},
        headers={"If-Match": booked["etag"]},
    )
    body = _ok(moved)
    assert body["end"].startswith(f"{_at(HOUR + 3)}:00")
    history = _ok(officer.get(f"/v1/appointments/{appointment['id']}/history"))["items"]
    assert [h["action"] for h in history] == ["created", "updated"]
    assert history[1]["actor_subject"] == officer.claims["sub"]
    assert {c["field"] for c in history[1]["changes"]} == {"starts_at", "ends_at"}


def test_the_interpreter_sees_only_their_bookings(interpreter: Api, booked: dict[str, Any]) -> None:
    ours, theirs = booked["ours"], booked["theirs"]
    listed = _ok(interpreter.get("/v1/interpreter-bookings", params={"page_size": 200}))
    ids = [b["id"] for b in listed["items"]]
    assert ours["id"] in ids
    assert theirs["id"] not in ids
    assert all(b["provider_organisation"] == "tulkkaus" for b in listed["items"])
    assert all(b["client_id"] is None for b in listed["items"])
    assert interpreter.get(f"/v1/interpreter-bookings/{theirs['id']}").status_code == 404

    seen = interpreter.get(f"/v1/interpreter-bookings/{ours['id']}")
    confirmed = _ok(
        interpreter.post(
            f"/v1/interpreter-bookings/{ours['id']}/confirm",
            json={"interpreter_name": "Tulkki T."},
            headers={"If-Match": seen.headers["etag"]},
        )
    )
    assert confirmed["status"] == "confirmed"
    assert confirmed["interpreter_subject"] == interpreter.claims["sub"]
    # As an assignee the interpreter reads the appointment, without the staff's notes.
    appointment = _ok(interpreter.get(f"/v1/appointments/{booked['appointment']['id']}"))
    assert appointment["description"] is None
    assert appointment["reminders"] == []
    # But may not change it.
    assert (
        interpreter.patch(
            f"/v1/appointments/{booked['appointment']['id']}",
            json={"title": "x"},
            headers={"If-Match": '"2"'},
        ).status_code
        == 403
    )


def test_the_ics_download_and_feed_parse(
    officer: Api, interpreter: Api, booked: dict[str, Any], http: httpx.Client
) -> None:
    uid = f"{booked['appointment']['id']}@kotopolku"
    download = officer.get("/v1/calendars/me.ics")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(download.content)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Helsinki"]
    assert uid in [str(e["uid"]) for e in calendar.events]

    feed = _ok(interpreter.post("/v1/calendar-feeds"), 201)
    url = feed["url"]
    assert interpreter.claims["sub"] not in url
    # A calendar application fetches it without any token.
    fetched = httpx.get(url, timeout=15)
    assert fetched.status_code == 200, fetched.text
    events = {str(e["uid"]): e for e in Calendar.from_ical(fetched.content).events}
    assert uid in events
    event = events[uid]
    assert event.start.astimezone(UTC) == datetime.fromisoformat(
        _ok(interpreter.get(f"/v1/appointments/{booked['appointment']['id']}"))["start"]
    ).astimezone(UTC)
    assert "Alkukartoitus" not in str(event["summary"])
    assert (
        interpreter.http.delete(
            "/v1/calendar-feeds/current", headers=interpreter.headers()
        ).status_code
        == 204
    )
    assert httpx.get(url, timeout=15).status_code == 404


def test_read_aloud_returns_playable_audio(officer: Api) -> None:
    spoken = officer.post(
        "/v1/read-aloud",
        json={
            "text": "Tervetuloa kotoutumispalveluihin. Tapaamisenne on torstaina.",
            "language": "fi",
        },
    )
    assert spoken.status_code == 200, spoken.text
    assert spoken.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(spoken.content), "rb") as reader:
        seconds = reader.getnframes() / reader.getframerate()
        assert reader.getnchannels() == 1
        assert any(reader.readframes(reader.getnframes()))
    assert seconds > 2.0
    arabic = officer.post("/v1/read-aloud", json={"text": "مرحبا بكم", "language": "ar"})
    assert arabic.status_code == 200
    refused = officer.post("/v1/read-aloud", json={"text": "Soo dhawoow", "language": "so"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "language"
    assert "'so'" in refused.json()["errors"][0]["detail"]


# --- the reminder e-mail: needs the messaging service and its dev sinks ---------------------------

SINKS_URL = os.environ.get(
    "KOTOPOLKU_DEV_SINKS_URL",
    f"http://127.0.0.1:{int(os.environ.get('GRPC_PORT_BASE', '50050')) + 41}",
).rstrip("/")


def test_the_reminder_email_arrives_in_the_clients_language(
    officer: Api, interpreter: Api, http: httpx.Client
) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    if "/v1/notifications/{notification_id}" not in paths:
        pytest.skip("the gateway has no messaging endpoints in this system")
    address = f"e2e-{uuid.uuid4().hex[:10]}@example.fi"
    client = new_client(officer, languages=["so", "fi"], contact={"email": address})
    # Five minutes and a few seconds ahead, with a five-minute reminder: it is due at once.
    start = datetime.now(UTC) + timedelta(minutes=5, seconds=3)
    created = officer.post(
        f"/v1/clients/{client['id']}/appointments",
        json=_appointment(
            officer,
            interpreter,
            assignees=[{"kind": "client"}],
            start=start.isoformat(timespec="seconds"),
            end=(start + timedelta(minutes=30)).isoformat(timespec="seconds"),
            reminder_lead_minutes=[5],
        ),
    )
    appointment = _ok(created, 201)
    assert len(appointment["reminders"]) == 1
    deadline = time.monotonic() + 60
    mail: list[dict[str, Any]] = []
    with httpx.Client(base_url=SINKS_URL, timeout=10) as sinks:
        while time.monotonic() < deadline and not mail:
            mail = list(sinks.get("/mail", params={"to": address}).json()["messages"])
            time.sleep(0.5)
    assert len(mail) == 1, "the reminder e-mail did not arrive"
    assert mail[0]["content_language"] == "so"
    assert mail[0]["subject"].startswith("Xusuusin")
