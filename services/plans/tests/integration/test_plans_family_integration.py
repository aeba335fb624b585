"""Family plans (with the guardians' consent, bounded by the members' individual plans) and
multi-sector plans (with the welfare area) over gRPC."""

from __future__ import annotations

from datetime import timedelta

import grpc
from google.protobuf.field_mask_pb2 import FieldMask
from plans_testkit import (
    MUNICIPAL_091,
    MUNICIPAL_837,
    TODAY,
    Stack,
    fields_of,
    other_service,
    plan,
    rpc_error,
)

from kotopolku.plans.tables import plan_members, plans
from kotopolku.plans.v1 import plans_pb2

S = plans_pb2


def family_plan(guardian: str, members: list[str], **fields: object) -> plans_pb2.Plan:
    return plan(
        guardian,
        kind=S.PLAN_KIND_FAMILY,
        family=S.FamilyDetails(member_client_ids=members, guardian_consent_reference="consent-42"),
        **fields,
    )


async def test_a_family_plan_needs_members_and_the_guardians_consent(stack: Stack) -> None:
    guardian, _ = await stack.new_client(901)
    child, _ = await stack.new_client(902)
    foreign, _ = await stack.new_client(903, caller=MUNICIPAL_837)

    error = await rpc_error(
        stack.create(plan(guardian, kind=S.PLAN_KIND_FAMILY)), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert fields_of(error) == ["family.member_client_ids", "family.guardian_consent_reference"]
    error = await rpc_error(
        stack.create(family_plan(guardian, [child, child, "x"])), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert fields_of(error) == ["family.member_client_ids[2]", "family.member_client_ids"]
    error = await rpc_error(
        stack.create(family_plan(guardian, [guardian])), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "the plan's client" in error.violations[0].description
    # A member must be a client the officer's municipality knows.
    error = await rpc_error(
        stack.create(family_plan(guardian, [child, foreign])), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert fields_of(error) == ["family.member_client_ids[1]"]
    assert await stack.count(plans) == 0

    created = await stack.create(family_plan(guardian, [child]))
    assert created.kind == S.PLAN_KIND_FAMILY
    assert list(created.family.member_client_ids) == [child]
    assert created.family.guardian_consent_reference == "consent-42"
    assert list(created.family.linked_plan_ids) == []
    assert not created.family.valid_until
    assert await stack.count(plan_members) == 1
    # The family plan is personal data of every member: each one's access is audited.
    events = [e for e in await stack.audit_events() if e.action == "plan.create"]
    assert sorted(e.subject_client_id for e in events) == sorted([guardian, child])


async def test_a_family_plan_lasts_at_most_as_long_as_a_members_individual_plan(
    stack: Stack,
) -> None:
    guardian, guardian_user = await stack.new_client(901)
    child, child_user = await stack.new_client(902, birth=TODAY.replace(year=2010))
    family = await stack.create(family_plan(guardian, [child], end_date="2026-12-31"))

    error = await rpc_error(stack.submit(family), grpc.StatusCode.FAILED_PRECONDITION)
    assert "no member of the family has a valid individual plan" in error.detail

    # The child's individual plan ends in October, the guardian's draft does not count yet.
    await stack.activate(plan(child, end_date="2026-10-31"), child_user)
    await stack.create(plan(guardian, end_date="2027-01-15"))
    error = await rpc_error(stack.submit(family), grpc.StatusCode.FAILED_PRECONDITION)
    assert "on or before 2026-10-31" in error.detail

    shortened = await stack.plans.UpdatePlan(
        S.UpdatePlanRequest(
            plan_id=family.id,
            plan=S.Plan(end_date="2026-10-31"),
            update_mask=FieldMask(paths=["end_date"]),
            expected_version=family.version,
        ),
        metadata=stack.md(MUNICIPAL_091),
    )
    assert shortened.family.valid_until == "2026-10-31"
    assert len(shortened.family.linked_plan_ids) == 1
    submitted = await stack.submit(shortened)
    by_officer = await stack.approve(submitted, MUNICIPAL_091)
    # A member sees the family plan, but only the plan's client (the guardian) approves it.
    assert (await stack.get(family.id, child_user)).id == family.id
    await rpc_error(stack.approve(by_officer, child_user), grpc.StatusCode.PERMISSION_DENIED)
    active = await stack.approve(by_officer, guardian_user)
    assert active.status == S.PLAN_STATUS_ACTIVE

    # An extension cannot outlast the members' plans either.
    error = await rpc_error(
        stack.plans.ExtendPlan(
            S.ExtendPlanRequest(
                plan_id=active.id,
                expected_version=active.version,
                new_end_date="2026-12-31",
                reason="Perhe tarvitsee tukea",
            ),
            metadata=stack.md(MUNICIPAL_091),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["new_end_date"]

    # The member's list shows their own plan and the family plan.
    listed = await stack.plans.ListClientPlans(
        S.ListClientPlansRequest(client_id=child), metadata=stack.md(MUNICIPAL_091)
    )
    assert {p.kind for p in listed.plans} == {S.PLAN_KIND_INDIVIDUAL, S.PLAN_KIND_FAMILY}
    own = await stack.plans.ListOwnPlans(S.ListOwnPlansRequest(), metadata=stack.md(child_user))
    assert len(own.plans) == 2

    # When the member's plan has ended, the family plan has nothing left to lean on.
    stack.clock.advance(days=300)
    after = await stack.get(family.id)
    assert not after.family.valid_until
    assert list(after.family.linked_plan_ids) == []


async def test_a_multi_sector_plan_names_the_welfare_area_and_may_hold_its_services(
    stack: Stack,
) -> None:
    client_id, user = await stack.new_client()
    error = await rpc_error(
        stack.create(plan(client_id, kind=S.PLAN_KIND_MULTI_SECTOR)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["welfare_area"]

    created = await stack.create(
        plan(
            client_id,
            kind=S.PLAN_KIND_MULTI_SECTOR,
            welfare_area="Itä-Uusimaa",
            services=[
                other_service(
                    "Mielenterveyspalvelut",
                    welfare_area_service=True,
                    planned_start=TODAY.isoformat(),
                    planned_end=(TODAY + timedelta(days=60)).isoformat(),
                )
            ],
        )
    )
    assert created.welfare_area == "Itä-Uusimaa"
    assert created.services[0].welfare_area_service
    # A multi-sector plan counts as the client's individual plan for a family plan.
    active = await stack.activate(
        plan(client_id, kind=S.PLAN_KIND_MULTI_SECTOR, welfare_area="Itä-Uusimaa"), user
    )
    assert active.status == S.PLAN_STATUS_ACTIVE
