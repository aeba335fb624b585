"""Applies a validated list to the municipality's targets, inside the caller's transaction.

Everything is decided in memory first (domain/outreach_match.py), then written in batches: the
import record, new targets, their groups, history events, changes to known targets, reporting
facts of new outreach targets, and one audit entry per person on the list. A concurrent change
to the same targets makes the whole import fail and roll back; sending the list again (same
Idempotency-Key) is then safe.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients import outreach_facts
from kotopolku.clients import outreach_repository as repo
from kotopolku.clients.domain.outreach import (
    OutreachStatus,
    TargetGroup,
    TargetListSource,
    window_end,
)
from kotopolku.clients.domain.outreach_import import ListedPerson, ParsedTargetList
from kotopolku.clients.domain.outreach_match import (
    KnownTarget,
    match_client,
    relist,
    status_of_new_target,
)
from kotopolku.clients.outreach_convert import EventKind
from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import AlreadyExists
from kotopolku.common.facts import FactRecorder, finnish_day
from kotopolku.reporting.v1 import reporting_pb2

# What an import reads of a person and writes about them (names, never values).
LISTED_FIELDS = (
    "henkilotunnus",
    "source_person_id",
    "first_names",
    "last_name",
    "date_of_birth",
    "groups",
    "first_permit_date",
    "languages",
    "contact",
)


@dataclass
class ImportPlan:
    """The writes of one import, gathered before any is made."""

    import_id: str
    targets: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # (target id, expected version, values)
    updates: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    facts: list[reporting_pb2.Fact] = field(default_factory=list)
    targets_created: int = 0
    groups_added: int = 0
    matched_clients: int = 0
    unchanged: int = 0


class ListImporter:
    def __init__(
        self,
        connection: AsyncConnection,
        *,
        municipality: str,
        source: TargetListSource,
        actor: str,
        now: datetime,
        facts: FactRecorder,
    ) -> None:
        self._connection = connection
        self._municipality = municipality
        self._source = source
        self._actor = actor
        self._now = now
        self._facts = facts
        self._today = finnish_day(now)

    async def apply(self, parsed: ParsedTargetList, media_type: str) -> tuple[str, ImportPlan]:
        """Writes the list; returns the import's id and what was done."""
        persons = parsed.persons
        known = await repo.targets_by_person(
            self._connection, self._municipality, [p.key for p in persons]
        )
        known_groups = await repo.groups_of(self._connection, repo.ids(known.values()))
        clients = await repo.client_ids_by_henkilotunnus(
            self._connection,
            self._municipality,
            sorted({p.henkilotunnus for p in persons if p.henkilotunnus}),
        )
        plan = ImportPlan(import_id=str(uuid.uuid4()))
        for person in persons:
            client_id = match_client(person.henkilotunnus, clients)
            row = known.get(person.key)
            if row is None:
                self._plan_new(plan, person, client_id)
            else:
                groups = frozenset(TargetGroup(g.target_group) for g in known_groups[row.id])
                self._plan_relisting(plan, row, groups, person, client_id)
        await repo.insert_import(
            self._connection,
            {
                "id": plan.import_id,
                "municipality_code": self._municipality,
                "source": self._source.value,
                "media_type": media_type,
                "rows": parsed.rows,
                "persons": len(persons),
                "targets_created": plan.targets_created,
                "groups_added": plan.groups_added,
                "matched_clients": plan.matched_clients,
                "unchanged": plan.unchanged,
                "imported_by": self._actor,
                "imported_at": self._now,
            },
        )
        await repo.insert_targets(self._connection, plan.targets)
        await repo.insert_groups(self._connection, plan.groups)
        for target_id, version, values in plan.updates:
            if not await repo.update_target(
                self._connection, target_id, version, values, self._now
            ):
                raise AlreadyExists(
                    "A target on the list changed while it was imported; send the list again"
                )
        await repo.insert_events(self._connection, plan.events)
        await self._facts.record(self._connection, plan.facts)
        return plan.import_id, plan

    def _event(
        self, plan: ImportPlan, target_id: str, kind: EventKind, status: str, **values: Any
    ) -> None:
        plan.events.append(
            {
                "target_id": target_id,
                "kind": kind.value,
                "occurred_at": self._now,
                "actor_subject": self._actor,
                "status_after": status,
                "import_id": plan.import_id,
                "target_group": None,
                "outcome": None,
                "channel": None,
                "contacted_on": None,
                "note": None,
                "assignee_subject": None,
                "assignee_name": None,
                "client_id": None,
                **values,
            }
        )

    def _memberships(
        self, plan: ImportPlan, target_id: str, groups: dict[TargetGroup, Any]
    ) -> None:
        plan.groups.extend(
            {
                "target_id": target_id,
                "target_group": group.value,
                "source": self._source.value,
                "first_permit_date": first_permit_date,
                "first_import_id": plan.import_id,
                "listed_at": self._now,
            }
            for group, first_permit_date in sorted(groups.items())
        )

    def _identified(
        self,
        plan: ImportPlan,
        target_id: str,
        client_id: str | None,
        groups: Iterable[TargetGroup],
        first_permit_date: date,
    ) -> None:
        """Reporting facts of people who became outreach targets (clients are not)."""
        plan.facts.extend(
            outreach_facts.identified(
                self._facts,
                self._municipality,
                target_id,
                client_id,
                groups,
                self._today,
                window_end(first_permit_date),
            )
        )

    def _audit(self, plan: ImportPlan, target_id: str, client_id: str | None, action: str) -> None:
        plan.audit.append(
            AuditEntry(
                action=action,
                resource=f"outreach-targets/{target_id}",
                subject_client_id=client_id or "",
                municipality=self._municipality,
                fields=LISTED_FIELDS,
                context=(("import", plan.import_id), ("source", self._source.value)),
            )
        )

    def _plan_new(self, plan: ImportPlan, person: ListedPerson, client_id: str | None) -> None:
        target_id = str(uuid.uuid4())
        status = status_of_new_target(client_id).value
        plan.targets.append(
            {
                "id": target_id,
                "version": 1,
                "municipality_code": self._municipality,
                "person_key": person.key,
                "henkilotunnus": person.henkilotunnus,
                "source_person_id": person.source_person_id,
                "first_names": person.first_names,
                "last_name": person.last_name,
                "date_of_birth": person.date_of_birth,
                "languages": person.languages,
                "contact": person.contact,
                "first_permit_date": person.first_permit_date,
                "window_ends_on": window_end(person.first_permit_date),
                "status": status,
                "attempt_count": 0,
                "last_attempt_on": None,
                "assignee_subject": None,
                "assignee_name": None,
                "client_id": client_id,
                "created_at": self._now,
                "updated_at": self._now,
            }
        )
        self._memberships(plan, target_id, person.groups)
        for group in sorted(person.groups):
            self._event(plan, target_id, EventKind.LISTED, status, target_group=group.value)
        if client_id:
            self._event(plan, target_id, EventKind.MATCHED, status, client_id=client_id)
            plan.matched_clients += 1
        else:
            self._identified(plan, target_id, None, person.groups, person.first_permit_date)
        plan.targets_created += 1
        self._audit(plan, target_id, client_id, "outreach-target.create")

    def _plan_relisting(
        self,
        plan: ImportPlan,
        row: Any,
        groups: frozenset[TargetGroup],
        person: ListedPerson,
        client_id: str | None,
    ) -> None:
        known = KnownTarget(
            status=OutreachStatus(row.status),
            first_permit_date=row.first_permit_date,
            groups=groups,
            client_id=row.client_id,
            languages=tuple(row.languages or ()),
            contact=dict(row.contact or {}),
        )
        change = relist(known, person, client_id)
        if not change.changed:
            plan.unchanged += 1
            self._audit(plan, row.id, row.client_id, "outreach-target.relist")
            return
        values = change.values(known)
        status = str(values.get("status", row.status))
        plan.updates.append((row.id, row.version, values))
        self._memberships(plan, row.id, change.new_groups)
        for group in sorted(change.new_groups):
            self._event(plan, row.id, EventKind.GROUP_ADDED, status, target_group=group.value)
        plan.groups_added += len(change.new_groups)
        if status != OutreachStatus.CLIENT.value:
            permit = change.first_permit_date or row.first_permit_date
            self._identified(plan, row.id, row.client_id, change.new_groups, permit)
        if change.matched_client_id:
            self._event(plan, row.id, EventKind.MATCHED, status, client_id=change.matched_client_id)
            plan.matched_clients += 1
        self._audit(
            plan, row.id, change.matched_client_id or row.client_id, "outreach-target.update"
        )
