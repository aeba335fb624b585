"""RPCs of the start of multi-sector cooperation and of the disclosure bases it rests on.

The municipality asks its welfare area (or, when it says so, another known one) to take part in
the multi-sector assessment or plan of one client, on a recorded basis: a provision of law or the
client's consent. The request carries the person's identification from the client record (ask
once), which the welfare area sees while a basis holds. The welfare area names a responsible
person or declines with a reason; only an accepted cooperation opens the multi-sector data of that
client, to that welfare area, in the categories both the cooperation and a valid basis cover.
Withdrawal or expiry of the basis stops every further disclosure.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import AlreadyExists, InvalidArgument, InvalidState, StaleVersion
from kotopolku.common.identity import Caller, Role, current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.welfare import access, convert, enums, repository
from kotopolku.welfare.domain import codes, cooperation, deadlines
from kotopolku.welfare.domain.basis import Basis, CheckedBasis, check_basis, check_may_withdraw
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError
from kotopolku.welfare.domain.feed import EventType, FeedEventDraft
from kotopolku.welfare.rpc_support import (
    CHANNEL_COOPERATION,
    Context,
    RpcBase,
    Violations,
    fingerprint,
    idempotency_key,
    invalid,
    new_id,
    next_token,
    parse_date,
    position,
)
from kotopolku.welfare.tables import cooperations, disclosure_bases
from kotopolku.welfare.v1 import welfare_pb2 as pb
from kotopolku.welfare.validation import (
    basis_input,
    municipal_contact,
    responsible_person,
)


def _entry(row: Any, action: str, fields: tuple[str, ...]) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"cooperations/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=fields,
    )


def basis_values(
    checked: CheckedBasis, row: Any, recorded_by: str, now: Any, consent_reference: str
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "municipality_code": row.municipality_code,
        "welfare_area": row.welfare_area,
        "client_id": row.client_id,
        "kind": str(checked.kind),
        "categories": [str(c) for c in checked.categories],
        "legal_reference": checked.legal_reference,
        "consent_given_on": checked.consent_given_on,
        "consent_reference": consent_reference.strip(),
        "valid_from": checked.valid_from,
        "valid_until": checked.valid_until,
        "recorded_by": recorded_by,
        "recorded_at": now,
    }


class CooperationRpcs(RpcBase):
    # --- reading ---------------------------------------------------------------------------------

    async def _visible_cooperation(
        self,
        connection: AsyncConnection,
        caller: Caller,
        viewer: access.Viewer,
        cooperation_id: str,
        action: str,
    ) -> Any:
        key = resource_id(cooperation_id, "cooperation_id", "cooperation")
        row = await repository.get(connection, cooperations, key)
        if row is None or not viewer.sees(row):
            raise await self._refuse(caller, action, f"cooperations/{key}", row)
        return row

    def _holding_bases(self, row: Any, bases: Sequence[Any]) -> dict[codes.DataCategory, Basis]:
        """For each category of the cooperation, the basis disclosure rests on today."""
        state = codes.CooperationState(row.state)
        scope = [codes.DataCategory(c) for c in row.scope]
        today = self._today()
        parsed = [convert.basis_of(b) for b in bases]
        holding = {}
        for category in scope:
            basis = cooperation.disclosure_basis(state, scope, category, parsed, today)
            if basis is not None:
                holding[category] = basis
        return holding

    def _identification_basis(self, row: Any, bases: Sequence[Any]) -> Basis | None:
        """The welfare area sees who the request is about while it is open or accepted and a
        basis for its scope holds."""
        state = codes.CooperationState(row.state)
        if state not in (codes.CooperationState.REQUESTED, codes.CooperationState.ACCEPTED):
            return None
        today = self._today()
        parsed = [convert.basis_of(b) for b in bases]
        for category in (codes.DataCategory(c) for c in row.scope):
            holding = [b for b in parsed if b.holds(category, today)]
            if holding:
                return holding[0]
        return None

    async def _cooperation_view(
        self,
        connection: AsyncConnection,
        caller: Caller,
        viewer: access.Viewer,
        row: Any,
        action: str,
        *,
        identify: bool,
    ) -> pb.Cooperation:
        """The cooperation as the viewer may see it, audited; a welfare area that is shown the
        person's identification has it recorded as a disclosure."""
        bases = await repository.bases_of(connection, cooperation_ids=[row.id])
        allowed = bool(self._holding_bases(row, bases))
        shown = False
        fields: tuple[str, ...]
        if viewer.is_welfare_area:
            basis = self._identification_basis(row, bases) if identify else None
            if basis is not None:
                shown = True
                await self._log_disclosure(
                    connection,
                    caller,
                    client_id=row.client_id,
                    municipality=row.municipality_code,
                    welfare_area=row.welfare_area,
                    category=next(iter(sorted(basis.categories))),
                    resource=f"cooperations/{row.id}",
                    fields=convert.WELFARE_PERSON_FIELDS,
                    basis=basis,
                    channel=CHANNEL_COOPERATION,
                )
            fields = ("scope", "reason", "state", "responsible", "bases")
        else:
            shown = True
            fields = convert.COOPERATION_FIELDS
        await self._audit.record(connection, caller, [_entry(row, action, fields)])
        return convert.cooperation_message(
            row,
            bases,
            self._today(),
            for_welfare_area=viewer.is_welfare_area,
            disclosure_allowed=allowed,
            person_shown=shown,
        )

    async def GetCooperation(
        self, request: pb.GetCooperationRequest, context: Context
    ) -> pb.Cooperation:
        caller = current_caller()
        viewer = access.viewer(caller, self._allow_list)
        async with self._db.transaction() as connection:
            row = await self._visible_cooperation(
                connection, caller, viewer, request.cooperation_id, "cooperation.read"
            )
            return await self._cooperation_view(
                connection, caller, viewer, row, "cooperation.read", identify=True
            )

    async def ListCooperations(
        self, request: pb.ListCooperationsRequest, context: Context
    ) -> pb.ListCooperationsResponse:
        caller = current_caller()
        viewer = access.viewer(caller, self._allow_list)
        client_id = None
        if not viewer.is_welfare_area:
            client_id = resource_id(request.client_id, "client_id", "client")
        try:
            state = enums.from_proto(codes.CooperationState, request.state, "state")
        except WelfareDomainError as error:
            raise invalid(error) from None
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.list_cooperations(
                connection,
                municipality=viewer.municipality,
                client_id=client_id,
                welfare_area=viewer.welfare_area,
                state=str(state) if state else None,
                after=position(request.page_token),
                limit=size + 1,
            )
            # Lists do not identify the person to a welfare area: Get does, and logs it.
            page = [
                await self._cooperation_view(
                    connection, caller, viewer, row, "cooperation.list", identify=False
                )
                for row in rows[:size]
            ]
        return pb.ListCooperationsResponse(
            cooperations=page, next_page_token=next_token(rows, size)
        )

    # --- the municipality's side -----------------------------------------------------------------

    async def RequestCooperation(
        self, request: pb.RequestCooperationRequest, context: Context
    ) -> pb.Cooperation:
        caller = current_caller()
        municipality = access.staff_municipality(caller, self._allow_list, write=True)
        viewer = access.Viewer(municipality=municipality)
        today = self._today()
        v = Violations()
        client_key = v.check(lambda: _uuid_field(request.client_id, "client_id"))
        scope = v.check(
            lambda: cooperation.check_scope(enums.many(codes.DataCategory, request.scope, "scope"))
        )
        reason = v.check(lambda: cooperation.check_text(request.reason, "reason", required=True))
        due = v.check(
            lambda: deadlines.answer_due(parse_date(request.answer_due, "answer_due"), today)
        )
        assessment_id = v.check(lambda: _optional_uuid(request.assessment_id, "assessment_id"))
        plan_id = v.check(lambda: _optional_uuid(request.plan_id, "plan_id"))
        area = v.check(lambda: self._requested_area(request.welfare_area, municipality))
        contact: dict[str, str] = {}
        try:
            contact = municipal_contact(request.municipal_contact)
        except InvalidArgument as error:
            v.items.extend(error.violations)
        given = None
        try:
            given = basis_input(request.basis)
        except InvalidArgument as error:
            v.items.extend(error.violations)
        checked = None
        if given is not None and scope:
            checked = v.check(lambda: check_basis(given, scope, today))
        v.raise_if_any()
        assert client_key
        assert scope
        assert reason
        assert due
        assert area
        assert checked is not None
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        earlier = await self._created_before(caller, key, "RequestCooperation", digest)
        if earlier is not None:
            async with self._db.transaction() as connection:
                row = await repository.get(connection, cooperations, earlier)
                return await self._cooperation_view(
                    connection, caller, viewer, row, "cooperation.read", identify=True
                )
        # Ask once: the identification comes from the client record, read as the officer.
        client = await self._clients.client(client_key)
        if client.municipality_code != municipality:
            raise await self._refuse(caller, "cooperation.request", f"clients/{client_key}", None)
        now = self._now()
        try:
            async with self._db.transaction() as connection:
                row = await repository.insert(
                    connection,
                    cooperations,
                    {
                        "id": new_id(),
                        "version": 1,
                        "municipality_code": municipality,
                        "welfare_area": area,
                        "client_id": client.id,
                        "scope": [str(c) for c in scope],
                        "assessment_id": assessment_id or "",
                        "plan_id": plan_id or "",
                        "reason": reason,
                        "municipal_contact": contact,
                        "person": {
                            "first_names": client.first_names,
                            "last_name": client.last_name,
                            "date_of_birth": client.date_of_birth,
                            "henkilotunnus": client.henkilotunnus,
                            "languages": list(client.languages),
                        },
                        "state": str(codes.CooperationState.REQUESTED),
                        "answer_due": due,
                        "created_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                basis_row = basis_values(
                    checked, row, caller.subject, now, request.basis.consent_reference
                )
                await repository.insert(
                    connection, disclosure_bases, {**basis_row, "cooperation_id": row.id}
                )
                await self._remember(connection, caller, key, "RequestCooperation", digest, row.id)
                await self._audit.record(
                    connection,
                    caller,
                    [_entry(row, "cooperation.request", ("scope", "reason", "person", "basis"))],
                )
                await self._publish(
                    connection,
                    area,
                    [
                        FeedEventDraft(
                            EventType.COOPERATION_REQUESTED,
                            f"cooperations/{row.id}",
                            {
                                "cooperation_id": row.id,
                                "state": str(codes.CooperationState.REQUESTED),
                                "scope": [str(c) for c in scope],
                                "answer_due": due.isoformat(),
                            },
                        )
                    ],
                )
                message = await self._cooperation_view(
                    connection, caller, viewer, row, "cooperation.read", identify=True
                )
        except IntegrityError:
            raise AlreadyExists("The request was made concurrently with this key") from None
        self._published(area)
        return message

    def _requested_area(self, requested: str, municipality: str) -> str:
        if not requested.strip():
            area = self._settings.welfare_areas.get(municipality)
            if area is None:
                raise WelfareDomainError(
                    "welfare_area", "no welfare area is configured for the municipality"
                )
            return area
        if requested not in self._settings.known_welfare_areas:
            raise WelfareDomainError("welfare_area", "is not a known welfare area")
        return requested

    async def EndCooperation(
        self, request: pb.EndCooperationRequest, context: Context
    ) -> pb.Cooperation:
        caller = current_caller()
        municipality = access.staff_municipality(caller, self._allow_list, write=True)
        viewer = access.Viewer(municipality=municipality)
        try:
            reason = cooperation.check_text(request.reason, "reason", required=True)
        except WelfareDomainError as error:
            raise invalid(error) from None
        expected = expected_version(request.expected_version)
        now = self._now()
        async with self._db.transaction() as connection:
            row = await self._visible_cooperation(
                connection, caller, viewer, request.cooperation_id, "cooperation.end"
            )
            try:
                cooperation.check_may_end(codes.CooperationState(row.state))
            except InvalidTransition as error:
                raise InvalidState(error.message) from None
            if not await repository.update_versioned(
                connection,
                cooperations,
                row.id,
                expected,
                {
                    "state": str(codes.CooperationState.ENDED),
                    "end_reason": reason,
                    "ended_at": now,
                    "updated_at": now,
                },
            ):
                raise StaleVersion(f"The cooperation is at version {row.version}, not {expected}")
            await self._audit.record(
                connection, caller, [_entry(row, "cooperation.end", ("state",))]
            )
            await self._publish(
                connection,
                row.welfare_area,
                [
                    FeedEventDraft(
                        EventType.COOPERATION_ENDED,
                        f"cooperations/{row.id}",
                        {"cooperation_id": row.id, "state": str(codes.CooperationState.ENDED)},
                    )
                ],
            )
            updated = await repository.get(connection, cooperations, row.id)
            message = await self._cooperation_view(
                connection, caller, viewer, updated, "cooperation.read", identify=True
            )
        self._published(row.welfare_area)
        return message

    async def AddDisclosureBasis(
        self, request: pb.AddDisclosureBasisRequest, context: Context
    ) -> pb.DisclosureBasis:
        caller = current_caller()
        municipality = access.staff_municipality(caller, self._allow_list, write=True)
        viewer = access.Viewer(municipality=municipality)
        given = basis_input(request.basis)
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        today = self._today()
        earlier = await self._created_before(caller, key, "AddDisclosureBasis", digest)
        async with self._db.transaction() as connection:
            if earlier is not None:
                found = await repository.get(connection, disclosure_bases, earlier)
                return convert.basis_message(found, today)
            row = await self._visible_cooperation(
                connection, caller, viewer, request.cooperation_id, "disclosure-basis.add"
            )
            if codes.CooperationState(row.state) in (
                codes.CooperationState.DECLINED,
                codes.CooperationState.ENDED,
            ):
                raise InvalidState(f"The cooperation is {row.state}")
            try:
                checked = check_basis(given, [codes.DataCategory(c) for c in row.scope], today)
            except WelfareDomainError as error:
                raise invalid(error) from None
            now = self._now()
            values = basis_values(
                checked, row, caller.subject, now, request.basis.consent_reference
            )
            basis = await repository.insert(
                connection, disclosure_bases, {**values, "cooperation_id": row.id}
            )
            await self._remember(connection, caller, key, "AddDisclosureBasis", digest, basis.id)
            await self._audit.record(
                connection, caller, [_entry(row, "disclosure-basis.add", ("bases",))]
            )
            await self._publish(
                connection,
                row.welfare_area,
                [
                    FeedEventDraft(
                        EventType.BASIS_ADDED,
                        f"cooperations/{row.id}",
                        {
                            "cooperation_id": row.id,
                            "basis_id": basis.id,
                            "categories": [str(c) for c in checked.categories],
                            "valid_until": checked.valid_until.isoformat()
                            if checked.valid_until
                            else "",
                        },
                    )
                ],
            )
            message = convert.basis_message(basis, today)
        self._published(row.welfare_area)
        return message

    async def WithdrawDisclosureBasis(
        self, request: pb.WithdrawDisclosureBasisRequest, context: Context
    ) -> pb.DisclosureBasis:
        """By an officer of the municipality; a client user withdraws their own consent."""
        caller = current_caller()
        own_client = None
        if caller.has_any(Role.CLIENT):
            own_client = access.client_user(caller)
        else:
            access.staff_municipality(caller, self._allow_list, write=True)
        try:
            reason = cooperation.check_text(request.reason, "reason", required=own_client is None)
        except WelfareDomainError as error:
            raise invalid(error) from None
        key = resource_id(request.basis_id, "basis_id", "disclosure basis")
        now, today = self._now(), self._today()
        async with self._db.transaction() as connection:
            row = await repository.get(connection, disclosure_bases, key)
            visible = row is not None and (
                row.client_id == own_client and row.kind == str(codes.BasisKind.CONSENT)
                if own_client is not None
                else row.municipality_code == caller.municipality
            )
            if not visible:
                raise await self._refuse(
                    caller, "disclosure-basis.withdraw", f"disclosure-bases/{key}", row
                )
            assert row is not None
            try:
                check_may_withdraw(row.withdrawn_at is not None)
            except InvalidTransition as error:
                raise InvalidState(error.message) from None
            if not await repository.withdraw_basis(
                connection, row.id, caller.subject, reason or "Withdrawn by the client", now
            ):
                raise InvalidState("The basis has already been withdrawn")
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="disclosure-basis.withdraw",
                        resource=f"disclosure-bases/{row.id}",
                        subject_client_id=row.client_id,
                        municipality=row.municipality_code,
                        fields=("withdrawn_at", "withdrawal_reason"),
                    )
                ],
            )
            resource = (
                f"cooperations/{row.cooperation_id}"
                if row.cooperation_id
                else f"reception-transfers/{row.transfer_id}"
            )
            await self._publish(
                connection,
                row.welfare_area,
                [
                    FeedEventDraft(
                        EventType.BASIS_WITHDRAWN,
                        resource,
                        {
                            "basis_id": row.id,
                            "cooperation_id": row.cooperation_id or "",
                            "transfer_id": row.transfer_id or "",
                        },
                    )
                ],
            )
            updated = await repository.get(connection, disclosure_bases, row.id)
            message = convert.basis_message(updated, today)
        self._published(row.welfare_area)
        return message

    # --- the welfare area's answer ---------------------------------------------------------------

    async def AnswerCooperation(
        self, request: pb.AnswerCooperationRequest, context: Context
    ) -> pb.Cooperation:
        caller = current_caller()
        area = access.welfare_area_of(caller, self._allow_list)
        viewer = access.Viewer(welfare_area=area)
        responsible: dict[str, str] | None = None
        decline_reason = ""
        if request.accept:
            responsible = responsible_person(request.responsible)
        else:
            try:
                decline_reason = cooperation.check_text(
                    request.decline_reason, "decline_reason", required=True
                )
            except WelfareDomainError as error:
                raise invalid(error) from None
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        earlier = await self._created_before(caller, key, "AnswerCooperation", digest)
        try:
            now = self._now()
            async with self._db.transaction() as connection:
                if earlier is not None:
                    row = await repository.get(connection, cooperations, earlier)
                    return await self._cooperation_view(
                        connection, caller, viewer, row, "cooperation.read", identify=True
                    )
                row = await self._visible_cooperation(
                    connection, caller, viewer, request.cooperation_id, "cooperation.answer"
                )
                try:
                    cooperation.check_may_answer(codes.CooperationState(row.state))
                except InvalidTransition as error:
                    raise InvalidState(error.message) from None
                state = (
                    codes.CooperationState.ACCEPTED
                    if request.accept
                    else codes.CooperationState.DECLINED
                )
                if not await repository.update_versioned(
                    connection,
                    cooperations,
                    row.id,
                    row.version,
                    {
                        "state": str(state),
                        "responsible": responsible,
                        "decline_reason": decline_reason or None,
                        "answered_by": caller.subject,
                        "answered_at": now,
                        "updated_at": now,
                    },
                ):
                    raise AlreadyExists("The request was answered concurrently")
                try:
                    await self._remember(
                        connection, caller, key, "AnswerCooperation", digest, row.id
                    )
                except IntegrityError:
                    raise AlreadyExists("Answered concurrently with this key") from None
                await self._audit.record(
                    connection,
                    caller,
                    [_entry(row, "cooperation.answer", ("state", "responsible"))],
                )
                await self._publish(
                    connection,
                    area,
                    [
                        FeedEventDraft(
                            EventType.COOPERATION_ANSWERED,
                            f"cooperations/{row.id}",
                            {"cooperation_id": row.id, "state": str(state)},
                        )
                    ],
                )
                updated = await repository.get(connection, cooperations, row.id)
                message = await self._cooperation_view(
                    connection, caller, viewer, updated, "cooperation.read", identify=True
                )
            self._published(area)
            return message
        except (InvalidState, AlreadyExists):
            # A concurrent request with the same Idempotency-Key answered first: this is its
            # retry, not a new answer.
            if not key or earlier is not None:
                raise
            earlier = await self._created_before(caller, key, "AnswerCooperation", digest)
            if earlier is None:
                raise
            async with self._db.transaction() as connection:
                row = await repository.get(connection, cooperations, earlier)
                return await self._cooperation_view(
                    connection, caller, viewer, row, "cooperation.read", identify=True
                )


def _uuid_field(value: str, field: str) -> str:
    if not value:
        raise WelfareDomainError(field, "is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise WelfareDomainError(field, "is not an id this system issued") from None


def _optional_uuid(value: str, field: str) -> str:
    return _uuid_field(value, field) if value else ""
