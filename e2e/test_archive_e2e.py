"""Archiving through the gateway with real Keycloak tokens: a client whose plan has ended is
archived — the package verifies, the client's active data are gone from the services, the
archivist retrieves the package, and the audit log keeps the trail; a legal hold stops archiving
until it is lifted; another municipality sees none of it.

Uses client.oleksandr's record (found or made, as the journey test does): archiving removes it,
and the journey test makes it again from a referral."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from e2e.conftest import Api, new_client

TODAY = date.today()


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def archivist(as_user: Callable[[str], Api]) -> Api:
    return as_user("helsinki.archivist")


def _record_of(officer: Api, client_user: Api) -> str:
    code = client_user.claims["hetu"]
    found = _ok(officer.post("/v1/clients/search", json={"henkilotunnus": code}))["items"]
    if found:
        return str(found[0]["id"])
    century = 2000 if code[6] in "ABCDEF" else 1800 if code[6] == "+" else 1900
    born = f"{century + int(code[4:6])}-{code[2:4]}-{code[0:2]}"
    return str(
        new_client(officer, first_names="Oleksandr", date_of_birth=born, henkilotunnus=code)["id"]
    )


def _end_plans_in_force(officer: Api, client_id: str) -> bool:
    """Ends the client's plans in force left by earlier runs; False when one is still a draft
    or awaiting approval (such a client's active use is not over)."""
    plans = _ok(officer.get(f"/v1/clients/{client_id}/plans"))["items"]
    for plan in plans:
        if plan["status"] in ("active", "suspended"):
            found = officer.get(f"/v1/plans/{plan['id']}")
            _ok(
                officer.post(
                    f"/v1/plans/{plan['id']}/reviews",
                    json={
                        "reason": "material-change",
                        "outcome": "end",
                        "follow_up_plan": "Työnhaku TE-palveluissa",
                    },
                    headers={"If-Match": found.headers["etag"]},
                )
            )
    return all(p["status"] in ("active", "suspended", "ended") for p in plans)


def _ended_plan(officer: Api, client_user: Api, client_id: str) -> dict[str, Any]:
    created = officer.post(
        f"/v1/clients/{client_id}/plans",
        json={
            "kind": "individual",
            "start_date": (TODAY - timedelta(days=200)).isoformat(),
            "end_date": (TODAY + timedelta(days=100)).isoformat(),
            "goals": [
                {"category": "employment-or-entrepreneurship", "text": "Työ ravintola-alalta"}
            ],
            "services": [{"other_service": "Työnhakuvalmennus"}],
            "follow_up_plan": "Työnhaku TE-palveluissa",
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    plan = _ok(created, 201)
    path, etag = f"/v1/plans/{plan['id']}", created.headers["etag"]
    for api, action, body in (
        (officer, "submit", None),
        (client_user, "approve", None),
        (officer, "approve", None),
        (officer, "reviews", {"reason": "material-change", "outcome": "end"}),
    ):
        response = api.post(f"{path}/{action}", json=body, headers={"If-Match": etag})
        plan, etag = _ok(response), response.headers["etag"]
    assert plan["status"] == "ended"
    return plan


def _wait_for(api: Api, job_id: str, states: set[str], seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        job = _ok(api.get(f"/v1/archive/jobs/{job_id}"))
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.5)


def test_a_client_whose_plan_ended_is_archived_and_retrieved(
    officer: Api, archivist: Api, tampere_officer: Api, auditor: Api, as_user: Any
) -> None:
    client_user = as_user("client.oleksandr")
    client_id = _record_of(officer, client_user)
    only_ended = _end_plans_in_force(officer, client_id)
    plan = _ended_plan(officer, client_user, client_id)

    rules = _ok(archivist.get("/v1/archive/retention-rules"))
    assert "plans.plan" in {r["record_type"] for r in rules["rules"]}
    due: list[str] = []
    token = ""
    while True:
        page = _ok(archivist.get("/v1/archive/due-clients", params={"page_token": token}))
        due += [c["client_id"] for c in page["items"]]
        token = page["next_page_token"] or ""
        if not token:
            break
    if only_ended:
        assert client_id in due

    # Another municipality cannot archive Helsinki's client.
    other = tampere_officer.post(
        "/v1/archive/jobs", json={"client_id": client_id, "reason": "Suunnitelma päättyi"}
    )
    assert other.status_code == 404, other.text

    key = str(uuid.uuid4())
    body = {"client_id": client_id, "reason": "Kotoutumissuunnitelma päättyi"}
    started = archivist.post("/v1/archive/jobs", json=body, headers={"Idempotency-Key": key})
    job = _ok(started, 202)
    assert started.headers["location"] == f"/v1/archive/jobs/{job['id']}"
    again = archivist.post("/v1/archive/jobs", json=body, headers={"Idempotency-Key": key})
    assert _ok(again, 202)["id"] == job["id"]

    done = _wait_for(officer, job["id"], {"completed", "failed"})
    assert done["state"] == "completed", done
    assert tampere_officer.get(f"/v1/archive/jobs/{job['id']}").status_code == 404

    # The package verifies and holds every service's records.
    package_path = f"/v1/archive/packages/{done['package_id']}"
    package = _ok(archivist.get(package_path))
    assert package["state"] == "verified"
    assert {"clients.client", "plans.plan", "audit.event-extract"} <= {
        t["record_type"] for t in package["record_types"]
    }
    assert tampere_officer.get(package_path).status_code == 404
    listing = _ok(archivist.post(f"{package_path}/verification"))
    assert listing["valid"], listing["problem"]
    assert listing["bag_info"]["External-Identifier"] == package["id"]
    paths = {f["path"] for f in listing["files"]}
    assert "data/audit/audit-extract.json" in paths
    assert any(p.startswith("data/records/plans/plan/") for p in paths)

    # Retrieval is the archivist's.
    assert officer.get(f"{package_path}/content").status_code == 403
    download = archivist.get(f"{package_path}/content")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/x-tar"
    assert hashlib.sha256(download.content).hexdigest() == package["sha256"]
    with tarfile.open(fileobj=io.BytesIO(download.content)) as archive:
        names = archive.getnames()
    assert "bag/bagit.txt" in names
    assert "bag/manifest-sha256.txt" in names

    # The active data are gone from the services; the audit log keeps the trail.
    assert officer.get(f"/v1/clients/{client_id}").status_code == 404
    assert officer.get(f"/v1/plans/{plan['id']}").status_code == 404
    trail = _ok(auditor.get("/v1/audit/events", params={"subject_client_id": client_id}))
    actions = {e["action"] for e in trail["items"]}
    assert {"client-records.export", "client-records.minimise", "archive-job.create"} <= actions


def test_a_legal_hold_blocks_archiving_until_lifted(
    officer: Api, archivist: Api, tampere_officer: Api
) -> None:
    client = new_client(officer)
    hold_created = archivist.post(
        f"/v1/clients/{client['id']}/legal-holds",
        json={"reason": "Oikaisuvaatimus vireillä"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    hold = _ok(hold_created, 201)
    assert hold["state"] == "active"
    assert (
        officer.post(f"/v1/clients/{client['id']}/legal-holds", json={"reason": "x"}).status_code
        == 403
    )
    assert (
        tampere_officer.get("/v1/archive/legal-holds", params={"client_id": client["id"]}).json()[
            "items"
        ]
        == []
    )

    job = _ok(
        officer.post(
            "/v1/archive/jobs", json={"client_id": client["id"], "reason": "Muutti pois kunnasta"}
        ),
        202,
    )
    held = _wait_for(officer, job["id"], {"held", "completed", "failed"})
    assert held["state"] == "held", held
    assert officer.get(f"/v1/clients/{client['id']}").status_code == 200

    stale = archivist.post(
        f"/v1/archive/legal-holds/{hold['id']}/lift",
        json={"reason": "Päätös lainvoimainen"},
        headers={"If-Match": '"99"'},
    )
    assert stale.status_code == 412, stale.text
    lifted = archivist.post(
        f"/v1/archive/legal-holds/{hold['id']}/lift",
        json={"reason": "Päätös lainvoimainen"},
        headers={"If-Match": hold_created.headers["etag"]},
    )
    assert _ok(lifted)["state"] == "lifted"
    assert _wait_for(officer, job["id"], {"completed", "failed"})["state"] == "completed"
    assert officer.get(f"/v1/clients/{client['id']}").status_code == 404


def test_bad_input_is_a_problem_naming_the_field(archivist: Api) -> None:
    response = archivist.post(
        "/v1/archive/jobs",
        json={"client_id": str(uuid.uuid4()), "reason": "x", "active_use_ended_on": "yesterday"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["active_use_ended_on"]
