"""Locust workload: welfare-area systems following their change feeds while municipal users work.

Three kinds of simulated users run together:

* ``OfficerUser`` (from ``locustfile.py``): the officers' everyday work on clients, assessments
  and plans (Helsinki and Tampere).
* ``PlacementOfficerUser``: officers of Tampere (→ Pirkanmaa) and Vantaa (→ Vantaa-Kerava)
  recording placement proposals and consulting their welfare area (2), and asking it to start a
  multi-sector cooperation for a client (1). Each of these appends to a welfare area's feed.
* ``WelfareFeedUser``: a welfare area's system on its Keycloak service account
  (``welfare-pirkanmaa`` / ``welfare-vantaa-kerava``), starting at the end of its feed and long
  polling it (``wait_seconds``). It answers the consultations it learns of and accepts the
  cooperation requests (with an ``Idempotency-Key``), so its own writes are in the mix too.

For every event a feed user receives it records the **feed lag** (receipt time minus the event's
``occurred_at``, i.e. commit to delivery) as a locust entry ``FEED event lag``: its percentiles are
the lag, its request rate the feed throughput (events/s). It also checks that positions arrive
consecutively (``FEED gap`` counts as a failure) and without duplicates. A summary is logged at the
end.

Configuration (environment): everything of ``locustfile.py``, and

* ``LOADTEST_FEED_WAIT``     long-poll wait in seconds (default 10)
* ``LOADTEST_FEED_LIMIT``    events per page (default 100)
* ``LOADTEST_PLACEMENT_RPS`` paced requests/s of a placement officer (default 0.5)
* ``LOADTEST_FEED_USERS``    feed users (systems), alternately of each area (default 4)
* ``LOADTEST_PLACEMENT_USERS`` placement officers (default 4); the other users are
                             ``OfficerUser``s

Run (see loadtests/README.md):
``LOADTEST_RESET_AFTER_SEEDING=0 locust -f loadtests/welfare_feed.py --headless -u 16 -r 8
-t 60s`` (4 feed users, 4 placement officers, 8 officers).
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant_throughput, events, task

REPO_ROOT = Path(__file__).resolve().parents[1]
for entry in (str(REPO_ROOT), str(REPO_ROOT / "loadtests")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from locustfile import LOAD_TEST_HEADER, OfficerUser  # noqa: E402

from e2e.keycloak_tokens import service_token, user_token  # noqa: E402

__all__ = ["OfficerUser", "PlacementOfficerUser", "WelfareFeedUser"]

FEED_WAIT = int(os.environ.get("LOADTEST_FEED_WAIT", "10"))
FEED_LIMIT = int(os.environ.get("LOADTEST_FEED_LIMIT", "100"))
PLACEMENT_RPS = float(os.environ.get("LOADTEST_PLACEMENT_RPS", "0.5"))
FEED_USERS = int(os.environ.get("LOADTEST_FEED_USERS", "4"))
PLACEMENT_USERS = int(os.environ.get("LOADTEST_PLACEMENT_USERS", "4"))
# Municipality officer → the welfare area of its municipality (the dev configuration).
PLACEMENT_OFFICERS = {"tampere.officer": "pirkanmaa", "vantaa.officer": "vantaa-kerava"}
AREAS = ("pirkanmaa", "vantaa-kerava")
TOKEN_RECHECK_S = 20.0
FEED_ROUTE = "/v1/welfare-area/feed"

_token_lock = threading.Lock()
_lags: list[float] = []
_consumed: dict[str, int] = {area: 0 for area in AREAS}
_problems: dict[str, int] = {"gaps": 0, "duplicates": 0}
_started = {"at": 0.0}


def _token(kind: str, name: str) -> str:
    with _token_lock:
        if kind == "service":
            return service_token(f"welfare-{name}", f"welfare-{name}-secret")
        return user_token(name)


def _record(name: str, milliseconds: float, error: Exception | None = None) -> None:
    events.request.fire(
        request_type="FEED",
        name=name,
        response_time=milliseconds,
        response_length=0,
        exception=error,
        context={},
    )


class PlacementOfficerUser(FastHttpUser):
    """An officer of Tampere or Vantaa: proposals, consultations and cooperation requests."""

    fixed_count = PLACEMENT_USERS
    wait_time = constant_throughput(PLACEMENT_RPS / 1.5) if PLACEMENT_RPS > 0 else between(0, 0)
    _numbering = itertools.count()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        number = next(PlacementOfficerUser._numbering)
        self.username = list(PLACEMENT_OFFICERS)[number % len(PLACEMENT_OFFICERS)]
        self.rng = random.Random(1000 + number)
        self._token, self._checked = "", 0.0
        self.clients: list[str] = []

    def headers(self, **extra: str) -> dict[str, str]:
        now = time.monotonic()
        if not self._token or now - self._checked > TOKEN_RECHECK_S:
            self._token, self._checked = _token("user", self.username), now
        return {"Authorization": f"Bearer {self._token}", **LOAD_TEST_HEADER, **extra}

    def on_start(self) -> None:
        for _ in range(2):
            self._new_client()

    def _new_client(self) -> None:
        born = date(1970, 1, 1) + timedelta(days=self.rng.randrange(15_000))
        with self.client.post(
            "/v1/clients",
            json={
                "first_names": self.rng.choice(["Hodan", "Olena", "Ahmad", "Mariam", "Yonas"]),
                "last_name": self.rng.choice(["Warsame", "Kovalenko", "Rahimi", "Haidari"]),
                "date_of_birth": born.isoformat(),
                "languages": ["so", "fi"],
                "segment": "quota-refugee",
            },
            headers=self.headers(**{"Idempotency-Key": str(uuid.uuid4())}),
            name="/v1/clients [welfare seed]",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}")
                return
            self.clients.append(str(response.json()["id"]))

    @task(2)
    def propose_and_consult(self) -> None:
        person = {
            "role": "principal",
            "first_names": "Hodan",
            "last_name": "Warsame",
            "date_of_birth": "1986-04-17",
            "languages": ["so"],
            "service_needs": [self.rng.choice(["trauma-support", "chronic-illness", "disability"])],
        }
        with self.client.post(
            "/v1/placement-proposals",
            json={
                "ely_centre": "ely-load",
                "ely_reference": f"ELY-LOAD-{uuid.uuid4().hex[:8]}",
                "basis": "quota-refugee",
                "persons": [person],
            },
            headers=self.headers(**{"Idempotency-Key": str(uuid.uuid4())}),
            name="/v1/placement-proposals",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}")
                return
            proposal_id = response.json()["id"]
        self.client.post(
            f"/v1/placement-proposals/{proposal_id}/consultation",
            json={},
            headers=self.headers(**{"Idempotency-Key": str(uuid.uuid4())}),
            name="/v1/placement-proposals/{id}/consultation",
        )

    @task(1)
    def request_cooperation(self) -> None:
        if not self.clients:
            self._new_client()
            return
        self.client.post(
            f"/v1/clients/{self.rng.choice(self.clients)}/cooperations",
            json={
                "scope": ["multi-sector-assessment"],
                "reason": "Monialainen arviointi",
                "municipal_contact": {"name": "Kuormitus", "phone": "040 1234567"},
                "basis": {
                    "kind": "legal",
                    "categories": ["multi-sector-assessment"],
                    "legal_reference": "Laki kotoutumisen edistämisestä 681/2023",
                },
            },
            headers=self.headers(**{"Idempotency-Key": str(uuid.uuid4())}),
            name="/v1/clients/{id}/cooperations",
        )


class WelfareFeedUser(FastHttpUser):
    """A welfare area's system: follows its feed with long polling and answers what it gets."""

    fixed_count = FEED_USERS
    wait_time = between(0, 0)
    network_timeout = FEED_WAIT + 30.0
    _numbering = itertools.count()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        number = next(WelfareFeedUser._numbering)
        self.area = AREAS[number % len(AREAS)]
        self._token, self._checked = "", 0.0
        self.cursor = ""
        self.position = -1
        self.seen: set[str] = set()

    def headers(self, **extra: str) -> dict[str, str]:
        now = time.monotonic()
        if not self._token or now - self._checked > TOKEN_RECHECK_S:
            self._token, self._checked = _token("service", self.area), now
        return {"Authorization": f"Bearer {self._token}", **LOAD_TEST_HEADER, **extra}

    def on_start(self) -> None:
        """Start at the end of the feed: earlier runs' events are not this run's lag."""
        while True:
            response = self.client.get(
                FEED_ROUTE,
                params={"cursor": self.cursor, "limit": 500},
                headers=self.headers(),
                name=f"{FEED_ROUTE} [catch up]",
            )
            if response.status_code != 200:
                return
            page = response.json()
            self.cursor = page["next_cursor"]
            if page["events"]:
                self.position = page["events"][-1]["position"]
            if not page["more"]:
                return

    @task
    def follow(self) -> None:
        response = self.client.get(
            FEED_ROUTE,
            params={"cursor": self.cursor, "limit": FEED_LIMIT, "wait_seconds": FEED_WAIT},
            headers=self.headers(),
            name=FEED_ROUTE,
        )
        if response.status_code != 200:
            return
        received = datetime.now().astimezone()
        page = response.json()
        for event in page["events"]:
            self._check(event)
            occurred = datetime.fromisoformat(event["occurred_at"])
            _record("event lag", max(0.0, (received - occurred).total_seconds() * 1000))
            _consumed[self.area] += 1
            self._react(event)
        self.cursor = page["next_cursor"]

    def _check(self, event: dict[str, Any]) -> None:
        position = event["position"]
        if self.position >= 0 and position != self.position + 1:
            _problems["gaps"] += 1
            _record("gap", 0, RuntimeError(f"expected {self.position + 1}, got {position}"))
        if event["event_id"] in self.seen:
            _problems["duplicates"] += 1
        self.seen.add(event["event_id"])
        self.position = position

    def _react(self, event: dict[str, Any]) -> None:
        key = {"Idempotency-Key": f"{self.area}-{event['event_id']}"}
        if event["type"] == "consultation.opened":
            self.client.post(
                f"/v1/welfare-area/{event['resource']}/answer",
                json={"recommendation": "supports", "prepared_services": []},
                headers=self.headers(**key),
                name="/v1/welfare-area/consultations/{id}/answer",
            )
        elif event["type"] == "cooperation.requested":
            self.client.post(
                f"/v1/welfare-area/{event['resource']}/answer",
                json={"accept": True, "responsible": {"name": "Kuorma", "phone": "0401234567"}},
                headers=self.headers(**key),
                name="/v1/welfare-area/cooperations/{id}/answer",
            )


@events.test_start.add_listener
def _remember_start(**_: Any) -> None:
    _started["at"] = time.monotonic()


@events.request.add_listener
def _collect_lag(request_type: str, name: str, response_time: float, **_: Any) -> None:
    if request_type == "FEED" and name == "event lag":
        _lags.append(response_time)


@events.test_stop.add_listener
def _summary(**_: Any) -> None:
    seconds = max(1e-9, time.monotonic() - _started["at"])
    total = sum(_consumed.values())
    if not _lags:
        logging.info("welfare feed: no events consumed")
        return
    ordered = sorted(_lags)

    def percentile(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    logging.info(
        "welfare feed: %d events in %.0f s (%.1f events/s; %s); lag ms p50 %.0f p95 %.0f "
        "p99 %.0f max %.0f mean %.0f; gaps %d, duplicates %d",
        total,
        seconds,
        total / seconds,
        ", ".join(f"{area} {count}" for area, count in _consumed.items()),
        percentile(0.50),
        percentile(0.95),
        percentile(0.99),
        ordered[-1],
        statistics.fmean(ordered),
        _problems["gaps"],
        _problems["duplicates"],
    )
