"""RPCs of compensation claims to KEHA-keskus: assembly, submission, KEHA's requests for
additions, decision and payment, cancellation and export."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.clock import as_utc
from kotopolku.common.errors import (
    DependencyUnavailable,
    InvalidArgument,
    InvalidState,
    NotFound,
    StaleVersion,
)
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.objectstore import (
    ObjectIntegrityError,
    ObjectNotFound,
    ObjectStoreError,
    get_verified,
)
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.contracts import access, claim_export, convert, repository
from kotopolku.contracts.domain.accounts import CompensationType
from kotopolku.contracts.domain.claim import (
    ClaimAction,
    ClaimPeriod,
    ClaimProblems,
    ClaimStatus,
    CostCandidate,
    assemble_claim,
    check_decision,
    check_event_date,
    check_payment,
    check_period,
    late_costs,
    transition_claim,
)
from kotopolku.contracts.domain.contract import ContractStatus, was_in_force_during
from kotopolku.contracts.domain.deadline import finnish_day
from kotopolku.contracts.domain.eligibility import ClientFacts
from kotopolku.contracts.domain.errors import ClaimRefused, ContractsDomainError
from kotopolku.contracts.domain.text import parse_date
from kotopolku.contracts.enums import ExportFormat, from_proto
from kotopolku.contracts.rpc_support import (
    Context,
    RpcBase,
    StoredFileDamaged,
    claim_entries,
    concurrent_duplicates,
    fingerprint,
    idempotency_key,
    invalid,
    next_token,
    page_position,
    refused,
)
from kotopolku.contracts.v1 import contracts_pb2 as pb
from kotopolku.contracts.validation import (
    Collector,
    optional_date,
    reference_id,
    required_text,
    stored_terms,
)

log = logging.getLogger(__name__)
# Client look-ups of one assembly in flight at once: enough to hide latency, gentle on clients.
_CLIENT_LOOKUPS = 8
_SEGMENT = "CLIENT_SEGMENT_"
_PERMIT = "RESIDENCE_PERMIT_TYPE_"


def client_facts(client: clients_pb2.Client) -> ClientFacts:
    """What eligibility depends on, from the clients service's record."""
    segment = clients_pb2.ClientSegment.Name(client.segment).removeprefix(_SEGMENT)
    permit = clients_pb2.ResidencePermitType.Name(client.residence_permit_type).removeprefix(
        _PERMIT
    )
    first = client.first_permit_date
    return ClientFacts(
        segment=None if segment == "UNSPECIFIED" else segment,
        residence_permit_type=None if permit == "UNSPECIFIED" else permit,
        first_permit_date=date.fromisoformat(first) if first else None,
    )


def _candidate(row: Any) -> CostCandidate:
    return CostCandidate(
        id=row.id,
        client_id=row.client_id,
        contract_id=row.contract_id,
        account_code=row.account_code,
        activity_date=row.activity_date,
        amount_cents=row.amount_cents,
        status=row.status,
        claim_id=row.claim_id or "",
        description=row.description,
        invoice_reference=row.invoice_reference,
    )


def _facts_json(facts: ClientFacts) -> dict[str, str]:
    return {
        "segment": facts.segment or "",
        "residence_permit_type": facts.residence_permit_type or "",
        "first_permit_date": facts.first_permit_date.isoformat() if facts.first_permit_date else "",
    }


class ClaimRpcs(RpcBase):
    # --- assembly ----------------------------------------------------------------------------

    async def _facts(
        self, client_ids: Sequence[str], context: Context
    ) -> dict[str, ClientFacts | None]:
        gate = asyncio.Semaphore(_CLIENT_LOOKUPS)

        async def one(client_id: str) -> tuple[str, ClientFacts | None]:
            async with gate:
                try:
                    client = await self._clients.visible_client(client_id, context.time_remaining())
                except NotFound:
                    return client_id, None
            return client_id, client_facts(client)

        return dict(await asyncio.gather(*(one(c) for c in sorted(set(client_ids)))))

    def _explicit_ids(self, raw: Sequence[str]) -> list[str]:
        collector = Collector()
        ids: list[str] = []
        for index, value in enumerate(raw):
            field = f"cost_entry_ids[{index}]"
            entry_id = collector.check(field, partial(reference_id, value, field))
            if entry_id is None:
                continue
            if entry_id in ids:
                collector.fail(field, "names the same cost entry twice")
            else:
                ids.append(entry_id)
        collector.raise_if_any()
        return ids

    async def _placement_agreement_problem(
        self, connection: AsyncConnection, municipality: str, period: ClaimPeriod
    ) -> ClaimRefused | None:
        for row in await repository.placement_agreements(connection, municipality):
            if was_in_force_during(
                stored_terms(dict(row._mapping)),
                ContractStatus(row.status),
                row.termination_date,
                period.start,
                period.end,
            ):
                return None
        return ClaimRefused(
            "period_start",
            "the municipality has no placement agreement with the ELY centre (sopimus kuntaan "
            "osoittamisesta) in force during the period, which compensation requires; record "
            "it as a contract of kind PLACEMENT_AGREEMENT",
        )

    async def CreateClaim(self, request: pb.CreateClaimRequest, context: Context) -> pb.Claim:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        collector = Collector()
        kind = from_proto(CompensationType, request.compensation_type)
        if kind is None:
            collector.fail("compensation_type", "is required")
        start = collector.check(
            "period_start", lambda: parse_date(request.period_start, field="period_start")
        )
        end = collector.check(
            "period_end", lambda: parse_date(request.period_end, field="period_end")
        )
        collector.raise_if_any()
        assert kind is not None
        assert start is not None
        assert end is not None
        try:
            period = check_period(start, end)
        except ContractsDomainError as error:
            raise invalid(error) from None
        explicit = self._explicit_ids(request.cost_entry_ids)
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreateClaim", digest
                )
                if existing is not None:
                    return await self._read_claim(
                        connection, caller, municipality, existing, "claim.read"
                    )
            if explicit:
                found = await repository.get_cost_entries(connection, municipality, explicit)
                missing = Collector()
                for index, entry_id in enumerate(explicit):
                    if entry_id not in found:
                        missing.fail(
                            f"cost_entry_ids[{index}]", "is not a cost entry of the municipality"
                        )
                missing.raise_if_any()
                rows = [found[entry_id] for entry_id in explicit]
            else:
                rows = list(
                    await repository.claimable_entries(
                        connection, municipality, kind.value, period.start, period.end
                    )
                )
            agreement = await self._placement_agreement_problem(connection, municipality, period)
        costs = [_candidate(row) for row in rows]
        facts = await self._facts([c.client_id for c in costs], context)
        try:
            if agreement is not None:
                raise ClaimProblems([agreement])
            assembled = assemble_claim(
                kind,
                period,
                costs,
                facts,
                self._today(),
                field_of={e: f"cost_entry_ids[{i}]" for i, e in enumerate(explicit)}
                if explicit
                else None,
            )
        except ClaimProblems as problems:
            async with self._db.transaction() as connection:
                # The refusal told the caller about these clients' costs and eligibility.
                await self._audit.record(
                    connection,
                    caller,
                    claim_entries_for_check(municipality, [c.client_id for c in costs]),
                )
            raise refused(problems) from None
        return await self._store_claim(caller, municipality, kind, period, assembled, key, digest)

    async def _store_claim(
        self,
        caller: Caller,
        municipality: str,
        kind: CompensationType,
        period: ClaimPeriod,
        assembled: Any,
        key: str,
        digest: str,
    ) -> pb.Claim:
        claim_id = repository.new_id()
        now = self._now()
        entry_ids = [line.cost.id for line in assembled.lines]
        with concurrent_duplicates():
            async with self._db.transaction() as connection:
                if await repository.take_for_claim(connection, entry_ids, claim_id, now) != len(
                    entry_ids
                ):
                    raise InvalidState(
                        "Another claim took some of these cost entries meanwhile; assemble again"
                    )
                await repository.insert_claim(
                    connection,
                    {
                        "id": claim_id,
                        "version": 1,
                        "municipality_code": municipality,
                        "compensation_type": kind.value,
                        "period_start": period.start,
                        "period_end": period.end,
                        "status": ClaimStatus.DRAFT.value,
                        "claimed_cents": assembled.claimed_cents,
                        "approved_cents": None,
                        "paid_cents": None,
                        "submission_reference": "",
                        "decision_reference": "",
                        "submitted_document_key": "",
                        "submitted_document_sha256": "",
                        "created_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                    [
                        {
                            "claim_id": claim_id,
                            "line_number": line.line_number,
                            "cost_entry_id": line.cost.id,
                            "client_id": line.cost.client_id,
                            "contract_id": line.cost.contract_id,
                            "account_code": line.cost.account_code,
                            "activity_date": line.cost.activity_date,
                            "amount_cents": line.cost.amount_cents,
                            "description": line.cost.description,
                            "invoice_reference": line.cost.invoice_reference,
                            "eligibility": _facts_json(line.facts),
                            "approved_cents": None,
                            "decision_note": "",
                        }
                        for line in assembled.lines
                    ],
                )
                await self._claim_event(connection, caller, claim_id, "created", self._today())
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateClaim", digest, claim_id
                    )
                return await self._read_claim(
                    connection, caller, municipality, claim_id, "claim.create"
                )

    async def _claim_event(
        self,
        connection: AsyncConnection,
        caller: Caller,
        claim_id: str,
        kind: str,
        day: date,
        note: str = "",
        reference: str = "",
    ) -> None:
        await repository.add_event(
            connection,
            {
                "claim_id": claim_id,
                "kind": kind,
                "day": day,
                "note": note,
                "reference": reference,
                "recorded_by": caller.subject,
                "recorded_at": self._now(),
            },
        )

    # --- reads -------------------------------------------------------------------------------

    async def _claim_row(self, connection: AsyncConnection, municipality: str, raw_id: str) -> Any:
        claim_id = resource_id(raw_id, "claim_id", "claim")
        row = await repository.get_claim(connection, municipality, claim_id)
        if row is None:
            raise NotFound("No such claim")
        return row

    async def _read_claim(
        self,
        connection: AsyncConnection,
        caller: Caller,
        municipality: str,
        claim_id: str,
        action: str,
        fields: Sequence[str] = convert.CLAIM_FIELDS,
    ) -> pb.Claim:
        row = await self._claim_row(connection, municipality, claim_id)
        lines = await repository.get_lines(connection, row.id)
        events = await repository.get_events(connection, row.id)
        await self._audit.record(
            connection,
            caller,
            claim_entries(row, (line.client_id for line in lines), action, fields),
        )
        return convert.claim_message(row, lines, events)

    async def GetClaim(self, request: pb.GetClaimRequest, context: Context) -> pb.Claim:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        try:
            async with self._db.transaction() as connection:
                return await self._read_claim(
                    connection, caller, municipality, request.claim_id, "claim.read"
                )
        except NotFound:
            await self._audit_missing(
                caller, "claim.read", f"compensation-claims/{request.claim_id[:64]}"
            )
            raise

    async def ListClaims(
        self, request: pb.ListClaimsRequest, context: Context
    ) -> pb.ListClaimsResponse:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        size = pagination.page_size(request.page_size)
        after = page_position(request.page_token)
        status = from_proto(ClaimStatus, request.status)
        async with self._db.transaction() as connection:
            rows = list(
                await repository.list_claims(
                    connection, municipality, status.value if status else None, after, size + 1
                )
            )
            page = rows[:size]
            clients = await repository.claim_clients(connection, [r.id for r in page])
            entries = [
                entry
                for r in page
                for entry in claim_entries(
                    r, clients.get(r.id, ()), "claim.read", ("claimed_cents", "status")
                )
            ]
            await self._audit.record(connection, caller, entries)
        return pb.ListClaimsResponse(
            claims=[convert.claim_message(r) for r in page], next_page_token=next_token(rows, size)
        )

    # --- life cycle --------------------------------------------------------------------------

    async def _transition(
        self,
        raw_id: str,
        version: int,
        action: ClaimAction,
        apply: Callable[[AsyncConnection, Any, Sequence[Any], date], Awaitable[dict[str, Any]]],
    ) -> pb.Claim:
        """Checks the state change, lets ``apply`` validate and return the new column values
        (and write what else belongs to the change), then stores it if nobody changed the
        claim meanwhile."""
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        expected_version(version)
        today = self._today()
        async with self._db.transaction() as connection:
            row = await self._claim_row(connection, municipality, raw_id)
            status = ClaimStatus(row.status)
            try:
                target = transition_claim(status, action)
            except ContractsDomainError as error:
                raise InvalidState(error.message) from None
            lines = await repository.get_lines(connection, row.id)
            values = await apply(connection, row, lines, today)
            day = values.pop("_day")
            note = values.pop("_note", "")
            reference = values.pop("_reference", "")
            if not await repository.update_claim(
                connection,
                municipality,
                row.id,
                version,
                status.value,
                {**values, "status": target.value},
                self._now(),
            ):
                raise StaleVersion(f"The claim is at version {row.version}, not {version}")
            await self._claim_event(connection, caller, row.id, action.value, day, note, reference)
            return await self._read_claim(
                connection, caller, municipality, row.id, f"claim.{action.value}", ("status",)
            )

    def _created_on(self, row: Any) -> date:
        return finnish_day(as_utc(row.created_at))

    async def SubmitClaim(self, request: pb.SubmitClaimRequest, context: Context) -> pb.Claim:
        reference = required_text(
            request.submission_reference, "submission_reference", 100, required=False
        )
        submitted_on = optional_date(request.submitted_on, "submitted_on")
        stored_key: list[str] = []

        async def apply(
            connection: AsyncConnection, row: Any, lines: Sequence[Any], today: date
        ) -> dict[str, Any]:
            day = self._event_day(
                submitted_on or today,
                after=self._created_on(row),
                today=today,
                field="submitted_on",
            )
            late = late_costs(
                ((line.cost_entry_id, line.activity_date, line.amount_cents) for line in lines), day
            )
            if late is not None:
                raise refused(late)
            document = claim_export.json_document(row, lines, day.isoformat(), reference)
            key = f"{row.municipality_code}/compensation-claims/{row.id}/{repository.new_id()}.json"
            try:
                await self._store.put(key, document.content, content_type=document.media_type)
            except ObjectStoreError:
                raise DependencyUnavailable("The file store did not answer; try again") from None
            stored_key.append(key)
            return {
                "submitted_on": day,
                "submission_reference": reference,
                "submitted_document_key": key,
                "submitted_document_sha256": document.sha256,
                "_day": day,
                "_reference": reference,
            }

        try:
            return await self._transition(
                request.claim_id, request.expected_version, ClaimAction.SUBMIT, apply
            )
        except BaseException:
            for key in stored_key:
                try:
                    await self._store.delete(key)
                except ObjectStoreError:
                    log.warning("an orphaned claim document was left behind")
            raise

    def _event_day(self, day: date, *, after: date, today: date, field: str) -> date:
        try:
            return check_event_date(day, after=after, today=today, field=field)
        except ContractsDomainError as error:
            raise invalid(error) from None

    async def RecordAdditionsRequest(
        self, request: pb.RecordAdditionsRequestRequest, context: Context
    ) -> pb.Claim:
        description = required_text(request.description, "description", 4000)
        requested_on = optional_date(request.requested_on, "requested_on")
        due = optional_date(request.due_date, "due_date")

        async def apply(
            connection: AsyncConnection, row: Any, lines: Sequence[Any], today: date
        ) -> dict[str, Any]:
            day = self._event_day(
                requested_on or today, after=row.submitted_on, today=today, field="requested_on"
            )
            if due is not None and due < day:
                raise InvalidArgument.field("due_date", "must not be before requested_on")
            return {
                "additions_requested_on": day,
                "additions_due_date": due,
                "_day": day,
                "_note": description,
            }

        return await self._transition(
            request.claim_id, request.expected_version, ClaimAction.REQUEST_ADDITIONS, apply
        )

    async def RecordAdditionsProvided(
        self, request: pb.RecordAdditionsProvidedRequest, context: Context
    ) -> pb.Claim:
        note = required_text(request.note, "note", 4000, required=False)
        provided_on = optional_date(request.provided_on, "provided_on")

        async def apply(
            connection: AsyncConnection, row: Any, lines: Sequence[Any], today: date
        ) -> dict[str, Any]:
            day = self._event_day(
                provided_on or today,
                after=row.additions_requested_on,
                today=today,
                field="provided_on",
            )
            return {"_day": day, "_note": note}

        return await self._transition(
            request.claim_id, request.expected_version, ClaimAction.PROVIDE_ADDITIONS, apply
        )

    async def RecordDecision(self, request: pb.RecordDecisionRequest, context: Context) -> pb.Claim:
        reference = required_text(
            request.decision_reference, "decision_reference", 100, required=False
        )
        decided_on = optional_date(request.decided_on, "decided_on")
        wanted = [(d.cost_entry_id.strip(), d.approved_cents, d.note) for d in request.lines]

        async def apply(
            connection: AsyncConnection, row: Any, lines: Sequence[Any], today: date
        ) -> dict[str, Any]:
            after = row.additions_requested_on or row.submitted_on
            day = self._event_day(decided_on or today, after=after, today=today, field="decided_on")
            try:
                decided = check_decision(
                    {line.cost_entry_id: line.amount_cents for line in lines}, wanted
                )
            except ClaimProblems as problems:
                raise refused(problems) from None
            await repository.decide_lines(
                connection,
                row.id,
                ((d.cost_entry_id, d.approved_cents, d.note) for d in decided.values()),
            )
            approved = sum(d.approved_cents for d in decided.values())
            return {
                "decided_on": day,
                "decision_reference": reference,
                "approved_cents": approved,
                "_day": day,
                "_reference": reference,
            }

        return await self._transition(
            request.claim_id, request.expected_version, ClaimAction.DECIDE, apply
        )

    async def RecordPayment(self, request: pb.RecordPaymentRequest, context: Context) -> pb.Claim:
        reference = required_text(
            request.payment_reference, "payment_reference", 100, required=False
        )
        paid_on = optional_date(request.paid_on, "paid_on")

        async def apply(
            connection: AsyncConnection, row: Any, lines: Sequence[Any], today: date
        ) -> dict[str, Any]:
            day = self._event_day(
                paid_on or today, after=row.decided_on, today=today, field="paid_on"
            )
            try:
                amount = check_payment(request.amount_cents, row.approved_cents or 0)
            except ContractsDomainError as error:
                raise invalid(error) from None
            return {"paid_cents": amount, "_day": day, "_reference": reference}

        return await self._transition(
            request.claim_id, request.expected_version, ClaimAction.PAY, apply
        )

    async def CancelClaim(self, request: pb.CancelClaimRequest, context: Context) -> pb.Claim:
        async def apply(
            connection: AsyncConnection, row: Any, lines: Sequence[Any], today: date
        ) -> dict[str, Any]:
            await repository.release_from_claim(connection, row.id, self._now())
            return {"_day": today}

        return await self._transition(
            request.claim_id, request.expected_version, ClaimAction.CANCEL, apply
        )

    # --- export ------------------------------------------------------------------------------

    async def ExportClaim(self, request: pb.ExportClaimRequest, context: Context) -> pb.ClaimExport:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        export_format = from_proto(ExportFormat, request.format) or ExportFormat.JSON
        async with self._db.transaction() as connection:
            row = await self._claim_row(connection, municipality, request.claim_id)
            lines = await repository.get_lines(connection, row.id)
            if export_format is ExportFormat.CSV:
                document = claim_export.csv_document(row, lines)
            elif row.submitted_document_key:
                document = await self._frozen(row)
            else:
                document = claim_export.json_document(row, lines)
            await self._audit.record(
                connection,
                caller,
                claim_entries(
                    row, (line.client_id for line in lines), "claim.export", convert.CLAIM_FIELDS
                ),
            )
        return pb.ClaimExport(
            format=request.format or pb.EXPORT_FORMAT_JSON,
            media_type=document.media_type,
            filename=document.filename,
            content=document.content,
            sha256=document.sha256,
        )

    async def _frozen(self, row: Any) -> claim_export.Document:
        try:
            content = await get_verified(
                self._store, row.submitted_document_key, row.submitted_document_sha256
            )
        except (ObjectIntegrityError, ObjectNotFound):
            log.error("a submitted claim document is damaged or missing")
            raise StoredFileDamaged(
                "The submitted claim document does not match its checksum"
            ) from None
        except ObjectStoreError:
            raise DependencyUnavailable("The file store did not answer; try again") from None
        frozen = claim_export.json_document(row, [])
        return claim_export.Document(content, frozen.media_type, frozen.filename)


def claim_entries_for_check(municipality: str, clients: Sequence[str]) -> list[AuditEntry]:
    return [
        AuditEntry(
            action="claim.check",
            resource="compensation-claims",
            subject_client_id=client,
            municipality=municipality,
            fields=("cost_entries", "eligibility"),
        )
        for client in sorted(set(clients))
    ]
