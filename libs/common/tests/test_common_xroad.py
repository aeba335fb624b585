"""X-Road headers travel in the caller assertion and end up in every audit event of the call."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.audit.v1 import audit_pb2
from kotopolku.common.audit import AuditEntry, AuditRecorder
from kotopolku.common.identity import Caller, XRoadHeaders
from kotopolku.common.tables import audit_outbox_table
from kotopolku.common.testing import TestKeys

HEADERS = XRoadHeaders(
    client="FI-TEST/GOV/0996189-5/pirkanmaa-hva",
    message_id="4f1d3c2e-8f7a-4b7e-9d1c-000000000001",
    user_id="FI010190-999W",
    issue="PIRHA-2026-17",
)
WORKER = Caller(
    "w-1",
    frozenset({"welfare-area-worker"}),
    "welfare-cooperation",
    welfare_area="pirkanmaa",
    xroad=HEADERS,
)


def test_xroad_headers_round_trip_in_the_assertion(keys: TestKeys) -> None:
    verified = keys.verifier().verify(keys.assertion(WORKER))
    assert verified.xroad == HEADERS
    # The end user's id may be personal data: it never appears in a repr (logs).
    assert "FI010190" not in repr(verified)


def test_a_call_without_xroad_headers_has_none(keys: TestKeys) -> None:
    plain = Caller("w-1", frozenset({"welfare-area-worker"}), "welfare-cooperation")
    assert keys.verifier().verify(keys.assertion(plain)).xroad is None
    empty = XRoadHeaders()
    assert empty.audit_context() == ()
    assert XRoadHeaders.from_claims({}) is None
    assert XRoadHeaders.from_claims("not an object") is None


def test_partial_headers_keep_only_what_was_sent() -> None:
    partial = XRoadHeaders(client="FI/GOV/1/sub", message_id="m-1")
    assert partial.audit_context() == (("x-road-client", "FI/GOV/1/sub"), ("x-road-id", "m-1"))
    assert XRoadHeaders.from_claims(partial.claims()) == partial


def test_audit_events_carry_the_headers_and_the_entry_context() -> None:
    recorder = AuditRecorder("welfare", audit_outbox_table(sa.MetaData()))
    event = recorder.event(
        WORKER,
        AuditEntry(
            action="disclosure.deliver",
            resource="disclosures/d-1",
            fields=("plan.goals",),
            context=(("recipient", "pirkanmaa"), ("basis", "consent")),
        ),
    )
    assert isinstance(event, audit_pb2.AuditEvent)
    assert dict(event.context) == {
        "x-road-client": HEADERS.client,
        "x-road-id": HEADERS.message_id,
        "x-road-user-id": HEADERS.user_id,
        "x-road-issue": HEADERS.issue,
        "recipient": "pirkanmaa",
        "basis": "consent",
    }
    officer = Caller("o-1", frozenset({"municipal-officer"}), "integration-services")
    assert dict(recorder.event(officer, AuditEntry("client.read", "clients/1")).context) == {}
