"""The signing journey: a plan is rendered, signed by the officer and the client, verified,
and becomes ACTIVE in the plans service; invitations and reminders go to messaging."""

from __future__ import annotations

import io

import grpc
import jwt
from esign_testkit import (
    OFFICER,
    STRONG,
    WELFARE_WORKER,
    Esign,
    rpc_error,
)
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from kotopolku.esign.tables import deliveries
from kotopolku.esign.v1 import esign_pb2 as pb
from kotopolku.plans.v1 import plans_pb2

S = pb


async def test_officer_then_client_sign_and_the_plan_becomes_active(svc: Esign) -> None:
    client_id, client = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id)
    assert created.status == S.SIGNING_REQUEST_STATUS_PENDING
    assert (created.plan_id, created.plan_version, created.client_id) == (
        plan.id,
        plan.version,
        client_id,
    )
    assert (created.language, created.official_language) == ("ar", "fi")
    assert [(s.party, s.status) for s in created.signers] == [
        (S.SIGNER_PARTY_OFFICER, S.SIGNER_STATUS_PENDING),
        (S.SIGNER_PARTY_CLIENT, S.SIGNER_STATUS_WAITING),
    ]
    assert created.original_document_sha256 == created.document_sha256
    # Sequential: the client is not invited before the officer has signed.
    assert await svc.count(deliveries) == 0
    turn = await rpc_error(svc.sign(created, client), grpc.StatusCode.FAILED_PRECONDITION)
    assert "not yet the client's turn" in turn.detail

    by_officer = await svc.sign(created, OFFICER)
    assert by_officer.signers[0].status == S.SIGNER_STATUS_SIGNED
    assert by_officer.signers[0].subject == OFFICER.subject
    assert by_officer.signers[1].status == S.SIGNER_STATUS_PENDING
    assert by_officer.document_sha256 != created.document_sha256
    # The client's turn: an invitation now and a reminder before the deadline.
    assert await svc.count(deliveries) == 2
    assert await svc.relay.deliver_once() == 1
    (invitation,) = svc.messaging.requests
    assert invitation.template_key == "plan-signature-request"
    assert (invitation.client_id, invitation.municipality_code) == (client_id, "091")
    assert invitation.language == "ar"
    assert created.id in invitation.variables["sign_url"]
    assert set(invitation.variables) == {"sign_url", "deadline", "organiser"}
    assert invitation.idempotency_key == f"esign:{created.id}:2:invitation"
    sender = jwt.decode(svc.messaging.assertions[0], options={"verify_signature": False})
    assert (sender["sub"], sender["roles"]) == ("kotopolku-service:esign", ["internal-service"])

    completed = await svc.sign(by_officer, client)
    assert completed.status == S.SIGNING_REQUEST_STATUS_COMPLETED
    assert completed.plan_activation == S.PLAN_ACTIVATION_QUEUED
    assert completed.signers[1].authentication_context == STRONG
    assert completed.signers[1].HasField("authenticated_at")
    assert (await svc.plan(plan.id)).status == plans_pb2.PLAN_STATUS_AWAITING_APPROVAL

    await svc.relay.deliver_once()
    active = await svc.plan(plan.id)
    assert active.status == plans_pb2.PLAN_STATUS_ACTIVE
    assert {(a.party, a.subject) for a in active.approvals} == {
        (plans_pb2.APPROVAL_PARTY_OFFICER, OFFICER.subject),
        (plans_pb2.APPROVAL_PARTY_CLIENT, client.subject),
    }
    assert completed.document_sha256 in active.history[-1].reason
    assert (await svc.get(created.id)).plan_activation == S.PLAN_ACTIVATION_RECORDED

    # The reminder is dropped unsent once it is due: the client has signed.
    svc.clock.advance(days=30)
    assert await svc.relay.deliver_once() == 1  # settled: dropped, not sent
    assert len(svc.messaging.requests) == 1
    assert await svc.count(deliveries) == 0

    document = await svc.document(created.id, client)
    assert document.sha256 == completed.document_sha256
    assert document.content.startswith(b"%PDF-")
    verified = await svc.verify(document.content, client)
    assert verified.intact, verified.problem
    assert [(s.party, s.subject) for s in verified.signatures] == [
        (S.SIGNER_PARTY_OFFICER, OFFICER.subject),
        (S.SIGNER_PARTY_CLIENT, client.subject),
    ]
    assert verified.signatures[1].authentication_context == STRONG
    assert all(s.trusted and s.intact for s in verified.signatures)
    assert "Helsinki" in verified.signatures[0].certificate_subject


async def test_a_modified_pdf_fails_verification(svc: Esign) -> None:
    client_id, _client = await svc.new_client(("uk",))
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id)
    signed = await svc.sign(created, OFFICER)
    content = (await svc.document(signed.id)).content
    assert (await svc.verify(content)).intact

    # A byte flipped inside the signed range.
    flipped = bytearray(content)
    flipped[len(content) // 3] ^= 0x01
    result = await svc.verify(bytes(flipped))
    assert not result.intact
    assert result.problem

    # An incremental update that changes the content after the signature.
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    writer.root["/Lang"] = generic.pdf_string("en")
    writer.update_root()
    output = io.BytesIO()
    writer.write(output)
    appended = await svc.verify(output.getvalue())
    assert not appended.intact
    assert "changed after" in appended.problem

    # The unsigned rendering is not a signed document.
    original = await svc.verify(content[: content.index(b"%%EOF") + 5])
    assert not original.intact
    assert original.problem == "the document has no signatures"


async def test_a_multi_sector_plan_in_parallel_needs_the_welfare_area(svc: Esign) -> None:
    client_id, client = await svc.new_client(("so",))
    plan = await svc.submitted_plan(client_id, kind=plans_pb2.PLAN_KIND_MULTI_SECTOR)
    created = await svc.create(plan.id, order=S.SIGNING_ORDER_PARALLEL)
    assert [s.party for s in created.signers] == [
        S.SIGNER_PARTY_OFFICER,
        S.SIGNER_PARTY_CLIENT,
        S.SIGNER_PARTY_WELFARE_AREA,
    ]
    assert created.signers[2].welfare_area == "pirkanmaa"
    assert {s.status for s in created.signers} == {S.SIGNER_STATUS_PENDING}
    # Parallel: the client is invited at once.
    assert await svc.count(deliveries) == 2

    found = await svc.get(created.id, WELFARE_WORKER)
    after_welfare = await svc.sign(found, WELFARE_WORKER)
    after_client = await svc.sign(after_welfare, client)
    assert after_client.status == S.SIGNING_REQUEST_STATUS_PENDING
    completed = await svc.sign(after_client, OFFICER)
    assert completed.status == S.SIGNING_REQUEST_STATUS_COMPLETED
    await svc.relay.deliver_once()
    assert (await svc.plan(plan.id)).status == plans_pb2.PLAN_STATUS_ACTIVE
    verified = await svc.verify((await svc.document(created.id)).content, WELFARE_WORKER)
    assert verified.intact
    assert [s.party for s in verified.signatures] == [
        S.SIGNER_PARTY_WELFARE_AREA,
        S.SIGNER_PARTY_CLIENT,
        S.SIGNER_PARTY_OFFICER,
    ]


async def test_a_plan_changed_after_rendering_is_not_activated(svc: Esign) -> None:
    client_id, client = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id)
    by_officer = await svc.sign(created, OFFICER)
    # Someone approves by hand meanwhile: the plan's version moves on.
    await svc.plans.ApprovePlan(
        plans_pb2.ApprovePlanRequest(plan_id=plan.id, expected_version=plan.version),
        metadata=svc.md(OFFICER),
    )
    await svc.sign(by_officer, client)
    await svc.relay.deliver_once()
    found = await svc.get(created.id)
    assert found.plan_activation == S.PLAN_ACTIVATION_REFUSED
    assert "changed after it was rendered" in found.plan_activation_error
    assert (await svc.plan(plan.id)).status == plans_pb2.PLAN_STATUS_AWAITING_APPROVAL
    assert await svc.count(deliveries) == 1  # only the client's reminder is left


async def test_invitations_wait_while_messaging_is_down(svc: Esign) -> None:
    client_id, _ = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id, order=S.SIGNING_ORDER_PARALLEL)
    svc.messaging.fail_with = grpc.StatusCode.UNAVAILABLE
    assert await svc.relay.deliver_once() == 0
    assert await svc.count(deliveries) == 2
    svc.messaging.fail_with = None
    assert await svc.relay.deliver_once() == 0  # backing off
    svc.clock.advance(seconds=2)
    assert await svc.relay.deliver_once() == 1
    assert [r.idempotency_key for r in svc.messaging.requests] == [
        f"esign:{created.id}:2:invitation"
    ]
    # The reminder goes in the morning three days before the deadline.
    svc.clock.advance(days=14 - 3 + 1)
    assert await svc.relay.deliver_once() == 1
    reminder = svc.messaging.requests[-1]
    assert reminder.idempotency_key == f"esign:{created.id}:2:reminder"
    assert reminder.HasField("send_at")
