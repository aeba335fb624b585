"""The self-moved client's journey (omatoimisesti muuttanut) through the gateway with real
Keycloak tokens: a Kela target-group list is imported, the officer reaches the person on it, the
person becomes a client, the basic assessment of service need is completed, and the integration
plan is approved by the client and the officer and becomes active.

The person is client.oleksandr (a client user is needed for the client's own approval): a record
of him left by another test is archived first, so the list really reaches a stranger."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from e2e.conftest import Api, finnish_today
from e2e.journeys.support import act, eventually, key, ok, without_record
from e2e.test_assessment_e2e import basic_areas, plan_needed

TODAY = finnish_today()
HEADER = "henkilotunnus,first_names,last_name,date_of_birth,target_group,first_permit_date"


def _born(code: str) -> date:
    century = {"-": 1900, "+": 1800}.get(code[6], 2000)
    return date(century + int(code[4:6]), int(code[2:4]), int(code[0:2]))


def _permit_with_window_ending_in(days: int) -> str:
    end = TODAY + timedelta(days=days)
    try:
        return end.replace(year=end.year - 3).isoformat()
    except ValueError:  # 29 February
        return end.replace(year=end.year - 3, day=28).isoformat()


def _leaving_soon(officer: Api) -> list[dict[str, Any]]:
    """Every page of the targets whose window ends within five days."""
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        page = ok(
            officer.get(
                "/v1/outreach/targets/window-ending",
                params={"within_days": 5, "page_size": 200, "page_token": token},
            )
        )
        found.extend(page["items"])
        token = page["next_page_token"] or ""
        if not token:
            return found


def _target_of(officer: Api, code: str) -> dict[str, Any]:
    [target] = [t for t in _leaving_soon(officer) if t["henkilotunnus"] == code]
    return target


def test_from_a_target_group_list_to_an_active_integration_plan(
    officer: Api,
    tampere_officer: Api,
    as_user: Callable[[str], Api],
) -> None:
    client_user = as_user("client.oleksandr")
    code = client_user.claims["hetu"]
    without_record(officer, as_user("helsinki.archivist"), client_user)

    # Outreach: Kela's list names him; his three-year window ends in a few days.
    last_name = f"Kovalenko{uuid.uuid4().hex[:6]}"
    row = f"{code},Oleksandr,{last_name},{_born(code).isoformat()},social-assistance,"
    imported = officer.post(
        "/v1/outreach/imports?source=kela",
        content=f"{HEADER}\n{row}{_permit_with_window_ending_in(3)}\n".encode(),
        headers={"Content-Type": "text/csv", **key()},
    )
    summary = ok(imported, 201)
    assert (summary["rows"], summary["matched_clients"]) == (1, 0)
    target = _target_of(officer, code)
    assert (target["status"], target["client_id"]) in {("open", None), ("not-reached", None)}
    assert tampere_officer.get(f"/v1/outreach/targets/{target['id']}").status_code == 404

    path = f"/v1/outreach/targets/{target['id']}"
    etag = f'"{target["version"]}"'
    missed, etag = act(
        officer, f"{path}/contacts", etag, {"outcome": "not-reached", "channel": "phone"}
    )
    assert missed["status"] == "not-reached"
    reached, etag = act(
        officer,
        f"{path}/contacts",
        etag,
        {"outcome": "reached", "channel": "visit", "note": "E2e: tuli neuvontaan"},
    )
    assert reached["status"] == "reached"
    made, etag = act(officer, f"{path}/client", etag, {"segment": "self-moved"})
    client_id = made["client_id"]
    assert made["status"] == "client"
    client = ok(officer.get(f"/v1/clients/{client_id}"))
    assert (client["henkilotunnus"], client["last_name"], client["segment"]) == (
        code,
        last_name,
        "self-moved",
    )
    kinds = [e["kind"] for e in ok(officer.get(f"{path}/history"))["items"]]
    assert kinds[-3:] == ["contact", "contact", "client-created"]
    assert code not in {t["henkilotunnus"] for t in _leaving_soon(officer)}
    assert ok(client_user.get("/v1/me"))["id"] == client_id

    # The basic assessment of service need.
    created = officer.post(
        f"/v1/clients/{client_id}/assessments",
        json={"kind": "basic", "basic": basic_areas()},
        headers=key(),
    )
    assessment = ok(created, 201)
    location = created.headers["location"]
    assert assessment["state"] == "draft"
    assert tampere_officer.get(location).status_code == 404
    patched = officer.patch(
        location,
        json=plan_needed("E2e: kielitaito A1"),
        headers={"If-Match": created.headers["etag"]},
    )
    ok(patched)
    completed, _ = act(officer, f"{location}/complete", patched.headers["etag"])
    assert completed["state"] == "completed"
    assert completed["outcome"]["kind"] == "integration-plan-needed"

    # The integration plan, approved by both parties.
    created = officer.post(
        f"/v1/clients/{client_id}/plans",
        json={
            "kind": "individual",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=300)).isoformat(),
            "goals": [{"category": "integration", "text": "E2e: suomen kieli A2"}],
            "services": [{"other_service": "E2e: omaehtoinen opiskelu"}],
        },
        headers=key(),
    )
    plan = ok(created, 201)
    plan_path, etag = f"/v1/plans/{plan['id']}", created.headers["etag"]
    assert plan["status"] == "draft"
    plan, etag = act(officer, f"{plan_path}/submit", etag)
    assert plan["status"] == "awaiting-approval"
    assert plan["id"] in [p["id"] for p in ok(client_user.get("/v1/me/plans"))["items"]]
    plan, etag = act(client_user, f"{plan_path}/approve", etag)
    assert plan["status"] == "awaiting-approval"
    plan, etag = act(officer, f"{plan_path}/approve", etag)
    assert plan["status"] == "active"
    assert {a["party"] for a in plan["approvals"]} == {"client", "officer"}
    assert tampere_officer.get(plan_path).status_code == 404

    # The client sees who processed the data: the outreach officer, the assessment, the plan.
    wanted = {"outreach-target.client", "assessment.complete", "plan.approve"}
    trail: set[str] = eventually(lambda: _own_trail(client_user), lambda found: wanted <= found)
    assert wanted <= trail


def _own_trail(client_user: Api) -> set[str]:
    actions: set[str] = set()
    token = ""
    while True:
        page = ok(
            client_user.get("/v1/me/audit-trail", params={"page_size": 200, "page_token": token})
        )
        actions |= {e["action"] for e in page["items"]}
        token = page.get("next_page_token") or ""
        if not token:
            return actions
