"""Loads demo data through the gateway with real Keycloak tokens (idempotent: safe to re-run).

Run by `make up`; also `python scripts/demo_data.py` against a running system.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from e2e.keycloak_tokens import service_token, user_token
from kotopolku.clients.domain import parse_henkilotunnus
from kotopolku.common.testing import temporary_henkilotunnus

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


DEMO_CONTRACTS = {
    "demo-contract-placement": {
        "kind": "placement-agreement",
        "title": "Sopimus kuntaan osoittamisesta ja kotoutumisen edistämisestä",
        "parties": [
            {"role": "ely-centre", "name": "Uudenmaan ELY-keskus", "business_id": "0245437-2"}
        ],
        "valid_from": "2020-01-01",
        "renewal": {"type": "open-ended", "notice_period_days": 180},
    },
    "demo-contract-lease": {
        "kind": "housing-lease",
        "title": "Vuokrasopimus, Kontulantie 1 A 2 (kiintiöpakolaisperhe)",
        "parties": [
            {"role": "lessor", "name": "Kiinteistö Oy Kontula", "business_id": "0112038-9"}
        ],
        "valid_from": "2026-01-01",
        "renewal": {"type": "open-ended", "notice_period_days": 30},
        "amount_cents": 85000,
        "amount_basis": "per-month",
    },
}


def _contracts(api: httpx.Client, token: str) -> int:
    """Helsinki's placement agreement and a lease, active (the same keys on every run)."""
    auth = {"Authorization": f"Bearer {token}"}
    for key, body in DEMO_CONTRACTS.items():
        response = api.post("/v1/contracts", json=body, headers={**auth, "Idempotency-Key": key})
        response.raise_for_status()
        contract = response.json()
        if contract["status"] == "draft":
            api.post(
                f"/v1/contracts/{contract['id']}/activate",
                headers={**auth, "If-Match": f'"{contract["version"]}"'},
            ).raise_for_status()
    return len(DEMO_CONTRACTS)


# Knowledge-base articles of Helsinki: a Finnish original and its translations.
ARTICLES = [
    (
        "fi",
        "Miten haen vuokra-asuntoa?",
        "Kaupungin vuokra-asuntoa haetaan sähköisellä hakemuksella. Hakemus on voimassa kuusi "
        "kuukautta, ja sen voi uusia. Neuvontapisteessä autamme hakemuksen tekemisessä.",
    ),
    (
        "sv",
        "Hur söker jag en hyresbostad?",
        "Stadens hyresbostäder söks med en elektronisk ansökan som gäller i sex månader. "
        "Rådgivningen hjälper dig med ansökan.",
    ),
    (
        "en",
        "How do I apply for a rental flat?",
        "City rental flats are applied for online; the application is valid for six months. "
        "The advice point helps you fill it in.",
    ),
]


def _guidance(api: httpx.Client, officer: str, manager: str) -> int:
    """A low-threshold service point and published articles (written by the officer, published
    by the manager: a second person publishes)."""

    def headers(token: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", **extra}

    point = api.post(
        "/v1/guidance/service-points",
        json={"name": "Neuvontapiste Kamppi", "low_threshold": True},
        headers=headers(officer),
    )
    if point.status_code != 409:
        point.raise_for_status()
    original = None
    for language, question, answer in ARTICLES:
        created = api.post(
            "/v1/knowledge-base/articles",
            json={
                "language": language,
                "question": question,
                "answer": answer,
                "topics": ["housing"],
                "translation_of": original["id"] if original else None,
            },
            headers=headers(officer, **{"Idempotency-Key": f"demo-article-{language}"}),
        )
        created.raise_for_status()
        article = created.json()
        original = original or article
        if article["status"] == "draft":
            path = f"/v1/knowledge-base/articles/{article['id']}"
            submitted = api.post(
                f"{path}/submit",
                headers=headers(officer, **{"If-Match": f'"{article["version"]}"'}),
            )
            submitted.raise_for_status()
            version = submitted.json()["version"]
            api.post(
                f"{path}/publish", headers=headers(manager, **{"If-Match": f'"{version}"'})
            ).raise_for_status()
    return len(ARTICLES)


def _outreach(api: httpx.Client, token: str, amina_code: str) -> int:
    """A Kela target-group list for Helsinki: Amina (a client already, so matched) and three
    people to reach, one of them in two groups and out of the three-year window in three weeks."""
    today = date.today()

    def permit(window_ends_in_days: int) -> str:
        end = today + timedelta(days=window_ends_in_days)
        return date(end.year - 3, end.month, min(end.day, 28 if end.month == 2 else 31)).isoformat()

    hamid = temporary_henkilotunnus(date(1983, 2, 11), 991)
    svetlana = temporary_henkilotunnus(date(1991, 10, 3), 992)
    sahra = temporary_henkilotunnus(date(1997, 6, 19), 993)
    amina_born = parse_henkilotunnus(amina_code).birth_date.isoformat()
    rows = [
        f"{amina_code},Amina,Hassan,{amina_born},social-assistance,{permit(300)},so fi",
        f"{hamid},Hamid,Karimi,1983-02-11,social-assistance,{permit(21)},fa",
        f"{hamid},Hamid,Karimi,1983-02-11,child-home-care-allowance,{permit(21)},fa",
        f"{svetlana},Svetlana,Ivanova,1991-10-03,social-assistance,{permit(95)},ru",
        f"{sahra},Sahra,Nur,1997-06-19,child-home-care-allowance,{permit(700)},so",
    ]
    header = (
        "henkilotunnus,first_names,last_name,date_of_birth,target_group,first_permit_date,languages"
    )
    response = api.post(
        "/v1/outreach/imports?source=kela",
        content="\n".join([header, *rows, ""]).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "text/csv",
            # One list a day; importing it again on another day changes nothing.
            "Idempotency-Key": f"demo-outreach-list-{today.isoformat()}",
        },
    )
    response.raise_for_status()
    return int(response.json()["persons"])


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
        if created[0]:
            # A message thread the client reads and answers in self-service (/v1/me/threads).
            api.post(
                f"/v1/clients/{created[0]['id']}/threads",
                json={
                    "subject": "Kotoutumiskoulutuksen aloitus",
                    "body": "Hei Amina! Kotoutumiskoulutus alkaa maanantaina klo 9 Opistotiellä.",
                },
                headers={
                    "Authorization": f"Bearer {helsinki}",
                    "Idempotency-Key": "demo-thread-amina",
                },
            ).raise_for_status()
        contracts = _contracts(api, helsinki)
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
        articles = _guidance(api, helsinki, user_token("helsinki.manager"))
        _consultation(api, tampere)
        outreach = _outreach(api, helsinki, amina_code)
    print(
        f"demo data: {sum(1 for c in created if c)} clients, 1 referral, 1 thread,"
        f" {contracts} contracts, {articles} knowledge-base articles,"
        f" 1 placement proposal consulted with Pirkanmaa, an outreach list of {outreach}"
        " (idempotent)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
