"""Queries on the plans service's own tables (SQLAlchemy Core).

A plan is one row of ``plans`` and rows of its child tables; :func:`load_plans` reads the
children of a whole page of plans with one query per child table, for the plans whose current
version's children are not in the process's cache (children_cache.py).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.plans.children_cache import PlanChildren, PlanChildrenCache
from kotopolku.plans.domain.family import MemberPlan
from kotopolku.plans.domain.lifecycle import IN_FORCE
from kotopolku.plans.domain.model import PlanKind, PlanStatus
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


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """A plan with everything that belongs to it."""

    row: Any
    members: list[str] = field(default_factory=list)
    goals: list[Any] = field(default_factory=list)
    services: list[Any] = field(default_factory=list)
    approvals: list[Any] = field(default_factory=list)
    history: list[Any] = field(default_factory=list)
    reviews: list[Any] = field(default_factory=list)
    extensions: list[Any] = field(default_factory=list)
    transfers: list[Any] = field(default_factory=list)
    # Family plans: the individual plans of the client and the members.
    member_plans: list[MemberPlan] = field(default_factory=list)

    @property
    def people(self) -> list[str]:
        """Every client whose data the plan holds: its client and the family's members."""
        return [self.row.client_id, *self.members]


# --- plans -------------------------------------------------------------------------------


async def insert_plan(connection: AsyncConnection, values: dict[str, Any]) -> str:
    plan_id = new_id()
    await connection.execute(sa.insert(plans).values(id=plan_id, version=1, **values))
    return plan_id


async def get_plan(connection: AsyncConnection, plan_id: str) -> Row[Any] | None:
    return (await connection.execute(sa.select(plans).where(plans.c.id == plan_id))).first()


async def is_member(connection: AsyncConnection, plan_id: str, client_id: str) -> bool:
    query = sa.select(plan_members.c.plan_id).where(
        plan_members.c.plan_id == plan_id, plan_members.c.client_id == client_id
    )
    return (await connection.execute(query)).first() is not None


async def update_plan(
    connection: AsyncConnection,
    plan_id: str,
    expected_version: int,
    values: dict[str, Any],
    now: datetime,
) -> bool:
    """Applies the change only if nobody changed the plan since ``expected_version``."""
    result = await connection.execute(
        sa.update(plans)
        .where(plans.c.id == plan_id, plans.c.version == expected_version)
        .values(**values, version=plans.c.version + 1, updated_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def list_client_plans(
    connection: AsyncConnection,
    client_id: str,
    municipality: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Plans of the client, also family plans the client is a member of, oldest first."""
    member_of = sa.select(plan_members.c.plan_id).where(plan_members.c.client_id == client_id)
    query = sa.select(plans).where(
        plans.c.municipality_code == municipality,
        sa.or_(plans.c.client_id == client_id, plans.c.id.in_(member_of)),
    )
    if after is not None:
        query = query.where(sa.tuple_(plans.c.created_at, plans.c.id) > sa.tuple_(*after))
    query = query.order_by(plans.c.created_at, plans.c.id).limit(limit)
    return (await connection.execute(query)).all()


async def list_overdue(
    connection: AsyncConnection,
    municipality: str,
    today: date,
    authority: str | None,
    after: tuple[date, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Plans in force whose review was due before ``today``, the longest overdue first."""
    query = sa.select(plans).where(
        plans.c.municipality_code == municipality,
        plans.c.review_due_date < today,
        plans.c.status.in_(sorted(IN_FORCE)),
    )
    if authority is not None:
        query = query.where(plans.c.responsible_authority == authority)
    if after is not None:
        query = query.where(sa.tuple_(plans.c.review_due_date, plans.c.id) > sa.tuple_(*after))
    query = query.order_by(plans.c.review_due_date, plans.c.id).limit(limit)
    return (await connection.execute(query)).all()


async def family_plans_in_force_of(
    connection: AsyncConnection, client_ids: Iterable[str], municipality: str
) -> Sequence[Row[Any]]:
    """Family plans in force that one of these clients is the client or a member of."""
    ids = sorted(set(client_ids))
    member_of = sa.select(plan_members.c.plan_id).where(plan_members.c.client_id.in_(ids))
    query = (
        sa.select(plans)
        .where(
            plans.c.municipality_code == municipality,
            plans.c.kind == PlanKind.FAMILY,
            plans.c.status.in_(sorted(IN_FORCE)),
            sa.or_(plans.c.client_id.in_(ids), plans.c.id.in_(member_of)),
        )
        .order_by(plans.c.id)
    )
    return (await connection.execute(query)).all()


async def family_plans_in_force(
    connection: AsyncConnection, after_id: str, limit: int
) -> Sequence[Row[Any]]:
    """All family plans in force, in id order from ``after_id`` (for the periodic check)."""
    query = (
        sa.select(plans)
        .where(
            plans.c.kind == PlanKind.FAMILY,
            plans.c.status.in_(sorted(IN_FORCE)),
            plans.c.id > after_id,
        )
        .order_by(plans.c.id)
        .limit(limit)
    )
    return (await connection.execute(query)).all()


async def list_welfare_area_plans(
    connection: AsyncConnection,
    welfare_area: str,
    after: tuple[datetime, str] | None,
    limit: int,
    client_ids: Iterable[str] | None = None,
) -> Sequence[Row[Any]]:
    """Multi-sector plans the welfare area takes part in, oldest first; with ``client_ids``,
    only theirs."""
    query = sa.select(plans).where(
        plans.c.kind == PlanKind.MULTI_SECTOR, plans.c.welfare_area == welfare_area
    )
    if client_ids is not None:
        query = query.where(plans.c.client_id.in_(sorted(set(client_ids))))
    if after is not None:
        query = query.where(sa.tuple_(plans.c.created_at, plans.c.id) > sa.tuple_(*after))
    query = query.order_by(plans.c.created_at, plans.c.id).limit(limit)
    return (await connection.execute(query)).all()


async def individual_plans_of(
    connection: AsyncConnection, client_ids: Iterable[str], municipality: str
) -> list[MemberPlan]:
    """The individual (and multi-sector) plans of these clients, whatever their state."""
    query = (
        sa.select(plans.c.id, plans.c.client_id, plans.c.kind, plans.c.status, plans.c.end_date)
        .where(
            plans.c.client_id.in_(sorted(set(client_ids))),
            plans.c.municipality_code == municipality,
            plans.c.kind != PlanKind.FAMILY,
        )
        .order_by(plans.c.created_at, plans.c.id)
    )
    return [
        MemberPlan(
            plan_id=row.id,
            client_id=row.client_id,
            kind=PlanKind(row.kind),
            status=PlanStatus(row.status),
            end_date=row.end_date,
        )
        for row in await connection.execute(query)
    ]


# --- children ----------------------------------------------------------------------------


async def replace_members(
    connection: AsyncConnection, plan_id: str, member_ids: Sequence[str]
) -> None:
    await connection.execute(sa.delete(plan_members).where(plan_members.c.plan_id == plan_id))
    if member_ids:
        await connection.execute(
            sa.insert(plan_members),
            [
                {"plan_id": plan_id, "client_id": member, "position": position}
                for position, member in enumerate(member_ids)
            ],
        )


async def replace_goals(
    connection: AsyncConnection, plan_id: str, goals: Sequence[dict[str, Any]]
) -> None:
    """The plan's goals become ``goals``; a goal keeps its id when it carries one."""
    await connection.execute(sa.delete(plan_goals).where(plan_goals.c.plan_id == plan_id))
    if goals:
        await connection.execute(
            sa.insert(plan_goals),
            [
                {**goal, "id": goal.get("id") or new_id(), "plan_id": plan_id, "position": index}
                for index, goal in enumerate(goals)
            ],
        )


async def replace_services(
    connection: AsyncConnection, plan_id: str, services: Sequence[dict[str, Any]]
) -> None:
    """The plan's services become ``services``: kept ones are updated in place (their ids are
    referenced by enrolments), new ones inserted, the others deleted."""
    keep = [s["id"] for s in services if s.get("id")]
    await connection.execute(
        sa.delete(plan_services).where(
            plan_services.c.plan_id == plan_id, plan_services.c.id.not_in(keep)
        )
    )
    for index, service in enumerate(services):
        values = {k: v for k, v in service.items() if k != "id"}
        if service.get("id"):
            await connection.execute(
                sa.update(plan_services)
                .where(plan_services.c.id == service["id"])
                .values(**values, position=index)
            )
        else:
            await connection.execute(
                sa.insert(plan_services).values(
                    **values, id=new_id(), plan_id=plan_id, position=index
                )
            )


async def get_service(
    connection: AsyncConnection, plan_id: str, service_id: str
) -> Row[Any] | None:
    return (
        await connection.execute(
            sa.select(plan_services).where(
                plan_services.c.plan_id == plan_id, plan_services.c.id == service_id
            )
        )
    ).first()


async def update_service(
    connection: AsyncConnection, service_id: str, values: dict[str, Any]
) -> None:
    await connection.execute(
        sa.update(plan_services).where(plan_services.c.id == service_id).values(**values)
    )


async def add_approval(connection: AsyncConnection, plan_id: str, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(plan_approvals).values(plan_id=plan_id, **values))


async def clear_approvals(connection: AsyncConnection, plan_id: str) -> None:
    await connection.execute(sa.delete(plan_approvals).where(plan_approvals.c.plan_id == plan_id))


async def add_status_change(
    connection: AsyncConnection,
    plan_id: str,
    from_status: str | None,
    to_status: str,
    actor: str,
    reason: str,
    now: datetime,
) -> None:
    await connection.execute(
        sa.insert(plan_status_changes).values(
            plan_id=plan_id,
            from_status=from_status,
            to_status=to_status,
            actor_subject=actor,
            reason=reason,
            changed_at=now,
        )
    )


async def add_review(connection: AsyncConnection, plan_id: str, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(plan_reviews).values(plan_id=plan_id, **values))


async def add_extension(connection: AsyncConnection, plan_id: str, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(plan_extensions).values(plan_id=plan_id, **values))


async def add_transfer(connection: AsyncConnection, plan_id: str, values: dict[str, Any]) -> None:
    await connection.execute(sa.insert(plan_transfers).values(plan_id=plan_id, **values))


# --- loading -----------------------------------------------------------------------------


async def _children(
    connection: AsyncConnection, table: sa.Table, plan_ids: list[str], order: sa.Column[Any]
) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    if not plan_ids:
        return grouped
    query = sa.select(table).where(table.c.plan_id.in_(plan_ids)).order_by(table.c.plan_id, order)
    for row in await connection.execute(query):
        grouped[row.plan_id].append(row)
    return grouped


CHILDREN = PlanChildrenCache()


async def _read_children(
    connection: AsyncConnection, rows: Sequence[Any]
) -> dict[str, PlanChildren]:
    ids = [row.id for row in rows]
    members = await _children(connection, plan_members, ids, plan_members.c.position)
    goals = await _children(connection, plan_goals, ids, plan_goals.c.position)
    services = await _children(connection, plan_services, ids, plan_services.c.position)
    approvals = await _children(connection, plan_approvals, ids, plan_approvals.c.plan_version)
    history = await _children(connection, plan_status_changes, ids, plan_status_changes.c.id)
    reviews = await _children(connection, plan_reviews, ids, plan_reviews.c.id)
    extensions = await _children(connection, plan_extensions, ids, plan_extensions.c.id)
    transfers = await _children(connection, plan_transfers, ids, plan_transfers.c.id)
    return {
        plan_id: PlanChildren(
            members=tuple(m.client_id for m in members[plan_id]),
            goals=tuple(goals[plan_id]),
            services=tuple(services[plan_id]),
            approvals=tuple(approvals[plan_id]),
            history=tuple(history[plan_id]),
            reviews=tuple(reviews[plan_id]),
            extensions=tuple(extensions[plan_id]),
            transfers=tuple(transfers[plan_id]),
        )
        for plan_id in ids
    }


async def load_plans(
    connection: AsyncConnection, rows: Sequence[Any], *, cached: bool = False
) -> list[PlanRecord]:
    """The plans with their children. ``cached``: use and fill the cache of children, which only
    a transaction that wrote nothing to these plans may do: children read after an uncommitted
    change would otherwise be kept for a version that may never be committed."""
    loaded: dict[str, PlanChildren] = {}
    missing = []
    for row in rows:
        known = CHILDREN.get(row.id, row.version) if cached else None
        if known is None:
            missing.append(row)
        else:
            loaded[row.id] = known
    if missing:
        read = await _read_children(connection, missing)
        if cached:
            for row in missing:
                CHILDREN.put(row.id, row.version, read[row.id])
        loaded.update(read)
    records = []
    for row in rows:
        children = loaded[row.id]
        people = list(children.members)
        member_plans = (
            await individual_plans_of(connection, [row.client_id, *people], row.municipality_code)
            if row.kind == PlanKind.FAMILY
            else []
        )
        records.append(
            PlanRecord(
                row=row,
                members=people,
                goals=list(children.goals),
                services=list(children.services),
                approvals=list(children.approvals),
                history=list(children.history),
                reviews=list(children.reviews),
                extensions=list(children.extensions),
                transfers=list(children.transfers),
                member_plans=member_plans,
            )
        )
    return records


async def load_plan(
    connection: AsyncConnection, plan_id: str, *, cached: bool = False
) -> PlanRecord:
    row = await get_plan(connection, plan_id)
    assert row is not None
    return (await load_plans(connection, [row], cached=cached))[0]
