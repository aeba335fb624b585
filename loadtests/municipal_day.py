"""Locust workload: a municipality's day (the mixed workload of ``make bench``).

Who works, all with Keycloak tokens:

* ``DayOfficerUser`` — integration-service officers of Helsinki and Tampere: everything of
  ``OfficerUser`` (``locustfile.py``: read and search clients, create and update them, record
  assessments, draft and read plans, overdue reviews, book appointments) and, for Helsinki, the
  programme path of the two self-service clients: draft a plan with a programme service and
  submit it (1), and once the client has approved it, approve it and enrol the client (1).
* ``SelfServiceClientUser`` — ``client.amina`` and ``client.oleksandr`` in self-service: their
  own record (3), plans (2), appointments (2) and message threads (2), and approving a plan that
  waits for them (1).
* ``ProviderUser`` — ``provider.opisto``, the training provider: lists the enrolments of its
  service (2), reads one (2) and reports a completion with the language test result (1).
* ``WelfareFeedUser`` and ``PlacementOfficerUser`` (``welfare_feed.py``): welfare-area systems
  long polling their feeds while Tampere and Vantaa officers write placement proposals to them.

The programme path is a chain across users (officer → client → officer → provider): each step
hands its record, with the ETag it got, to the next through a queue; a user whose queue is empty
does an ordinary read instead. Setup before the users start: the provider ``opisto``, a service
of it for this run and the Helsinki records of the self-service clients (created if missing).

Pacing: every paced user sends ``LOADTEST_RPS_PER_USER`` requests/s; feed users long poll and
placement officers run at ``LOADTEST_PLACEMENT_RPS``. Requests are named by route template.

Run: ``locust -f loadtests/municipal_day.py --headless -u 60 -r 30 -t 60s`` (or ``make bench``).
Knobs besides those of ``locustfile.py`` and ``welfare_feed.py``: ``LOADTEST_PROVIDER_USERS``
(2), ``LOADTEST_SELF_SERVICE_WEIGHT`` (3, against officers' 10).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

from locust import FastHttpUser, events

REPO_ROOT = Path(__file__).resolve().parents[1]
for entry in (str(REPO_ROOT), str(REPO_ROOT / "loadtests")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import locustfile  # noqa: E402
import welfare_feed  # noqa: E402
from day_setup import PROGRAMME_OFFICER, setup_day  # noqa: E402
from figures import summarise  # noqa: E402

__all__ = [
    "DayOfficerUser",
    "DayPlacementOfficerUser",
    "DayWelfareFeedUser",
    "ProviderUser",
    "SelfServiceClientUser",
]

PROVIDER_USERS = int(os.environ.get("LOADTEST_PROVIDER_USERS", "2"))
SELF_SERVICE_WEIGHT = int(os.environ.get("LOADTEST_SELF_SERVICE_WEIGHT", "3"))
SELF_SERVICE_CLIENTS = ("client.amina", "client.oleksandr")
PROVIDER = "provider.opisto"
TOKEN_RECHECK_S = 20.0

PLAN_ACTION_ROUTE = "/v1/plans/{id}/{action}"
ENROLMENT_ROUTE = "/v1/enrolments/{id}"


class Day:
    """What the users of one run share: setup results and the programme path's queues."""

    service_id: ClassVar[str] = ""
    client_ids: ClassVar[dict[str, str]] = {}  # self-service username → client id (Helsinki)
    # (plan id, plan service id, client username, ETag) waiting for the client's approval …
    awaiting_client: ClassVar[dict[str, deque[tuple[str, str, str]]]] = {}
    # … then for the officer's approval and the enrolment …
    awaiting_officer: ClassVar[deque[tuple[str, str, str, str]]] = deque(maxlen=2000)
    # … then (enrolment id, ETag) for the provider's completion report.
    enrolled: ClassVar[deque[tuple[str, str]]] = deque(maxlen=2000)
    enrolments: ClassVar[list[str]] = []


def _set_up(environment: Any, **_: Any) -> None:
    host = (environment.host or locustfile.DEFAULT_HOST).rstrip("/")
    Day.service_id, Day.client_ids = setup_day(host, SELF_SERVICE_CLIENTS)
    Day.awaiting_client = {username: deque(maxlen=500) for username in Day.client_ids}
    logging.info("municipal day: programme service and %s self-service clients ready", 2)


events.test_start.add_listener(_set_up)

# Exact response times of every request but the feeds' long polls, for the bench's objective
# (locust's own percentiles are rounded and include the polls, which wait by design).
SUMMARY_FILE = os.environ.get("LOADTEST_SUMMARY_FILE", "")
_times: list[tuple[float, float]] = []


def _on_request(request_type: str, name: str, response_time: float, **_: Any) -> None:
    if request_type == "FEED" or name.startswith(welfare_feed.FEED_ROUTE):
        return
    _times.append((time.time(), response_time))


def _write_summary(environment: Any, **_: Any) -> None:
    if not SUMMARY_FILE:
        return
    since = environment.stats.total.start_time  # after the reset once users have seeded
    figures = summarise([ms for at, ms in _times if at >= since])
    Path(SUMMARY_FILE).write_text(json.dumps(figures) + "\n")


if SUMMARY_FILE:
    events.request.add_listener(_on_request)
    events.test_stop.add_listener(_write_summary)


def _ready() -> None:
    """Counts the user as started for the statistics reset of ``locustfile.py``, which waits
    for every user (officers: after seeding)."""
    locustfile._run["seeded_users"] += 1


class _TokenUser(FastHttpUser):
    abstract = True
    username = ""

    def on_start(self) -> None:
        _ready()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token, self._checked = "", 0.0

    def headers(self, **extra: str) -> dict[str, str]:
        now = time.monotonic()
        if not self._token or now - self._checked > TOKEN_RECHECK_S:
            self._token, self._checked = locustfile.officer_token(self.username), now
        return {"Authorization": f"Bearer {self._token}", **locustfile.LOAD_TEST_HEADER, **extra}


# --------------------------------------------------------------------------------------------
# Officers: the programme path


def _programme_plan_body() -> dict[str, Any]:
    today = date.today()
    return {
        "kind": "individual",
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=364)).isoformat(),
        "goals": [{"category": "integration", "text": "Suomen kielen opinnot"}],
        "services": [
            {
                "programme_service_id": Day.service_id,
                "planned_start": today.isoformat(),
                "planned_end": (today + timedelta(days=180)).isoformat(),
            }
        ],
        "obligations": {"receives_unemployment_benefit": True},
    }


def offer_programme_plan(user: locustfile.OfficerUser) -> None:
    """Draft a plan with the provider's service for a self-service client and submit it."""
    if user.username != PROGRAMME_OFFICER or not Day.client_ids:
        locustfile.draft_plan(user)
        return
    client = user.rng.choice(SELF_SERVICE_CLIENTS)
    with user.client.post(
        f"/v1/clients/{Day.client_ids[client]}/plans",
        json=_programme_plan_body(),
        headers={**user.headers(), "Idempotency-Key": str(uuid.uuid4())},
        name="/v1/clients/{id}/plans",
        catch_response=True,
    ) as response:
        if response.status_code != 201:
            response.failure(f"programme plan: HTTP {response.status_code}")
            return
        plan = response.json()
        etag = response.headers.get("ETag", "")
    with user.client.post(
        f"/v1/plans/{plan['id']}/submit",
        headers={**user.headers(), "If-Match": etag},
        name=PLAN_ACTION_ROUTE,
        catch_response=True,
    ) as response:
        if response.status_code != 200:
            response.failure(f"submit: HTTP {response.status_code}")
            return
        Day.awaiting_client[client].append(
            (str(plan["id"]), str(plan["services"][0]["id"]), response.headers.get("ETag", ""))
        )


def approve_and_enrol(user: locustfile.OfficerUser) -> None:
    """Approve a plan the client has approved, then enrol the client in the agreed service."""
    if user.username != PROGRAMME_OFFICER or not Day.awaiting_officer:
        locustfile.read_plan(user)
        return
    plan_id, plan_service_id, client, etag = Day.awaiting_officer.popleft()
    with user.client.post(
        f"/v1/plans/{plan_id}/approve",
        headers={**user.headers(), "If-Match": etag},
        name=PLAN_ACTION_ROUTE,
        catch_response=True,
    ) as response:
        if response.status_code != 200:
            response.failure(f"officer approval: HTTP {response.status_code}")
            return
    with user.client.post(
        "/v1/enrolments",
        json={
            "plan_id": plan_id,
            "plan_service_id": plan_service_id,
            "programme_service_id": Day.service_id,
            "client_id": Day.client_ids[client],
            "participant_display_name": client.split(".")[1].capitalize(),
        },
        headers={**user.headers(), "Idempotency-Key": str(uuid.uuid4())},
        name="/v1/enrolments",
        catch_response=True,
    ) as response:
        if response.status_code == 409:
            # The client is in this service already until the provider reports the completion
            # (two self-service clients, many plans): an expected answer, counted apart.
            response.request_meta["name"] = "/v1/enrolments [409 already enrolled]"
            response.success()
            return
        if response.status_code != 201:
            response.failure(f"enrolment: HTTP {response.status_code}")
            return
        Day.enrolled.append((str(response.json()["id"]), response.headers.get("ETag", "")))


DAY_TASKS: dict[Callable[[locustfile.OfficerUser], None], int] = {
    **locustfile.TASKS,
    offer_programme_plan: 1,
    approve_and_enrol: 1,
}
DAY_REQUESTS_PER_TASK: dict[Callable[[locustfile.OfficerUser], None], int] = {
    **locustfile.REQUESTS_PER_TASK,
    offer_programme_plan: 2,
    approve_and_enrol: 2,
}


class DayOfficerUser(locustfile.OfficerUser):
    weight = 10
    tasks = DAY_TASKS
    wait_time = locustfile.pacing(DAY_TASKS, DAY_REQUESTS_PER_TASK)


# --------------------------------------------------------------------------------------------
# Clients in self-service


def own_record(user: SelfServiceClientUser) -> None:
    user.client.get("/v1/me", headers=user.headers(), name="/v1/me")


def own_plans(user: SelfServiceClientUser) -> None:
    user.client.get(
        "/v1/me/plans", params={"page_size": 20}, headers=user.headers(), name="/v1/me/plans"
    )


def own_appointments(user: SelfServiceClientUser) -> None:
    today = date.today()
    user.client.get(
        "/v1/calendars/me",
        params={"from": today.isoformat(), "to": (today + timedelta(days=60)).isoformat()},
        headers=user.headers(),
        name="/v1/calendars/me",
    )


def own_threads(user: SelfServiceClientUser) -> None:
    user.client.get(
        "/v1/me/threads", params={"page_size": 20}, headers=user.headers(), name="/v1/me/threads"
    )


def approve_own_plan(user: SelfServiceClientUser) -> None:
    waiting = Day.awaiting_client.get(user.username)
    if not waiting:
        own_plans(user)
        return
    plan_id, plan_service_id, etag = waiting.popleft()
    with user.client.post(
        f"/v1/plans/{plan_id}/approve",
        headers={**user.headers(), "If-Match": etag},
        name=PLAN_ACTION_ROUTE,
        catch_response=True,
    ) as response:
        if response.status_code != 200:
            response.failure(f"client approval: HTTP {response.status_code}")
            return
        Day.awaiting_officer.append(
            (plan_id, plan_service_id, user.username, response.headers.get("ETag", ""))
        )


CLIENT_TASKS: dict[Callable[[SelfServiceClientUser], None], int] = {
    own_record: 3,
    own_plans: 2,
    own_appointments: 2,
    own_threads: 2,
    approve_own_plan: 1,
}


class SelfServiceClientUser(_TokenUser):
    """A client in the self-service pages (Suomi.fi login in production)."""

    host = locustfile.DEFAULT_HOST
    weight = SELF_SERVICE_WEIGHT
    tasks = CLIENT_TASKS  # type: ignore[assignment]
    wait_time = locustfile.pacing(CLIENT_TASKS, dict.fromkeys(CLIENT_TASKS, 1))
    _numbering = itertools.count()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        number = next(SelfServiceClientUser._numbering)
        self.username = SELF_SERVICE_CLIENTS[number % len(SELF_SERVICE_CLIENTS)]
        self.rng = random.Random(5000 + number)


# --------------------------------------------------------------------------------------------
# The training provider


def list_enrolments(user: ProviderUser) -> None:
    with user.client.get(
        "/v1/enrolments",
        params={"service_id": Day.service_id, "page_size": 50},
        headers=user.headers(),
        name="/v1/enrolments",
        catch_response=True,
    ) as response:
        if response.status_code == 200:
            Day.enrolments = [str(item["id"]) for item in response.json()["items"]]


def read_enrolment(user: ProviderUser) -> None:
    if not Day.enrolments:
        list_enrolments(user)
        return
    user.client.get(
        f"/v1/enrolments/{user.rng.choice(Day.enrolments)}",
        headers=user.headers(),
        name=ENROLMENT_ROUTE,
    )


def report_completion(user: ProviderUser) -> None:
    if not Day.enrolled:
        list_enrolments(user)
        return
    enrolment_id, etag = Day.enrolled.popleft()
    with user.client.post(
        f"/v1/enrolments/{enrolment_id}/completion",
        json={
            "completion_date": date.today().isoformat(),
            "language_test": {
                "reading": "B1",
                "writing": "A2",
                "listening": "B1",
                "speaking": "A2",
            },
        },
        headers={**user.headers(), "If-Match": etag},
        name="/v1/enrolments/{id}/completion",
        catch_response=True,
    ) as response:
        if response.status_code != 200:
            response.failure(f"completion: HTTP {response.status_code}")


PROVIDER_TASKS: dict[Callable[[ProviderUser], None], int] = {
    list_enrolments: 2,
    read_enrolment: 2,
    report_completion: 1,
}


class ProviderUser(_TokenUser):
    """The training provider's staff following their participants."""

    host = locustfile.DEFAULT_HOST
    fixed_count = PROVIDER_USERS
    username = PROVIDER
    tasks = PROVIDER_TASKS  # type: ignore[assignment]
    wait_time = locustfile.pacing(PROVIDER_TASKS, dict.fromkeys(PROVIDER_TASKS, 1))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rng = random.Random(9000 + id(self) % 1000)


# --------------------------------------------------------------------------------------------
# Welfare-area systems and the placement officers writing to their feeds (welfare_feed.py)


class DayWelfareFeedUser(welfare_feed.WelfareFeedUser):
    def on_start(self) -> None:
        super().on_start()
        _ready()


class DayPlacementOfficerUser(welfare_feed.PlacementOfficerUser):
    def on_start(self) -> None:
        super().on_start()
        _ready()
