"""Cost entries and compensation claims on SQLite and PostgreSQL, through the real contracts and
clients services: assembly from eligible clients' costs, the deadline, one claim per cost,
submission with a frozen document, KEHA's additions, decision and payment, export."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json

import grpc
import jsonschema
from contracts_testkit import (
    EMPLOYMENT_OFFICER,
    MANAGER,
    OFFICER,
    OFFICER_837,
    System,
    rpc_error,
)
from google.protobuf.field_mask_pb2 import FieldMask

from kotopolku.clients.v1 import clients_pb2
from kotopolku.contracts import claim_export
from kotopolku.contracts.tables import claims, cost_entries
from kotopolku.contracts.v1 import contracts_pb2 as pb


async def test_claim_from_assembly_to_payment(svc: System) -> None:
    await svc.agreement()
    quota = await svc.new_client()
    placed = await svc.new_client(
        segment=clients_pb2.CLIENT_SEGMENT_PLACED, first_permit_date="2024-06-01"
    )
    interpreting = await svc.activate(await svc.create_contract())
    first = await svc.cost(quota.id, "2026-01-15", 12_345, contract_id=interpreting.id)
    second = await svc.cost(placed.id, "2026-02-10", 5_000)
    other_type = await svc.cost(quota.id, "2026-02-01", 99_999, account_code="4392")
    assert other_type.compensation_type == pb.COMPENSATION_TYPE_SPECIAL_COSTS
    assert (first.claim_deadline, first.claim_deadline_passed) == ("2028-12-31", False)

    claim = await svc.claim(key="c-1")
    assert claim.status == pb.CLAIM_STATUS_DRAFT
    assert [(line.line_number, line.cost_entry_id) for line in claim.lines] == [
        (1, first.id),
        (2, second.id),
    ]
    assert claim.claimed_cents == 17_345
    assert claim.lines[0].contract_id == interpreting.id
    assert (
        claim.lines[0].eligibility.segment,
        claim.lines[0].eligibility.first_permit_date,
    ) == ("QUOTA_REFUGEE", "2023-01-10")
    assert (await svc.claim(key="c-1")).id == claim.id
    assert len(await svc.rows(claims)) == 1
    taken = {r.id: (r.status, r.claim_id) for r in await svc.rows(cost_entries)}
    assert taken[first.id] == ("CLAIMED", claim.id)
    assert taken[other_type.id] == ("OPEN", None)

    again = await rpc_error(svc.claim(), grpc.StatusCode.INVALID_ARGUMENT)
    assert "no open cost entries" in again.detail
    twice = await rpc_error(svc.claim(ids=(first.id,)), grpc.StatusCode.INVALID_ARGUMENT)
    assert twice.violations[0].field == "cost_entry_ids[0]"
    assert f"cost entry {first.id}" in twice.violations[0].description
    assert f"already in claim {claim.id}" in twice.violations[0].description

    draft_json = await svc.stub.ExportClaim(
        pb.ExportClaimRequest(claim_id=claim.id, format=pb.EXPORT_FORMAT_JSON),
        metadata=svc.md(OFFICER),
    )
    document = json.loads(draft_json.content)
    jsonschema.validate(document, claim_export.schema())
    assert draft_json.sha256 == hashlib.sha256(draft_json.content).hexdigest()
    assert (document["total_cents"], document["total"], document["submitted_on"]) == (
        17_345,
        "173.45",
        None,
    )
    exported_csv = await svc.stub.ExportClaim(
        pb.ExportClaimRequest(claim_id=claim.id, format=pb.EXPORT_FORMAT_CSV),
        metadata=svc.md(OFFICER),
    )
    rows = list(csv.DictReader(io.StringIO(exported_csv.content.decode("utf-8"))))
    assert [(r["cost_entry_id"], r["amount_cents"], r["amount_eur"]) for r in rows] == [
        (first.id, "12345", "123.45"),
        (second.id, "5000", "50.00"),
    ]
    assert exported_csv.sha256 == hashlib.sha256(exported_csv.content).hexdigest()

    submitted = await svc.stub.SubmitClaim(
        pb.SubmitClaimRequest(
            claim_id=claim.id, expected_version=claim.version, submission_reference="KEHA/123/2026"
        ),
        metadata=svc.md(OFFICER),
    )
    assert (submitted.status, submitted.submission_reference) == (
        pb.CLAIM_STATUS_SUBMITTED,
        "KEHA/123/2026",
    )
    frozen = await svc.stub.ExportClaim(
        pb.ExportClaimRequest(claim_id=claim.id), metadata=svc.md(MANAGER)
    )
    assert frozen.sha256 == submitted.submitted_document_sha256
    assert json.loads(frozen.content)["submitted_on"] == "2026-03-02"
    jsonschema.validate(json.loads(frozen.content), claim_export.schema())

    svc.clock.advance(days=20)
    asked = await svc.stub.RecordAdditionsRequest(
        pb.RecordAdditionsRequestRequest(
            claim_id=claim.id,
            expected_version=submitted.version,
            description="Toimittakaa tulkkauslaskujen erittelyt",
            due_date="2026-04-15",
        ),
        metadata=svc.md(OFFICER),
    )
    assert (asked.status, asked.additions_due_date) == (
        pb.CLAIM_STATUS_ADDITIONS_REQUESTED,
        "2026-04-15",
    )
    evidence = await svc.stub.AddAttachment(
        pb.AddAttachmentRequest(
            owner=pb.ATTACHMENT_OWNER_COST_ENTRY,
            owner_id=second.id,
            filename="erittely.txt",
            media_type="text/plain",
            content=b"Erittely: 2 h arabia",
        ),
        metadata=svc.md(OFFICER),
    )
    assert evidence.owner_id == second.id
    provided = await svc.stub.RecordAdditionsProvided(
        pb.RecordAdditionsProvidedRequest(
            claim_id=claim.id, expected_version=asked.version, note="Erittelyt liitetty"
        ),
        metadata=svc.md(OFFICER),
    )
    assert provided.status == pb.CLAIM_STATUS_SUBMITTED
    partial = await rpc_error(
        svc.stub.RecordDecision(
            pb.RecordDecisionRequest(
                claim_id=claim.id,
                expected_version=provided.version,
                lines=[pb.LineDecision(cost_entry_id=first.id, approved_cents=12_345)],
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert second.id in partial.violations[0].description
    decided = await svc.stub.RecordDecision(
        pb.RecordDecisionRequest(
            claim_id=claim.id,
            expected_version=provided.version,
            decision_reference="KEHA/123/2026/P",
            lines=[
                pb.LineDecision(cost_entry_id=first.id, approved_cents=12_345),
                pb.LineDecision(cost_entry_id=second.id, approved_cents=4_000, note="Yli 1,5 h"),
            ],
        ),
        metadata=svc.md(OFFICER),
    )
    assert (decided.status, decided.approved_cents) == (pb.CLAIM_STATUS_DECIDED, 16_345)
    assert [(line.decided, line.approved_cents) for line in decided.lines] == [
        (True, 12_345),
        (True, 4_000),
    ]
    wrong = await rpc_error(
        svc.stub.RecordPayment(
            pb.RecordPaymentRequest(
                claim_id=claim.id, expected_version=decided.version, amount_cents=17_345
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert wrong.violations[0].field == "amount_cents"
    assert "163.45" in wrong.violations[0].description
    paid = await svc.stub.RecordPayment(
        pb.RecordPaymentRequest(
            claim_id=claim.id,
            expected_version=decided.version,
            amount_cents=16_345,
            payment_reference="MAKSU-778",
        ),
        metadata=svc.md(OFFICER),
    )
    assert (paid.status, paid.paid_cents) == (pb.CLAIM_STATUS_PAID, 16_345)
    assert [e.kind for e in paid.events] == [
        "created",
        "submitted",
        "additions-requested",
        "additions-provided",
        "decided",
        "paid",
    ]
    closed = await rpc_error(
        svc.stub.CancelClaim(
            pb.CancelClaimRequest(claim_id=claim.id, expected_version=paid.version),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert closed.type == "invalid-state"
    # The frozen document is still the one submitted.
    assert (
        await svc.stub.ExportClaim(
            pb.ExportClaimRequest(claim_id=claim.id), metadata=svc.md(OFFICER)
        )
    ).content == frozen.content

    reads = [e for e in await svc.audit_events() if e.action == "claim.paid"]
    assert {e.subject_client_id for e in reads} == {quota.id, placed.id}


async def test_a_cost_past_its_deadline_is_refused_naming_the_entry(svc: System) -> None:
    await svc.agreement()
    client = await svc.new_client(first_permit_date="2022-08-01")
    # Recorded on the last day it can be claimed: 31 December 2025, late evening in Helsinki.
    svc.clock.set_helsinki(2025, 12, 31, hour=23)
    old = await svc.cost(client.id, "2023-11-30", 25_000)
    assert (old.claim_deadline, old.claim_deadline_passed) == ("2025-12-31", False)
    fresh = await svc.cost(client.id, "2024-02-15", 1_000)
    draft = await svc.claim("2023-07-01", "2024-06-30")
    assert draft.claimed_cents == 26_000

    # Midnight in Helsinki (22:00 UTC): the submission is now too late for the 2023 cost.
    svc.clock.advance(hours=1)
    late = await rpc_error(
        svc.stub.SubmitClaim(
            pb.SubmitClaimRequest(claim_id=draft.id, expected_version=draft.version),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert late.violations[0].field == "submitted_on"
    assert f"cost entry {old.id}" in late.violations[0].description
    assert (await svc.get_claim(draft.id)).status == pb.CLAIM_STATUS_DRAFT
    cancelled = await svc.stub.CancelClaim(
        pb.CancelClaimRequest(claim_id=draft.id, expected_version=draft.version),
        metadata=svc.md(OFFICER),
    )
    assert cancelled.status == pb.CLAIM_STATUS_CANCELLED
    released = {r.id: r.status for r in await svc.rows(cost_entries)}
    assert released == {old.id: "OPEN", fresh.id: "OPEN"}

    refused = await rpc_error(
        svc.claim("2023-07-01", "2024-06-30", ids=(fresh.id, old.id)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    [violation] = refused.violations
    assert violation.field == "cost_entry_ids[1]"
    assert violation.description.startswith(
        f"cost entry {old.id} (activity 2023-11-30, 250.00 EUR)"
    )
    assert "claim deadline 2025-12-31 has passed" in violation.description
    entry = await svc.stub.GetCostEntry(
        pb.GetCostEntryRequest(cost_entry_id=old.id), metadata=svc.md(OFFICER)
    )
    assert entry.claim_deadline_passed
    # Without the old cost the claim goes through; the old one can only be voided.
    assert (await svc.claim("2023-07-01", "2024-06-30", ids=(fresh.id,))).claimed_cents == 1_000
    voided = await svc.stub.VoidCostEntry(
        pb.VoidCostEntryRequest(
            cost_entry_id=old.id, expected_version=entry.version, reason="Hakuaika päättyi"
        ),
        metadata=svc.md(OFFICER),
    )
    assert voided.status == pb.COST_ENTRY_STATUS_VOID


async def test_eligibility_and_the_placement_agreement(svc: System) -> None:
    self_moved = await svc.new_client(
        segment=clients_pb2.CLIENT_SEGMENT_SELF_MOVED,
        permit=clients_pb2.RESIDENCE_PERMIT_TYPE_CONTINUOUS,
    )
    unknown = await svc.new_client(
        segment=clients_pb2.CLIENT_SEGMENT_UNSPECIFIED,
        permit=clients_pb2.RESIDENCE_PERMIT_TYPE_UNSPECIFIED,
    )
    quota = await svc.new_client()
    costs = [await svc.cost(c.id) for c in (self_moved, unknown, quota)]
    no_agreement = await rpc_error(svc.claim(), grpc.StatusCode.INVALID_ARGUMENT)
    assert no_agreement.violations[0].field == "period_start"
    assert "placement agreement" in no_agreement.violations[0].description

    await svc.agreement()
    refused = await rpc_error(svc.claim(), grpc.StatusCode.INVALID_ARGUMENT)
    messages = {v.description.split(")")[0]: v.description for v in refused.violations}
    assert len(refused.violations) == 2
    assert (
        "not in the target group"
        in messages[f"cost entry {costs[0].id} (activity 2026-02-10, 123.45 EUR"]
    )
    assert (
        "cannot be established"
        in messages[f"cost entry {costs[1].id} (activity 2026-02-10, 123.45 EUR"]
    )
    assert all(r.status == "OPEN" for r in await svc.rows(cost_entries))
    checks = [e for e in await svc.audit_events() if e.action == "claim.check"]
    assert {e.subject_client_id for e in checks} >= {self_moved.id, unknown.id, quota.id}

    chosen = await svc.claim(ids=(costs[2].id,))
    assert [line.cost_entry_id for line in chosen.lines] == [costs[2].id]
    arriving = await svc.new_client(first_permit_date="2025-06-01")
    reception = await svc.cost(arriving.id, "2025-05-20", 85_000, account_code="4395")
    early = await svc.claim("2025-05-01", "2025-05-31", pb.COMPENSATION_TYPE_RECEPTION_PREPARATION)
    assert early.lines[0].cost_entry_id == reception.id


async def test_cost_entries_validation_tenants_and_concurrent_claims(svc: System) -> None:
    await svc.agreement()
    client = await svc.new_client()
    other_client = await svc.new_client(caller=OFFICER_837)
    bad = await rpc_error(
        svc.stub.CreateCostEntry(
            pb.CreateCostEntryRequest(
                cost_entry=pb.CostEntry(
                    client_id=client.id,
                    account_code="9999",
                    amount_cents=0,
                    activity_date="2026-03-03",
                    description="",
                    invoice_reference="L-1",
                )
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {v.field for v in bad.violations} == {
        "account_code",
        "amount_cents",
        "activity_date",
        "description",
    }
    foreign = await rpc_error(svc.cost(other_client.id), grpc.StatusCode.INVALID_ARGUMENT)
    assert foreign.violations[0].field == "client_id"
    no_contract = await rpc_error(
        svc.cost(client.id, contract_id="00000000-0000-4000-8000-000000000001"),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert no_contract.violations[0].field == "contract_id"
    assert await svc.rows(cost_entries) == []

    entry = await svc.cost(client.id, key="e-1")
    assert (await svc.cost(client.id, key="e-1")).id == entry.id
    changed = await svc.stub.UpdateCostEntry(
        pb.UpdateCostEntryRequest(
            cost_entry_id=entry.id,
            cost_entry=pb.CostEntry(amount_cents=13_000),
            update_mask=FieldMask(paths=["amount_cents"]),
            expected_version=entry.version,
        ),
        metadata=svc.md(OFFICER),
    )
    assert (changed.amount_cents, changed.version) == (13_000, 2)
    hidden = await rpc_error(
        svc.stub.GetCostEntry(
            pb.GetCostEntryRequest(cost_entry_id=entry.id), metadata=svc.md(OFFICER_837)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    assert hidden.type == "not-found"
    for caller in (EMPLOYMENT_OFFICER,):
        await rpc_error(
            svc.stub.ListCostEntries(pb.ListCostEntriesRequest(), metadata=svc.md(caller)),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    listed = await svc.stub.ListCostEntries(
        pb.ListCostEntriesRequest(client_id=client.id, status=pb.COST_ENTRY_STATUS_OPEN),
        metadata=svc.md(MANAGER),
    )
    assert [e.id for e in listed.cost_entries] == [entry.id]
    reads = [e for e in await svc.audit_events() if e.resource == f"cost-entries/{entry.id}"]
    assert {e.subject_client_id for e in reads if e.outcome == "success"} == {client.id}
    [probe] = [e for e in reads if e.outcome == "not-found"]
    assert (probe.actor_subject, probe.municipality_code, probe.subject_client_id) == (
        OFFICER_837.subject,
        "837",
        "",
    )

    results = await asyncio.gather(svc.claim(), svc.claim(), return_exceptions=True)
    made = [r for r in results if isinstance(r, pb.Claim)]
    failed = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(made) == 1
    assert len(failed) == 1
    assert failed[0].code() in (
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert len(await svc.rows(claims)) == 1
    locked = await rpc_error(
        svc.stub.UpdateCostEntry(
            pb.UpdateCostEntryRequest(
                cost_entry_id=entry.id,
                cost_entry=pb.CostEntry(amount_cents=1),
                update_mask=FieldMask(paths=["amount_cents"]),
                expected_version=changed.version + 1,
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert locked.type == "invalid-state"
    await rpc_error(svc.get_claim(made[0].id, OFFICER_837), grpc.StatusCode.NOT_FOUND)
    codes = await svc.stub.ListAccountCodes(pb.ListAccountCodesRequest(), metadata=svc.md(OFFICER))
    assert [c.code for c in codes.account_codes] == ["4391", "4392", "4393", "4394", "4395"]
