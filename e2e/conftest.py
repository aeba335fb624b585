"""The e2e suite runs against a started system: `make test` starts one, `make e2e` uses `make up`,
and KOTOPOLKU_API_URL / KOTOPOLKU_KEYCLOAK_URL point it at a cluster."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jwt
import pytest

from e2e.browser import launch
from e2e.keycloak_tokens import service_token, user_token
from e2e.personal_data import SENT

API_URL = os.environ.get("KOTOPOLKU_API_URL", "http://127.0.0.1:8000").rstrip("/")


class Api:
    """An HTTP client of the gateway acting as one principal."""

    def __init__(self, http: httpx.Client, token: str | None) -> None:
        self.http = http
        self.token = token
        # The leak scan at the end of the session looks for the tokens and personal data sent.
        SENT.remember_token(token)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        SENT.remember_body(json)
        return self.http.request(
            method, path, json=json, headers=self.headers(kwargs.pop("headers", None)), **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, json, **kwargs)

    def delete(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, json, **kwargs)

    @property
    def claims(self) -> dict[str, Any]:
        assert self.token
        return dict(jwt.decode(self.token, options={"verify_signature": False}))


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(base_url=API_URL, timeout=15.0) as client:
        try:
            client.get("/healthz").raise_for_status()
        except httpx.HTTPError as error:
            pytest.fail(f"the gateway at {API_URL} is not running: {error}")
        yield client


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium for the self-service pages (see e2e/browser.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch(playwright)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def as_user(http: httpx.Client) -> Callable[[str], Api]:
    return lambda username: Api(http, user_token(username))


@pytest.fixture(scope="session")
def officer(as_user: Callable[[str], Api]) -> Api:
    return as_user("helsinki.officer")


@pytest.fixture(scope="session")
def tampere_officer(as_user: Callable[[str], Api]) -> Api:
    return as_user("tampere.officer")


@pytest.fixture(scope="session")
def auditor(as_user: Callable[[str], Api]) -> Api:
    return as_user("helsinki.auditor")


@pytest.fixture(scope="session")
def client_user(as_user: Callable[[str], Api]) -> Api:
    return as_user("client.amina")


@pytest.fixture(scope="session")
def referrer(http: httpx.Client) -> Api:
    return Api(http, service_token("referrer-migri", "referrer-migri-secret"))


def finnish_today() -> date:
    """Today as the services count days: in Finland (UTC is a day behind late in the evening)."""
    return datetime.now(ZoneInfo("Europe/Helsinki")).date()


def unique_name(prefix: str = "E2e") -> str:
    """A last name that no other run has used, so tests can be re-run on the same system."""
    letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])
    return f"{prefix}{letters}"


def henkilotunnus(day: int, month: int, year: int, individual: int) -> str:
    """A valid test identity code (individual numbers 900-999 are for tests)."""
    century = {18: "+", 19: "-", 20: "A"}[year // 100]
    digits = f"{day:02d}{month:02d}{year % 100:02d}"
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(f"{digits}{individual:03d}") % 31]
    return f"{digits}{century}{individual:03d}{check}"


def new_client(api: Api, **overrides: Any) -> dict[str, Any]:
    body = {
        "first_names": "Testi",
        "last_name": unique_name(),
        "date_of_birth": "1991-05-17",
        "languages": ["ar", "fi"],
        "segment": "self-moved",
        **overrides,
    }
    response = api.post("/v1/clients", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture(scope="session")
def own_record(officer: Api, client_user: Api) -> dict[str, Any]:
    """The client user's record in Helsinki, created on first use (matched by identity code)."""
    code = client_user.claims["hetu"]
    found = officer.post("/v1/clients/search", json={"henkilotunnus": code}).json()["items"]
    if found:
        return dict(found[0])
    century = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}
    born = f"{century.get(code[6], 2000) + int(code[4:6])}-{code[2:4]}-{code[0:2]}"
    return new_client(
        officer, first_names="Amina", last_name="Test", date_of_birth=born, henkilotunnus=code
    )
