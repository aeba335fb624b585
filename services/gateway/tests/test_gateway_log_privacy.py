"""No personal data in logs: names and identity codes handled by the whole stack stay out of
every log record (message, arguments and extra fields), on success and on failure paths."""

from __future__ import annotations

import logging
import traceback
from datetime import date
from typing import Any

import pytest
from gateway_testkit import GatewayStack, hetu, wait_until, with_bad_checksum

FIRST_NAME = "Zyxqweline"
LAST_NAME = "Vorpalheimo"
BIRTH = date(1966, 6, 16)
HETU = hetu(BIRTH, 977)
# The same person's other identifiers that must not leak either.
EMAIL = "zyxqweline.vorpalheimo@example.org"
PHONE = "+358 40 765 4321"
SECRETS = (FIRST_NAME, LAST_NAME, HETU, HETU.replace("-", ""), EMAIL, PHONE)


@pytest.fixture
def gateway(shared_gateway: GatewayStack) -> GatewayStack:
    """The tests use people of their own, so they can share a stack."""
    return shared_gateway


def record_text(record: logging.LogRecord) -> str:
    """Everything a formatter or a JSON handler could print of a record."""
    parts = [record.getMessage(), repr(record.args), repr(vars(record))]
    if record.exc_info:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


async def test_names_and_identity_codes_never_reach_the_logs(
    gateway: GatewayStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    officer = gateway.officer()
    body: dict[str, Any] = {
        "first_names": FIRST_NAME,
        "last_name": LAST_NAME,
        "date_of_birth": BIRTH.isoformat(),
        "henkilotunnus": HETU,
        "contact": {"email": EMAIL, "phone": PHONE},
    }
    created = await gateway.http.post("/v1/clients", json=body, headers=officer)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    client_id = created.json()["id"]

    for criteria in (
        {"name": LAST_NAME},
        {"name": f"{FIRST_NAME} {LAST_NAME}"},
        {"henkilotunnus": HETU},
    ):
        found = await gateway.http.post("/v1/clients/search", json=criteria, headers=officer)
        assert found.status_code == 200, found.text
        assert [c["id"] for c in found.json()["items"]] == [client_id]

    # Failure paths: a duplicate, a bad checksum, a stale update, the client's own view, a
    # forbidden and an unauthenticated call with personal data in the body.
    duplicate = await gateway.http.post("/v1/clients", json=body, headers=officer)
    assert duplicate.status_code == 409, duplicate.text
    bad = await gateway.http.post(
        "/v1/clients", json=body | {"henkilotunnus": with_bad_checksum(HETU)}, headers=officer
    )
    assert bad.status_code == 422
    stale = await gateway.http.patch(
        location, json={"last_name": LAST_NAME + "x"}, headers=officer | {"If-Match": '"9"'}
    )
    assert stale.status_code == 412
    own = await gateway.http.get("/v1/me", headers=gateway.client_user(HETU))
    assert own.status_code == 200, own.text
    refused = await gateway.http.post("/v1/clients", json=body, headers=gateway.referrer())
    assert refused.status_code == 403
    anonymous = await gateway.http.post("/v1/clients/search", json={"henkilotunnus": HETU})
    assert anonymous.status_code == 401

    async def delivered() -> bool:
        response = await gateway.http.get(
            "/v1/audit/events", params={"subject_client_id": client_id}, headers=gateway.auditor()
        )
        return len(response.json()["items"]) >= 4

    await wait_until(delivered, 5, "the audit events")

    records = caplog.get_records("call")
    # The capture works: the HTTP client logs every request at INFO.
    assert any(r.name == "httpx" for r in records)
    assert_no_personal_data(records)


def assert_no_personal_data(
    records: list[logging.LogRecord], secrets: tuple[str, ...] = SECRETS
) -> None:
    for record in records:
        text = record_text(record)
        for secret in secrets:
            assert secret not in text, f"{secret!r} in a log record of {record.name}: {text}"


async def test_an_unexpected_backend_failure_logs_no_personal_data(
    gateway: GatewayStack, caplog: pytest.LogCaptureFixture
) -> None:
    """A referral whose text the database cannot store (NUL; PostgreSQL refuses it) is refused
    by validation; whatever path it takes, the log may say so, but without the data."""
    caplog.set_level(logging.INFO)
    birth = date(1958, 2, 21)
    code = hetu(birth, 978)
    referral = {
        "municipality_code": "091",
        "first_names": "Qwopmarie",
        "last_name": "Snarvelsson",
        "date_of_birth": birth.isoformat(),
        "henkilotunnus": code,
        "reason": "Tarvitsee\u0000alkukartoituksen",
    }
    response = await gateway.http.post("/v1/referrals", json=referral, headers=gateway.referrer())
    assert response.status_code in (201, 422, 500), response.text
    if response.status_code == 500:
        assert response.json() == {
            "type": "urn:kotopolku:problem:internal-error",
            "title": "Internal error",
            "status": 500,
            "instance": "/v1/referrals",
        }
    assert_no_personal_data(
        caplog.get_records("call"), ("Qwopmarie", "Snarvelsson", code, code.replace("-", ""))
    )
