"""The owning municipality's records, created through the API before the matrix runs, so that
every path parameter is a real id and every request body is valid: a refusal then says something
about authorisation, never about a malformed request.

Everything belongs to Helsinki (091) and is about the client user ``client.amina``; the
multi-sector assessment and plan name the welfare area ``pirkanmaa`` (the matrix's welfare-area
account is of another area); the language test, the programme service and its enrolment belong to
the provider organisation ``opisto``. The archive's records are about clients made for the matrix
alone (an archive job removes its client), and so is the outreach list's person.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import jwt

from e2e.conftest import Api, henkilotunnus, unique_name
from e2e.keycloak_tokens import service_token, user_token
from e2e.security.principals import RECORDS_PROVIDER, RECORDS_WELFARE_AREA

# The services' day is Helsinki's.
TODAY = datetime.now(ZoneInfo("Europe/Helsinki")).date()
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
AREAS = (
    "literacy",
    "language_skills",
    "study_and_working_life_skills",
    "education_and_work_history",
    "special_skills_and_strengths",
    "own_goals",
    "societal_knowledge_and_participation",
    "life_situation_and_service_needs",
)


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path}: {response.text}"
    )
    return dict(response.json())


def digest_header(content: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode()}:"


def random_business_id() -> str:
    """A valid Finnish business id (Y-tunnus) that no other run has used, most likely."""
    while True:
        digits = f"{uuid.uuid4().int % 10_000_000:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True))
        remainder %= 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


def own_client_record(officer: Api, client_user: Api) -> str:
    """A client user's record in Helsinki, matched by identity code (created on first use)."""
    code = client_user.claims["hetu"]
    found = _ok(officer.post("/v1/clients/search", json={"henkilotunnus": code}))["items"]
    if found:
        return str(found[0]["id"])
    century = {"+": 1800, "-": 1900, "A": 2000}.get(code[6], 1900)
    born = f"{century + int(code[4:6])}-{code[2:4]}-{code[0:2]}"
    # Named as the user is in Keycloak: other tests (self-service) read the name back.
    claims = client_user.claims
    return str(
        _ok(
            officer.post(
                "/v1/clients",
                json={
                    "first_names": claims.get("given_name") or "Testi",
                    "last_name": claims.get("family_name") or unique_name("Omatieto"),
                    "date_of_birth": born,
                    "henkilotunnus": code,
                    "languages": ["ar", "fi"],
                },
                headers=_key(),
            ),
            201,
        )["id"]
    )


@dataclass
class World:
    """Ids of the owning municipality's records, by what they are."""

    ids: dict[str, str] = field(default_factory=dict)
    officer_subject: str = ""
    team: str = ""

    def __getitem__(self, name: str) -> str:
        return self.ids[name]

    def with_ids(self, **changed: str) -> World:
        return replace(self, ids={**self.ids, **changed})


def build_world(apis: dict[str, Api]) -> World:
    """Creates the records as the owning officer; ``apis`` are the principals by code."""
    officer, client_self = apis["M"], apis["C"]
    world = World(officer_subject=str(officer.claims["sub"]))
    ids = world.ids
    ids["interpreter_subject"] = str(
        jwt.decode(user_token("interpreter.tulkki"), options={"verify_signature": False})["sub"]
    )
    ids["client"] = own_client_record(officer, client_self)
    # The other client has a record too, so that "another client" is a real client user.
    ids["other_client"] = own_client_record(officer, apis["c"])
    ids["related_client"] = _ok(
        officer.post(
            "/v1/clients",
            json={
                "first_names": "Sukulainen",
                "last_name": unique_name("Matriisi"),
                "date_of_birth": "2015-03-04",
                "languages": ["ar"],
                "contact": {"email": f"matrix-{uuid.uuid4().hex[:8]}@example.fi"},
            },
            headers=_key(),
        ),
        201,
    )["id"]
    link_family(world, officer)
    ids["consent"] = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/consents",
            json={"purpose": "counselling-visit-link", "scope": "Matriisin suostumus"},
        ),
        201,
    )["id"]
    _referral(world, apis["R"])
    # The archive's jobs run in the background while the rest is made.
    _start_archive(world, officer)
    _assessment(world, officer)
    _programme(world, officer)
    _plans(world, officer, client_self)
    _messaging(world, officer)
    _appointments(world, officer)
    _esign(world, officer)
    _contracts(world, officer)
    _guidance(world, officer, apis["E"])
    _welfare(world, officer)
    _feedback(world, officer)
    _outreach(world, officer)
    _finish_archive(world, officer)
    return world


def link_family(world: World, officer: Api) -> None:
    """The related client as the client's child (again, if a call removed the link)."""
    response = officer.post(
        f"/v1/clients/{world['client']}/family-links",
        json={"related_client_id": world["related_client"], "relation": "child"},
    )
    assert response.status_code in (201, 409), response.text


def _referral(world: World, referrer: Api) -> None:
    world.ids["referral"] = _ok(
        referrer.post(
            "/v1/referrals",
            json={
                "municipality_code": "091",
                "first_names": "Lähete",
                "last_name": unique_name("Matriisi"),
                "date_of_birth": "1988-06-01",
                "henkilotunnus": henkilotunnus(1, 6, 1988, 950 + int(uuid.uuid4().int % 40)),
                "languages": ["uk"],
                "reason": "Referred for an assessment of service need",
            },
            headers=_key(),
        ),
        201,
    )["id"]


def basic_areas() -> dict[str, Any]:
    basic: dict[str, Any] = {name: {"summary": f"Matriisi {name}"} for name in AREAS}
    basic["language_proficiencies"] = [{"language": "fi", "reading": "A2", "speaking": "A1"}]
    return basic


def _assessment(world: World, officer: Api) -> None:
    ids = world.ids
    created = officer.post(
        f"/v1/clients/{ids['client']}/assessments",
        json={
            "kind": "multi-sector",
            "basic": basic_areas(),
            "multi_sector": {
                "team": [
                    {"name": "Ohjaaja", "role": "kotoutumisohjaaja"},
                    {
                        "name": "Sosiaalityö",
                        "role": "sosiaalityöntekijä",
                        "welfare_area_code": RECORDS_WELFARE_AREA,
                    },
                ]
            },
        },
        headers=_key(),
    )
    ids["assessment"] = _ok(created, 201)["id"]
    ids["measure"] = _ok(
        officer.post(
            f"/v1/assessments/{ids['assessment']}/measures",
            json={
                "kind": "language-level-test",
                "provider_organisation": RECORDS_PROVIDER,
                "due_date": (TODAY + timedelta(days=30)).isoformat(),
            },
        ),
        201,
    )["id"]


def _programme(world: World, officer: Api) -> None:
    ids = world.ids
    if officer.get(f"/v1/programme/providers/{RECORDS_PROVIDER}").status_code == 404:
        _ok(
            officer.post(
                "/v1/programme/providers",
                json={
                    "id": RECORDS_PROVIDER,
                    "name": "Helsingin aikuisopisto",
                    "business_id": "0112038-9",
                },
            ),
            201,
        )
    ids["provider"] = RECORDS_PROVIDER
    ids["programme_service"] = _ok(
        officer.post(
            "/v1/programme/services",
            json={
                "type": "integration-training",
                "name": f"Kotoutumiskoulutus {uuid.uuid4().hex[:6]}",
                "provider_id": RECORDS_PROVIDER,
                "languages": ["fi", "ar"],
                "remote": True,
                "capacity": 20,
                "valid_from": TODAY.isoformat(),
            },
            headers=_key(),
        ),
        201,
    )["id"]


def plan_body(service_id: str, *, kind: str = "individual") -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": kind,
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + timedelta(days=300)).isoformat(),
        "goals": [{"category": "integration", "text": "Suomen kielen taso A2"}],
        "services": [
            {
                "programme_service_id": service_id,
                "planned_start": TODAY.isoformat(),
                "planned_end": (TODAY + timedelta(days=180)).isoformat(),
            }
        ],
    }
    if kind == "multi-sector":
        body["welfare_area"] = RECORDS_WELFARE_AREA
    return body


def _act(api: Api, path: str, body: Any = None) -> dict[str, Any]:
    """A state change with the current version (read as the owning officer)."""
    etag = api.get(path.rsplit("/", 1)[0]).headers.get("etag", '"1"')
    return _ok(api.post(path, json=body, headers={"If-Match": etag}))


def _plans(world: World, officer: Api, client_self: Api) -> None:
    ids = world.ids
    # The multi-sector plan with the welfare area, approved by both and active, with an enrolment.
    plan = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/plans",
            json=plan_body(ids["programme_service"], kind="multi-sector"),
            headers=_key(),
        ),
        201,
    )
    ids["plan"] = plan["id"]
    path = f"/v1/plans/{plan['id']}"
    _act(officer, f"{path}/submit")
    etag = officer.get(path).headers["etag"]
    _ok(client_self.post(f"{path}/approve", headers={"If-Match": etag}))
    active = _act(officer, f"{path}/approve")
    assert active["status"] == "active", active
    ids["plan_service"] = active["services"][0]["id"]
    ids["enrolment"] = _ok(
        officer.post(
            "/v1/enrolments",
            json={
                "plan_id": plan["id"],
                "plan_service_id": active["services"][0]["id"],
                "programme_service_id": ids["programme_service"],
                "client_id": ids["client"],
                "participant_display_name": "Amina Testi",
            },
            headers=_key(),
        ),
        201,
    )["id"]
    # A second plan, submitted and waiting for its signatures.
    sign_plan = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/plans",
            json=plan_body(ids["programme_service"]),
            headers=_key(),
        ),
        201,
    )
    ids["sign_plan"] = sign_plan["id"]
    _act(officer, f"/v1/plans/{sign_plan['id']}/submit")


def template_body() -> dict[str, Any]:
    return {
        "subject": "Muistutus",
        "body_text": "Tapaaminen {{ when }}.",
        "variables": ["when"],
    }


def _messaging(world: World, officer: Api) -> None:
    ids = world.ids
    ids["template_key"], ids["template_language"] = f"matrix-{uuid.uuid4().hex[:8]}", "fi"
    _ok(
        officer.put(
            f"/v1/message-templates/{ids['template_key']}/{ids['template_language']}",
            json=template_body(),
        )
    )
    ids["thread"] = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/threads",
            json={"subject": "Matriisin viestiketju", "body": "Hei! Tämä on testiviesti."},
            headers=_key(),
        ),
        201,
    )["id"]
    ids["notification"] = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/notifications",
            json=notification_body(),
            headers=_key(),
        ),
        201,
    )["id"]
    ids["campaign"] = _ok(
        officer.post("/v1/campaigns", json=campaign_body(ids["related_client"]), headers=_key()),
        201,
    )["id"]


REMINDER = {
    "date": "12.3.2030",
    "time": "10.00",
    "location": "Kotoutumispalvelut",
    "organiser": "Helsingin kotoutumispalvelut",
}


def notification_body() -> dict[str, Any]:
    # Far ahead, so that nothing is sent while the matrix runs.
    send_at = (datetime.now(UTC) + timedelta(days=300)).isoformat(timespec="seconds")
    return {
        "template_key": "appointment-reminder",
        "variables": REMINDER,
        "channels": ["email"],
        "send_at": send_at,
    }


def campaign_body(client_id: str) -> dict[str, Any]:
    return {
        "name": f"Matriisi {uuid.uuid4().hex[:6]}",
        "topic": "course-news",
        "template_key": "appointment-reminder",
        "variables": REMINDER,
        "channels": ["email"],
        "client_ids": [client_id],
    }


def _slot() -> tuple[str, str]:
    """A free half-hour far ahead (the officer and the client must not be booked twice)."""
    day = TODAY + timedelta(days=400 + uuid.uuid4().int % 300)
    minute = uuid.uuid4().int % (9 * 2) * 30
    start = datetime(day.year, day.month, day.day, 8 + minute // 60, minute % 60)
    end = start + timedelta(minutes=30)
    return start.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")


def appointment_body(world: World) -> dict[str, Any]:
    start, end = _slot()
    return {
        "kind": "appointment",
        "title": "Matriisin tapaaminen",
        "location": "Toinen linja 4, Helsinki",
        "start": start,
        "end": end,
        "assignees": [
            {"kind": "municipal-staff", "subject": world.officer_subject},
            {"kind": "client"},
        ],
        "team": world.team,
        "reminder_lead_minutes": [],
    }


def new_appointment(world: World, officer: Api) -> str:
    return str(
        _ok(
            officer.post(
                f"/v1/clients/{world['client']}/appointments",
                params={"allow_conflicts": "true"},
                json=appointment_body(world),
                headers=_key(),
            ),
            201,
        )["id"]
    )


def _appointments(world: World, officer: Api) -> None:
    ids = world.ids
    world.team = f"matrix-{uuid.uuid4().hex[:8]}"
    body = appointment_body(world)
    created = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/appointments",
            params={"allow_conflicts": "true"},
            json=body,
            headers=_key(),
        ),
        201,
    )
    ids["appointment"], ids["appointment_day"] = created["id"], body["start"][:10]
    feed = _ok(officer.post("/v1/calendar-feeds"), 201)
    ids["feed_token"] = urlsplit(feed["url"]).path.rsplit("/", 1)[1].removesuffix(".ics")
    ids["booking"] = _ok(
        officer.post("/v1/interpreter-bookings", json=booking_body(world), headers=_key()), 201
    )["id"]
    ids["translation_key"], ids["translation_language"] = f"matrix-{uuid.uuid4().hex[:8]}", "fi"
    _ok(
        officer.put(
            f"/v1/translations/{ids['translation_key']}/{ids['translation_language']}",
            json={"kind": "short-text", "text": "Tervetuloa"},
        )
    )


def booking_body(world: World) -> dict[str, Any]:
    return {
        "appointment_id": world["appointment"],
        "language": "ar",
        "mode": "phone",
        "provider_organisation": "tulkkaus",
    }


def _esign(world: World, officer: Api) -> None:
    ids = world.ids
    ids["signing_request"] = _ok(
        officer.post(
            f"/v1/plans/{ids['sign_plan']}/signing-requests",
            json={"order": "parallel", "language": "ar"},
            headers=_key(),
        ),
        201,
    )["id"]
    # A signed copy of the document, for /v1/documents/verify.
    world.ids["document_sha256"] = hashlib.sha256(
        officer.get(f"/v1/signing-requests/{ids['signing_request']}/document").content
    ).hexdigest()


def contract_body() -> dict[str, Any]:
    return {
        "kind": "interpreting",
        "title": f"Tulkkauspalvelut {uuid.uuid4().hex[:6]}",
        "parties": [{"role": "provider", "name": "Tulkkaus Oy", "business_id": "0112038-9"}],
        "valid_from": (TODAY - timedelta(days=30)).isoformat(),
        "valid_until": (TODAY + timedelta(days=300)).isoformat(),
        "renewal": {"type": "fixed-term"},
        "amount_cents": 6500,
        "amount_basis": "per-hour",
    }


def cost_body(client_id: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "account_code": "4391",
        "amount_cents": 12_345,
        "activity_date": (TODAY - timedelta(days=2)).isoformat(),
        "description": "Tulkkaus, arabia",
        "invoice_reference": f"LASKU-{uuid.uuid4().hex[:8]}",
    }


def _contracts(world: World, officer: Api) -> None:
    ids = world.ids
    contract = _ok(officer.post("/v1/contracts", json=contract_body(), headers=_key()), 201)
    ids["contract"] = contract["id"]
    ids["contract_attachment"] = _ok(
        officer.post(
            f"/v1/contracts/{contract['id']}/attachments",
            params={"filename": "sopimus.pdf"},
            content=PDF,
            headers={
                "Content-Type": "application/pdf",
                "Content-Digest": digest_header(PDF),
                **_key(),
            },
        ),
        201,
    )["id"]
    # Compensation needs Helsinki's placement agreement with the ELY centre, in force.
    placement = officer.get("/v1/contracts", params={"kind": "placement-agreement"})
    if not any(c.get("in_force") for c in _ok(placement).get("items", [])):
        agreement = _ok(
            officer.post(
                "/v1/contracts",
                json={
                    "kind": "placement-agreement",
                    "title": "Sopimus kuntaan osoittamisesta",
                    "parties": [
                        {"role": "ely-centre", "name": "Uudenmaan ELY", "business_id": "0245437-2"}
                    ],
                    "valid_from": "2020-01-01",
                    "renewal": {"type": "open-ended", "notice_period_days": 180},
                },
                headers=_key(),
            ),
            201,
        )
        _ok(
            officer.post(
                f"/v1/contracts/{agreement['id']}/activate",
                headers={"If-Match": f'"{agreement["version"]}"'},
            )
        )
    refugee = _ok(
        officer.post(
            "/v1/clients",
            json={
                "first_names": "Kiintiö",
                "last_name": unique_name("Matriisi"),
                "date_of_birth": "1990-02-02",
                "segment": "quota-refugee",
                "residence_permit_type": "international-protection",
                "first_permit_date": (TODAY - timedelta(days=400)).isoformat(),
            },
            headers=_key(),
        ),
        201,
    )
    ids["cost_client"] = refugee["id"]
    ids["cost_entry"] = _ok(
        officer.post("/v1/cost-entries", json=cost_body(refugee["id"]), headers=_key()), 201
    )["id"]
    ids["cost_attachment"] = _ok(
        officer.post(
            f"/v1/cost-entries/{ids['cost_entry']}/attachments",
            params={"filename": "lasku.pdf"},
            content=PDF,
            headers={
                "Content-Type": "application/pdf",
                "Content-Digest": digest_header(PDF),
                **_key(),
            },
        ),
        201,
    )["id"]
    claimed = _ok(
        officer.post("/v1/cost-entries", json=cost_body(refugee["id"]), headers=_key()), 201
    )
    ids["claimed_cost_entry"] = claimed["id"]
    ids["claim"] = _ok(
        officer.post("/v1/compensation-claims", json=claim_body(claimed["id"]), headers=_key()),
        201,
    )["id"]


def claim_body(cost_entry_id: str) -> dict[str, Any]:
    return {
        "compensation_type": "interpreting",
        "period_start": (TODAY - timedelta(days=30)).isoformat(),
        "period_end": TODAY.isoformat(),
        "cost_entry_ids": [cost_entry_id],
    }


def visit_body() -> dict[str, Any]:
    return {
        "visited_on": TODAY.isoformat(),
        "channel": "phone",
        "language": "fi",
        "topics": ["employment"],
        "follow_up": "none",
        "notes": "Matriisin käynti.",
    }


def anonymous_visit_body(point_id: str) -> dict[str, Any]:
    return {
        "service_point_id": point_id,
        "visited_on": TODAY.isoformat(),
        "channel": "on-site",
        "language": "ar",
        "age_band": "30-to-44",
        "topics": ["housing"],
        "follow_up": "none",
    }


def _guidance(world: World, officer: Api, employment: Api) -> None:
    ids = world.ids
    ids["service_point"] = _ok(
        officer.post(
            "/v1/guidance/service-points",
            json={"name": f"Neuvontapiste {uuid.uuid4().hex[:8]}", "low_threshold": True},
            headers=_key(),
        ),
        201,
    )["id"]
    ids["visit"] = _ok(
        officer.post(f"/v1/clients/{ids['client']}/visits", json=visit_body(), headers=_key()),
        201,
    )["id"]
    ids["anonymous_visit"] = _ok(
        officer.post(
            "/v1/anonymous-visits", json=anonymous_visit_body(ids["service_point"]), headers=_key()
        ),
        201,
    )["id"]
    series = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/guidance-series",
            json={"plan_ends_on": (TODAY + timedelta(days=300)).isoformat()},
            headers=_key(),
        ),
        201,
    )
    ids["series"] = series["id"]
    task = officer.post(
        f"/v1/guidance-series/{series['id']}/tasks",
        json=task_body(),
        headers={"If-Match": f'"{series["version"]}"'},
    )
    ids["task"] = _ok(task, 201 if task.status_code == 201 else 200)["tasks"][-1]["id"]
    # Written by the employment officer, so that the owning officer is the second person who
    # may publish it (the author may not).
    ids["article"] = _ok(
        employment.post(
            "/v1/knowledge-base/articles",
            json={
                "language": "fi",
                "question": "Miten haen vuokra-asuntoa?",
                "answer": "Kaupungin vuokra-asuntoa haetaan sähköisellä hakemuksella.",
                "topics": ["housing"],
            },
            headers=_key(),
        ),
        201,
    )["id"]


def task_body() -> dict[str, Any]:
    return {
        "topic": "housing",
        "description": "Asuntohakemus",
        "due_on": (TODAY + timedelta(days=14)).isoformat(),
    }


def eventually(read: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not read():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


LEGAL_BASIS = "Laki kotoutumisen edistämisestä 681/2023 18 §"


def proposal_body(*, evident_needs: bool = True) -> dict[str, Any]:
    person: dict[str, Any] = {
        "role": "principal",
        "first_names": "Hodan",
        "last_name": unique_name("Matriisi"),
        "date_of_birth": "1986-04-17",
        "languages": ["so"],
    }
    if evident_needs:
        person["service_needs"] = ["trauma-support"]
    return {
        "ely_centre": "ely-uusimaa",
        "ely_reference": f"ELY-{uuid.uuid4().hex[:8]}",
        "basis": "quota-refugee",
        "persons": [person],
    }


def transfer_body() -> dict[str, Any]:
    return {
        "reception_centre": "Punavuoren vastaanottokeskus",
        "basis": "asylum",
        "consent": {"given_on": TODAY.isoformat(), "scope": "Tiedot kunnalle"},
        "person": {
            "first_names": "Siirto",
            "last_name": unique_name("Matriisi"),
            "date_of_birth": "1990-01-01",
        },
    }


def cooperation_body() -> dict[str, Any]:
    """On the client's consent, which the client may withdraw in self-service."""
    scope = ["multi-sector-assessment", "multi-sector-plan"]
    return {
        "scope": scope,
        "welfare_area": RECORDS_WELFARE_AREA,
        "reason": "Monialainen arviointi ja suunnitelma",
        "municipal_contact": {"name": "Ohjaaja", "phone": "040 1234567"},
        "basis": {"kind": "consent", "categories": scope, "consent_given_on": TODAY.isoformat()},
    }


def _welfare(world: World, officer: Api) -> None:
    """A placement proposal with its consultation (to the municipality's welfare area), one
    accepted and arrived (its reception tasks), a reception transfer, and the client's
    cooperation with the records' welfare area, accepted by its system, with one disclosure."""
    ids = world.ids
    proposal = _ok(officer.post("/v1/placement-proposals", json=proposal_body()), 201)
    ids["proposal"] = proposal["id"]
    ids["consultation"] = _ok(
        officer.post(
            f"/v1/placement-proposals/{proposal['id']}/consultation", json={}, headers=_key()
        ),
        201,
    )["id"]
    arrived = _ok(
        officer.post("/v1/placement-proposals", json=proposal_body(evident_needs=False)), 201
    )
    path = f"/v1/placement-proposals/{arrived['id']}"
    _act(officer, f"{path}/decision", {"decision": "accept", "reason": "Asunto järjestyy"})
    _act(
        officer,
        f"{path}/housing",
        {"contract_reference": "VUOKRA-1", "available_from": TODAY.isoformat()},
    )
    _act(officer, f"{path}/earliest-arrival", {"date": (TODAY + timedelta(days=30)).isoformat()})
    arrives_at = datetime.now(UTC) + timedelta(days=40)
    tasks = _act(
        officer,
        f"{path}/arrival",
        {"arrives_at": arrives_at.isoformat(timespec="seconds"), "place": "Helsinki-Vantaa"},
    )["tasks"]
    ids["reception_task"] = tasks[0]["id"]
    ids["transfer"] = _ok(
        officer.post("/v1/reception-transfers", json=transfer_body(), headers=_key()), 201
    )["id"]
    cooperation = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/cooperations", json=cooperation_body(), headers=_key()
        ),
        201,
    )
    ids["cooperation"], ids["basis"] = cooperation["id"], cooperation["bases"][0]["id"]
    area = Api(officer.http, service_token("welfare-pirkanmaa", "welfare-pirkanmaa-secret"))
    _ok(
        area.post(
            f"/v1/welfare-area/cooperations/{cooperation['id']}/answer",
            json={"accept": True, "responsible": {"name": "Vastuuhenkilö", "phone": "040 7654321"}},
            headers=_key(),
        )
    )
    ids["disclosure"] = _ok(
        officer.post(
            f"/v1/cooperations/{cooperation['id']}/disclosures",
            json=disclosure_body(world),
            headers=_key(),
        ),
        201,
    )["id"]


def disclosure_body(world: World) -> dict[str, Any]:
    return {"category": "multi-sector-plan", "resource_id": world["plan"], "fields": ["goals"]}


def survey_body(audience: str = "client") -> dict[str, Any]:
    return {
        "name": f"Matriisin palaute {uuid.uuid4().hex[:6]}",
        "title": {"fi": "Miten onnistuimme?"},
        "questions": [{"id": "overall", "kind": "score", "text": {"fi": "Arvio"}}],
        "audience": audience,
    }


def _feedback(world: World, officer: Api) -> None:
    """A client survey with an invitation to the client, and a stakeholder survey with its
    one-time link."""
    ids = world.ids
    ids["survey"] = _ok(
        officer.post("/v1/feedback/surveys", json=survey_body(), headers=_key()), 201
    )["id"]
    ids["feedback_invitation"] = _ok(
        officer.post(
            f"/v1/clients/{ids['client']}/feedback-invitations",
            json={"survey_id": ids["survey"], "context_kind": "programme-service"},
            headers=_key(),
        ),
        201,
    )["id"]
    ids["stakeholder_survey"] = _ok(
        officer.post("/v1/feedback/surveys", json=survey_body("stakeholder"), headers=_key()),
        201,
    )["id"]
    link = _ok(
        officer.post(
            "/v1/feedback/stakeholder-invitations",
            json=stakeholder_invitation_body(world),
            headers=_key(),
        ),
        201,
    )["link"]
    ids["feedback_token"] = urlsplit(link).path.rsplit("/", 1)[1]
    ids["report"] = "assessments"


def stakeholder_invitation_body(world: World) -> dict[str, Any]:
    return {
        "survey_id": world["stakeholder_survey"],
        "context_kind": "programme-service",
        "stakeholder_organisation": RECORDS_PROVIDER,
    }


def matrix_client(officer: Api, first_names: str = "Arkisto") -> str:
    """A client of the owning municipality made only for the matrix."""
    body = {
        "first_names": first_names,
        "last_name": unique_name("Matriisi"),
        "date_of_birth": "1984-09-12",
        "languages": ["ar"],
    }
    return str(_ok(officer.post("/v1/clients", json=body, headers=_key()), 201)["id"])


def archive_job_body(client_id: str) -> dict[str, Any]:
    return {"client_id": client_id, "reason": "Kotoutumissuunnitelma päättyi"}


def _start_archive(world: World, officer: Api) -> None:
    """Two archive jobs of clients made for the matrix: one whose client the archivist has put
    on legal hold, which stops after its package is made and verified (nothing is removed), and
    one that fails at its first step, because a cooperation with the welfare area is still
    requested (a blocker), so that it can be retried."""
    ids = world.ids
    archivist = Api(officer.http, user_token("helsinki.archivist"))
    held = ids["archive_client"] = matrix_client(officer)
    ids["legal_hold"] = _ok(
        archivist.post(
            f"/v1/clients/{held}/legal-holds",
            json={"reason": "Oikaisuvaatimus vireillä"},
            headers=_key(),
        ),
        201,
    )["id"]
    ids["held_archive_job"] = _ok(
        officer.post("/v1/archive/jobs", json=archive_job_body(held), headers=_key()), 202
    )["id"]
    blocked = matrix_client(officer)
    _ok(
        officer.post(
            f"/v1/clients/{blocked}/cooperations", json=cooperation_body(), headers=_key()
        ),
        201,
    )
    ids["archive_job"] = _ok(
        officer.post("/v1/archive/jobs", json=archive_job_body(blocked), headers=_key()), 202
    )["id"]


def _settled(officer: Api, job_id: str, seconds: float = 60) -> dict[str, Any]:
    """The job once the worker has left it (held, failed or completed)."""
    job: dict[str, Any] = {}

    def done() -> bool:
        job.update(_ok(officer.get(f"/v1/archive/jobs/{job_id}")))
        return bool(job["state"] != "running")

    assert eventually(done, seconds), job
    return job


def _finish_archive(world: World, officer: Api) -> None:
    ids = world.ids
    held = _settled(officer, ids["held_archive_job"])
    assert held["state"] == "held", held
    ids["package"] = held["package_id"]
    failed = _settled(officer, ids["archive_job"])
    assert failed["state"] == "failed", failed


def three_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 3)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 3, day=28)


def outreach_list(window_days: int) -> dict[str, Any]:
    """A Kela list (JSON) of one person no earlier run has listed, whose three-year window ends
    ``window_days`` from today."""
    born = date(1965, 1, 1) + timedelta(days=uuid.uuid4().int % 12_000)
    code = henkilotunnus(born.day, born.month, born.year, 900 + uuid.uuid4().int % 100)
    row = {
        "henkilotunnus": code,
        "first_names": "Tavoite",
        "last_name": unique_name("Matriisi"),
        "date_of_birth": born.isoformat(),
        "target_group": "social-assistance",
        "first_permit_date": three_years_before(TODAY + timedelta(days=window_days)).isoformat(),
        "languages": ["so"],
    }
    return {"rows": [row]}


# The world's outreach target leaves its window this many days from today: the window-ending
# list of so few days is short, and the world's target is found on it.
OUTREACH_WINDOW_DAYS = 12


def _outreach(world: World, officer: Api) -> None:
    """A Kela list of one person, imported: its import and the person's outreach target."""
    listed = outreach_list(OUTREACH_WINDOW_DAYS)
    imported = _ok(
        officer.post(
            "/v1/outreach/imports", params={"source": "kela"}, json=listed, headers=_key()
        ),
        201,
    )
    assert imported["targets_created"] == 1, imported
    world.ids["outreach_import"] = imported["id"]
    code, token = listed["rows"][0]["henkilotunnus"], ""
    while True:
        page = _ok(
            officer.get(
                "/v1/outreach/targets/window-ending",
                params={
                    "within_days": OUTREACH_WINDOW_DAYS + 2,
                    "page_size": 200,
                    "page_token": token,
                },
            )
        )
        found = [t["id"] for t in page["items"] if t["henkilotunnus"] == code]
        token = page["next_page_token"] or ""
        if found or not token:
            break
    assert found, "the imported target is not on the window-ending list"
    world.ids["outreach_target"] = found[0]
