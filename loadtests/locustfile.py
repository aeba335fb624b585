"""Locust workload: municipal integration-service officers working on client records,
assessments of service need and integration plans.

Each simulated officer (``helsinki.officer`` / ``tampere.officer`` alternating, so both
municipalities 091 and 837 are loaded) logs in through the dev Keycloak, seeds a few clients of
its municipality and then repeats weighted tasks:

* read a client            (5)  GET   /v1/clients/{id}
* search clients by name   (3)  POST  /v1/clients/search
* create a client          (1)  POST  /v1/clients            fresh Idempotency-Key
* update a client          (1)  GET   /v1/clients/{id}, then PATCH with If-Match
* record an assessment     (1)  POST  /v1/clients/{id}/assessments (the eight interview areas),
                                then PATCH the outcome with If-Match
* read an assessment       (1)  GET   /v1/assessments/{id}
* draft a plan             (1)  POST  /v1/clients/{id}/plans  (goals and an agreed service)
* read a plan              (2)  GET   /v1/plans/{id}
* list overdue reviews     (1)  GET   /v1/plans/overdue-reviews
* book an appointment      (1)  POST  /v1/clients/{id}/appointments  (the client, a random
                                quarter hour within a year; a 409 clash is an expected outcome,
                                reported as ``[409 clash]``)

Requests are named by route template, so the update's GET counts under ``GET /v1/clients/{id}``.
A ``412`` on the PATCH means another officer changed the client in between; that is an expected
outcome of optimistic locking, reported apart as ``PATCH /v1/clients/{id} [412 stale]`` (a
success) and followed by one fresh GET + PATCH. Every request carries ``X-Load-Test: locust``.

Configuration (environment):

* ``--host`` or ``KOTOPOLKU_API_URL``  the gateway (default http://127.0.0.1:8000)
* ``KOTOPOLKU_KEYCLOAK_URL``           Keycloak (default http://127.0.0.1:8080)
* ``LOADTEST_OFFICERS``                comma-separated usernames (default the two officers)
* ``LOADTEST_RPS_PER_USER``            paced HTTP requests/s per user (``constant_throughput``
                                       on tasks, corrected for tasks making two requests);
                                       ``0`` = no pacing (saturation). Default 1.
* ``LOADTEST_SEED_CLIENTS``            clients each user creates on start (default 3)
* ``LOADTEST_RESET_AFTER_SEEDING``     ``1`` (default): reset the statistics once every user
                                       has spawned and seeded, so they show the steady state

Run: ``locust -f loadtests/locustfile.py --headless -u 60 -r 30 -t 60s`` (or ``make bench``).
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import sys
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import FastHttpUser, constant, constant_throughput, events

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from e2e.keycloak_tokens import user_token  # noqa: E402 (needs the repo root on sys.path)
from loadtests.population import ORIGINS  # noqa: E402

DEFAULT_HOST = os.environ.get("KOTOPOLKU_API_URL", "http://127.0.0.1:8000").rstrip("/")
OFFICERS = [
    name.strip()
    for name in os.environ.get("LOADTEST_OFFICERS", "helsinki.officer,tampere.officer").split(",")
    if name.strip()
]
RPS_PER_USER = float(os.environ.get("LOADTEST_RPS_PER_USER", "1"))
SEED_CLIENTS = int(os.environ.get("LOADTEST_SEED_CLIENTS", "3"))
RESET_AFTER_SEEDING = os.environ.get("LOADTEST_RESET_AFTER_SEEDING", "1") not in ("0", "")
# Clients remembered per municipality as read/update targets (shared by that municipality's users,
# so concurrent updates of one client, and hence 412s, do happen).
POOL_LIMIT = 2000
# How often a user asks the token helper again; the helper itself refreshes 30 s before expiry.
TOKEN_RECHECK_S = 20.0

CLIENT_ROUTE = "/v1/clients/{id}"
ASSESSMENT_ROUTE = "/v1/assessments/{id}"
PLAN_ROUTE = "/v1/plans/{id}"
APPOINTMENTS_ROUTE = "/v1/clients/{id}/appointments"
INTERVIEW_AREAS = (
    "literacy",
    "language_skills",
    "study_and_working_life_skills",
    "education_and_work_history",
    "special_skills_and_strengths",
    "own_goals",
    "societal_knowledge_and_participation",
    "life_situation_and_service_needs",
)
STALE_ROUTE = f"{CLIENT_ROUTE} [412 stale]"
LOAD_TEST_HEADER = {"X-Load-Test": "locust"}

# --------------------------------------------------------------------------------------------
# Realistic test data: names of the larger immigrant groups in Finnish municipalities and the
# languages they speak (ORIGINS, shared with the data generator: loadtests/population.py),
# Finnish/Swedish as later languages, arrival routes and addresses.

SEGMENTS = ("self-moved", "placed", "quota-refugee")
PERMITS = (
    "continuous",
    "temporary",
    "permanent",
    "eu-registration",
    "temporary-protection",
    "international-protection",
)
MUNICIPALITY_ADDRESS = {
    # first part of the officer's username: streets, postal code prefix, post office
    "helsinki": (("Mannerheimintie", "Itäkatu", "Kontulantie", "Mellunmäentie"), "00", "Helsinki"),
    "tampere": (
        ("Hervannan valtaväylä", "Hämeenkatu", "Tesomankatu", "Ahvenisjärventie"),
        "33",
        "Tampere",
    ),
}


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ı", "i"))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in "-.")).lower()


def random_person(rng: random.Random, place: str) -> dict[str, Any]:
    """A valid ClientCreate body: names, languages, dates, Finnish contact details."""
    origin = rng.choice(ORIGINS)
    first = rng.choice(origin.first_names)
    last = rng.choice(origin.last_names)
    today = date.today()
    born = today - timedelta(days=rng.randint(16 * 365, 75 * 365))
    arrived = today - timedelta(days=rng.randint(30, 6 * 365))
    languages = list(origin.languages[: rng.randint(1, len(origin.languages))])
    if rng.random() < 0.4:
        languages.append("fi")
    streets, postal_prefix, post_office = MUNICIPALITY_ADDRESS.get(
        place, MUNICIPALITY_ADDRESS["helsinki"]
    )
    body: dict[str, Any] = {
        "first_names": first,
        "last_name": last,
        "date_of_birth": born.isoformat(),
        "languages": list(dict.fromkeys(languages)),
        "contact": {
            "email": f"{_ascii(first.split()[0])}.{_ascii(last)}{rng.randint(1, 999)}@example.org",
            "phone": f"040 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "street_address": f"{rng.choice(streets)} {rng.randint(1, 120)} A {rng.randint(1, 40)}",
            "postal_code": f"{postal_prefix}{rng.randint(1, 99):02d}0",
            "post_office": post_office,
        },
        "segment": rng.choice(SEGMENTS),
        "residence_permit_type": rng.choice(PERMITS),
        "first_permit_date": max(arrived, born).isoformat(),
    }
    return body


def random_name_query(rng: random.Random) -> str:
    """What an officer types: a last name, a first name, both, or a prefix of a last name."""
    origin = rng.choice(ORIGINS)
    last = rng.choice(origin.last_names)
    kind = rng.random()
    if kind < 0.45:
        return last
    if kind < 0.65:
        return rng.choice(origin.first_names)
    if kind < 0.85:
        return f"{rng.choice(origin.first_names)} {last}"
    return last[: max(3, len(last) // 2)]


# --------------------------------------------------------------------------------------------
# Tokens: one Keycloak login per officer, shared by that officer's simulated users.

_token_locks = {name: threading.Lock() for name in OFFICERS}  # gevent-patched under locust


def officer_token(username: str) -> str:
    """The officer's access token; one fetch at a time per officer, so a refresh is not a stampede
    of parallel password grants against Keycloak."""
    lock = _token_locks.setdefault(username, threading.Lock())
    with lock:
        return user_token(username)


def _log_in_before_spawning(environment: Any, **_: Any) -> None:
    for username in OFFICERS:
        officer_token(username)
    _run["environment"] = environment


def _reset_stats_after_seeding(user_count: int, **_: Any) -> None:
    """Steady-state figures: forget the ramp-up and the seeding creates once every user has
    seeded (``--reset-stats`` would reset when the last user is spawned, before it seeds)."""
    environment = _run.get("environment")
    if not RESET_AFTER_SEEDING or environment is None:
        return

    def wait_and_reset() -> None:
        deadline = time.monotonic() + 60
        while _run["seeded_users"] < user_count and time.monotonic() < deadline:
            gevent.sleep(0.05)
        environment.stats.reset_all()
        logging.info("stats reset after seeding by %s users", _run["seeded_users"])

    gevent.spawn(wait_and_reset)


_run: dict[str, Any] = {"environment": None, "seeded_users": 0}
events.test_start.add_listener(_log_in_before_spawning)
events.spawning_complete.add_listener(_reset_stats_after_seeding)


# Ids per kind ("clients", "assessments", "plans") and officer username (i.e. municipality),
# shared by that officer's users.
_pools: dict[tuple[str, str], list[str]] = {}


def _remember(username: str, record_id: str, kind: str = "clients") -> None:
    pool = _pools.setdefault((kind, username), [])
    if len(pool) >= POOL_LIMIT:
        pool[random.randrange(POOL_LIMIT)] = record_id
    else:
        pool.append(record_id)


def assessment_body(rng: random.Random) -> dict[str, Any]:
    """A basic assessment with the eight interview areas and a CEFR level or two."""
    basic: dict[str, Any] = {
        area: {"summary": f"Haastattelussa käsitelty ({rng.randint(1, 9)})"}
        for area in INTERVIEW_AREAS
    }
    basic["language_proficiencies"] = [
        {"language": "fi", "reading": rng.choice(["A1", "A2", "B1"]), "speaking": "A1"}
    ]
    return {"kind": "basic", "basic": basic}


def plan_body(rng: random.Random) -> dict[str, Any]:
    start = date.today()
    end = start + timedelta(days=rng.randint(180, 364))
    return {
        "kind": "individual",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "goals": [
            {"category": "integration", "text": "Suomen kielen taito arjessa"},
            {"category": "employment-or-entrepreneurship", "text": "Työharjoittelu"},
        ],
        "services": [
            {
                "other_service": "Kielikahvila",
                "planned_start": start.isoformat(),
                "planned_end": end.isoformat(),
            }
        ],
        "obligations": {"receives_social_assistance": rng.random() < 0.5},
    }


# --------------------------------------------------------------------------------------------
# Tasks: small functions of the user; the weights are in OfficerUser.tasks.


def read_client(user: OfficerUser) -> None:
    user.client.get(f"/v1/clients/{user.pick_client()}", headers=user.headers(), name=CLIENT_ROUTE)


def search_by_name(user: OfficerUser) -> None:
    user.client.post(
        "/v1/clients/search",
        json={"name": random_name_query(user.rng), "page_size": 20},
        headers=user.headers(),
        name="/v1/clients/search",
    )


def create_client(user: OfficerUser) -> None:
    user.create("/v1/clients")


def update_client(user: OfficerUser) -> None:
    client_id = user.pick_client()
    for _attempt in range(2):
        etag = user.read_etag(client_id)
        if etag is None:
            return
        change: dict[str, Any]
        if user.rng.random() < 0.5:
            change = {"contact": {"phone": f"050 {user.rng.randint(1000000, 9999999)}"}}
        else:
            origin = user.rng.choice(ORIGINS)
            change = {"languages": [*origin.languages[:2], "fi"]}
        with user.client.patch(
            f"/v1/clients/{client_id}",
            json=change,
            headers={**user.headers(), "If-Match": etag},
            name=CLIENT_ROUTE,
            catch_response=True,
        ) as response:
            if response.status_code == 412:
                # Someone else updated the client after our read: expected with optimistic
                # locking. Counted apart (as a success); re-read and retry once.
                response.request_meta["name"] = STALE_ROUTE
                response.success()
                continue
            if response.status_code != 200:
                response.failure(f"update: HTTP {response.status_code}")
            return


def record_assessment(user: OfficerUser) -> None:
    client_id = user.pick_client()
    with user.client.post(
        f"/v1/clients/{client_id}/assessments",
        json=assessment_body(user.rng),
        headers={**user.headers(), "Idempotency-Key": str(uuid.uuid4())},
        name="/v1/clients/{id}/assessments",
        catch_response=True,
    ) as response:
        if response.status_code != 201:
            response.failure(f"assessment: HTTP {response.status_code}")
            return
        assessment_id = str(response.json()["id"])
        etag = response.headers.get("ETag", "")
    _remember(user.username, assessment_id, "assessments")
    outcome = {
        "outcome": {"kind": "integration-plan-needed", "reason": "Kielitaito ja työnhaku"},
        "next_step": {
            "date": (date.today() + timedelta(days=14)).isoformat(),
            "description": "Kotoutumissuunnitelman laadinta",
        },
    }
    user.client.patch(
        f"/v1/assessments/{assessment_id}",
        json=outcome,
        headers={**user.headers(), "If-Match": etag},
        name=ASSESSMENT_ROUTE,
    )


def read_assessment(user: OfficerUser) -> None:
    assessment_id = user.pick("assessments")
    if assessment_id is None:
        record_assessment(user)
        return
    user.client.get(
        f"/v1/assessments/{assessment_id}", headers=user.headers(), name=ASSESSMENT_ROUTE
    )


def draft_plan(user: OfficerUser) -> None:
    with user.client.post(
        f"/v1/clients/{user.pick_client()}/plans",
        json=plan_body(user.rng),
        headers={**user.headers(), "Idempotency-Key": str(uuid.uuid4())},
        name="/v1/clients/{id}/plans",
        catch_response=True,
    ) as response:
        if response.status_code != 201:
            response.failure(f"plan: HTTP {response.status_code}")
            return
        _remember(user.username, str(response.json()["id"]), "plans")


def read_plan(user: OfficerUser) -> None:
    plan_id = user.pick("plans")
    if plan_id is None:
        draft_plan(user)
        return
    user.client.get(f"/v1/plans/{plan_id}", headers=user.headers(), name=PLAN_ROUTE)


def list_overdue_reviews(user: OfficerUser) -> None:
    user.client.get(
        "/v1/plans/overdue-reviews",
        params={"page_size": 20},
        headers=user.headers(),
        name="/v1/plans/overdue-reviews",
    )


def book_appointment(user: OfficerUser) -> None:
    """A meeting with the client at a random quarter hour of a working day within a year."""
    day = date.today() + timedelta(days=user.rng.randint(1, 365))
    start = (
        f"{day.isoformat()}T{user.rng.randint(8, 15):02d}:{user.rng.choice((0, 15, 30, 45)):02d}"
    )
    hour, minute = int(start[11:13]), int(start[14:16])
    end = f"{day.isoformat()}T{hour + (minute + 30) // 60:02d}:{(minute + 30) % 60:02d}"
    with user.client.post(
        f"/v1/clients/{user.pick_client()}/appointments",
        json={
            "kind": "appointment",
            "title": "Ohjauskeskustelu",
            "location": "Toinen linja 4",
            "start": start,
            "end": end,
            "assignees": [{"kind": "client"}],
            "organiser": "Kotoutumispalvelut",
        },
        headers={**user.headers(), "Idempotency-Key": str(uuid.uuid4())},
        name=APPOINTMENTS_ROUTE,
        catch_response=True,
    ) as response:
        if response.status_code == 409:
            # The client already has an appointment then: an expected answer, counted apart.
            response.request_meta["name"] = f"{APPOINTMENTS_ROUTE} [409 clash]"
            response.success()
        elif response.status_code != 201:
            response.failure(f"appointment: HTTP {response.status_code}")


def pacing(
    tasks: Mapping[Callable[..., None], int], requests_per_task: Mapping[Callable[..., None], int]
) -> Callable[..., float]:
    """``constant_throughput`` for LOADTEST_RPS_PER_USER HTTP requests/s of a user running these
    weighted tasks: tasks are paced, not requests, and an update is two requests."""
    if RPS_PER_USER <= 0:
        return constant(0)
    requests = sum(weight * requests_per_task[task] for task, weight in tasks.items())
    per_task = requests / sum(tasks.values())
    return constant_throughput(RPS_PER_USER / per_task)  # type: ignore[no-any-return]


TASKS: dict[Callable[[OfficerUser], None], int] = {
    read_client: 5,
    search_by_name: 3,
    create_client: 1,
    update_client: 1,
    record_assessment: 1,
    read_assessment: 1,
    draft_plan: 1,
    read_plan: 2,
    list_overdue_reviews: 1,
    book_appointment: 1,
}
# HTTP requests one run of each task makes (for pacing by request rate).
REQUESTS_PER_TASK: dict[Callable[[OfficerUser], None], int] = {
    read_client: 1,
    search_by_name: 1,
    create_client: 1,
    update_client: 2,
    record_assessment: 2,
    read_assessment: 1,
    draft_plan: 1,
    read_plan: 1,
    list_overdue_reviews: 1,
    book_appointment: 1,
}


class OfficerUser(FastHttpUser):
    """An integration-service officer of one municipality."""

    host = DEFAULT_HOST
    tasks = TASKS  # type: ignore[assignment]  # locust accepts {task: weight}
    wait_time = pacing(TASKS, REQUESTS_PER_TASK)
    _numbering = itertools.count()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        number = next(OfficerUser._numbering)
        self.username = OFFICERS[number % len(OFFICERS)]
        self.place = self.username.split(".", 1)[0]
        self.rng = random.Random(number)
        self._token = ""
        self._token_checked = 0.0

    def headers(self) -> dict[str, str]:
        now = time.monotonic()
        if not self._token or now - self._token_checked > TOKEN_RECHECK_S:
            self._token = officer_token(self.username)
            self._token_checked = now
        return {"Authorization": f"Bearer {self._token}", **LOAD_TEST_HEADER}

    def on_start(self) -> None:
        for _ in range(SEED_CLIENTS):
            self.create("/v1/clients [seed]")
        _run["seeded_users"] += 1

    def pick_client(self) -> str:
        pool = _pools.get(("clients", self.username))
        if not pool:
            self.create("/v1/clients [seed]")
            pool = _pools[("clients", self.username)]
        return self.rng.choice(pool)

    def pick(self, kind: str) -> str | None:
        pool = _pools.get((kind, self.username))
        return self.rng.choice(pool) if pool else None

    def create(self, name: str) -> None:
        with self.client.post(
            "/v1/clients",
            json=random_person(self.rng, self.place),
            headers={**self.headers(), "Idempotency-Key": str(uuid.uuid4())},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 201 or not response.headers.get("ETag"):
                response.failure(f"create: HTTP {response.status_code}")
                return
            _remember(self.username, str(response.json()["id"]))

    def read_etag(self, client_id: str) -> str | None:
        with self.client.get(
            f"/v1/clients/{client_id}",
            headers=self.headers(),
            name=CLIENT_ROUTE,
            catch_response=True,
        ) as response:
            etag = response.headers.get("ETag") if response.status_code == 200 else None
            if etag is None:
                response.failure(f"read for update: HTTP {response.status_code}, ETag missing")
            return etag
