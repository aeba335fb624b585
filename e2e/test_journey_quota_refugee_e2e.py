"""The quota refugee's journey through the gateway with real Keycloak tokens, in Helsinki: the
ELY centre's placement proposal, the consultation of the welfare area with an anonymised profile,
the municipality's decision, a housing lease (contracts service) reserved for the family, the
earliest arrival date reported, the arrival time and its arrival-day tasks, the reception; then
the client record, a multi-sector plan shared with the welfare area that accepted the cooperation,
signed electronically (the officer's signature and the client's approval make it active), a
programme service with the provider's completion, reviews, the end of the plan and of the
cooperation with the welfare area, and archiving: the archivist's package verifies and the
client's active data are gone.

The refugee is client.oleksandr (his own approval needs a client user): a record of him left by
another test, in whatever state, is archived first, so the record the journey archives at the end
is its own. Helsinki's consultation goes to Helsinki's own social and health
services, which have no system account in the dev realm, so the family has no evident service
needs (the decision needs no answer) and the multi-sector cooperation is with Pirkanmaa, whose
system and worker accounts exist (as in e2e/test_integration_journey_e2e.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from e2e.conftest import Api, finnish_today
from e2e.journeys.support import (
    act,
    archive,
    audit_actions,
    eventually,
    key,
    ok,
    open_cooperations,
    training_service,
    without_record,
)
from e2e.keycloak_tokens import service_token
from e2e.welfare_support import start_cooperation

TODAY = finnish_today()
HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(scope="module")
def provider(as_user: Callable[[str], Api]) -> Api:
    return as_user("provider.opisto")


def _reception(officer: Api, tag: str, code: str, born: str) -> dict[str, Any]:
    """Proposal → consultation → decision → housing → earliest arrival → arrival → tasks done."""
    pirkanmaa = Api(officer.http, service_token("welfare-pirkanmaa", "welfare-pirkanmaa-secret"))
    proposal = ok(
        officer.post(
            "/v1/placement-proposals",
            json={
                "ely_centre": "ely-uusimaa",
                "ely_reference": f"ELY-UUS-{tag}",
                "basis": "quota-refugee",
                "persons": [
                    {
                        "role": "principal",
                        "first_names": "Oleksandr",
                        "last_name": f"Kiintio{tag}",
                        "date_of_birth": born,
                        "henkilotunnus": code,
                        "languages": ["uk", "ru"],
                    }
                ],
                "response_due": (TODAY + timedelta(days=30)).isoformat(),
            },
            headers=key(),
        ),
        201,
    )
    assert (proposal["state"], proposal["reception_stage"]) == ("received", "not-applicable")
    assert proposal["evident_service_needs"] is False
    path = f"/v1/placement-proposals/{proposal['id']}"

    # The consultation carries an anonymised profile only; no other area's system sees it.
    consultation = ok(officer.post(f"{path}/consultation", json={}, headers=key()), 201)
    assert consultation["welfare_area"] == proposal["welfare_area"]
    assert consultation["profile"]["persons"][0]["age_band"] == "18-29"
    profile = str(consultation["profile"])
    for identifier in (tag, code, born, "Oleksandr"):
        assert identifier not in profile
    assert pirkanmaa.get(f"/v1/welfare-area/consultations/{consultation['id']}").status_code == 404

    current = officer.get(path)
    decided, etag = act(
        officer,
        f"{path}/decision",
        current.headers["etag"],
        {"decision": "accept", "reason": f"E2e {tag}: asunto ja palvelut järjestyvät"},
    )
    assert (decided["state"], decided["reception_stage"]) == ("accepted", "preparing")
    assert ok(officer.get(f"/v1/consultations/{consultation['id']}"))["state"] == "decided"

    # The lease of the family's flat, in the contracts service, reserved for the reception.
    lease = ok(
        officer.post(
            "/v1/contracts",
            json={
                "kind": "housing-lease",
                "title": f"Vuokrasopimus, kiintiöpakolaisperhe {tag}",
                "reference": f"VUOKRA-{tag}",
                "parties": [
                    {"role": "lessor", "name": "Helsingin asunnot Oy", "business_id": "0245437-2"}
                ],
                "valid_from": TODAY.isoformat(),
                "renewal": {"type": "open-ended", "notice_period_days": 30},
                "amount_cents": 72_000,
                "amount_basis": "per-month",
            },
            headers=key(),
        ),
        201,
    )
    lease = ok(
        officer.post(
            f"/v1/contracts/{lease['id']}/activate", headers={"If-Match": f'"{lease["version"]}"'}
        )
    )
    assert (lease["status"], lease["in_force"]) == ("active", True)
    housed, etag = act(
        officer,
        f"{path}/housing",
        etag,
        {"contract_reference": lease["reference"], "available_from": TODAY.isoformat()},
    )
    assert housed["housing"]["contract_reference"] == f"VUOKRA-{tag}"
    assert housed["reception_stage"] == "preparing"

    earliest = TODAY + timedelta(days=7)
    ready, etag = act(officer, f"{path}/earliest-arrival", etag, {"date": earliest.isoformat()})
    assert (ready["earliest_arrival"], ready["reception_stage"]) == (earliest.isoformat(), "ready")
    assert ready["earliest_arrival_reported_at"] is not None

    arrives = datetime.combine(earliest + timedelta(days=1), time(13, 40), HELSINKI)
    scheduled, etag = act(
        officer,
        f"{path}/arrival",
        etag,
        {"arrives_at": arrives.isoformat(), "place": "Helsinki-Vantaa, terminaali 2"},
    )
    assert scheduled["reception_stage"] == "arrival-scheduled"
    tasks = {t["kind"]: t for t in scheduled["tasks"]}
    assert set(tasks) == {"transport", "first-groceries", "interpreter", "initial-info"}
    assert all(t["status"] == "open" for t in tasks.values())
    # The groceries are in the flat before the family is.
    assert tasks["first-groceries"]["due_at"] < tasks["transport"]["due_at"]
    for task in tasks.values():
        response = officer.patch(
            f"/v1/reception-tasks/{task['id']}",
            json={"assignee": "E2e Kotoutusohjaaja", "status": "done"},
            headers={"If-Match": f'"{task["version"]}"'},
        )
        assert ok(response)["status"] == "done"
    received = ok(officer.get(path))
    assert received["reception_stage"] == "received"
    return received


def test_from_placement_proposal_to_the_archive(
    officer: Api, tampere_officer: Api, auditor: Api, as_user: Callable[[str], Api], provider: Api
) -> None:
    client_user = as_user("client.oleksandr")
    archivist = as_user("helsinki.archivist")
    worker, other_worker = as_user("pirkanmaa.worker"), as_user("vantaakerava.worker")
    code = client_user.claims["hetu"]
    without_record(officer, archivist, client_user)
    tag = uuid.uuid4().hex[:6].upper()
    century = 2000 if code[6] in "ABCDEF" else 1900
    born = f"{century + int(code[4:6])}-{code[2:4]}-{code[0:2]}"

    _reception(officer, tag, code, born)

    # The family has arrived: the client record.
    client = ok(
        officer.post(
            "/v1/clients",
            json={
                "first_names": "Oleksandr",
                "last_name": f"Kiintio{tag}",
                "date_of_birth": born,
                "henkilotunnus": code,
                "languages": ["uk", "ru"],
                "segment": "quota-refugee",
                "residence_permit_type": "international-protection",
                "first_permit_date": TODAY.isoformat(),
            },
            headers=key(),
        ),
        201,
    )
    client_id = client["id"]
    assert ok(client_user.get("/v1/me"))["id"] == client_id

    # The multi-sector plan, shared with the welfare area once it accepted the cooperation.
    service = training_service(officer, ["fi", "uk"], remote=False, location="Helsinki, Kallio")
    created = officer.post(
        f"/v1/clients/{client_id}/plans",
        json={
            "kind": "multi-sector",
            "welfare_area": "pirkanmaa",
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=364)).isoformat(),
            "goals": [{"category": "integration", "text": "E2e: arki uudessa kodissa sujuu"}],
            "services": [
                {
                    "programme_service_id": service["id"],
                    "planned_start": TODAY.isoformat(),
                    "planned_end": (TODAY + timedelta(days=120)).isoformat(),
                },
                {"other_service": "E2e: traumaterapia", "welfare_area_service": True},
            ],
        },
        headers=key(),
    )
    plan = ok(created, 201)
    plan_path = f"/v1/plans/{plan['id']}"
    assert worker.get(plan_path).status_code == 404
    cooperation = start_cooperation(officer, worker, client_id, "pirkanmaa")
    shared = ok(worker.get(plan_path))
    assert (shared["welfare_area"], shared["status"]) == ("pirkanmaa", "draft")
    assert other_worker.get(plan_path).status_code == 404
    assert worker.get(f"/v1/clients/{client_id}").status_code in (403, 404)
    plan, etag = act(officer, f"{plan_path}/submit", created.headers["etag"])
    assert plan["status"] == "awaiting-approval"

    # Signed: the officer signs the PDF, the client approves it and, the plan being
    # multi-sector, the welfare area's worker signs too; then the plan becomes active.
    requested = officer.post(
        f"{plan_path}/signing-requests",
        json={"order": "sequential", "language": "uk"},
        headers=key(),
    )
    signing = ok(requested, 201)
    assert [s["party"] for s in signing["signers"]] == ["officer", "client", "welfare-area"]
    assert tampere_officer.get(f"/v1/signing-requests/{signing['id']}").status_code == 404
    signed = officer.post(
        f"/v1/signing-requests/{signing['id']}/sign",
        headers={"If-Match": requested.headers["etag"]},
    )
    ok(signed)
    own = f"/v1/me/signing-requests/{signing['id']}"
    assert client_user.get(f"{own}/document").headers["content-type"] == "application/pdf"
    approved = client_user.post(f"{own}/approve", headers={"If-Match": signed.headers["etag"]})
    assert ok(approved)["status"] != "completed"
    assert other_worker.get(f"/v1/signing-requests/{signing['id']}").status_code == 404
    countersigned = worker.post(
        f"/v1/signing-requests/{signing['id']}/sign",
        headers={"If-Match": approved.headers["etag"]},
    )
    assert ok(countersigned)["status"] == "completed"
    active = eventually(
        lambda: ok(officer.get(plan_path)), lambda p: p["status"] == "active", seconds=30
    )
    assert active["status"] == "active"
    assert {a["party"] for a in active["approvals"]} == {"client", "officer"}
    document = officer.get(f"/v1/signing-requests/{signing['id']}/document")
    verified = ok(
        officer.post(
            "/v1/documents/verify",
            content=document.content,
            headers={"Content-Type": "application/pdf"},
        )
    )
    assert verified["intact"] is True
    assert [s["party"] for s in verified["signatures"]] == ["officer", "client", "welfare-area"]
    assert ok(worker.get(plan_path))["status"] == "active"

    # The programme: enrolment, and the provider reports the completion.
    plan_service = next(s for s in active["services"] if s.get("programme_service_id"))
    enrolled = officer.post(
        "/v1/enrolments",
        json={
            "plan_id": plan["id"],
            "plan_service_id": plan_service["id"],
            "programme_service_id": service["id"],
            "client_id": client_id,
            "participant_display_name": f"Oleksandr K{tag}",
        },
        headers=key(),
    )
    enrolment = ok(enrolled, 201)
    ok(provider.get(f"/v1/enrolments/{enrolment['id']}"))
    assert provider.get(plan_path).status_code == 403
    completion = provider.post(
        f"/v1/enrolments/{enrolment['id']}/completion",
        json={
            "completion_date": TODAY.isoformat(),
            "language_test": {
                "reading": "A2",
                "writing": "A1",
                "listening": "A2",
                "speaking": "A1",
            },
        },
        headers={"If-Match": enrolled.headers["etag"]},
    )
    ok(completion)
    current = eventually(
        lambda: officer.get(plan_path),
        lambda r: (
            next(s for s in r.json()["services"] if s["id"] == plan_service["id"])["status"]
            == "completed"
        ),
    )
    done = next(s for s in current.json()["services"] if s["id"] == plan_service["id"])
    assert (done["status"], done["completion_date"]) == ("completed", TODAY.isoformat())

    # Reviews, and the end of the plan.
    plan, etag = act(
        officer,
        f"{plan_path}/reviews",
        current.headers["etag"],
        {"reason": "scheduled", "outcome": "continue"},
    )
    assert (plan["status"], plan["reviews"][-1]["outcome"]) == ("active", "continue")
    plan, etag = act(
        officer,
        f"{plan_path}/reviews",
        etag,
        {
            "reason": "material-change",
            "outcome": "end",
            "follow_up_plan": "E2e: työnhaku TE-palveluissa; ohjaus jatkuu",
        },
    )
    assert plan["status"] == "ended"

    # The cooperation with Pirkanmaa ends with the plan: no more multi-sector data crosses, and
    # nothing the welfare area may still be working with stops the archiving.
    cooperation_path = f"/v1/cooperations/{cooperation['id']}"
    ended, _ = act(
        officer,
        f"{cooperation_path}/end",
        officer.get(cooperation_path).headers["etag"],
        {"reason": "E2e: monialainen suunnitelma päättyi"},
    )
    assert ended["state"] == "ended"
    assert open_cooperations(officer, client_id) == []
    unshared = eventually(lambda: worker.get(plan_path), lambda r: r.status_code == 404)
    assert unshared.status_code == 404

    # Archive: the archivist's package verifies; the client's active data are gone.
    job = archive(archivist, client_id, "E2e: kotoutumissuunnitelma päättyi")
    package_path = f"/v1/archive/packages/{job['package_id']}"
    package = ok(archivist.get(package_path))
    assert package["state"] == "verified"
    assert {
        "clients.client",
        "plans.plan",
        "programme.enrolment",
        "esign.signing-request",
        "audit.event-extract",
    } <= {t["record_type"] for t in package["record_types"]}
    verification = ok(archivist.post(f"{package_path}/verification"))
    assert verification["valid"], verification["problem"]
    assert officer.get(f"{package_path}/content").status_code == 403
    assert tampere_officer.get(package_path).status_code == 404
    assert officer.get(f"/v1/clients/{client_id}").status_code == 404
    assert officer.get(plan_path).status_code == 404
    assert worker.get(plan_path).status_code == 404
    assert client_user.get("/v1/me").status_code == 404
    wanted = {
        "plan.approve-signed",
        "signing-request.sign",
        "plan-service.outcome",
        "client-records.minimise",
        "archive-job.create",
    }
    actions: set[str] = eventually(
        lambda: audit_actions(auditor, client_id), lambda found: wanted <= found
    )
    assert wanted <= actions, sorted(actions)
