"""Integration tests of contracts on SQLite and PostgreSQL, through the real service (migrations,
interceptors, identity, audit outbox) and the real clients service."""

from __future__ import annotations

import grpc
from contracts_testkit import (
    EMPLOYMENT_OFFICER,
    MANAGER,
    OFFICER,
    OFFICER_837,
    PROVIDER,
    System,
    contract,
    housing_lease,
    party,
    rpc_error,
)
from google.protobuf.field_mask_pb2 import FieldMask

from kotopolku.contracts.tables import contracts
from kotopolku.contracts.v1 import contracts_pb2 as pb


async def test_contract_life_cycle_with_audit_versions_and_idempotency(svc: System) -> None:
    created = await svc.create_contract(key="k-1")
    assert (created.status, created.version, created.municipality_code) == (
        pb.CONTRACT_STATUS_DRAFT,
        1,
        "091",
    )
    assert created.responsible_officer == OFFICER.subject
    assert created.parties[0].business_id == "0112038-9"
    assert not created.in_force
    assert (created.next_deadline.kind, created.next_deadline.date) == (
        pb.ContractDeadline.KIND_EXPIRY,
        "2026-12-31",
    )
    again = await svc.create_contract(key="k-1")
    assert again.id == created.id
    assert len(await svc.rows(contracts)) == 1
    reused = await rpc_error(
        svc.create_contract(contract(title="Toinen"), key="k-1"), grpc.StatusCode.ALREADY_EXISTS
    )
    assert reused.type == "idempotency-key-reused"

    update = pb.UpdateContractRequest(
        contract_id=created.id,
        contract=pb.Contract(
            parties=[party(), party(pb.PARTY_ROLE_PARTNER, name="SPR", business_id="0245437-2")]
        ),
        update_mask=FieldMask(paths=["parties"]),
        expected_version=1,
    )
    updated = await svc.stub.UpdateContract(update, metadata=svc.md(OFFICER))
    assert (updated.version, len(updated.parties)) == (2, 2)
    stale = await rpc_error(
        svc.stub.UpdateContract(update, metadata=svc.md(OFFICER)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert stale.type == "stale-version"

    active = await svc.activate(updated)
    assert (active.status, active.in_force) == (pb.CONTRACT_STATUS_ACTIVE, True)
    terms = pb.UpdateContractRequest(
        contract_id=created.id,
        contract=pb.Contract(valid_until="2027-06-30"),
        update_mask=FieldMask(paths=["valid_until"]),
        expected_version=active.version,
    )
    locked = await rpc_error(
        svc.stub.UpdateContract(terms, metadata=svc.md(OFFICER)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert locked.type == "invalid-state"
    assert "draft" in locked.detail
    twice = await rpc_error(svc.activate(active), grpc.StatusCode.FAILED_PRECONDITION)
    assert twice.type == "invalid-state"

    read = await svc.stub.GetContract(
        pb.GetContractRequest(contract_id=created.id), metadata=svc.md(MANAGER)
    )
    assert read == active
    actions = [(e.action, e.resource, e.actor_subject) for e in await svc.audit_events()]
    assert actions == [
        ("contract.create", f"contracts/{created.id}", OFFICER.subject),
        ("contract.update", f"contracts/{created.id}", OFFICER.subject),
        ("contract.activate", f"contracts/{created.id}", OFFICER.subject),
        ("contract.read", f"contracts/{created.id}", MANAGER.subject),
    ]


async def test_invalid_contracts_name_every_field_and_store_nothing(svc: System) -> None:
    bad = contract(
        kind=pb.CONTRACT_KIND_HOUSING_LEASE,
        title=" ",
        parties=[party(business_id="0112038-8"), party(name="", business_id="x")],
        valid_until="2025-12-31",
        amount_basis=pb.AMOUNT_BASIS_UNSPECIFIED,
    )
    error = await rpc_error(svc.create_contract(bad), grpc.StatusCode.INVALID_ARGUMENT)
    fields = {v.field for v in error.violations}
    assert fields == {
        "title",
        "parties[0].business_id",
        "parties[1].name",
        "valid_until",
        "amount_basis",
    }
    terms = await rpc_error(
        svc.create_contract(contract(valid_until="2025-12-31")), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert [v.field for v in terms.violations] == ["valid_until"]
    lease = await rpc_error(
        svc.create_contract(
            housing_lease(renewal=pb.RenewalTerms(type=pb.RENEWAL_TYPE_OPEN_ENDED))
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [v.field for v in lease.violations] == ["renewal.notice_period_days"]
    no_lessor = await rpc_error(
        svc.create_contract(housing_lease(parties=[party()])), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "LESSOR" in no_lessor.violations[0].description
    assert await svc.rows(contracts) == []


async def test_lease_for_a_quota_refugee_before_arrival_then_notice(svc: System) -> None:
    lease = await svc.activate(await svc.create_contract(housing_lease()))
    assert lease.parties[0].is_person
    assert lease.parties[0].business_id == ""
    assert lease.current_term_end == ""
    assert not lease.HasField("next_deadline")
    assert lease.in_force
    assert lease.client_id == ""

    client = await svc.new_client()
    linked = await svc.stub.UpdateContract(
        pb.UpdateContractRequest(
            contract_id=lease.id,
            contract=pb.Contract(client_id=client.id),
            update_mask=FieldMask(paths=["client_id"]),
            expected_version=lease.version,
        ),
        metadata=svc.md(OFFICER),
    )
    assert linked.client_id == client.id
    # Notice on 2 March 2026 with 30 days: the earliest end is 1 April; earlier is refused.
    early = await rpc_error(
        svc.stub.TerminateContract(
            pb.TerminateContractRequest(
                contract_id=lease.id, expected_version=linked.version, termination_date="2026-03-15"
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert early.violations[0].field == "termination_date"
    assert "2026-04-01 or later" in early.violations[0].description
    ended = await svc.stub.TerminateContract(
        pb.TerminateContractRequest(contract_id=lease.id, expected_version=linked.version),
        metadata=svc.md(OFFICER),
    )
    assert (ended.status, ended.notice_given_on, ended.termination_date) == (
        pb.CONTRACT_STATUS_TERMINATED,
        "2026-03-02",
        "2026-04-01",
    )
    assert (ended.next_deadline.kind, ended.next_deadline.days_left) == (
        pb.ContractDeadline.KIND_EXPIRY,
        30,
    )
    events = [e for e in await svc.audit_events() if e.resource == f"contracts/{lease.id}"]
    assert events[-1].subject_client_id == client.id

    unknown = await rpc_error(
        svc.stub.UpdateContract(
            pb.UpdateContractRequest(
                contract_id=lease.id,
                contract=pb.Contract(client_id="00000000-0000-4000-8000-000000000000"),
                update_mask=FieldMask(paths=["client_id"]),
                expected_version=ended.version,
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert unknown.violations[0].field == "client_id"


async def test_expiring_contracts_roll_with_renewals(svc: System) -> None:
    fixed = await svc.activate(
        await svc.create_contract(contract(valid_from="2025-05-01", valid_until="2026-04-15"))
    )
    auto = await svc.activate(
        await svc.create_contract(
            contract(
                kind=pb.CONTRACT_KIND_TRAINING,
                title="Kotoutumiskoulutus, jatkuva",
                valid_from="2025-04-01",
                valid_until="2026-03-31",
                renewal=pb.RenewalTerms(
                    type=pb.RENEWAL_TYPE_AUTO_RENEWAL,
                    renewal_period_months=12,
                    notice_period_days=60,
                ),
            ),
            caller=MANAGER,
        )
    )
    later = await svc.activate(
        await svc.create_contract(contract(valid_from="2026-01-01", valid_until="2026-12-31"))
    )
    draft = await svc.create_contract(contract(valid_until="2026-03-10"))
    other = await svc.create_contract(contract(valid_until="2026-03-20"), OFFICER_837)
    await svc.activate(other, OFFICER_837)

    async def expiring(
        within: int = 60, mine: bool = False, caller=OFFICER
    ) -> list[tuple[str, str, int]]:
        found = await svc.stub.ListExpiringContracts(
            pb.ListExpiringContractsRequest(within_days=within, mine=mine),
            metadata=svc.md(caller),
        )
        return [(c.id, c.next_deadline.date, c.next_deadline.kind) for c in found.contracts]

    # 2 March 2026: the training's notice day was 30 January, so it renewed to March 2027.
    assert auto.next_deadline.date == "2027-01-30"
    assert await expiring() == [(fixed.id, "2026-04-15", pb.ContractDeadline.KIND_EXPIRY)]
    assert await expiring(mine=True, caller=MANAGER) == []
    svc.clock.set_helsinki(2026, 12, 1)
    assert await expiring() == [
        (later.id, "2026-12-31", pb.ContractDeadline.KIND_EXPIRY),
        (auto.id, "2027-01-30", pb.ContractDeadline.KIND_NOTICE),
    ]
    assert await expiring(mine=True, caller=MANAGER) == [
        (auto.id, "2027-01-30", pb.ContractDeadline.KIND_NOTICE)
    ]
    # Past the notice day without notice: renewed again; the stored deadline follows.
    svc.clock.set_helsinki(2027, 2, 1)
    assert await expiring(within=366) == [(auto.id, "2028-01-31", pb.ContractDeadline.KIND_NOTICE)]
    stored = {row.id: row.next_deadline.isoformat() for row in await svc.rows(contracts)}
    assert stored[auto.id] == "2028-01-31"
    assert draft.id not in [c for c, _, _ in await expiring(within=366)]
    bad = await rpc_error(
        svc.stub.ListExpiringContracts(
            pb.ListExpiringContractsRequest(within_days=400), metadata=svc.md(OFFICER)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert bad.violations[0].field == "within_days"


async def test_tenants_roles_and_pagination(svc: System) -> None:
    ids = []
    for n in range(5):
        svc.clock.advance(seconds=1)
        ids.append((await svc.create_contract(contract(title=f"Sopimus {n}"))).id)
    await svc.create_contract(housing_lease())
    other = await svc.create_contract(contract(), OFFICER_837)

    missing = await rpc_error(
        svc.stub.GetContract(
            pb.GetContractRequest(contract_id=ids[0]), metadata=svc.md(OFFICER_837)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    assert missing.type == "not-found"
    await rpc_error(
        svc.stub.ActivateContract(
            pb.ActivateContractRequest(contract_id=other.id, expected_version=1),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    for caller in (EMPLOYMENT_OFFICER, PROVIDER):
        await rpc_error(
            svc.stub.ListContracts(pb.ListContractsRequest(), metadata=svc.md(caller)),
            grpc.StatusCode.PERMISSION_DENIED,
        )

    seen: list[str] = []
    token = ""
    while True:
        page = await svc.stub.ListContracts(
            pb.ListContractsRequest(
                kind=pb.CONTRACT_KIND_INTERPRETING, page_size=2, page_token=token
            ),
            metadata=svc.md(OFFICER),
        )
        seen += [c.id for c in page.contracts]
        token = page.next_page_token
        if not token:
            break
    assert seen == ids
