"""PlansService: RPCs to domain rules, queries and audit records. Kept thin on purpose.

Calls to the clients and programme services are made before the transaction opens, so no
database transaction waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

import grpc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.audit import AuditRecorder
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import (
    AlreadyExists,
    InvalidArgument,
    InvalidState,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.localtime import finnish_date
from kotopolku.plans import access, changes, convert, enums, family_end, repository
from kotopolku.plans.directory import ClientDirectory, ClientRef, ProgrammeCatalogue
from kotopolku.plans.domain import authority, content, family, lifecycle, periods, reviews
from kotopolku.plans.domain.model import (
    ApprovalParty,
    PlanKind,
    PlanStatus,
    ResponsibleAuthority,
    ReviewReason,
)
from kotopolku.plans.ended_plans_rpcs import EndedPlanRpcs
from kotopolku.plans.gate import (
    PlanGate,
    check_version,
    domain_rules,
    entries,
    plan_id_of,
    record_entries,
    require_expected_version,
)
from kotopolku.plans.reporting_facts import PlanFacts
from kotopolku.plans.signed_approval_rpcs import SignedApprovalRpcs
from kotopolku.plans.v1 import plans_pb2, plans_pb2_grpc
from kotopolku.plans.validation import (
    UPDATABLE_PATHS,
    Collector,
    PlanInput,
    parse_date,
    parse_id,
    plan_input,
)
from kotopolku.plans.welfare_gate import WelfareGate

Context = grpc.aio.ServicerContext[Any, Any]
T = TypeVar("T")


class PlansServicer(SignedApprovalRpcs, EndedPlanRpcs, plans_pb2_grpc.PlansServiceServicer):
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        clients: ClientDirectory,
        catalogue: ProgrammeCatalogue,
        welfare: WelfareGate,
        facts: PlanFacts,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._clients = clients
        self._catalogue = catalogue
        self._welfare = welfare
        self._gate = PlanGate(database, audit, welfare)
        self._facts = facts

    def _today(self) -> date:
        return finnish_date(self._clock())

    async def _own(self, caller: Caller) -> ClientRef | None:
        """A client user's own client record; None for staff (they need none)."""
        if access.is_client_user(caller) and not access.is_staff_reader(caller):
            return await self._clients.own_client()
        return None

    async def _respond(
        self,
        connection: AsyncConnection,
        caller: Caller,
        plan_id: str,
        action: str,
        *,
        cached: bool = False,
        **kw: Any,
    ) -> plans_pb2.Plan:
        """Loads the plan as it now is, audits ``action`` on it and returns it. ``cached`` only
        where this transaction wrote nothing to the plan (repository.load_plans)."""
        record = await repository.load_plan(connection, plan_id, cached=cached)
        await self._audit.record(connection, caller, record_entries(record, action, **kw))
        return convert.plan_message(record, self._today())

    async def _change_status(
        self,
        connection: AsyncConnection,
        row: Any,
        target: PlanStatus,
        caller: Caller,
        reason: str,
    ) -> None:
        if target != row.status:
            await repository.add_status_change(
                connection, row.id, row.status, target, caller.subject, reason, self._clock()
            )
            await self._facts.status_changed(connection, row.id, row.status, self._today())

    async def _update(self, connection: AsyncConnection, row: Any, values: dict[str, Any]) -> None:
        """The plan's row first, guarded by the version read: a concurrent change fails here,
        before anything else is written."""
        if not await repository.update_plan(connection, row.id, row.version, values, self._clock()):
            raise StaleVersion("The plan was changed concurrently; read it again")

    async def _check_references(self, plan: PlanInput, collector: Collector) -> None:
        """Family members must be clients the caller sees; catalogue services must be in the
        programme of the caller's municipality."""
        for index, member in enumerate(plan.member_client_ids):
            if await self._clients.visible_client(member) is None:
                collector.add(
                    f"family.member_client_ids[{index}]", "is not a client of the municipality"
                )
        unknown = await self._catalogue.unknown(
            s.programme_service_id for s in plan.services if s.programme_service_id
        )
        for index, service in enumerate(plan.services):
            if service.programme_service_id in unknown:
                collector.add(
                    f"services[{index}].programme_service_id",
                    "is not a service of the municipality's integration programme",
                )
        collector.raise_if_any()

    async def _family_limit(
        self, connection: AsyncConnection, row: Any, end: date, field: str
    ) -> None:
        """A family plan may not outlast every member's valid individual plan."""
        if row.kind != PlanKind.FAMILY:
            return
        record = await repository.load_plan(connection, row.id)
        family.check_family_plan_end(end, record.member_plans, self._today(), field=field)

    # --- create, read, update --------------------------------------------------------------

    async def CreatePlan(
        self, request: plans_pb2.CreatePlanRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        collector = Collector()
        plan = plan_input(request.plan, UPDATABLE_PATHS, collector, creating=True)
        new = changes.for_new_plan(plan, access.acting_for(caller), self._today(), collector)
        collector.raise_if_any()
        key = validate_key(request.idempotency_key) if request.idempotency_key else ""
        fingerprint = request_hash(request.plan)
        client = await self._clients.require_client(plan.client_id)
        await self._check_references(plan, collector)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreatePlan", fingerprint
                )
                if existing is not None:
                    return await self._respond(connection, caller, existing, "plan.read")
            now = self._clock()
            plan_id = await repository.insert_plan(
                connection,
                {
                    **new.values,
                    "municipality_code": client.municipality_code,
                    "status": PlanStatus.DRAFT,
                    "created_by": caller.subject,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            await repository.replace_members(connection, plan_id, new.members or [])
            await repository.replace_goals(connection, plan_id, new.goals or [])
            await repository.replace_services(connection, plan_id, new.services or [])
            await repository.add_status_change(
                connection, plan_id, None, PlanStatus.DRAFT, caller.subject, "created", now
            )
            await self._facts.status_changed(connection, plan_id, None, self._today())
            if key:
                try:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreatePlan", fingerprint, plan_id
                    )
                except IntegrityError as error:
                    raise AlreadyExists("The plan was created concurrently") from error
            return await self._respond(connection, caller, plan_id, "plan.create")

    async def GetPlan(self, request: plans_pb2.GetPlanRequest, context: Context) -> plans_pb2.Plan:
        caller = current_caller()
        access.require_reader(caller)
        own = await self._own(caller)
        async with self._db.transaction() as connection:
            row = await self._gate.readable(connection, caller, request.plan_id, "plan.read", own)
            return await self._respond(connection, caller, row.id, "plan.read", cached=True)

    async def UpdatePlan(
        self, request: plans_pb2.UpdatePlanRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        paths = list(request.update_mask.paths)
        collector = Collector()
        if not paths:
            collector.add("update_mask", "names no field to change")
        for path in sorted(set(paths) - UPDATABLE_PATHS):
            collector.add(f"update_mask.{path}", "cannot be updated")
        if request.expected_version <= 0:
            collector.add("expected_version", "is required (the ETag of the read)")
        plan = plan_input(request.plan, set(paths) & UPDATABLE_PATHS, collector, creating=False)
        collector.raise_if_any()
        await self._check_references(plan, collector)
        async with self._db.transaction() as connection:
            row = await self._gate.writable(connection, caller, request.plan_id, "plan.update")
            check_version(row, request.expected_version)
            record = await repository.load_plan(connection, row.id)
            with domain_rules():
                update = changes.for_update(plan, record, self._today(), collector)
            collector.raise_if_any()
            status = lifecycle.status_after_edit(PlanStatus(row.status))
            if status != row.status:
                update.values["status"] = status
            await self._update(connection, row, update.values)
            if status != row.status:
                await repository.clear_approvals(connection, row.id)
                await self._change_status(
                    connection, row, status, caller, "changed while awaiting approval"
                )
            if update.members is not None:
                await repository.replace_members(connection, row.id, update.members)
            if update.goals is not None:
                await repository.replace_goals(connection, row.id, update.goals)
            if update.services is not None:
                await repository.replace_services(connection, row.id, update.services)
            fields = tuple(sorted({p.split(".")[0] for p in paths}))
            return await self._respond(connection, caller, row.id, "plan.update", fields=fields)

    # --- lists -----------------------------------------------------------------------------

    async def _page(
        self,
        connection: AsyncConnection,
        caller: Caller,
        rows: Any,
        size: int,
        position: Any,
        shown: set[str] | None = None,
    ) -> plans_pb2.ListPlansResponse:
        """A page of plans; ``shown`` leaves out the others (the token still moves past them)."""
        page = list(rows[:size])
        next_token = pagination.encode_token(position(page[-1])) if len(rows) > size else ""
        if shown is not None:
            page = [row for row in page if row.id in shown]
        records = await repository.load_plans(connection, page, cached=True)
        audited = [e for record in records for e in record_entries(record, "plan.read")]
        await self._audit.record(connection, caller, audited)
        today = self._today()
        return plans_pb2.ListPlansResponse(
            plans=[convert.plan_message(record, today) for record in records],
            next_page_token=next_token,
        )

    async def _client_plans(
        self, caller: Caller, client_id: str, municipality: str, page_size: int, token: str
    ) -> plans_pb2.ListPlansResponse:
        size = pagination.page_size(page_size)
        after = _after(token, datetime.fromisoformat, "c")
        async with self._db.transaction() as connection:
            rows = await repository.list_client_plans(
                connection, client_id, municipality, after, size + 1
            )
            return await self._page(
                connection,
                caller,
                rows,
                size,
                lambda row: {"c": as_utc(row.created_at).isoformat(), "i": row.id},
            )

    async def ListClientPlans(
        self, request: plans_pb2.ListClientPlansRequest, context: Context
    ) -> plans_pb2.ListPlansResponse:
        caller = current_caller()
        access.require_staff_or_client(caller)
        with domain_rules():
            client_id = parse_id(request.client_id, "client_id")
        if access.is_staff_reader(caller):
            assert caller.municipality is not None
            municipality = caller.municipality
        else:
            own = await self._own(caller)
            if own is None or own.id != client_id:
                raise NotFound("No such client")
            municipality = own.municipality_code
        return await self._client_plans(
            caller, client_id, municipality, request.page_size, request.page_token
        )

    async def ListOwnPlans(
        self, request: plans_pb2.ListOwnPlansRequest, context: Context
    ) -> plans_pb2.ListPlansResponse:
        caller = current_caller()
        if not access.is_client_user(caller):
            raise PermissionDenied("Only a client user has own plans")
        own = await self._clients.own_client()
        if own is None:
            pagination.page_size(request.page_size)
            return plans_pb2.ListPlansResponse()
        return await self._client_plans(
            caller, own.id, own.municipality_code, request.page_size, request.page_token
        )

    async def ListWelfareAreaPlans(
        self, request: plans_pb2.ListWelfareAreaPlansRequest, context: Context
    ) -> plans_pb2.ListPlansResponse:
        caller = current_caller()
        welfare_area = access.welfare_area_of(caller)
        size = pagination.page_size(request.page_size)
        after = _after(request.page_token, datetime.fromisoformat, "c")
        # Only the clients with an accepted cooperation on a valid basis (welfare_gate.py).
        clients = await self._welfare.disclosable_clients()
        async with self._db.transaction() as connection:
            rows = await repository.list_welfare_area_plans(
                connection, welfare_area, after, size + 1, clients
            )
            allowed = await self._welfare.allowed(rows[:size], convert.PLAN_FIELDS)
            return await self._page(
                connection,
                caller,
                rows,
                size,
                lambda row: {"c": as_utc(row.created_at).isoformat(), "i": row.id},
                shown={row.id for row, ok in zip(rows, allowed, strict=False) if ok},
            )

    async def ListOverdueReviews(
        self, request: plans_pb2.ListOverdueReviewsRequest, context: Context
    ) -> plans_pb2.ListPlansResponse:
        caller = current_caller()
        municipality = access.staff_municipality(caller, write=False)
        collector = Collector()
        responsible = collector.check(
            "responsible_authority",
            lambda: enums.AUTHORITY.decode(request.responsible_authority),
        )
        collector.raise_if_any()
        size = pagination.page_size(request.page_size)
        after = _after(request.page_token, date.fromisoformat, "d")
        async with self._db.transaction() as connection:
            rows = await repository.list_overdue(
                connection, municipality, self._today(), responsible, after, size + 1
            )
            return await self._page(
                connection,
                caller,
                rows,
                size,
                lambda row: {"d": row.review_due_date.isoformat(), "i": row.id},
            )

    # --- life cycle ------------------------------------------------------------------------

    async def SubmitPlan(
        self, request: plans_pb2.SubmitPlanRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        require_expected_version(request.expected_version)
        async with self._db.transaction() as connection:
            row = await self._gate.writable(connection, caller, request.plan_id, "plan.submit")
            check_version(row, request.expected_version)
            record = await repository.load_plan(connection, row.id)
            with domain_rules():
                lifecycle.check_submittable(PlanStatus(row.status), len(record.goals))
                await self._family_limit(connection, row, row.end_date, "end_date")
            target = PlanStatus.AWAITING_APPROVAL
            await self._update(connection, row, {"status": target})
            await self._change_status(connection, row, target, caller, "submitted for approval")
            return await self._respond(
                connection, caller, row.id, "plan.submit", fields=("status",)
            )

    async def ApprovePlan(
        self, request: plans_pb2.ApprovePlanRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        require_expected_version(request.expected_version)
        if caller.has_any(*access.STAFF_WRITERS):
            party, own = ApprovalParty.OFFICER, None
        elif access.is_client_user(caller):
            party, own = ApprovalParty.CLIENT, await self._clients.own_client()
        else:
            raise PermissionDenied("Only the client and the responsible officer approve a plan")
        async with self._db.transaction() as connection:
            if party is ApprovalParty.OFFICER:
                row = await self._gate.writable(connection, caller, request.plan_id, "plan.approve")
            else:
                row = await self._gate.readable(
                    connection, caller, request.plan_id, "plan.approve", own
                )
                if own is None or row.client_id != own.id:
                    raise PermissionDenied("Only the plan's own client approves it")
            check_version(row, request.expected_version)
            record = await repository.load_plan(connection, row.id)
            already = frozenset(ApprovalParty(a.party) for a in record.approvals)
            with domain_rules():
                decision = lifecycle.approve(PlanStatus(row.status), already, party)
                if decision.activates:
                    await self._family_limit(connection, row, row.end_date, "end_date")
            values: dict[str, Any] = {}
            if decision.activates:
                today = self._today()
                values = {
                    "status": decision.status,
                    "activated_on": today,
                    "original_end_date": row.end_date,
                    "review_due_date": reviews.review_due_date(today, None, None),
                }
            await self._update(connection, row, values)
            await repository.add_approval(
                connection,
                row.id,
                {
                    "party": party,
                    "subject": caller.subject,
                    "plan_version": row.version,
                    "approved_at": self._clock(),
                },
            )
            await self._change_status(
                connection, row, decision.status, caller, "approved by the client and officer"
            )
            return await self._respond(
                connection, caller, row.id, "plan.approve", fields=("approvals", "status")
            )

    async def ReviewPlan(
        self, request: plans_pb2.ReviewPlanRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        collector = Collector()
        if request.expected_version <= 0:
            collector.add("expected_version", "is required (the ETag of the read)")
        reason = self._required_enum(collector, "reason", enums.REVIEW_REASON, request.reason)
        outcome = self._required_enum(collector, "outcome", enums.REVIEW_OUTCOME, request.outcome)
        notes = collector.check(
            "notes",
            partial(content.text, request.notes, "notes", content.MAX_FOLLOW_UP, required=False),
        )
        follow_up = collector.check(
            "follow_up_plan",
            partial(
                content.text,
                request.follow_up_plan,
                "follow_up_plan",
                content.MAX_FOLLOW_UP,
                required=False,
            ),
        )
        collector.raise_if_any()
        assert reason is not None
        assert outcome is not None
        async with self._db.transaction() as connection:
            row = await self._gate.writable(connection, caller, request.plan_id, "plan.review")
            check_version(row, request.expected_version)
            follow_up_plan = follow_up or row.follow_up_plan
            with domain_rules():
                status = reviews.status_after_review(PlanStatus(row.status), outcome)
                reviews.check_follow_up_before_end(outcome, follow_up_plan)
            today = self._today()
            due = (
                None
                if status is PlanStatus.ENDED
                else reviews.review_due_date(row.activated_on, today, None)
            )
            await self._update(
                connection,
                row,
                {
                    "status": status,
                    "follow_up_plan": follow_up_plan,
                    "last_review_on": today,
                    "review_due_date": due,
                    **_NO_REQUEST,
                },
            )
            await repository.add_review(
                connection,
                row.id,
                {
                    "reviewed_on": today,
                    "reason": reason,
                    "outcome": outcome,
                    "notes": notes or "",
                    "authority": row.responsible_authority,
                    "actor_subject": caller.subject,
                    "recorded_at": self._clock(),
                },
            )
            await self._facts.reviewed(connection, row, today, reason, outcome)
            await self._change_status(
                connection, row, status, caller, f"review: {outcome.value.lower()}"
            )
            if status is PlanStatus.ENDED and row.kind != PlanKind.FAMILY:
                # The family's plan lapses with the last member's individual plan.
                await family_end.end_lapsed(
                    connection,
                    self._audit,
                    caller,
                    await repository.family_plans_in_force_of(
                        connection, [row.client_id], row.municipality_code
                    ),
                    today,
                    self._clock(),
                    self._facts,
                )
            return await self._respond(
                connection, caller, row.id, "plan.review", fields=("reviews", "status")
            )

    @staticmethod
    def _required_enum(collector: Collector, field: str, codec: Any, number: int) -> Any:
        value = collector.check(field, partial(codec.decode, number))
        if value is None and not any(v.field == field for v in collector.violations):
            collector.add(field, "is required")
        return value

    async def RequestReview(
        self, request: plans_pb2.RequestReviewRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        by_staff = caller.has_any(*access.STAFF_WRITERS)
        if not (by_staff or access.is_client_user(caller)):
            raise PermissionDenied("Only the client or an officer asks for a review")
        collector = Collector()
        reason = self._required_enum(collector, "reason", enums.REVIEW_REASON, request.reason)
        if reason is not None:
            collector.check(
                "reason", partial(reviews.check_request_reason, reason, by_client=not by_staff)
            )
        description = collector.check(
            "description",
            partial(periods.validate_justification, request.description, field="description"),
        )
        collector.raise_if_any()
        own = None if by_staff else await self._clients.own_client()
        async with self._db.transaction() as connection:
            if by_staff:
                row = await self._gate.writable(
                    connection, caller, request.plan_id, "plan.request-review"
                )
            else:
                row = await self._gate.readable(
                    connection, caller, request.plan_id, "plan.request-review", own
                )
            with domain_rules():
                lifecycle.check_in_force(PlanStatus(row.status), "reviewed")
            if row.review_request_reason is not None:
                raise _already_requested(row)
            await self._update(
                connection,
                row,
                self._review_request(row, reason, description or "", caller.subject),
            )
            # The due date moved: reporting hears of it as a change to the same status.
            await self._facts.status_changed(connection, row.id, row.status, self._today())
            return await self._respond(
                connection,
                caller,
                row.id,
                "plan.request-review",
                fields=("pending_review_request",),
            )

    def _review_request(
        self, row: Any, reason: ReviewReason, description: str, subject: str
    ) -> dict[str, Any]:
        """A review due at once; an earlier pending request keeps its date."""
        today = self._today()
        requested_on = min(today, row.review_requested_on or today)
        return {
            "review_request_reason": reason,
            "review_request_description": description,
            "review_requested_on": requested_on,
            "review_requested_by": subject,
            "review_due_date": reviews.review_due_date(
                row.activated_on, row.last_review_on, requested_on
            ),
        }

    async def ExtendPlan(
        self, request: plans_pb2.ExtendPlanRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        collector = Collector()
        if request.expected_version <= 0:
            collector.add("expected_version", "is required (the ETag of the read)")
        new_end = collector.check(
            "new_end_date",
            partial(parse_date, request.new_end_date, "new_end_date", required=True),
        )
        reason = collector.check("reason", partial(periods.validate_justification, request.reason))
        collector.raise_if_any()
        assert new_end is not None
        assert reason is not None
        async with self._db.transaction() as connection:
            row = await self._gate.writable(connection, caller, request.plan_id, "plan.extend")
            check_version(row, request.expected_version)
            with domain_rules():
                lifecycle.check_in_force(PlanStatus(row.status), "extended")
            with domain_rules(as_argument=True):
                periods.check_extension_end(row.original_end_date, row.end_date, new_end)
                await self._family_limit(connection, row, new_end, "new_end_date")
            await self._update(connection, row, {"end_date": new_end})
            await repository.add_extension(
                connection,
                row.id,
                {
                    "previous_end_date": row.end_date,
                    "new_end_date": new_end,
                    "reason": reason,
                    "actor_subject": caller.subject,
                    "recorded_at": self._clock(),
                },
            )
            return await self._respond(
                connection, caller, row.id, "plan.extend", fields=("end_date", "extensions")
            )

    async def TransferPlan(
        self, request: plans_pb2.TransferPlanRequest, context: Context
    ) -> plans_pb2.Plan:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        collector = Collector()
        if request.expected_version <= 0:
            collector.add("expected_version", "is required (the ETag of the read)")
        target = self._required_enum(
            collector, "target_authority", enums.AUTHORITY, request.target_authority
        )
        reason = collector.check("reason", partial(periods.validate_justification, request.reason))
        collector.raise_if_any()
        async with self._db.transaction() as connection:
            row = await self._gate.writable(connection, caller, request.plan_id, "plan.transfer")
            check_version(row, request.expected_version)
            current = ResponsibleAuthority(row.responsible_authority)
            status = PlanStatus(row.status)
            with domain_rules():
                authority.check_transfer(status, current, target)
            values: dict[str, Any] = {"responsible_authority": target}
            if status in lifecycle.IN_FORCE:
                # The receiving authority reviews the plan: the review is due at once.
                values.update(
                    self._review_request(row, ReviewReason.TRANSFER, reason or "", caller.subject)
                )
            await self._update(connection, row, values)
            await repository.add_transfer(
                connection,
                row.id,
                {
                    "from_authority": current,
                    "to_authority": target,
                    "reason": reason,
                    "actor_subject": caller.subject,
                    "transferred_at": self._clock(),
                },
            )
            await self._facts.status_changed(connection, row.id, row.status, self._today())
            return await self._respond(
                connection,
                caller,
                row.id,
                "plan.transfer",
                fields=("responsible_authority", "transfers"),
            )

    # --- for the programme service ---------------------------------------------------------

    async def _plan_service(
        self, connection: AsyncConnection, plan_id: str, service_id: str, municipality: str | None
    ) -> tuple[Any, Any]:
        row = await repository.get_plan(connection, plan_id_of(plan_id))
        if row is None or (municipality is not None and row.municipality_code != municipality):
            raise NotFound("No such plan")
        service = await repository.get_service(
            connection, row.id, plan_id_of(service_id, "plan_service_id")
        )
        if service is None:
            raise NotFound("No such service in the plan")
        return row, service

    async def GetPlanServiceForEnrolment(
        self, request: plans_pb2.GetPlanServiceForEnrolmentRequest, context: Context
    ) -> plans_pb2.PlanServiceForEnrolment:
        caller = current_caller()
        municipality = access.require_enrolment_reader(caller)
        async with self._db.transaction() as connection:
            row, service = await self._plan_service(
                connection, request.plan_id, request.plan_service_id, municipality
            )
            await self._audit.record(
                connection,
                caller,
                entries(row, [row.client_id], "plan-service.read", convert.SERVICE_FIELDS),
            )
            return convert.enrolment_message(row, service)

    async def RecordServiceOutcome(
        self, request: plans_pb2.RecordServiceOutcomeRequest, context: Context
    ) -> plans_pb2.PlanService:
        caller = current_caller()
        access.require_client_reporter(caller)
        collector = Collector()
        status = self._required_enum(collector, "status", enums.SERVICE_STATUS, request.status)
        if status is not None:
            collector.check("status", partial(content.check_reported_status, status))
        completion = collector.check(
            "completion_date", partial(parse_date, request.completion_date, "completion_date")
        )
        if status is not None and not collector.violations:
            collector.check(
                "completion_date",
                partial(
                    content.check_completion,
                    status,
                    completion,
                    self._today(),
                    field="completion_date",
                ),
            )
        summary = collector.check(
            "summary",
            partial(content.text, request.summary, "summary", content.MAX_SUMMARY, required=False),
        )
        collector.raise_if_any()
        async with self._db.transaction() as connection:
            row, service = await self._plan_service(
                connection, request.plan_id, request.plan_service_id, None
            )
            with domain_rules():
                content.check_reportable(PlanStatus(row.status))
            outcome_summary = summary or service.outcome_summary
            if (service.status, service.completion_date, service.outcome_summary) == (
                status,
                completion,
                outcome_summary,
            ):
                # A repeat (delivery is at-least-once): nothing changes, not even the version,
                # so an officer's If-Match read before the repeat stays valid.
                return convert.service_message(service)
            await self._update(connection, row, {})
            await repository.update_service(
                connection,
                service.id,
                {
                    "status": status,
                    "completion_date": completion,
                    "outcome_summary": outcome_summary,
                },
            )
            await self._audit.record(
                connection,
                caller,
                entries(
                    row, [row.client_id], "plan-service.outcome", ("status", "completion_date")
                ),
            )
            updated = await repository.get_service(connection, row.id, service.id)
            return convert.service_message(updated)


def _after(token: str, parse: Callable[[str], T], key: str) -> tuple[T, str] | None:
    """The position a page token points after: (the ordering value, the plan id)."""
    position = pagination.decode_token(token)
    if position is None:
        return None
    try:
        return parse(str(position[key])), str(position["i"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


_NO_REQUEST: dict[str, Any] = {
    "review_request_reason": None,
    "review_request_description": None,
    "review_requested_on": None,
    "review_requested_by": None,
}


def _already_requested(row: Any) -> Exception:

    return InvalidState(f"A review has been pending since {row.review_requested_on.isoformat()}")
