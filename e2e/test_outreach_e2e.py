"""Outreach (tavoittaminen) through the gateway with real Keycloak tokens: a list with a bad row
imports nothing and names the line; a good list matches an existing client and makes targets of
the rest; contact outcomes are tracked; the window-ending list is ordered; another municipality
sees nothing."""

from __future__ import annotations

import random
import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from e2e.conftest import Api, henkilotunnus, new_client, unique_name

PROBLEM = "application/problem+json"
HEADER = "henkilotunnus,first_names,last_name,date_of_birth,target_group,first_permit_date"
# Local and Helsinki dates may differ by a day; every date below keeps a margin of days.
TODAY = date.today()


def three_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 3)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 3, day=28)


def window_ending_in(days: int) -> str:
    """The first-permit date whose window ends ``days`` from today."""
    return three_years_before(TODAY + timedelta(days=days)).isoformat()


class Person:
    """Someone no earlier run has used: a random birth date and a test individual number."""

    def __init__(self, first_names: str) -> None:
        self.born = date(1960, 1, 1) + timedelta(days=random.randrange(16_000))
        self.code = henkilotunnus(
            self.born.day,
            self.born.month,
            self.born.year,
            random.randrange(900, 1000),
        )
        self.first_names = first_names
        self.last_name = unique_name("Tavoite")

    def row(self, first_permit: str, group: str = "social-assistance") -> str:
        born = self.born.isoformat()
        return f"{self.code},{self.first_names},{self.last_name},{born},{group},{first_permit}"


def upload(api: Api, rows: list[str], source: str = "kela") -> Any:
    return api.post(
        f"/v1/outreach/imports?source={source}",
        content=("\n".join([HEADER, *rows]) + "\n").encode(),
        headers={"Content-Type": "text/csv", "Idempotency-Key": str(uuid.uuid4())},
    )


def leaving(api: Api, within_days: int = 30) -> list[dict[str, Any]]:
    return every(api, "/v1/outreach/targets/window-ending", within_days=within_days)


def every(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a target list."""
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        page = api.get(path, params={**params, "page_size": 200, "page_token": token})
        assert page.status_code == 200, page.text
        found.extend(page.json()["items"])
        token = page.json()["next_page_token"] or ""
        if not token:
            return found


@pytest.fixture(scope="module")
def listed(officer: Api) -> dict[str, Any]:
    """A Kela list of four: one a client already, three to be reached, imported after a first
    attempt with a bad row was refused."""
    known, amina, omar, olena = (Person(n) for n in ("Kari", "Amina", "Omar", "Olena"))
    client = new_client(
        officer,
        first_names=known.first_names,
        last_name=known.last_name,
        date_of_birth=known.born.isoformat(),
        henkilotunnus=known.code,
    )
    rows = [
        known.row(window_ending_in(20)),
        amina.row(window_ending_in(10)),
        omar.row(window_ending_in(5)),
        olena.row(window_ending_in(15)),
    ]
    bad = [*rows, Person("Late").row(window_ending_in(-5))]
    refused = upload(officer, bad)
    imported = upload(officer, rows)
    return {
        "refused": refused,
        "imported": imported,
        "client": client,
        "people": {"known": known, "amina": amina, "omar": omar, "olena": olena},
    }


def test_a_list_with_a_bad_row_imports_nothing_and_names_the_line(listed: dict[str, Any]) -> None:
    refused = listed["refused"]
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith(PROBLEM)
    problem = refused.json()
    assert problem["type"] == "urn:kotopolku:problem:validation-error"
    # The header is line 1, the four good rows lines 2-5: the bad one is line 6.
    assert [e["field"] for e in problem["errors"]] == ["rows[6].first_permit_date"]
    assert "nothing was imported" in problem["detail"]
    # Nothing of it was kept: the good list made every one of the same people anew.
    assert listed["imported"].json()["targets_created"] == 4


def test_a_good_list_matches_the_client_and_makes_targets_of_the_rest(
    officer: Api, listed: dict[str, Any]
) -> None:
    imported = listed["imported"]
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert (body["rows"], body["persons"], body["targets_created"]) == (4, 4, 4)
    assert body["matched_clients"] == 1
    assert imported.headers["location"] == f"/v1/outreach/imports/{body['id']}"
    mine = {t["henkilotunnus"]: t for t in leaving(officer)}
    people = listed["people"]
    # A client needs no outreach: not on the window-ending list, but among the clients.
    assert people["known"].code not in mine
    clients = every(officer, "/v1/outreach/targets", status="client")
    [known] = [t for t in clients if t["henkilotunnus"] == people["known"].code]
    assert (known["status"], known["client_id"]) == ("client", listed["client"]["id"])
    for name in ("amina", "omar", "olena"):
        target = mine[people[name].code]
        assert target["status"] == "open"
        assert target["client_id"] is None
        assert [g["target_group"] for g in target["groups"]] == ["social-assistance"]


def test_the_matched_client_sees_the_listing_in_the_audit_trail(
    auditor: Api, listed: dict[str, Any]
) -> None:
    client_id = listed["client"]["id"]
    deadline = time.monotonic() + 15
    while True:
        trail = auditor.get("/v1/audit/events", params={"subject_client_id": client_id})
        assert trail.status_code == 200, trail.text
        created = [e for e in trail.json()["items"] if e["action"] == "outreach-target.create"]
        if created or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    [event] = created
    assert event["resource"].startswith("outreach-targets/")
    assert event["municipality_code"] == "091"
    assert listed["people"]["known"].code not in str(event)


def test_the_window_ending_list_is_ordered_and_excludes_clients(
    officer: Api, listed: dict[str, Any]
) -> None:
    targets = leaving(officer)
    ends = [t["window_ends_on"] for t in targets]
    assert ends == sorted(ends)
    people = listed["people"]
    order = [
        t["henkilotunnus"]
        for t in targets
        if t["henkilotunnus"] in {p.code for p in people.values()}
    ]
    assert order == [people["omar"].code, people["amina"].code, people["olena"].code]


def test_contact_outcomes_are_tracked(officer: Api, listed: dict[str, Any]) -> None:
    people = listed["people"]
    target = next(t for t in leaving(officer) if t["henkilotunnus"] == people["amina"].code)
    path = f"/v1/outreach/targets/{target['id']}"
    first_try = officer.post(
        f"{path}/contacts",
        json={"outcome": "not-reached", "channel": "phone"},
        headers={"If-Match": f'"{target["version"]}"'},
    )
    assert first_try.status_code == 200, first_try.text
    assert first_try.json()["status"] == "not-reached"
    stale = officer.post(
        f"{path}/contacts",
        json={"outcome": "reached", "channel": "phone"},
        headers={"If-Match": f'"{target["version"]}"'},
    )
    assert stale.status_code == 412
    reached = officer.post(
        f"{path}/contacts",
        json={"outcome": "reached", "channel": "visit", "note": "Tuli käymään neuvonnassa"},
        headers={"If-Match": first_try.headers["etag"]},
    )
    assert reached.status_code == 200, reached.text
    assert reached.json()["status"] == "reached"
    assert reached.json()["attempt_count"] == 2
    assert [a["outcome"] for a in reached.json()["attempts"]] == ["not-reached", "reached"]

    made = officer.post(
        f"{path}/client",
        json={"segment": "self-moved"},
        headers={"If-Match": reached.headers["etag"]},
    )
    assert made.status_code == 200, made.text
    client = officer.get(f"/v1/clients/{made.json()['client_id']}").json()
    assert (client["henkilotunnus"], client["last_name"]) == (
        people["amina"].code,
        people["amina"].last_name,
    )
    history = officer.get(f"{path}/history").json()["items"]
    assert [e["kind"] for e in history] == ["listed", "contact", "contact", "client-created"]
    assert people["amina"].code not in {t["henkilotunnus"] for t in leaving(officer)}


def test_another_municipality_sees_nothing(
    officer: Api, tampere_officer: Api, listed: dict[str, Any]
) -> None:
    codes = {p.code for p in listed["people"].values()}
    target = next(t for t in leaving(officer) if t["henkilotunnus"] in codes)
    response = tampere_officer.get(f"/v1/outreach/targets/{target['id']}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    contact = tampere_officer.post(
        f"/v1/outreach/targets/{target['id']}/contacts",
        json={"outcome": "reached", "channel": "phone"},
        headers={"If-Match": f'"{target["version"]}"'},
    )
    assert contact.status_code == 404
    assert not codes & {t["henkilotunnus"] for t in leaving(tampere_officer, 366)}
    import_id = listed["imported"].json()["id"]
    assert tampere_officer.get(f"/v1/outreach/imports/{import_id}").status_code == 404
