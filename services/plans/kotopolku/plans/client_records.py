"""The plans service's part of the client-records contract (archiving, docs/archiving.md).

The client's plans with everything under them go into the archival package and are then
removed. The client's membership in another client's family plan goes too (the family plan
itself belongs to that client and stays). While one of the client's plans is awaiting approval,
in force or suspended, the client's active use has not ended and nothing is minimised.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kotopolku.common.client_records import (
    ClientRecordsConfig,
    RecordSource,
    owned_by_client,
    rows_of,
    while_rows_remain,
)
from kotopolku.plans.domain.model import PlanStatus
from kotopolku.plans.tables import (
    plan_approvals,
    plan_extensions,
    plan_goals,
    plan_members,
    plan_reviews,
    plan_services,
    plan_status_changes,
    plan_transfers,
    plans,
)

_plan = owned_by_client(plans)
PARENT = ("plans.plan", "plan_id")


def _other_family_plans(client_id: str, municipality: str) -> ColumnElement[bool]:
    others = sa.select(plans.c.id).where(
        plans.c.municipality_code == municipality, plans.c.client_id != client_id
    )
    return sa.and_(plan_members.c.client_id == client_id, plan_members.c.plan_id.in_(others))


def _child(record_type: str, table: sa.Table, created: str | None, **extra: object) -> RecordSource:
    return RecordSource(
        record_type,
        table,
        rows_of(table, "plan_id", plans, _plan),
        created_column=created,
        updated_column=None,
        parent=PARENT,
        **extra,  # type: ignore[arg-type]
    )


# A draft was never agreed and an ended plan is done; every other state is the client's active use.
_UNFINISHED = (PlanStatus.AWAITING_APPROVAL, PlanStatus.ACTIVE, PlanStatus.SUSPENDED)


def _unfinished(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(
        _plan(client_id, municipality), plans.c.status.in_([s.value for s in _UNFINISHED])
    )


CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("plans.plan", plans, _plan),
        _child("plans.member", plan_members, None, id_columns=("plan_id", "client_id")),
        _child("plans.goal", plan_goals, None),
        _child("plans.agreed-service", plan_services, None),
        _child("plans.approval", plan_approvals, "approved_at", id_columns=("plan_id", "party")),
        _child("plans.status-change", plan_status_changes, "changed_at"),
        _child("plans.review", plan_reviews, "recorded_at"),
        _child("plans.extension", plan_extensions, "recorded_at"),
        _child("plans.transfer", plan_transfers, "transferred_at"),
        RecordSource(
            "plans.family-membership",
            plan_members,
            _other_family_plans,
            id_columns=("plan_id", "client_id"),
            created_column=None,
            updated_column=None,
        ),
    ),
    blockers=while_rows_remain(
        plans, _unfinished, "{count} plans are still awaiting approval, in force or suspended"
    ),
)
