"""What a municipal day's load needs before it starts (plain HTTP, used by the locust workload
and by the bench): the training provider and a service of it, the self-service clients' records.
"""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import jwt

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from e2e.keycloak_tokens import user_token  # noqa: E402

PROGRAMME_OFFICER = "helsinki.officer"
PROVIDER_ID = "opisto"
LOAD_HEADER = {"X-Load-Test": "locust"}


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _check(response: httpx.Response, *expected: int) -> dict[str, Any]:
    if response.status_code not in expected:
        raise RuntimeError(
            f"setup: {response.request.method} {response.request.url.path}: "
            f"HTTP {response.status_code} {response.text[:300]}"
        )
    return dict(response.json())


def setup_day(host: str, self_service: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The provider and a new service of it; the self-service clients' records (created when
    missing). Returns the service id and the client ids by username."""
    officer = {"Authorization": f"Bearer {user_token(PROGRAMME_OFFICER)}", **LOAD_HEADER}
    with httpx.Client(base_url=host, headers=officer, timeout=30.0) as http:
        if http.get(f"/v1/programme/providers/{PROVIDER_ID}").status_code == 404:
            _check(
                http.post(
                    "/v1/programme/providers",
                    json={
                        "id": PROVIDER_ID,
                        "name": "Helsingin aikuisopisto",
                        "business_id": "0112038-9",
                    },
                ),
                201,
                409,
            )
        service = _check(
            http.post(
                "/v1/programme/services",
                json={
                    "type": "integration-training",
                    "name": f"Kotoutumiskoulutus {uuid.uuid4().hex[:6]}",
                    "provider_id": PROVIDER_ID,
                    "languages": ["fi", "ar", "uk"],
                    "remote": True,
                    "capacity": 10_000,
                    "valid_from": date.today().isoformat(),
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
            ),
            201,
        )
        client_ids = {username: own_client_id(http, username) for username in self_service}
    return str(service["id"]), client_ids


def own_client_id(http: httpx.Client, username: str) -> str:
    """The Helsinki record of a self-service client (its henkilötunnus from the token)."""
    code = str(_claims(user_token(username))["hetu"])
    found = _check(http.post("/v1/clients/search", json={"henkilotunnus": code}), 200)["items"]
    if not found:
        found = [
            _check(
                http.post(
                    "/v1/clients",
                    json={
                        "first_names": username.split(".")[1].capitalize(),
                        "last_name": "Testi",
                        "date_of_birth": _born(code),
                        "henkilotunnus": code,
                        "languages": ["ar", "fi"],
                        "segment": "self-moved",
                    },
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                ),
                201,
            )
        ]
    return str(found[0]["id"])


def _born(henkilotunnus: str) -> str:
    century = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}
    year = century.get(henkilotunnus[6], 2000) + int(henkilotunnus[4:6])
    return f"{year}-{henkilotunnus[2:4]}-{henkilotunnus[0:2]}"
