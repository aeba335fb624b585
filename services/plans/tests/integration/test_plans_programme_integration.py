"""What the plans service asks of the programme service, and what it answers it: catalogue
services in plans, the data an enrolment needs, and outcomes reported by providers."""

from __future__ import annotations

from typing import Any

import grpc
import jwt
from google.protobuf.field_mask_pb2 import FieldMask
from plans_testkit import (
    CATALOGUE_091,
    CATALOGUE_837,
    EMPLOYMENT_091,
    MANAGER_091,
    MUNICIPAL_091,
    MUNICIPAL_837,
    PROVIDER_091,
    TODAY,
    Stack,
    fields_of,
    other_service,
    plan,
    rpc_error,
)

from kotopolku.plans.v1 import plans_pb2

S = plans_pb2


def catalogue_service(service_id: str = CATALOGUE_091) -> plans_pb2.PlanService:
    return S.PlanService(
        programme_service_id=service_id, planned_start=TODAY.isoformat(), planned_end="2026-05-31"
    )


async def test_catalogue_services_must_be_in_the_municipalitys_programme(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    error = await rpc_error(
        stack.create(
            plan(client_id, services=[catalogue_service(), catalogue_service(CATALOGUE_837)])
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["services[1].programme_service_id"]

    created = await stack.create(plan(client_id, services=[catalogue_service()]))
    assert created.services[0].programme_service_id == CATALOGUE_091
    # The programme service was asked as the officer, not as the plans service.
    claims = jwt.decode(stack.programme.assertions[-1], options={"verify_signature": False})
    assert (claims["sub"], claims["mun"]) == (MUNICIPAL_091.subject, "091")

    error = await rpc_error(
        stack.plans.UpdatePlan(
            S.UpdatePlanRequest(
                plan_id=created.id,
                plan=S.Plan(services=[catalogue_service("unknown")]),
                update_mask=FieldMask(paths=["services"]),
                expected_version=created.version,
            ),
            metadata=stack.md(MUNICIPAL_091),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["services[0].programme_service_id"]


async def test_a_stopped_programme_service_makes_the_call_unavailable(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    await stack.programme_server.stop(0)
    error = await rpc_error(
        stack.create(plan(client_id, services=[catalogue_service()])), grpc.StatusCode.UNAVAILABLE
    )
    assert error.type == "service-unavailable"
    # Plans without catalogue services do not need it.
    await stack.create(plan(client_id, services=[other_service()]))


async def active_with_services(stack: Stack) -> tuple[str, plans_pb2.Plan]:
    client_id, user = await stack.new_client()
    active = await stack.activate(
        plan(client_id, services=[catalogue_service(), other_service()]), user
    )
    return client_id, active


def enrolment_request(found: plans_pb2.Plan, index: int = 0) -> Any:
    return S.GetPlanServiceForEnrolmentRequest(
        plan_id=found.id, plan_service_id=found.services[index].id
    )


async def test_the_programme_service_reads_what_an_enrolment_needs(stack: Stack) -> None:
    client_id, active = await active_with_services(stack)

    answer = await stack.plans.GetPlanServiceForEnrolment(
        enrolment_request(active), metadata=stack.internal_md()
    )

    assert answer == S.PlanServiceForEnrolment(
        plan_id=active.id,
        plan_service_id=active.services[0].id,
        client_id=client_id,
        municipality_code="091",
        programme_service_id=CATALOGUE_091,
        planned_start=TODAY.isoformat(),
        planned_end="2026-05-31",
        status=S.PLAN_SERVICE_STATUS_PLANNED,
        plan_status=S.PLAN_STATUS_ACTIVE,
        responsible_authority=S.RESPONSIBLE_AUTHORITY_MUNICIPALITY,
    )
    # Officers of the municipality may ask too; others are refused or told it is not there.
    by_officer = await stack.plans.GetPlanServiceForEnrolment(
        enrolment_request(active, 1), metadata=stack.md(EMPLOYMENT_091)
    )
    assert by_officer.programme_service_id == ""
    await rpc_error(
        stack.plans.GetPlanServiceForEnrolment(
            enrolment_request(active), metadata=stack.md(MUNICIPAL_837)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    for caller in (PROVIDER_091, MANAGER_091):
        await rpc_error(
            stack.plans.GetPlanServiceForEnrolment(
                enrolment_request(active), metadata=stack.md(caller)
            ),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    await rpc_error(
        stack.plans.GetPlanServiceForEnrolment(
            S.GetPlanServiceForEnrolmentRequest(
                plan_id=active.id, plan_service_id="7d1e4a8e-0000-4000-8000-000000000000"
            ),
            metadata=stack.internal_md(),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    # The service key of any other service reads nothing: it knows no municipality.
    for other in ("messaging", "esign", "clients"):
        await rpc_error(
            stack.plans.GetPlanServiceForEnrolment(
                enrolment_request(active), metadata=stack.internal_md(other)
            ),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    events = [e for e in await stack.audit_events() if e.action == "plan-service.read"]
    assert [(e.actor_subject, e.subject_client_id) for e in events] == [
        ("kotopolku-service:programme", client_id),
        (EMPLOYMENT_091.subject, client_id),
    ]


def outcome(found: plans_pb2.Plan, status: int, completion: str = "", summary: str = "") -> Any:
    return S.RecordServiceOutcomeRequest(
        plan_id=found.id,
        plan_service_id=found.services[0].id,
        status=status,
        completion_date=completion,
        summary=summary,
    )


async def test_only_the_programme_service_reports_outcomes(stack: Stack) -> None:
    client_id, active = await active_with_services(stack)
    report = outcome(active, S.PLAN_SERVICE_STATUS_COMPLETED, TODAY.isoformat(), "Suoritettu A2")

    for metadata in (
        stack.md(MUNICIPAL_091),
        stack.md(PROVIDER_091),
        stack.internal_md("assessment"),
    ):
        error = await rpc_error(
            stack.plans.RecordServiceOutcome(report, metadata=metadata),
            grpc.StatusCode.PERMISSION_DENIED,
        )
        assert error.type == "forbidden"

    error = await rpc_error(
        stack.plans.RecordServiceOutcome(
            outcome(active, S.PLAN_SERVICE_STATUS_COMPLETED), metadata=stack.internal_md()
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["completion_date"]
    error = await rpc_error(
        stack.plans.RecordServiceOutcome(
            outcome(active, S.PLAN_SERVICE_STATUS_PLANNED, "2099-01-01"),
            metadata=stack.internal_md(),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["status"]

    enrolled = await stack.plans.RecordServiceOutcome(
        outcome(active, S.PLAN_SERVICE_STATUS_ENROLLED), metadata=stack.internal_md()
    )
    assert enrolled.status == S.PLAN_SERVICE_STATUS_ENROLLED
    completed = await stack.plans.RecordServiceOutcome(report, metadata=stack.internal_md())
    assert completed.status == S.PLAN_SERVICE_STATUS_COMPLETED
    assert completed.completion_date == TODAY.isoformat()
    assert completed.outcome_summary == "Suoritettu A2"
    assert completed.id == active.services[0].id

    # A repeated delivery changes nothing, not even the plan's version.
    again = await stack.plans.RecordServiceOutcome(report, metadata=stack.internal_md())
    assert again == completed
    after = await stack.get(active.id)
    assert after.services[0] == completed
    assert after.version == active.version + 2
    events = [e for e in await stack.audit_events() if e.action == "plan-service.outcome"]
    assert len(events) == 2
    assert {e.subject_client_id for e in events} == {client_id}
    for payload in await stack.outbox_payloads():
        assert b"Suoritettu A2" not in payload


async def test_no_outcomes_for_a_plan_not_yet_approved(stack: Stack) -> None:
    client_id, _ = await stack.new_client()
    draft = await stack.create(plan(client_id, services=[other_service()]))
    await rpc_error(
        stack.plans.RecordServiceOutcome(
            outcome(draft, S.PLAN_SERVICE_STATUS_ENROLLED), metadata=stack.internal_md()
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    await rpc_error(
        stack.plans.RecordServiceOutcome(
            S.RecordServiceOutcomeRequest(
                plan_id="7d1e4a8e-0000-4000-8000-000000000000",
                plan_service_id=draft.services[0].id,
                status=S.PLAN_SERVICE_STATUS_ENROLLED,
            ),
            metadata=stack.internal_md(),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
