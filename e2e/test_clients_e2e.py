"""Client management through the gateway with real Keycloak tokens."""

from __future__ import annotations

import uuid
from typing import Any

from e2e.conftest import Api, henkilotunnus, new_client, unique_name

PROBLEM = "application/problem+json"


def test_officer_creates_reads_and_finds_a_client(officer: Api) -> None:
    last_name = unique_name("Hämäläinen")
    created = new_client(officer, first_names="Mohammed Ali", last_name=last_name)
    assert created["municipality_code"] == "091"
    assert created["system_identifier"].startswith("KP")

    read = officer.get(f"/v1/clients/{created['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json()["last_name"] == last_name

    folded = last_name.replace("ä", "a")
    found = officer.post("/v1/clients/search", json={"name": f"Muhammad {folded}"})
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()["items"]] == [created["id"]]


def test_another_municipality_gets_404(officer: Api, tampere_officer: Api) -> None:
    created = new_client(officer)
    response = tampere_officer.get(f"/v1/clients/{created['id']}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"] == "urn:kotopolku:problem:not-found"
    searched = tampere_officer.post("/v1/clients/search", json={"name": created["last_name"]})
    assert searched.status_code == 200
    assert searched.json()["items"] == []


def test_invalid_henkilotunnus_is_a_422_naming_the_field(officer: Api) -> None:
    name = unique_name()
    valid = henkilotunnus(17, 5, 1991, 977)
    wrong_check = valid[:-1] + ("A" if valid[-1] != "A" else "B")
    response = officer.post(
        "/v1/clients",
        json={
            "first_names": "Virhe",
            "last_name": name,
            "date_of_birth": "1991-05-17",
            "henkilotunnus": wrong_check,
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"] == "urn:kotopolku:problem:validation-error"
    assert problem["title"]
    assert [e["field"] for e in problem["errors"]] == ["henkilotunnus"]
    assert wrong_check not in response.text
    # Nothing was written.
    assert officer.post("/v1/clients/search", json={"name": name}).json()["items"] == []


def test_repeated_create_with_the_same_idempotency_key_returns_the_same_record(
    officer: Api,
) -> None:
    key = str(uuid.uuid4())
    body = {"first_names": "Kerran", "last_name": unique_name(), "date_of_birth": "1985-02-03"}
    first = officer.post("/v1/clients", json=body, headers={"Idempotency-Key": key})
    again = officer.post("/v1/clients", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    found = officer.post("/v1/clients/search", json={"name": body["last_name"]})
    assert len(found.json()["items"]) == 1
    changed = officer.post(
        "/v1/clients", json={**body, "first_names": "Toinen"}, headers={"Idempotency-Key": key}
    )
    assert changed.status_code == 422
    assert changed.json()["type"] == "urn:kotopolku:problem:idempotency-key-reused"


def test_stale_if_match_gives_412_and_changes_nothing(officer: Api) -> None:
    created = new_client(officer)
    path = f"/v1/clients/{created['id']}"
    first = officer.patch(path, json={"languages": ["uk"]}, headers={"If-Match": '"1"'})
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"2"'
    stale = officer.patch(path, json={"languages": ["ru"]}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:kotopolku:problem:stale-version"
    assert officer.get(path).json()["languages"] == ["uk"]
    missing = officer.patch(path, json={"languages": ["ru"]})
    assert missing.status_code == 428


def test_client_user_sees_only_themself(
    officer: Api, client_user: Api, own_record: dict[str, Any]
) -> None:
    me = client_user.get("/v1/me")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == own_record["id"]
    assert client_user.get(f"/v1/clients/{own_record['id']}").status_code == 200

    someone_else = new_client(officer)
    assert client_user.get(f"/v1/clients/{someone_else['id']}").status_code == 404
    assert client_user.post("/v1/clients/search", json={"name": "a"}).status_code == 403


def test_referrer_can_only_create_referrals(referrer: Api, officer: Api) -> None:
    body = {
        "municipality_code": "091",
        "first_names": "Yusuf",
        "last_name": unique_name(),
        "date_of_birth": "2001-09-30",
        "languages": ["so"],
        "reason": "Residence permit granted; needs an assessment of integration services",
    }
    key = str(uuid.uuid4())
    created = referrer.post("/v1/referrals", json=body, headers={"Idempotency-Key": key})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "received"
    assert created.json()["referrer_organisation"]
    again = referrer.post("/v1/referrals", json=body, headers={"Idempotency-Key": key})
    assert again.json()["id"] == created.json()["id"]

    client = new_client(officer)
    assert referrer.get(f"/v1/clients/{client['id']}").status_code == 403
    assert referrer.post("/v1/clients/search", json={"name": "x"}).status_code == 403
    assert referrer.get("/v1/referrals").status_code == 403
    assert referrer.get(f"/v1/referrals/{created.json()['id']}").status_code == 403
    assert (
        referrer.post(
            "/v1/clients",
            json={"first_names": "A", "last_name": "B", "date_of_birth": "2000-01-01"},
        ).status_code
        == 403
    )


def test_officer_accepts_a_referral_creating_the_client(referrer: Api, officer: Api) -> None:
    name = unique_name()
    referral = referrer.post(
        "/v1/referrals",
        json={
            "municipality_code": "091",
            "first_names": "Oksana",
            "last_name": name,
            "date_of_birth": "1979-12-24",
            "languages": ["uk"],
            "reason": "Temporary protection; referred for assessment",
        },
    ).json()
    listed = officer.get("/v1/referrals", params={"status": "received", "page_size": 200})
    assert referral["id"] in [r["id"] for r in listed.json()["items"]]
    accepted = officer.post(f"/v1/referrals/{referral['id']}/accept", json={"segment": "placed"})
    assert accepted.status_code == 200, accepted.text
    client_id = accepted.json()["client_id"]
    assert officer.get(f"/v1/clients/{client_id}").json()["last_name"] == name
    twice = officer.post(f"/v1/referrals/{referral['id']}/accept", json={})
    assert twice.status_code == 409
    assert twice.json()["type"] == "urn:kotopolku:problem:invalid-state"
