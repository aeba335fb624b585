"""Signing requests: asking for signatures on a plan, reading, listing and cancelling."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.clock import as_utc
from kotopolku.common.errors import (
    AlreadyExists,
    FieldViolation,
    InvalidArgument,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from kotopolku.common.idempotency import request_hash, validate_key
from kotopolku.common.identity import Caller, Role, current_caller
from kotopolku.common.requests import resource_id
from kotopolku.esign import access, convert, notifications, repository
from kotopolku.esign.deliveries import CLIENT_NOTIFICATION
from kotopolku.esign.domain import requests as rules
from kotopolku.esign.domain.errors import EsignDomainError
from kotopolku.esign.domain.model import (
    DocumentKind,
    PlanActivation,
    PlanKind,
    RequestStatus,
    Signer,
    SignerParty,
    SigningOrder,
)
from kotopolku.esign.rendering import labels
from kotopolku.esign.rendering.document import plan_document
from kotopolku.esign.rendering.pdf import render_plan
from kotopolku.esign.rpc_support import (
    Context,
    RpcBase,
    check_version,
    entry,
    invalid,
    request_id_of,
    require_version,
    stale,
)
from kotopolku.esign.v1 import esign_pb2 as pb
from kotopolku.plans.v1 import plans_pb2


class _Violations:
    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def check(self, field: str, run: Any) -> Any:
        try:
            return run()
        except EsignDomainError as error:
            self.items.append(FieldViolation(error.field or field, error.message))
        except ValueError as error:
            self.items.append(FieldViolation(field, str(error)))
        return None

    def raise_if_any(self) -> None:
        if self.items:
            fields = ", ".join(v.field for v in self.items)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.items)


def _parse_date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise EsignDomainError(field, "must be a date (YYYY-MM-DD)") from None


def _language(value: str) -> str:
    if value and value not in labels.SUPPORTED_LANGUAGES:
        supported = ", ".join(sorted(labels.SUPPORTED_LANGUAGES))
        raise EsignDomainError("language", f"the document exists in: {supported}")
    return value


def _official_language(value: str) -> str:
    if value and value not in labels.OFFICIAL_LANGUAGES:
        raise EsignDomainError("official_language", "must be fi or sv")
    return value or "fi"


def _order(number: int) -> SigningOrder:
    member = convert.enum_member(pb.SigningOrder, "SIGNING_ORDER_", number)
    return SigningOrder(member) if member else SigningOrder.SEQUENTIAL


def _parties(numbers: Any) -> list[SignerParty]:
    parties = []
    for index, number in enumerate(numbers):
        try:
            member = convert.enum_member(pb.SignerParty, "SIGNER_PARTY_", number)
        except ValueError:
            raise EsignDomainError(f"signers[{index}]", "is not a known party") from None
        if member is None:
            raise EsignDomainError(f"signers[{index}]", "is required")
        parties.append(SignerParty(member))
    return parties


def _fingerprint(request: pb.CreateSigningRequestRequest) -> str:
    copy = pb.CreateSigningRequestRequest()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")
    return request_hash(copy)


def _suffix(name: str, prefix: str) -> str:
    return name.removeprefix(prefix)


class RequestRpcs(RpcBase):
    async def CreateSigningRequest(
        self, request: pb.CreateSigningRequestRequest, context: Context
    ) -> pb.SigningRequest:
        caller = current_caller()
        municipality = access.require_officer(caller)
        plan_id = resource_id(request.plan_id, "plan_id", "plan")
        violations = _Violations()
        order = violations.check("order", partial(_order, request.order))
        parties = violations.check("signers", partial(_parties, request.signers))
        requested_deadline = violations.check(
            "deadline", partial(_parse_date, request.deadline, "deadline")
        )
        today = self._today()
        deadline = violations.check(
            "deadline", partial(rules.deadline_for, requested_deadline, today)
        )
        language = violations.check("language", partial(_language, request.language))
        official = violations.check(
            "official_language", partial(_official_language, request.official_language)
        )
        key = violations.check(
            "idempotency_key",
            lambda: validate_key(request.idempotency_key) if request.idempotency_key else "",
        )
        violations.raise_if_any()
        fingerprint = _fingerprint(request)
        if key:
            async with self._db.transaction() as connection:
                existing = await self._deps.idempotency.find(
                    connection, caller.subject, key, "CreateSigningRequest", fingerprint
                )
                if existing is not None:
                    return await self._respond(connection, caller, existing, "signing-request.read")

        plan = await self._deps.plans.plan(plan_id)
        authority = _suffix(
            plans_pb2.ResponsibleAuthority.Name(plan.responsible_authority),
            "RESPONSIBLE_AUTHORITY_",
        )
        if plan.municipality_code != municipality:
            raise NotFound("No such plan")
        if not access.acts_for(caller, authority):
            raise PermissionDenied(
                f"The plan is the responsibility of the other authority ({authority})"
            )
        if plan.status != plans_pb2.PLAN_STATUS_AWAITING_APPROVAL:
            raise InvalidState("Only a plan awaiting approval is signed: submit it first")
        if not self._deps.certificates.has_signer(municipality):
            raise InvalidState(f"The municipality {municipality} has no signing certificate")
        kind = PlanKind(_suffix(plans_pb2.PlanKind.Name(plan.kind), "PLAN_KIND_"))
        try:
            signers = rules.signers_for(kind, parties or [], plan.welfare_area)
        except EsignDomainError as error:
            raise invalid(error) from error

        client = await self._deps.clients.client(plan.client_id)
        names = await self._deps.programme.names(
            s.programme_service_id for s in plan.services if s.programme_service_id
        )
        request_id = str(uuid.uuid4())
        now = self._now()
        client_language = labels.document_language(language or "", list(client.languages))
        document = plan_document(
            signing_request_id=request_id,
            created_at=now,
            plan=plan,
            client_name=f"{client.first_names} {client.last_name}".strip(),
            date_of_birth=client.date_of_birth,
            service_names=names,
            signers=tuple(signers),
            order=order,
            deadline=deadline,
            official_language=official,
            client_language=client_language,
        )
        content = await asyncio.to_thread(render_plan, document, self._deps.fonts)

        async with self._db.transaction() as connection:
            await self._one_pending_request(connection, plan.id, now)
            digest = await repository.store_document(connection, content, now)
            await repository.insert_request(
                connection,
                {
                    "id": request_id,
                    "version": 1,
                    "document_kind": DocumentKind.INTEGRATION_PLAN,
                    "plan_id": plan.id,
                    "plan_version": plan.version,
                    "plan_kind": kind,
                    "client_id": plan.client_id,
                    "municipality_code": municipality,
                    "responsible_authority": authority,
                    "signing_order": order,
                    "deadline": deadline,
                    "status": RequestStatus.PENDING,
                    "language": client_language,
                    "official_language": official,
                    "original_sha256": digest,
                    "document_sha256": digest,
                    "plan_activation": PlanActivation.NOT_DUE,
                    "plan_activation_error": "",
                    "cancel_reason": "",
                    "created_by": caller.subject,
                    "created_at": now,
                    "updated_at": now,
                },
                signers,
            )
            row = await repository.get_request(connection, request_id)
            await self._queue_client_notifications(connection, row, signers, now)
            if key:
                try:
                    await self._deps.idempotency.remember(
                        connection,
                        caller.subject,
                        key,
                        "CreateSigningRequest",
                        fingerprint,
                        request_id,
                    )
                except IntegrityError as error:
                    raise AlreadyExists("The signing request was created concurrently") from error
            response = await self._respond(connection, caller, request_id, "signing-request.create")
        self._deps.on_delivery()
        return response

    async def _one_pending_request(
        self, connection: AsyncConnection, plan_id: str, now: datetime
    ) -> None:
        """A plan has at most one pending request; one whose deadline has passed is stored as
        EXPIRED now, so that a new one can be made."""
        today = self._today()
        for row in await repository.pending_requests_of_plan(connection, plan_id):
            status = rules.status_on(RequestStatus(row.status), row.deadline, today)
            if status is RequestStatus.PENDING:
                raise InvalidState(f"The plan already has a pending signing request ({row.id})")
            if not await repository.update_request(
                connection, row.id, row.version, {"status": status}, now
            ):
                raise stale()

    async def _queue_client_notifications(
        self,
        connection: AsyncConnection,
        row: Any,
        signers: list[Signer],
        now: datetime,
        *,
        pending_before: frozenset[SignerParty] = frozenset(),
    ) -> None:
        """When it becomes the client's turn: an invitation now and, once, a reminder before
        the deadline (dropped unsent if the client has signed by then)."""
        order = SigningOrder(row.signing_order)
        pending_now = rules.pending_parties(order, signers)
        if SignerParty.CLIENT not in pending_now - pending_before:
            return
        client = next(s for s in signers if s.party is SignerParty.CLIENT)
        options = self._deps.options
        await repository.add_delivery(
            connection,
            kind=CLIENT_NOTIFICATION,
            request_id=row.id,
            signer_position=client.position,
            payload=notifications.client_notification(
                row, client.position, "invitation", options.signing_url_template, None
            ).SerializeToString(),
            due=now,
            now=now,
        )
        reminder = rules.reminder_at(row.deadline, options.reminder_days_before, now)
        if reminder is not None:
            await repository.add_delivery(
                connection,
                kind=CLIENT_NOTIFICATION,
                request_id=row.id,
                signer_position=client.position,
                payload=notifications.client_notification(
                    row, client.position, "reminder", options.signing_url_template, reminder
                ).SerializeToString(),
                due=reminder,
                now=now,
            )

    async def GetSigningRequest(
        self, request: pb.GetSigningRequestRequest, context: Context
    ) -> pb.SigningRequest:
        caller = current_caller()
        access.require_reader(caller)
        own = await self._own_client_id(caller)
        async with self._db.transaction() as connection:
            record = await self._readable(
                connection, caller, request.signing_request_id, "signing-request.read", own
            )
            return await self._respond(connection, caller, record.row.id, "signing-request.read")

    async def _page(
        self,
        caller: Caller,
        column: str,
        value: str,
        municipality: str,
        page_size: int,
        token: str,
    ) -> pb.ListSigningRequestsResponse:
        size = pagination.page_size(page_size)
        position = pagination.decode_token(token)
        after = None
        if position is not None:
            try:
                after = (datetime.fromisoformat(str(position["c"])), str(position["i"]))
            except (KeyError, ValueError):
                raise InvalidArgument.field(
                    "page_token", "is not a token this API issued"
                ) from None
        async with self._db.transaction() as connection:
            rows = await repository.list_requests(
                connection, column, value, municipality, after, size + 1
            )
            page = rows[:size]
            records = await repository.load_requests(connection, page)
            await self._audit.record(
                connection,
                caller,
                [entry(record.row, "signing-request.read") for record in records],
            )
            today = self._today()
            next_token = (
                pagination.encode_token(
                    {"c": as_utc(page[-1].created_at).isoformat(), "i": page[-1].id}
                )
                if len(rows) > size
                else ""
            )
            return pb.ListSigningRequestsResponse(
                signing_requests=[convert.request_message(r, today) for r in records],
                next_page_token=next_token,
            )

    async def ListSigningRequests(
        self, request: pb.ListSigningRequestsRequest, context: Context
    ) -> pb.ListSigningRequestsResponse:
        caller = current_caller()
        if not access.is_staff(caller):
            raise PermissionDenied("Only staff list the signing requests of a plan or client")
        assert caller.municipality is not None
        if bool(request.plan_id) == bool(request.client_id):
            raise InvalidArgument.field("plan_id", "give exactly one of plan_id and client_id")
        column, value = (
            ("plan_id", resource_id(request.plan_id, "plan_id", "plan"))
            if request.plan_id
            else ("client_id", resource_id(request.client_id, "client_id", "client"))
        )
        return await self._page(
            caller, column, value, caller.municipality, request.page_size, request.page_token
        )

    async def ListOwnSigningRequests(
        self, request: pb.ListOwnSigningRequestsRequest, context: Context
    ) -> pb.ListSigningRequestsResponse:
        caller = current_caller()
        if not caller.has_any(Role.CLIENT):
            raise PermissionDenied("Only a client user has own signing requests")
        own = await self._deps.clients.own_client_id()
        if own is None:
            pagination.page_size(request.page_size)
            return pb.ListSigningRequestsResponse()
        # The client's own record decides the municipality: every request is of that record.
        return await self._own_page(caller, own, request.page_size, request.page_token)

    async def _own_page(
        self, caller: Caller, client_id: str, page_size: int, token: str
    ) -> pb.ListSigningRequestsResponse:
        async with self._db.engine.connect() as connection:
            municipality = await repository.municipality_of_client(connection, client_id)
        if municipality is None:
            pagination.page_size(page_size)
            return pb.ListSigningRequestsResponse()
        return await self._page(caller, "client_id", client_id, municipality, page_size, token)

    async def CancelSigningRequest(
        self, request: pb.CancelSigningRequestRequest, context: Context
    ) -> pb.SigningRequest:
        caller = current_caller()
        access.require_officer(caller)
        expected = require_version(request.expected_version)
        request_id_of(request.signing_request_id)
        async with self._db.transaction() as connection:
            record = await self._readable(
                connection, caller, request.signing_request_id, "signing-request.cancel", None
            )
            row = record.row
            if not access.acts_for(caller, row.responsible_authority):
                raise PermissionDenied("Only an officer of the responsible authority cancels")
            check_version(row, expected)
            try:
                rules.check_cancellable(
                    RequestStatus(row.status), row.deadline, self._today(), request.reason
                )
            except EsignDomainError as error:
                raise invalid(error) from error
            now = self._now()
            if not await repository.update_request(
                connection,
                row.id,
                row.version,
                {"status": RequestStatus.CANCELLED, "cancel_reason": request.reason.strip()},
                now,
            ):
                raise stale()
            return await self._respond(
                connection, caller, row.id, "signing-request.cancel", ("status",)
            )
