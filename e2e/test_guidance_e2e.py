"""Guidance through the gateway with real Keycloak tokens: an anonymous visit stores nothing
personal, the knowledge base finds an article by an inflected Finnish word, visits stay in their
municipality, and an anonymous visit reaches a client's record only with the client's consent."""

from __future__ import annotations

import os
import uuid
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from e2e.conftest import Api, finnish_today, new_client

TODAY = finnish_today().isoformat()


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture(scope="module")
def manager(as_user: Any) -> Api:
    return as_user("helsinki.manager")


@pytest.fixture(scope="module")
def service_point(officer: Api) -> dict[str, Any]:
    """A low-threshold service point of Helsinki (one per run: names are unique)."""
    return _ok(
        officer.post(
            "/v1/guidance/service-points",
            json={"name": f"Neuvontapiste {uuid.uuid4().hex[:8]}", "low_threshold": True},
            headers=_key(),
        ),
        201,
    )


def _anonymous_body(point_id: str) -> dict[str, Any]:
    return {
        "service_point_id": point_id,
        "visited_on": TODAY,
        "channel": "on-site",
        "language": "ar",
        "age_band": "30-to-44",
        "topics": ["housing", "social-security"],
        "interpreter": {"used": True, "language": "ar"},
        "referrals": ["kela"],
        "follow_up": "return-visit",
    }


def test_an_anonymous_visit_stores_no_personal_data(
    officer: Api, service_point: dict[str, Any]
) -> None:
    body = _anonymous_body(service_point["id"])
    # Nothing personal is accepted: no client, no name, no free text, no staff follow-up.
    for extra in ({"client_id": str(uuid.uuid4())}, {"notes": "Amina, 040 123 4567"}):
        refused = officer.post("/v1/anonymous-visits", json={**body, **extra})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == list(extra)
    refused = officer.post(
        "/v1/anonymous-visits", json={**body, "follow_up": "staff-contacts-client"}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "follow_up"

    created = _ok(officer.post("/v1/anonymous-visits", json=body, headers=_key()), 201)
    assert set(created) == {
        "id",
        "municipality_code",
        "service_point_id",
        "visited_on",
        "channel",
        "language",
        "age_band",
        "topics",
        "interpreter",
        "referrals",
        "follow_up",
        "linked",
    }
    assert created["municipality_code"] == "091"
    assert _ok(officer.get(f"/v1/anonymous-visits/{created['id']}")) == created

    database = os.environ.get("KOTOPOLKU_E2E_GUIDANCE_DATABASE_URL")
    if not database:
        pytest.skip("set KOTOPOLKU_E2E_GUIDANCE_DATABASE_URL to inspect the stored row")
    url = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as connection:
        cursor = connection.execute(
            "SELECT * FROM anonymous_visits WHERE id = %s", (created["id"],)
        )
        columns = [c.name for c in cursor.description or ()]
        row = dict(zip(columns, cursor.fetchone() or (), strict=True))
    assert row == {
        "id": created["id"],
        "municipality_code": "091",
        "service_point_id": service_point["id"],
        "visited_on": date.fromisoformat(TODAY),
        "channel": "ON_SITE",
        "language": "ar",
        "age_band": "30_TO_44",
        "topics": ["HOUSING", "SOCIAL_SECURITY"],
        "interpreter_used": True,
        "interpreter_language": "ar",
        "referrals": ["KELA"],
        "follow_up": "RETURN_VISIT",
    }


def test_the_knowledge_base_finds_an_article_by_an_inflected_finnish_word(
    officer: Api, manager: Api, client_user: Api, tampere_officer: Api
) -> None:
    draft = _ok(
        officer.post(
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
    )
    assert officer.post(f"/v1/knowledge-base/articles/{draft['id']}/submit").status_code == 428
    submitted = officer.post(
        f"/v1/knowledge-base/articles/{draft['id']}/submit", headers={"If-Match": '"1"'}
    )
    etag = _ok(submitted)["version"]
    search = {"query": "asunnon", "municipality_code": "091", "page_size": 200}
    assert draft["id"] not in {
        hit["article"]["id"]
        for hit in _ok(client_user.post("/v1/knowledge-base/search", json=search))["items"]
    }
    # A second person publishes: the author may not.
    own = officer.post(
        f"/v1/knowledge-base/articles/{draft['id']}/publish", headers={"If-Match": f'"{etag}"'}
    )
    assert own.status_code == 403, own.text
    published = _ok(
        manager.post(
            f"/v1/knowledge-base/articles/{draft['id']}/publish", headers={"If-Match": f'"{etag}"'}
        )
    )
    assert published["status"] == "published"
    try:
        for reader in (client_user, tampere_officer):
            found = _ok(reader.post("/v1/knowledge-base/search", json=search))
            hits = {hit["article"]["id"]: hit for hit in found["items"]}
            assert draft["id"] in hits, found
            assert hits[draft["id"]]["article"]["question"] == "Miten haen vuokra-asuntoa?"
            assert hits[draft["id"]]["score"] > 0
    finally:
        # Keeps re-runs on the same system from piling up articles.
        manager.post(
            f"/v1/knowledge-base/articles/{draft['id']}/withdraw",
            headers={"If-Match": f'"{published["version"]}"'},
        )


def test_another_municipality_gets_404_on_a_visit(
    officer: Api, tampere_officer: Api, as_user: Any
) -> None:
    client = new_client(officer)
    visit = _ok(
        officer.post(
            f"/v1/clients/{client['id']}/visits",
            json={
                "visited_on": TODAY,
                "channel": "phone",
                "language": "fi",
                "topics": ["employment"],
                "referrals": ["employment-services"],
                "follow_up": "check-referral",
                "follow_up_due": (finnish_today() + timedelta(days=14)).isoformat(),
                "notes": "Ohjattu työllisyyspalveluihin.",
            },
            headers=_key(),
        ),
        201,
    )
    assert (
        _ok(officer.get(f"/v1/visits/{visit['id']}"))["notes"] == "Ohjattu työllisyyspalveluihin."
    )
    for other in (tampere_officer, as_user("vantaa.officer")):
        response = other.get(f"/v1/visits/{visit['id']}")
        assert response.status_code == 404, response.text
        assert response.json()["type"] == "urn:kotopolku:problem:not-found"
        patch = other.patch(
            f"/v1/visits/{visit['id']}", json={"notes": "x"}, headers={"If-Match": '"1"'}
        )
        assert patch.status_code == 404
        assert other.get(f"/v1/clients/{client['id']}/visits").json()["items"] == []
    stale = officer.patch(
        f"/v1/visits/{visit['id']}", json={"notes": "x"}, headers={"If-Match": '"9"'}
    )
    assert stale.status_code == 412


def test_an_anonymous_visit_is_linked_to_a_client_with_consent(
    officer: Api, service_point: dict[str, Any]
) -> None:
    anonymous = _ok(
        officer.post("/v1/anonymous-visits", json=_anonymous_body(service_point["id"])), 201
    )
    client = new_client(officer)
    link = f"/v1/anonymous-visits/{anonymous['id']}/link"
    refused = officer.post(link, json={"client_id": client["id"], "consent_id": str(uuid.uuid4())})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "consent_id"
    consent = _ok(
        officer.post(
            f"/v1/clients/{client['id']}/consents",
            json={"purpose": "counselling-visit-link", "scope": "Neuvontakäynti liitetään"},
        ),
        201,
    )
    visit = _ok(
        officer.post(link, json={"client_id": client["id"], "consent_id": consent["id"]}), 201
    )
    assert (visit["client_id"], visit["anonymous_visit_id"], visit["consent_id"]) == (
        client["id"],
        anonymous["id"],
        consent["id"],
    )
    assert _ok(officer.get(f"/v1/anonymous-visits/{anonymous['id']}"))["linked"] is True
    listed = _ok(officer.get(f"/v1/clients/{client['id']}/visits"))["items"]
    assert [v["id"] for v in listed] == [visit["id"]]
