"""OutreachService: RPCs to the outreach rules, queries and audit records. Kept thin: the list
is read by domain/outreach_import.py, matched by domain/outreach_match.py and written by
outreach_importer.py."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients import outreach_access, outreach_facts, repository
from kotopolku.clients import outreach_convert as convert
from kotopolku.clients import outreach_repository as repo
from kotopolku.clients.convert import CLIENT_FIELDS
from kotopolku.clients.domain import ClientDomainError
from kotopolku.clients.domain.model import finnish_time
from kotopolku.clients.domain.outreach import (
    UNCONCLUDED,
    OutreachStatus,
    TargetGroup,
    is_reached,
    leaving_window_until,
    may_convert_to_client,
    status_after_contact,
)
from kotopolku.clients.domain.outreach_import import (
    InvalidTargetList,
    media_type_of,
    parse_target_list,
)
from kotopolku.clients.domain.outreach_match import client_values_from_target
from kotopolku.clients.outreach_convert import EventKind
from kotopolku.clients.outreach_importer import ListImporter
from kotopolku.clients.v1 import outreach_pb2 as pb
from kotopolku.clients.v1 import outreach_pb2_grpc
from kotopolku.clients.validation import SEGMENT_FROM_PROTO, new_collector, parse_date
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import (
    AlreadyExists,
    FieldViolation,
    InvalidArgument,
    InvalidState,
    NotFound,
    StaleVersion,
)
from kotopolku.common.facts import FactRecorder
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id

Context = grpc.aio.ServicerContext[Any, Any]
E = TypeVar("E")

# The raw list the service accepts (the gateway limits uploads first, by its own setting).
MAX_CONTENT_BYTES = 16 * 1024 * 1024 - 64 * 1024
# Problems named in one answer: the status details travel in gRPC trailers, which are small.
# The detail text says how many rows were bad in all.
MAX_REPORTED_PROBLEMS = 40
MAX_NOTE_LENGTH = 2000
MAX_ASSIGNEE_LENGTH = 200


def _fingerprint(request: Message) -> str:
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    return request_hash(copy)


def _list_error(error: InvalidTargetList) -> InvalidArgument:
    reported = error.problems[:MAX_REPORTED_PROBLEMS]
    if error.bad_rows:
        detail = f"{error.bad_rows} rows are not valid; nothing was imported"
    else:
        detail = f"The list cannot be read ({reported[0].field}); nothing was imported"
    if len(error.problems) > len(reported):
        detail += f" (the first {len(reported)} of {len(error.problems)} problems are listed)"
    return InvalidArgument(
        detail, violations=[FieldViolation(p.field, p.message) for p in reported]
    )


def _target_entry(
    row: Any, action: str, fields: tuple[str, ...] = convert.TARGET_FIELDS
) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"outreach-targets/{row.id}",
        subject_client_id=row.client_id or "",
        municipality=row.municipality_code,
        fields=fields,
    )


def _printable(value: str, field: str, max_length: int) -> str:
    """Optional free text with whitespace normalised."""
    text = " ".join(value.split())
    if len(text) > max_length or not text.isprintable():
        raise ClientDomainError(field, f"must be printable text of at most {max_length} characters")
    return text


def _required(value: E | None, field: str) -> E:
    if value is None:
        raise ClientDomainError(field, "is required")
    return value


class OutreachServicer(outreach_pb2_grpc.OutreachServiceServicer):
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        facts: FactRecorder,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._facts = facts

    def _today(self) -> date:
        """The municipality's calendar day: windows end on Finnish dates."""
        return self._clock().astimezone(finnish_time()).date()

    # --- imports ---------------------------------------------------------------------------------

    async def ImportTargetList(
        self, request: pb.ImportTargetListRequest, context: Context
    ) -> pb.OutreachImport:
        caller = current_caller()
        municipality = outreach_access.outreach_municipality(caller, write=True)
        source = convert.SOURCE_FROM_PROTO.get(request.source)
        violations = []
        if source is None:
            violations.append(FieldViolation("source", "is required: kela, dvv or migri"))
        if not request.idempotency_key:
            violations.append(
                FieldViolation(
                    "idempotency_key", "is required: a retried upload must not import twice"
                )
            )
        if violations:
            raise InvalidArgument(
                "Invalid value in: source, idempotency_key", violations=violations
            )
        assert source is not None
        key = validate_key(request.idempotency_key)
        if len(request.content) > MAX_CONTENT_BYTES:
            raise InvalidArgument.field("content", f"is larger than {MAX_CONTENT_BYTES} bytes")
        digest = _fingerprint(request)
        async with self._db.transaction() as connection:
            replayed = await self._replay(connection, caller, key, digest)
            if replayed is not None:
                return replayed
        today = self._today()
        try:
            parsed = await asyncio.to_thread(
                parse_target_list,
                request.content,
                request.media_type,
                source=source,
                municipality=municipality,
                today=today,
            )
        except InvalidTargetList as error:
            raise _list_error(error) from None
        media_type = media_type_of(request.media_type)
        try:
            async with self._db.transaction() as connection:
                replayed = await self._replay(connection, caller, key, digest)
                if replayed is not None:
                    return replayed
                importer = ListImporter(
                    connection,
                    municipality=municipality,
                    source=source,
                    actor=caller.subject,
                    now=self._clock(),
                    facts=self._facts,
                )
                import_id, plan = await importer.apply(parsed, media_type)
                await self._idempotency.remember(
                    connection, caller.subject, key, "ImportTargetList", digest, import_id
                )
                await self._audit.record(
                    connection, caller, [self._import_entry(import_id, municipality), *plan.audit]
                )
                row = await repo.get_import(connection, import_id)
                return convert.import_message(row)
        except IntegrityError as error:
            raise AlreadyExists(
                "Another import changed the same targets at the same time; send the list again"
            ) from error

    async def _replay(
        self, connection: AsyncConnection, caller: Caller, key: str, digest: str
    ) -> pb.OutreachImport | None:
        existing = await self._idempotency.find(
            connection, caller.subject, key, "ImportTargetList", digest
        )
        if existing is None:
            return None
        row = await repo.get_import(connection, existing)
        assert row is not None
        return convert.import_message(row)

    def _import_entry(self, import_id: str, municipality: str) -> AuditEntry:
        # The import record itself holds counts and the importer, no personal data; its targets
        # are recorded one by one.
        return AuditEntry(
            action="outreach-import.create",
            resource=f"outreach-imports/{import_id}",
            municipality=municipality,
        )

    async def GetImport(self, request: pb.GetImportRequest, context: Context) -> pb.OutreachImport:
        caller = current_caller()
        municipality = outreach_access.outreach_municipality(caller, write=False)
        async with self._db.transaction() as connection:
            row = await repo.get_import(connection, resource_id(request.import_id, "import_id"))
            if row is None or not outreach_access.may_see(municipality, row):
                raise NotFound("No such import")
            return convert.import_message(row)

    async def ListImports(
        self, request: pb.ListImportsRequest, context: Context
    ) -> pb.ListImportsResponse:
        caller = current_caller()
        municipality = outreach_access.outreach_municipality(caller, write=False)
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        before = _import_position(position)
        async with self._db.transaction() as connection:
            rows = await repo.list_imports(connection, municipality, before, size + 1)
        page = rows[:size]
        token = (
            pagination.encode_token(
                {"t": as_utc(page[-1].imported_at).isoformat(), "i": page[-1].id}
            )
            if len(rows) > size
            else ""
        )
        return pb.ListImportsResponse(
            imports=[convert.import_message(r) for r in page], next_page_token=token
        )

    # --- targets ---------------------------------------------------------------------------------

    async def _visible_target(
        self,
        connection: AsyncConnection,
        caller: Caller,
        target_id: str,
        action: str,
        *,
        write: bool,
    ) -> Any:
        """The target if the caller's municipality owns it; otherwise the answer of a missing one
        (and the refusal is recorded)."""
        municipality = outreach_access.outreach_municipality(caller, write=write)
        row = await repo.get_target(connection, resource_id(target_id, "target_id", "target"))
        if row is None or not outreach_access.may_see(municipality, row):
            subject = (row.client_id or "") if row is not None else ""
            await self._audit_refusal(caller, f"outreach-targets/{target_id}", action, row, subject)
            raise NotFound("No such target")
        return row

    async def _audit_refusal(
        self, caller: Caller, resource: str, action: str, row: Any, subject: str
    ) -> None:
        # In a transaction of its own: the caller's transaction is about to roll back.
        entry = AuditEntry(
            action=action,
            resource=resource,
            subject_client_id=subject,
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])

    async def _full_target(self, connection: AsyncConnection, row: Any) -> pb.OutreachTarget:
        groups = await repo.groups_of(connection, [row.id])
        attempts = await repo.contact_events_of(connection, row.id)
        return convert.target_message(row, groups[row.id], attempts)

    async def GetTarget(self, request: pb.GetTargetRequest, context: Context) -> pb.OutreachTarget:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row = await self._visible_target(
                connection, caller, request.target_id, "outreach-target.read", write=False
            )
            await self._audit.record(
                connection, caller, [_target_entry(row, "outreach-target.read")]
            )
            return await self._full_target(connection, row)

    async def ListTargets(
        self, request: pb.ListTargetsRequest, context: Context
    ) -> pb.ListTargetsResponse:
        caller = current_caller()
        municipality = outreach_access.outreach_municipality(caller, write=False)
        if request.unassigned and request.assignee_subject:
            raise InvalidArgument.field("unassigned", "cannot be combined with assignee_subject")
        status = convert.STATUS_FROM_PROTO.get(request.status)
        group = convert.GROUP_FROM_PROTO.get(request.target_group)
        filters = repo.TargetFilters(
            municipality=municipality,
            statuses=(status.value,) if status else (),
            target_group=group.value if group else None,
            assignee_subject=request.assignee_subject or None,
            unassigned=request.unassigned,
        )
        return await self._page(caller, filters, request.page_size, request.page_token)

    async def ListTargetsLeavingWindow(
        self, request: pb.ListTargetsLeavingWindowRequest, context: Context
    ) -> pb.ListTargetsResponse:
        caller = current_caller()
        municipality = outreach_access.outreach_municipality(caller, write=False)
        today = self._today()
        try:
            until = leaving_window_until(today, request.within_days)
        except ClientDomainError as error:
            raise InvalidArgument.field(error.field, error.message) from None
        group = convert.GROUP_FROM_PROTO.get(request.target_group)
        filters = repo.TargetFilters(
            municipality=municipality,
            statuses=tuple(s.value for s in UNCONCLUDED),
            target_group=group.value if group else None,
            window_ends_from=today,
            window_ends_until=until,
        )
        return await self._page(caller, filters, request.page_size, request.page_token)

    async def _page(
        self, caller: Caller, filters: repo.TargetFilters, page_size: int, page_token: str
    ) -> pb.ListTargetsResponse:
        size = pagination.page_size(page_size)
        after = _target_position(pagination.decode_token(page_token))
        async with self._db.transaction() as connection:
            rows = await repo.list_targets(connection, filters, after, size + 1)
            page = rows[:size]
            groups = await repo.groups_of(connection, repo.ids(page))
            await self._audit.record(
                connection,
                caller,
                [_target_entry(row, "outreach-target.list-result") for row in page],
            )
        token = (
            pagination.encode_token({"w": page[-1].window_ends_on.isoformat(), "i": page[-1].id})
            if len(rows) > size
            else ""
        )
        return pb.ListTargetsResponse(
            targets=[convert.target_message(row, groups[row.id]) for row in page],
            next_page_token=token,
        )

    async def ListTargetHistory(
        self, request: pb.ListTargetHistoryRequest, context: Context
    ) -> pb.ListTargetHistoryResponse:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row = await self._visible_target(
                connection, caller, request.target_id, "outreach-target.history", write=False
            )
            events = await repo.events_of(connection, row.id)
            await self._audit.record(
                connection, caller, [_target_entry(row, "outreach-target.history", ("history",))]
            )
        return pb.ListTargetHistoryResponse(events=[convert.event_message(e) for e in events])

    # --- working on a target --------------------------------------------------------------------

    async def _change(
        self,
        connection: AsyncConnection,
        row: Any,
        version: int,
        values: dict[str, Any],
        event: dict[str, Any],
        caller: Caller,
    ) -> Any:
        if not await repo.update_target(connection, row.id, version, values, self._clock()):
            raise StaleVersion(f"The target is at version {row.version}, not {version}")
        status = values.get("status", row.status)
        await repo.insert_events(
            connection,
            [
                {
                    "target_id": row.id,
                    "occurred_at": self._clock(),
                    "actor_subject": caller.subject,
                    "status_after": status,
                    **event,
                }
            ],
        )
        updated = await repo.get_target(connection, row.id)
        assert updated is not None
        return updated

    async def RecordContactAttempt(
        self, request: pb.RecordContactAttemptRequest, context: Context
    ) -> pb.OutreachTarget:
        caller = current_caller()
        outreach_access.outreach_municipality(caller, write=True)
        version = expected_version(request.expected_version)
        today = self._today()
        collector = new_collector()
        outcome = collector.check(
            "outcome", lambda: _required(convert.OUTCOME_FROM_PROTO.get(request.outcome), "outcome")
        )
        channel = collector.check(
            "channel", lambda: _required(convert.CHANNEL_FROM_PROTO.get(request.channel), "channel")
        )
        contacted_on = collector.check(
            "contacted_on",
            lambda: (
                parse_date(request.contacted_on, "contacted_on", required=True, today=today)
                if request.contacted_on
                else today
            ),
        )
        note = collector.check("note", lambda: _printable(request.note, "note", MAX_NOTE_LENGTH))
        collector.raise_if_any()
        assert outcome is not None
        assert channel is not None
        assert contacted_on is not None
        async with self._db.transaction() as connection:
            row = await self._visible_target(
                connection, caller, request.target_id, "outreach-target.contact", write=True
            )
            try:
                status = status_after_contact(OutreachStatus(row.status), outcome)
            except ClientDomainError as error:
                raise InvalidState(error.message) from None
            last = row.last_attempt_on
            updated = await self._change(
                connection,
                row,
                version,
                {
                    "status": status.value,
                    "attempt_count": row.attempt_count + 1,
                    "last_attempt_on": max(last, contacted_on) if last else contacted_on,
                },
                {
                    "kind": EventKind.CONTACT.value,
                    "outcome": outcome.value,
                    "channel": channel.value,
                    "contacted_on": contacted_on,
                    "note": note or None,
                },
                caller,
            )
            await self._audit.record(
                connection,
                caller,
                [_target_entry(updated, "outreach-target.contact", ("status", "attempts"))],
            )
            groups = await repo.groups_of(connection, [row.id])
            await self._facts.record(
                connection,
                outreach_facts.contact_recorded(
                    self._facts,
                    row.municipality_code,
                    row.id,
                    updated.client_id,
                    [TargetGroup(g.target_group) for g in groups[row.id]],
                    contacted_on,
                    outcome,
                ),
            )
            return await self._full_target(connection, updated)

    async def AssignTarget(
        self, request: pb.AssignTargetRequest, context: Context
    ) -> pb.OutreachTarget:
        caller = current_caller()
        outreach_access.outreach_municipality(caller, write=True)
        version = expected_version(request.expected_version)
        collector = new_collector()
        subject = collector.check(
            "assignee_subject",
            lambda: _printable(request.assignee_subject, "assignee_subject", MAX_ASSIGNEE_LENGTH),
        )
        name = collector.check(
            "assignee_name",
            lambda: _printable(request.assignee_name, "assignee_name", MAX_ASSIGNEE_LENGTH),
        )
        if name and not subject:
            raise InvalidArgument.field("assignee_subject", "is required with assignee_name")
        collector.raise_if_any()
        async with self._db.transaction() as connection:
            row = await self._visible_target(
                connection, caller, request.target_id, "outreach-target.assign", write=True
            )
            updated = await self._change(
                connection,
                row,
                version,
                {"assignee_subject": subject or None, "assignee_name": name or None},
                {
                    "kind": EventKind.ASSIGNED.value,
                    "assignee_subject": subject or None,
                    "assignee_name": name or None,
                },
                caller,
            )
            await self._audit.record(
                connection,
                caller,
                [_target_entry(updated, "outreach-target.assign", ("assignee",))],
            )
            return await self._full_target(connection, updated)

    async def ConvertTargetToClient(
        self, request: pb.ConvertTargetToClientRequest, context: Context
    ) -> pb.OutreachTarget:
        caller = current_caller()
        municipality = outreach_access.outreach_municipality(caller, write=True)
        version = expected_version(request.expected_version)
        async with self._db.transaction() as connection:
            row = await self._visible_target(
                connection, caller, request.target_id, "outreach-target.client", write=True
            )
            existing = bool(request.existing_client_id)
            try:
                may_convert_to_client(OutreachStatus(row.status), existing_client=existing)
            except ClientDomainError as error:
                raise InvalidState(error.message) from None
            if existing:
                client = await self._existing_client(
                    connection, caller, row, request.existing_client_id
                )
                kind, action = EventKind.CLIENT_LINKED, "client.link-outreach"
            else:
                client, kind, action = await self._new_client(
                    connection, row, municipality, request
                )
            updated = await self._change(
                connection,
                row,
                version,
                {"status": OutreachStatus.CLIENT.value, "client_id": client.id},
                {"kind": kind.value, "client_id": client.id},
                caller,
            )
            await self._audit.record(
                connection,
                caller,
                [
                    _target_entry(updated, "outreach-target.client", ("status", "client_id")),
                    AuditEntry(
                        action=action,
                        resource=f"clients/{client.id}",
                        subject_client_id=client.id,
                        municipality=client.municipality_code,
                        fields=CLIENT_FIELDS,
                    ),
                ],
            )
            return await self._full_target(connection, updated)

    async def _existing_client(
        self, connection: AsyncConnection, caller: Caller, target: Any, client_id: str
    ) -> Any:
        client = await repository.get_client(
            connection, resource_id(client_id, "existing_client_id", "client")
        )
        if client is None or client.municipality_code != target.municipality_code:
            await self._audit_refusal(
                caller,
                f"clients/{client_id}",
                "client.link-outreach",
                client,
                client.id if client is not None else "",
            )
            raise NotFound("No such client")
        if (
            target.henkilotunnus
            and client.henkilotunnus
            and client.henkilotunnus != target.henkilotunnus
        ):
            raise InvalidArgument.field(
                "existing_client_id", "is another person: the identity codes differ"
            )
        return client

    async def _new_client(
        self,
        connection: AsyncConnection,
        target: Any,
        municipality: str,
        request: pb.ConvertTargetToClientRequest,
    ) -> tuple[Any, EventKind, str]:
        if target.henkilotunnus:
            # Ask once: a person who became a client meanwhile joins that record.
            matches = await repository.find_by_henkilotunnus(
                connection, target.henkilotunnus, municipality
            )
            if matches:
                return matches[0], EventKind.CLIENT_LINKED, "client.link-outreach"
        groups = await repo.groups_of(connection, [target.id])
        segment = SEGMENT_FROM_PROTO.get(request.segment)
        values = client_values_from_target(
            first_names=target.first_names,
            last_name=target.last_name,
            date_of_birth=target.date_of_birth,
            henkilotunnus=target.henkilotunnus,
            languages=list(target.languages or []),
            contact=dict(target.contact or {}),
            first_permit_date=target.first_permit_date,
            groups=frozenset(TargetGroup(g.target_group) for g in groups[target.id]),
            segment=segment.value if segment else None,
        )
        client = await repository.insert_client(connection, municipality, values, self._clock())
        return client, EventKind.CLIENT_CREATED, "client.create"

    # --- coverage -------------------------------------------------------------------------------

    async def GetOutreachCoverage(
        self, request: pb.GetOutreachCoverageRequest, context: Context
    ) -> pb.OutreachCoverage:
        caller = current_caller()
        municipality = outreach_access.outreach_municipality(caller, write=False)
        today = self._today()
        async with self._db.transaction() as connection:
            cells = await repo.coverage(connection, municipality, today)
            persons = await repo.count_persons(connection, municipality)
            # Counts only, but small ones may point at a person: who looked is recorded.
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="outreach-coverage.read",
                        resource=f"outreach-coverage/{municipality}",
                        municipality=municipality,
                        fields=("counts",),
                    )
                ],
            )
        return _coverage_message(municipality, today, cells, persons)


def _coverage_message(
    municipality: str, today: date, cells: list[repo.CoverageCell], persons: int
) -> pb.OutreachCoverage:
    by_cell = {(TargetGroup(c.target_group), OutreachStatus(c.status)): c for c in cells}
    message = pb.OutreachCoverage(
        municipality_code=municipality, as_of=today.isoformat(), persons=persons
    )
    # Every group and status, zeros included: a report must tell "none" from "not counted".
    for group in TargetGroup:
        total = reached = clients = missed = 0
        for status in OutreachStatus:
            cell = by_cell.get((group, status))
            targets = cell.targets if cell else 0
            ended = cell.window_ended if cell else 0
            message.counts.add(
                target_group=convert.GROUP_TO_PROTO[group],
                status=convert.STATUS_TO_PROTO[status],
                targets=targets,
                window_ended=ended,
            )
            total += targets
            if is_reached(status):
                reached += targets
            if status is OutreachStatus.CLIENT:
                clients += targets
            if status in (OutreachStatus.OPEN, OutreachStatus.NOT_REACHED):
                missed += ended
        message.groups.add(
            target_group=convert.GROUP_TO_PROTO[group],
            targets=total,
            reached=reached,
            clients=clients,
            missed=missed,
        )
    return message


def _import_position(position: dict[str, Any] | None) -> tuple[datetime, str] | None:
    if position is None:
        return None
    try:
        return datetime.fromisoformat(str(position["t"])), str(position["i"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


def _target_position(position: dict[str, Any] | None) -> tuple[date, str] | None:
    if position is None:
        return None
    try:
        return date.fromisoformat(str(position["w"])), str(position["i"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None
