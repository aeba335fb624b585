"""The journey of a person placed in a municipality after asylum, through the gateway with real
Keycloak tokens: the reception centre's transfer data, given with the person's consent, become the
client record in Tampere; the welfare area (Pirkanmaa) is informed of what the consent covers;
initial-phase guidance starts; the officer asks Pirkanmaa to cooperate and Pirkanmaa's system
accepts naming a responsible person; the multi-sector assessment gets the welfare area's own
sections, and what the welfare area is sent of it is the multi-sector part only."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from e2e.conftest import Api, finnish_today, henkilotunnus
from e2e.journeys.support import act, audit_actions, eventually, key, ok
from e2e.keycloak_tokens import service_token
from e2e.test_assessment_e2e import basic_areas
from e2e.welfare_support import cooperation_body

TODAY = finnish_today()
SENSITIVE = "E2e: vain hyvinvointialueen muistiinpano"


@pytest.fixture(scope="module")
def tampere(as_user: Callable[[str], Api]) -> Api:
    return as_user("tampere.officer")


def _system(http: httpx.Client, area: str) -> Api:
    return Api(http, service_token(f"welfare-{area}", f"welfare-{area}-secret"))


def _transfer_body(tag: str) -> dict[str, Any]:
    born = date(1975, 1, 1) + timedelta(days=random.randrange(9000))
    return {
        "reception_centre": "Joutsenon vastaanottokeskus",
        "received_on": TODAY.isoformat(),
        "basis": "asylum",
        "consent": {
            "given_on": TODAY.isoformat(),
            "inform_welfare_area": True,
            "scope": "Asiakkuuden siirto kuntaan ja tieto hyvinvointialueelle",
        },
        "person": {
            "first_names": f"Mariam{tag}",
            "last_name": f"Haidari{tag}",
            "date_of_birth": born.isoformat(),
            "henkilotunnus": henkilotunnus(
                born.day, born.month, born.year, random.randrange(900, 1000)
            ),
            "languages": ["fa", "en"],
            "contact": {"phone": "040 5556667"},
            "first_permit_date": (TODAY - timedelta(days=20)).isoformat(),
        },
        "service_needs": ["mental-health"],
    }


def test_from_reception_transfer_to_a_multi_sector_assessment(
    tampere: Api, http: httpx.Client, as_user: Callable[[str], Api]
) -> None:
    tag = uuid.uuid4().hex[:6]
    pirkanmaa, vantaa_kerava = _system(http, "pirkanmaa"), _system(http, "vantaa-kerava")
    worker, other_worker = as_user("pirkanmaa.worker"), as_user("vantaakerava.worker")

    # The transfer, with consent, becomes the client record; a retry is the same transfer.
    body = _transfer_body(tag)
    idempotency = key()
    transfer = ok(tampere.post("/v1/reception-transfers", json=body, headers=idempotency), 201)
    again = ok(tampere.post("/v1/reception-transfers", json=body, headers=idempotency), 201)
    assert again["id"] == transfer["id"]
    assert (transfer["welfare_area"], transfer["existing_client"]) == ("pirkanmaa", False)
    assert {"henkilotunnus", "contact.phone", "segment"} <= set(transfer["carried_fields"])
    assert "contact.email" in transfer["still_to_ask"]
    client_id = transfer["client_id"]
    client = ok(tampere.get(f"/v1/clients/{client_id}"))
    assert (client["last_name"], client["henkilotunnus"]) == (
        body["person"]["last_name"],
        body["person"]["henkilotunnus"],
    )
    assert (client["segment"], client["residence_permit_type"]) == (
        "placed",
        "international-protection",
    )
    assert as_user("vantaa.officer").get(f"/v1/clients/{client_id}").status_code == 404

    # Pirkanmaa is informed of what the consent covers: no identity code, no contact details.
    notice_path = f"/v1/welfare-area/disclosures/{transfer['notice_disclosure_id']}"
    notice = ok(pirkanmaa.get(notice_path))
    assert notice["content"]["person"]["last_name"] == body["person"]["last_name"]
    assert notice["content"]["service_needs"] == ["mental-health"]
    assert set(notice["content"]["person"]) == {
        "first_names",
        "last_name",
        "date_of_birth",
        "languages",
    }
    assert body["person"]["henkilotunnus"] not in str(notice)
    assert vantaa_kerava.get(notice_path).status_code == 404

    # Initial-phase guidance (alkuvaiheen ohjaus): a proposed schedule and the officer's task.
    started = tampere.post(
        f"/v1/clients/{client_id}/guidance-series",
        json={"plan_ends_on": (TODAY + timedelta(days=364)).isoformat()},
        headers=key(),
    )
    series = ok(started, 201)
    assert series["status"] == "active"
    assert len(series["tasks"]) >= 4
    series_path = f"/v1/guidance-series/{series['id']}"
    series, etag = act(
        tampere,
        f"{series_path}/tasks",
        started.headers["etag"],
        {
            "topic": "finances",
            "description": "E2e: pankkitilin avaaminen yhdessä",
            "due_on": TODAY.isoformat(),
        },
    )
    [task] = [t for t in series["tasks"] if t["description"].startswith("E2e: pankkitili")]
    series, etag = act(tampere, f"{series_path}/tasks/{task['id']}/completion", etag, {})
    done = next(t for t in series["tasks"] if t["id"] == task["id"])
    assert (done["status"], done["done_on"]) == ("done", TODAY.isoformat())
    assert as_user("vantaa.officer").get(series_path).status_code == 404

    # Multi-sector cooperation: requested by the officer, accepted by Pirkanmaa's system.
    requested = ok(
        tampere.post(
            f"/v1/clients/{client_id}/cooperations", json=cooperation_body(None), headers=key()
        ),
        201,
    )
    assert (requested["welfare_area"], requested["state"]) == ("pirkanmaa", "requested")
    request_path = f"/v1/welfare-area/cooperations/{requested['id']}"
    seen = ok(pirkanmaa.get(request_path))
    assert seen["client_id"] is None
    assert seen["person"]["last_name"] == body["person"]["last_name"]
    assert vantaa_kerava.get(request_path).status_code == 404
    accepted = ok(
        pirkanmaa.post(
            f"{request_path}/answer",
            json={
                "accept": True,
                "responsible": {
                    "name": f"Sari Sosiaali{tag}",
                    "title": "sosiaalityöntekijä",
                    "phone": "040 7654321",
                },
            },
            headers=key(),
        )
    )
    assert accepted["state"] == "accepted"
    cooperation = ok(tampere.get(f"/v1/cooperations/{requested['id']}"))
    assert cooperation["responsible"]["name"] == f"Sari Sosiaali{tag}"
    assert cooperation["disclosure_allowed"] is True

    # The multi-sector assessment: the welfare area writes its own sections and a note of its own.
    created = tampere.post(
        f"/v1/clients/{client_id}/assessments",
        json={
            "kind": "multi-sector",
            "basic": basic_areas(),
            "multi_sector": {
                "team": [
                    {"name": "E2e Ohjaaja", "role": "kotoutumisohjaaja"},
                    {
                        "name": f"Sari Sosiaali{tag}",
                        "role": "sosiaalityöntekijä",
                        "welfare_area_code": "pirkanmaa",
                    },
                ]
            },
        },
        headers=key(),
    )
    ok(created, 201)
    location = created.headers["location"]
    assert other_worker.get(location).status_code == 404
    written = worker.patch(
        location,
        json={
            "multi_sector": {"mental_health_and_rehabilitation_needs": "E2e: traumaterapia"},
            "sensitive_welfare_note": SENSITIVE,
        },
        headers={"If-Match": created.headers["etag"]},
    )
    ok(written)
    officer_view = tampere.get(location)
    section = ok(officer_view)["multi_sector"]["mental_health_and_rehabilitation_needs"]
    assert section["recorded_by_welfare_area"] == "pirkanmaa"
    assert SENSITIVE not in officer_view.text
    assert SENSITIVE in worker.get(location).text
    patched = tampere.patch(
        location,
        json={
            "outcome": {"kind": "multi-sector-plan-needed", "reason": "E2e: monialainen tarve"},
            "next_step": {
                "date": (TODAY + timedelta(days=7)).isoformat(),
                "description": "Monialaisen suunnitelman laadinta",
            },
        },
        headers={"If-Match": officer_view.headers["etag"]},
    )
    ok(patched)
    completed, _ = act(tampere, f"{location}/complete", patched.headers["etag"])
    assert completed["state"] == "completed"

    # What crosses to the welfare area is the multi-sector part, never the basic interview.
    sent = ok(
        tampere.post(
            f"/v1/cooperations/{requested['id']}/disclosures",
            json={"category": "multi-sector-assessment", "resource_id": completed["id"]},
            headers=key(),
        ),
        201,
    )
    received = ok(pirkanmaa.get(f"/v1/welfare-area/disclosures/{sent['id']}"))
    content = str(received["content"])
    assert "E2e: traumaterapia" in content
    assert "E2e literacy" not in content
    assert SENSITIVE not in content
    assert vantaa_kerava.get(f"/v1/welfare-area/disclosures/{sent['id']}").status_code == 404

    # The municipality's records: what went where, and the audit trail of the journey.
    log = ok(tampere.get(f"/v1/clients/{client_id}/disclosures"))["items"]
    assert {e["welfare_area"] for e in log} == {"pirkanmaa"}
    assert {"cooperation-request", "data-transfer"} <= {e["channel"] for e in log}
    auditor = as_user("tampere.auditor")
    wanted = {"reception-transfer.record", "assessment.complete"}
    actions: set[str] = eventually(
        lambda: audit_actions(auditor, client_id), lambda found: wanted <= found
    )
    assert wanted <= actions
