"""e2e helpers of the welfare-area collaboration: starting a multi-sector cooperation, which is
what opens a client's multi-sector assessment and plan to a welfare area."""

from __future__ import annotations

from typing import Any

from e2e.conftest import Api

LEGAL_BASIS = "Laki kotoutumisen edistämisestä 681/2023 18 §"
BOTH = ["multi-sector-assessment", "multi-sector-plan"]


def cooperation_body(
    area: str | None, scope: list[str] | None = None, basis: dict[str, Any] | None = None
) -> dict[str, Any]:
    scope = scope or BOTH
    body: dict[str, Any] = {
        "scope": scope,
        "reason": "E2e: monialainen arviointi ja suunnitelma",
        "municipal_contact": {"name": "E2e Ohjaaja", "phone": "040 1234567"},
        "basis": basis or {"kind": "legal", "categories": scope, "legal_reference": LEGAL_BASIS},
    }
    if area:
        body["welfare_area"] = area
    return body


def start_cooperation(
    officer: Api,
    welfare_area: Api,
    client_id: str,
    area: str | None = None,
    scope: list[str] | None = None,
    basis: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The officer asks, the welfare area accepts naming a responsible person."""
    requested = officer.post(
        f"/v1/clients/{client_id}/cooperations", json=cooperation_body(area, scope, basis)
    )
    assert requested.status_code == 201, requested.text
    answered = welfare_area.post(
        f"/v1/welfare-area/cooperations/{requested.json()['id']}/answer",
        json={
            "accept": True,
            "responsible": {"name": "E2e Sosiaalityöntekijä", "phone": "040 7654321"},
        },
    )
    assert answered.status_code == 200, answered.text
    accepted: dict[str, Any] = answered.json()
    assert accepted["state"] == "accepted"
    return accepted
