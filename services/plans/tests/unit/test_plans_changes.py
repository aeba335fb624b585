"""Turning messages into checked values (no database): both passes name every bad field."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from kotopolku.common.errors import InvalidArgument
from kotopolku.plans import changes
from kotopolku.plans.domain.errors import PlanStateError
from kotopolku.plans.domain.model import PlanKind, PlanServiceStatus, PlanStatus
from kotopolku.plans.domain.model import ResponsibleAuthority as Authority
from kotopolku.plans.repository import PlanRecord
from kotopolku.plans.v1 import plans_pb2 as pb
from kotopolku.plans.validation import UPDATABLE_PATHS, Collector, plan_input

TODAY = date(2026, 3, 1)
CLIENT = "0b0e9c2e-1111-4111-8111-111111111111"
MEMBER = "0b0e9c2e-2222-4222-8222-222222222222"
GOAL_ID = "0b0e9c2e-3333-4333-8333-333333333333"
SERVICE_ID = "0b0e9c2e-4444-4444-8444-444444444444"


def new(
    message: pb.Plan, acting: frozenset[Authority] = frozenset({Authority.MUNICIPALITY})
) -> tuple[changes.PlanChanges, list[str]]:
    collector = Collector()
    plan = plan_input(message, UPDATABLE_PATHS, collector, creating=True)
    made = changes.for_new_plan(plan, acting, TODAY, collector)
    return made, [v.field for v in collector.violations]


def valid(**fields: Any) -> pb.Plan:
    fields.setdefault("client_id", CLIENT)
    fields.setdefault("kind", pb.PLAN_KIND_INDIVIDUAL)
    fields.setdefault("start_date", "2026-03-01")
    fields.setdefault("end_date", "2027-03-01")
    fields.setdefault("goals", [pb.Goal(category=pb.GOAL_CATEGORY_EDUCATION, text="Lukio")])
    return pb.Plan(**fields)


def test_a_valid_new_plan_becomes_columns() -> None:
    made, fields = new(
        valid(
            services=[pb.PlanService(programme_service_id="svc-1", planned_start="2026-03-02")],
            obligations=pb.Obligations(receives_social_assistance=True),
        )
    )
    assert fields == []
    assert made.values["kind"] is PlanKind.INDIVIDUAL
    assert made.values["responsible_authority"] is Authority.MUNICIPALITY
    assert made.values["end_date"] == date(2027, 3, 1)
    assert made.values["receives_social_assistance"] is True
    assert made.goals == [
        {"id": None, "category": "EDUCATION", "text": "Lukio", "target_date": None}
    ]
    assert made.services is not None
    assert made.services[0]["status"] == "PLANNED"
    assert made.services[0]["programme_service_id"] == "svc-1"
    assert made.members == []


def test_every_bad_field_of_a_new_plan_is_named() -> None:
    _, fields = new(
        pb.Plan(
            client_id="x",
            kind=99,
            start_date="2026-13-01",
            goals=[pb.Goal(id="nope")],
            services=[pb.PlanService(status=42, other_service="a", completion_date="x")],
            follow_up_plan="\x00",
        ),
        acting=frozenset(),
    )
    assert fields == [
        "client_id",
        "kind",
        "start_date",
        "end_date",
        "goals[0].category",
        "goals[0].text",
        "goals[0].id",
        "services[0].status",
        "services[0].completion_date",
        "follow_up_plan",
        "responsible_authority",
    ]


def test_a_family_plan_without_members_or_consent() -> None:
    _, fields = new(valid(kind=pb.PLAN_KIND_FAMILY))
    assert fields == ["family.member_client_ids", "family.guardian_consent_reference"]
    made, fields = new(
        valid(
            kind=pb.PLAN_KIND_FAMILY,
            family=pb.FamilyDetails(member_client_ids=[MEMBER], guardian_consent_reference="c"),
        )
    )
    assert fields == []
    assert made.members == [MEMBER]
    assert made.values["guardian_consent_reference"] == "c"


def record(
    status: PlanStatus = PlanStatus.DRAFT, kind: PlanKind = PlanKind.INDIVIDUAL
) -> PlanRecord:
    row = SimpleNamespace(
        id="p",
        client_id=CLIENT,
        status=status.value,
        kind=kind.value,
        start_date=date(2026, 3, 1),
        end_date=date(2026, 9, 1),
    )
    return PlanRecord(
        row=row,
        goals=[SimpleNamespace(id=GOAL_ID)],
        services=[SimpleNamespace(id=SERVICE_ID, status=PlanServiceStatus.ENROLLED.value)],
    )


def update(
    message: pb.Plan, paths: list[str], stored: PlanRecord
) -> tuple[changes.PlanChanges, list[str]]:
    collector = Collector()
    plan = plan_input(message, paths, collector, creating=False)
    made = changes.for_update(plan, stored, TODAY, collector)
    return made, [v.field for v in collector.violations]


def test_an_update_is_checked_against_the_stored_plan() -> None:
    made, fields = update(pb.Plan(end_date="2027-03-01"), ["end_date"], record())
    assert fields == []
    assert made.values == {"start_date": date(2026, 3, 1), "end_date": date(2027, 3, 1)}
    _, fields = update(pb.Plan(start_date="2025-01-01"), ["start_date"], record())
    assert fields == ["start_date"]
    made, fields = update(
        pb.Plan(
            goals=[pb.Goal(id=GOAL_ID, category=pb.GOAL_CATEGORY_SOCIETAL, text="t")],
            services=[pb.PlanService(id=SERVICE_ID, other_service="Kurssi")],
        ),
        ["goals", "services"],
        record(),
    )
    assert fields == []
    assert made.goals is not None
    assert made.goals[0]["id"] == GOAL_ID
    assert made.services is not None
    assert made.services[0]["status"] == "ENROLLED"
    _, fields = update(pb.Plan(services=[]), ["services"], record())
    assert fields == ["services"]


@pytest.mark.parametrize("status", [PlanStatus.ACTIVE, PlanStatus.SUSPENDED])
def test_terms_are_fixed_once_approved(status: PlanStatus) -> None:
    with pytest.raises(PlanStateError):
        update(pb.Plan(end_date="2026-10-01"), ["end_date"], record(status))
    made, fields = update(pb.Plan(follow_up_plan="Jatko"), ["follow_up_plan"], record(status))
    assert (made.values, fields) == ({"follow_up_plan": "Jatko"}, [])


def test_nothing_changes_in_an_ended_plan() -> None:
    with pytest.raises(PlanStateError):
        update(pb.Plan(follow_up_plan="x"), ["follow_up_plan"], record(PlanStatus.ENDED))


def test_the_collector_raises_one_error_naming_all_fields() -> None:
    collector = Collector()
    collector.add("a", "bad")
    collector.check("b", lambda: int("x"))
    with pytest.raises(InvalidArgument) as info:
        collector.raise_if_any()
    assert [v.field for v in info.value.violations] == ["a", "b"]
    assert info.value.detail == "Invalid value in: a, b"
