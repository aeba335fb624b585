"""RecordSignedApproval: the e-signature service activates a plan that every party has signed."""

from __future__ import annotations

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp
from plans_testkit import MUNICIPAL_091, Stack, fields_of, goal, plan, rpc_error

from kotopolku.plans.v1 import plans_pb2

S = plans_pb2
DIGEST = "0f" * 32
REQUEST_ID = "6b1f3c1e-6f49-4a53-9d4c-3c2f0b1d7a11"


def _signed(found: plans_pb2.Plan, **overrides: object) -> plans_pb2.RecordSignedApprovalRequest:
    at = Timestamp(seconds=1_768_471_200)
    values: dict[str, object] = {
        "plan_id": found.id,
        "plan_version": found.version,
        "signing_request_id": REQUEST_ID,
        "document_sha256": DIGEST,
        "approvals": [
            S.SignedApproval(party=S.APPROVAL_PARTY_OFFICER, subject="officer-1", approved_at=at),
            S.SignedApproval(party=S.APPROVAL_PARTY_CLIENT, subject="client-1", approved_at=at),
        ],
    }
    values.update(overrides)
    return S.RecordSignedApprovalRequest(**values)  # type: ignore[arg-type]


async def _submitted(stack: Stack) -> plans_pb2.Plan:
    client_id, _ = await stack.new_client()
    return await stack.submit(await stack.create(plan(client_id)))


async def test_signed_approvals_activate_the_plan_once(stack: Stack) -> None:
    submitted = await _submitted(stack)
    active = await stack.plans.RecordSignedApproval(
        _signed(submitted), metadata=stack.internal_md("esign")
    )
    assert active.status == S.PLAN_STATUS_ACTIVE
    assert active.activated_on
    assert {(a.party, a.subject, a.plan_version) for a in active.approvals} == {
        (S.APPROVAL_PARTY_OFFICER, "officer-1", submitted.version),
        (S.APPROVAL_PARTY_CLIENT, "client-1", submitted.version),
    }
    assert REQUEST_ID in active.history[-1].reason
    assert DIGEST in active.history[-1].reason
    # At-least-once delivery: a repeat changes nothing.
    again = await stack.plans.RecordSignedApproval(
        _signed(submitted), metadata=stack.internal_md("esign")
    )
    assert again.version == active.version
    assert len(again.history) == len(active.history)


async def test_a_manual_approval_of_the_same_version_is_kept(stack: Stack) -> None:
    submitted = await _submitted(stack)
    by_officer = await stack.approve(submitted, MUNICIPAL_091)
    active = await stack.plans.RecordSignedApproval(
        _signed(by_officer), metadata=stack.internal_md("esign")
    )
    assert active.status == S.PLAN_STATUS_ACTIVE
    officer = next(a for a in active.approvals if a.party == S.APPROVAL_PARTY_OFFICER)
    assert officer.subject == MUNICIPAL_091.subject


async def test_a_plan_changed_after_rendering_is_refused(stack: Stack) -> None:
    submitted = await _submitted(stack)
    changed = await stack.plans.UpdatePlan(
        S.UpdatePlanRequest(
            plan_id=submitted.id,
            plan=S.Plan(goals=[goal("Ajokortti")]),
            update_mask=FieldMask(paths=["goals"]),
            expected_version=submitted.version,
        ),
        metadata=stack.md(MUNICIPAL_091),
    )
    resubmitted = await stack.submit(changed)
    error = await rpc_error(
        stack.plans.RecordSignedApproval(_signed(submitted), metadata=stack.internal_md("esign")),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "changed after it was rendered" in error.detail
    assert (await stack.get(resubmitted.id)).status == S.PLAN_STATUS_AWAITING_APPROVAL


async def test_only_the_esign_service_records_signed_approvals(stack: Stack) -> None:
    submitted = await _submitted(stack)
    for metadata in (stack.internal_md("programme"), stack.md(MUNICIPAL_091)):
        await rpc_error(
            stack.plans.RecordSignedApproval(_signed(submitted), metadata=metadata),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    assert (await stack.get(submitted.id)).status == S.PLAN_STATUS_AWAITING_APPROVAL


async def test_bad_requests_name_their_fields(stack: Stack) -> None:
    submitted = await _submitted(stack)
    error = await rpc_error(
        stack.plans.RecordSignedApproval(
            _signed(
                submitted,
                plan_version=0,
                signing_request_id="x",
                document_sha256="XYZ",
                approvals=[S.SignedApproval(party=S.APPROVAL_PARTY_CLIENT)],
            ),
            metadata=stack.internal_md("esign"),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == [
        "plan_version",
        "signing_request_id",
        "document_sha256",
        "approvals[0].subject",
        "approvals[0].approved_at",
    ]
    missing = await rpc_error(
        stack.plans.RecordSignedApproval(
            _signed(submitted, approvals=[]), metadata=stack.internal_md("esign")
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(missing) == ["approvals"]
