"""Loads demo data through the gateway with real Keycloak tokens (idempotent: safe to re-run).

Run by `make up`; also `python scripts/demo_data.py` against a running system.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx
import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from e2e.keycloak_tokens import service_token, user_token
from kotopolku.clients.domain import parse_henkilotunnus

API = os.environ.get("KOTOPOLKU_API_URL", "http://127.0.0.1:8000")

HELSINKI = [
    ("Amina", "Hassan", "1990-01-01", ["so", "fi"], "quota-refugee"),
    ("Mohammed Ali", "Rahimi", "1984-03-12", ["fa", "prs"], "placed"),
    ("Oksana", "Kovalenko", "1979-12-24", ["uk", "ru"], "placed"),
    ("Fatima", "Al-Sayed", "1995-07-30", ["ar"], "quota-refugee"),
    ("Nguyễn Thị", "Lan", "1988-11-05", ["vi", "en"], "self-moved"),
    ("Ahmed", "Abdi", "2001-02-14", ["so", "ar"], "self-moved"),
    ("Yusuf", "Haddad", "1999-09-09", ["ar", "en"], "placed"),
    ("Olena", "Shevchenko", "1992-04-18", ["uk"], "placed"),
]
TAMPERE = [
    ("Ali", "Hosseini", "1987-06-21", ["fa"], "quota-refugee"),
    ("Maryam", "Yousef", "1993-08-02", ["ar"], "placed"),
    ("Dmytro", "Bondarenko", "1975-01-29", ["uk", "ru"], "placed"),
]


# A quota refugee family proposed to Tampere, to be consulted with Pirkanmaa (the welfare area).
PROPOSAL = {
    "ely_centre": "ely-pirkanmaa",
    "ely_reference": "ELY-PIR-DEMO-1",
    "basis": "quota-refugee",
    "persons": [
        {
            "role": "principal",
            "first_names": "Hodan",
            "last_name": "Warsame",
            "date_of_birth": "1986-04-17",
            "languages": ["so", "ar"],
            "service_needs": ["trauma-support"],
        },
        {
            "role": "child",
            "first_names": "Idil",
            "last_name": "Warsame",
            "date_of_birth": "2019-01-28",
            "languages": ["so"],
        },
    ],
}


def _consultation(api: httpx.Client, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    proposal = api.post(
        "/v1/placement-proposals",
        json=PROPOSAL,
        headers={**auth, "Idempotency-Key": "demo-proposal-1"},
    )
    proposal.raise_for_status()
    api.post(
        f"/v1/placement-proposals/{proposal.json()['id']}/consultation",
        json={},
        headers={**auth, "Idempotency-Key": "demo-consultation-1"},
    ).raise_for_status()


def _client(api: httpx.Client, token: str, row: tuple[Any, ...], extra: dict[str, Any]) -> Any:
    first, last, born, languages, segment = row
    response = api.post(
        "/v1/clients",
        json={
            "first_names": first,
            "last_name": last,
            "date_of_birth": born,
            "languages": languages,
            "segment": segment,
            **extra,
        },
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"demo-{last}-{born}"},
    )
    if response.status_code == 409:
        return None
    response.raise_for_status()
    return response.json()


def main() -> int:
    with httpx.Client(base_url=API, timeout=20) as api:
        helsinki = user_token("helsinki.officer")
        tampere = user_token("tampere.officer")
        amina_code = jwt.decode(user_token("client.amina"), options={"verify_signature": False})[
            "hetu"
        ]
        created = [
            _client(
                api,
                helsinki,
                row,
                {
                    "henkilotunnus": amina_code,
                    "date_of_birth": parse_henkilotunnus(amina_code).birth_date.isoformat(),
                }
                if i == 0
                else {},
            )
            for i, row in enumerate(HELSINKI)
        ]
        created += [_client(api, tampere, row, {}) for row in TAMPERE]
        referrer = service_token("referrer-migri", "referrer-migri-secret")
        api.post(
            "/v1/referrals",
            json={
                "municipality_code": "091",
                "first_names": "Abdullahi",
                "last_name": "Warsame",
                "date_of_birth": "2003-05-05",
                "languages": ["so"],
                "reason": "Residence permit granted; referred for an assessment of need",
            },
            headers={"Authorization": f"Bearer {referrer}", "Idempotency-Key": "demo-referral-1"},
        ).raise_for_status()
        _consultation(api, tampere)
    print(
        f"demo data: {sum(1 for c in created if c)} clients, 1 referral, "
        "1 placement proposal consulted with Pirkanmaa (idempotent)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
