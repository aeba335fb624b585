"""The steady load of the fault suite: client writes with a ledger, and probes of every backend.

* **Writers** (officers of Helsinki) create clients with an ``Idempotency-Key`` and change their
  street address with ``If-Match``, and read them back. A write that gets 503/504 or no answer is
  retried the same way (same key, same If-Match) after ``min(Retry-After, 1 s)`` until it is
  answered or ``give_up_seconds`` pass; every acknowledged write goes into the
  :class:`~ledger.Ledger`.
* **Probes** read something cheap from each backend through the gateway (an unknown id answers
  404 from a working backend), fast for the targets the current fault is about and slowly for
  the others, so time-to-error and recovery are measured on the affected path.
* **Logins** against Keycloak (password grant), only while the Keycloak fault is on.

Every request becomes an :class:`~measure.Observation`. Requests carry ``X-Load-Test: faults``.
"""

from __future__ import annotations

import asyncio
import random
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from loadtests.faults.ledger import CreateIntent, Ledger, UpdateAttempt
from loadtests.faults.measure import LOGIN, WRITES, Observation

OFFICER = "helsinki.officer"
AUDITOR = "helsinki.auditor"
PASSWORD = "kotopolku-demo"
TEST_CLIENT = ("kotopolku-test", "kotopolku-test-secret")
HEADERS = {"X-Load-Test": "faults"}
NOWHERE = "00000000-0000-4000-8000-000000000000"
FIRST_NAMES = ("Amina", "Hodan", "Oleksandr", "Olena", "Ahmad", "Zahra", "Yonas", "Mai", "Rawa")
RETRY_CAP_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Probe:
    """A cheap read that needs exactly one backend; ``path`` may use ``{client}``."""

    target: str
    user: str
    path: str


PROBES = (
    Probe("clients", OFFICER, "/v1/clients/{client}"),
    Probe("audit", AUDITOR, "/v1/audit/events?page_size=1"),
    Probe("assessment", OFFICER, f"/v1/assessments/{NOWHERE}"),
    Probe("plans", OFFICER, f"/v1/plans/{NOWHERE}"),
    Probe("programme", OFFICER, f"/v1/programme/providers/{NOWHERE}"),
    Probe("welfare", OFFICER, f"/v1/placement-proposals/{NOWHERE}"),
    Probe("appointments", OFFICER, f"/v1/appointments/{NOWHERE}"),
    Probe("messaging", OFFICER, f"/v1/threads/{NOWHERE}"),
    Probe("interpretation", OFFICER, f"/v1/interpreter-bookings/{NOWHERE}"),
    Probe("esign", OFFICER, f"/v1/signing-requests/{NOWHERE}"),
    Probe("contracts", OFFICER, f"/v1/contracts/{NOWHERE}"),
    Probe("guidance", OFFICER, f"/v1/visits/{NOWHERE}"),
    Probe("reporting", OFFICER, f"/v1/feedback/surveys/{NOWHERE}"),
    Probe("archive", OFFICER, f"/v1/archive/jobs/{NOWHERE}"),
)


class LoginFailed(Exception):
    pass


@dataclass(slots=True)
class Token:
    value: str
    expires_at: float  # monotonic


class Tokens:
    """Access tokens from Keycloak; a token is used until it expires, also while Keycloak is
    away (that is what the gateway's cached JWKS must honour)."""

    def __init__(self, http: httpx.AsyncClient, keycloak_url: str, clock: Callable[[], float]):
        self._http = http
        self._url = f"{keycloak_url.rstrip('/')}/realms/kotopolku/protocol/openid-connect/token"
        self._clock = clock
        self._tokens: dict[str, Token] = {}

    async def login(self, user: str, seconds: float = 10.0) -> Token:
        try:
            response = await self._http.post(
                self._url,
                data={
                    "grant_type": "password",
                    "client_id": TEST_CLIENT[0],
                    "client_secret": TEST_CLIENT[1],
                    "username": user,
                    "password": PASSWORD,
                    "scope": "openid",
                },
                timeout=seconds,
            )
        except httpx.HTTPError as error:
            raise LoginFailed(type(error).__name__) from error
        if response.status_code != 200:
            raise LoginFailed(f"HTTP {response.status_code}")
        body = response.json()
        return Token(body["access_token"], self._clock() + float(body["expires_in"]))

    async def refresh(self, users: tuple[str, ...] = (OFFICER, AUDITOR)) -> None:
        for user in users:
            self._tokens[user] = await self.login(user)

    def header(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._tokens[user].value}"}

    def seconds_left(self) -> float:
        return min(t.expires_at for t in self._tokens.values()) - self._clock()


@dataclass(slots=True)
class OwnedClient:
    intent: CreateIntent
    version: int
    stale: bool = False


@dataclass(slots=True)
class Settings:
    writers: int = 3
    write_interval: float = 0.5
    probe_interval: float = 2.0
    focus_interval: float = 0.2
    login_interval: float = 2.0
    login_timeout: float = 3.0
    request_timeout: float = 10.0
    give_up_seconds: float = 90.0


@dataclass(slots=True)
class LoadDriver:
    http: httpx.AsyncClient
    tokens: Tokens
    settings: Settings
    surname: str
    clock: Callable[[], float] = time.monotonic
    ledger: Ledger = field(default_factory=Ledger)
    observations: list[Observation] = field(default_factory=list)
    focus: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    probe_client: str = NOWHERE
    _owned: list[list[OwnedClient]] = field(default_factory=list)
    _serial: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _rng: random.Random = field(default_factory=lambda: random.Random(20261127))

    @staticmethod
    def new_surname() -> str:
        tag = "".join(random.choice(string.ascii_lowercase) for _ in range(8))
        return f"Vikatesti{tag}"

    # one request ------------------------------------------------------------------------------

    async def _send(
        self, target: str, user: str, method: str, path: str, **kwargs: Any
    ) -> tuple[Observation, httpx.Response | None]:
        headers = {**HEADERS, **self.tokens.header(user), **kwargs.pop("headers", {})}
        started = self.clock()
        response: httpx.Response | None
        error = ""
        try:
            response = await self.http.request(
                method, path, headers=headers, timeout=self.settings.request_timeout, **kwargs
            )
        except httpx.HTTPError as failure:
            response, error = None, type(failure).__name__
        observation = Observation(
            started,
            self.clock(),
            target,
            0 if response is None else response.status_code,
            response is not None and "retry-after" in response.headers,
            error,
        )
        self.observations.append(observation)
        return observation, response

    async def _until_answered(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """Sends the same request until it is answered with anything but 503/504; None when it
        never was within ``give_up_seconds``."""
        deadline = self.clock() + self.settings.give_up_seconds
        while True:
            observation, response = await self._send(WRITES, OFFICER, method, path, **kwargs)
            if response is not None and not observation.unavailable:
                return response
            if self.clock() > deadline or self._stop.is_set():
                return None
            wait = RETRY_CAP_SECONDS
            if response is not None and response.headers.get("retry-after", "").isdigit():
                wait = min(RETRY_CAP_SECONDS, float(response.headers["retry-after"]))
            await asyncio.sleep(wait)

    # writes -----------------------------------------------------------------------------------

    def _next_address(self) -> str:
        self._serial += 1
        return f"Vikakatu {self._serial}"

    async def create(self, owned: list[OwnedClient]) -> None:
        self._serial += 1
        intent = CreateIntent(
            idempotency_key=str(uuid.uuid4()),
            marker=f"fault.{self.surname.lower()}.{self._serial}@example.fi",
            value=self._next_address(),
        )
        self.ledger.creates.append(intent)
        body = {
            "first_names": self._rng.choice(FIRST_NAMES),
            "last_name": self.surname,
            "date_of_birth": f"19{self._rng.randint(60, 99)}-0{self._rng.randint(1, 9)}-15",
            "languages": ["so", "fi"],
            "contact": {"email": intent.marker, "street_address": intent.value},
        }
        response = await self._until_answered(
            "POST", "/v1/clients", json=body, headers={"Idempotency-Key": intent.idempotency_key}
        )
        if response is None:
            return
        if response.status_code != 201:
            self.problems.append(f"create answered {response.status_code}")
            return
        created = response.json()
        intent.client_id, intent.acknowledged_version = created["id"], created["version"]
        owned.append(OwnedClient(intent, created["version"]))

    async def _reread(self, client: OwnedClient) -> None:
        response = await self._until_answered("GET", f"/v1/clients/{client.intent.client_id}")
        if response is None or response.status_code != 200:
            client.stale = True
            return
        client.version, client.stale = response.json()["version"], False

    async def update(self, client: OwnedClient) -> None:
        if client.stale:
            await self._reread(client)
            if client.stale:
                return
        attempt = UpdateAttempt(self._next_address())
        client.intent.updates.append(attempt)
        response = await self._until_answered(
            "PATCH",
            f"/v1/clients/{client.intent.client_id}",
            json={"contact": {"street_address": attempt.value}},
            headers={"If-Match": f'"{client.version}"'},
        )
        if response is None:
            client.stale = True
        elif response.status_code == 200:
            updated = response.json()
            attempt.acknowledged_version = updated["version"]
            client.version = updated["version"]
        elif response.status_code == 412:
            # An earlier try of this update was committed before its answer was lost.
            await self._reread(client)
        else:
            self.problems.append(f"update answered {response.status_code}")
            await self._reread(client)

    async def _writer(self, owned: list[OwnedClient]) -> None:
        while not self._stop.is_set():
            started = self.clock()
            roll = self._rng.random()
            if not owned or roll < 0.3:
                await self.create(owned)
            elif roll < 0.8:
                await self.update(self._rng.choice(owned))
            else:
                client = self._rng.choice(owned)
                await self._until_answered("GET", f"/v1/clients/{client.intent.client_id}")
            await self._pause(self.settings.write_interval - (self.clock() - started))

    # probes -----------------------------------------------------------------------------------

    async def _prober(self, probe: Probe) -> None:
        while not self._stop.is_set():
            started = self.clock()
            await self._send(
                probe.target, probe.user, "GET", probe.path.format(client=self.probe_client)
            )
            interval = (
                self.settings.focus_interval
                if probe.target in self.focus
                else self.settings.probe_interval
            )
            await self._pause(interval - (self.clock() - started))

    async def _login_prober(self) -> None:
        while not self._stop.is_set():
            if LOGIN in self.focus:
                started = self.clock()
                try:
                    await self.tokens.login(OFFICER, seconds=self.settings.login_timeout)
                    status = 200
                except LoginFailed:
                    status = 0
                self.observations.append(Observation(started, self.clock(), LOGIN, status))
            await self._pause(self.settings.login_interval)

    async def _token_keeper(self) -> None:
        """Fresh tokens before the old ones run out; a failed login keeps the old token."""
        while not self._stop.is_set():
            if self.tokens.seconds_left() < 90:
                try:
                    await self.tokens.refresh()
                except LoginFailed:
                    pass
            await self._pause(5.0)

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=seconds)
            except TimeoutError:
                pass

    # running ----------------------------------------------------------------------------------

    async def seed(self) -> None:
        """One client of the run for the clients probe, before the load starts."""
        owned: list[OwnedClient] = []
        await self.create(owned)
        if not owned or owned[0].intent.client_id is None:
            raise RuntimeError("could not create the first client: is the stack healthy?")
        self.probe_client = owned[0].intent.client_id
        self._owned.append(owned)

    def start(self) -> list[asyncio.Task[None]]:
        self._owned += [[] for _ in range(self.settings.writers)]
        tasks = [asyncio.create_task(self._writer(owned)) for owned in self._owned[1:]]
        tasks += [asyncio.create_task(self._prober(p)) for p in PROBES]
        tasks.append(asyncio.create_task(self._login_prober()))
        tasks.append(asyncio.create_task(self._token_keeper()))
        return tasks

    async def stop(self, tasks: list[asyncio.Task[None]]) -> None:
        self._stop.set()
        await asyncio.gather(*tasks)
