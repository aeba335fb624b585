"""ClientsService: RPCs to domain rules, queries and audit records. Kept thin on purpose."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import grpc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients import access, convert, repository, search
from kotopolku.clients.domain import (
    ClientDomainError,
    ClientStatus,
    Henkilotunnus,
    ReferralStatus,
    transition_referral,
    validate_consent_period,
    validate_consent_purpose,
    validate_municipality_code,
)
from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.clients.validation import (
    PERSON_FIELDS,
    SEGMENT_FROM_PROTO,
    STATUS_FROM_PROTO,
    client_values,
    free_text,
    new_collector,
    parse_date,
    person_values,
)
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
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
from kotopolku.common.identity import Caller, Role, current_caller
from kotopolku.common.localtime import finnish_date
from kotopolku.common.requests import expected_version, resource_id

Context = grpc.aio.ServicerContext[Any, Any]


def _client_entry(
    row: Any, action: str, fields: tuple[str, ...] = convert.CLIENT_FIELDS
) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"clients/{row.id}",
        subject_client_id=row.id,
        municipality=row.municipality_code,
        fields=fields,
    )


class ClientsServicer(clients_pb2_grpc.ClientsServiceServicer):
    def __init__(
        self, database: Database, audit: AuditRecorder, idempotency: IdempotencyStore, clock: Clock
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock

    def _today(self) -> date:
        return finnish_date(self._clock())

    async def _visible_client(
        self, connection: AsyncConnection, caller: Caller, client_id: str, action: str
    ) -> Any:
        """The client row if the caller may see it; otherwise the same answer as a missing one.

        A caller whose role can never see any client record (a referrer, a welfare-area worker)
        is refused outright: for them the answer does not depend on the record, so it leaks
        nothing, and NOT_FOUND would misstate why the call failed.
        """
        if not (
            caller.has_any(*access.STAFF_READERS)
            or (caller.has_any(Role.CLIENT) and caller.henkilotunnus)
        ):
            raise PermissionDenied("This role may not read client records")
        row = await repository.get_client(connection, resource_id(client_id, "client_id"))
        if row is None or not access.may_read(caller, row):
            await self._audit_refusal(caller, client_id, action, row)
            raise NotFound("No such client")
        return row

    async def _audit_refusal(self, caller: Caller, client_id: str, action: str, row: Any) -> None:
        # Recorded in a transaction of its own: the caller's transaction is about to roll back.
        entry = AuditEntry(
            action=action,
            resource=f"clients/{client_id}",
            subject_client_id=row.id if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])

    # --- clients -------------------------------------------------------------------------

    async def CreateClient(
        self, request: clients_pb2.CreateClientRequest, context: Context
    ) -> clients_pb2.Client:
        caller = current_caller()
        municipality = access.staff_municipality(caller, write=True)
        values = client_values(request.client, today=self._today())
        key = validate_key(request.idempotency_key) if request.idempotency_key else ""
        fingerprint = request_hash(request.client)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreateClient", fingerprint
                )
                if existing is not None:
                    row = await repository.get_client(connection, existing)
                    assert row is not None
                    await self._audit.record(
                        connection, caller, [_client_entry(row, "client.read")]
                    )
                    return convert.client_message(row)
            hetu = values.get("henkilotunnus")
            if hetu and await repository.find_by_henkilotunnus(connection, hetu, municipality):
                raise AlreadyExists(
                    "A client with this henkilötunnus already exists in the municipality"
                )
            try:
                row = await repository.insert_client(
                    connection, municipality, values, self._clock()
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateClient", fingerprint, row.id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The client was created concurrently") from error
            await self._audit.record(connection, caller, [_client_entry(row, "client.create")])
            return convert.client_message(row)

    async def GetClient(
        self, request: clients_pb2.GetClientRequest, context: Context
    ) -> clients_pb2.Client:
        caller = current_caller()
        if access.is_contact_reader(caller):
            return await self._contact_details(caller, request.client_id)
        async with self._db.transaction() as connection:
            row = await self._visible_client(connection, caller, request.client_id, "client.read")
            await self._audit.record(connection, caller, [_client_entry(row, "client.read")])
            return convert.client_message(row)

    async def _contact_details(self, caller: Caller, client_id: str) -> clients_pb2.Client:
        """Only the contact fields, for the messaging service sending a message."""
        async with self._db.transaction() as connection:
            row = await repository.get_client(connection, resource_id(client_id, "client_id"))
            if row is None:
                raise NotFound("No such client")
            await self._audit.record(
                connection,
                caller,
                [_client_entry(row, "client.read-contact", convert.CONTACT_FIELDS)],
            )
            return convert.contact_message(row)

    async def GetOwnClient(
        self, request: clients_pb2.GetOwnClientRequest, context: Context
    ) -> clients_pb2.Client:
        caller = current_caller()
        hetu = access.require_client_user(caller)
        async with self._db.transaction() as connection:
            rows = await repository.find_by_henkilotunnus(connection, hetu)
            active = [r for r in rows if r.status == ClientStatus.ACTIVE] or rows
            if not active:
                raise NotFound("No client record is linked to this identity")
            row = active[0]
            await self._audit.record(connection, caller, [_client_entry(row, "client.read-own")])
            return convert.client_message(row)

    async def UpdateClient(
        self, request: clients_pb2.UpdateClientRequest, context: Context
    ) -> clients_pb2.Client:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        paths = list(request.update_mask.paths)
        if not paths:
            raise InvalidArgument.field("update_mask", "names no field to change")
        expected_version(request.expected_version)
        values = client_values(request.client, today=self._today(), paths=paths)
        async with self._db.transaction() as connection:
            row = await self._visible_client(connection, caller, request.client_id, "client.update")
            if "contact" in values and "contact" not in paths:
                values["contact"] = {**(row.contact or {}), **values["contact"]}
            await self._check_identity_change(connection, row, values)
            if not await repository.update_client(
                connection, row.id, request.expected_version, values, self._clock()
            ):
                raise StaleVersion(
                    f"The client is at version {row.version}, not {request.expected_version}"
                )
            if {"first_names", "last_name"} & values.keys():
                await repository.rename_client(
                    connection,
                    row.id,
                    row.municipality_code,
                    values.get("first_names", row.first_names),
                    values.get("last_name", row.last_name),
                )
            updated = await repository.get_client(connection, row.id)
            fields = tuple(sorted({p.split(".")[0] for p in paths}))
            await self._audit.record(
                connection, caller, [_client_entry(updated, "client.update", fields)]
            )
            return convert.client_message(updated)

    async def _check_identity_change(
        self, connection: AsyncConnection, row: Any, values: dict[str, Any]
    ) -> None:
        # A new date of birth alone must still match the code the record keeps.
        changes_code = "henkilotunnus" in values
        hetu = values["henkilotunnus"] if changes_code else row.henkilotunnus
        birth = values.get("date_of_birth", row.date_of_birth)
        if hetu and Henkilotunnus(hetu).birth_date != birth:
            raise InvalidArgument.field(
                "date_of_birth", "does not match the date in the henkilötunnus"
            )
        if hetu and changes_code:
            others = await repository.find_by_henkilotunnus(connection, hetu, row.municipality_code)
            if any(other.id != row.id for other in others):
                raise AlreadyExists("Another client in the municipality has this henkilötunnus")

    async def SearchClients(
        self, request: clients_pb2.SearchClientsRequest, context: Context
    ) -> clients_pb2.SearchClientsResponse:
        caller = current_caller()
        municipality = access.staff_municipality(caller, write=False)
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (str(position["s"]), str(position["i"])) if position else None
        filters = self._search_filters(request, municipality)
        async with self._db.transaction() as connection:
            rows = await search.search_clients(connection, filters, after, size + 1)
            page = rows[:size]
            await self._audit.record(
                connection, caller, [_client_entry(row, "client.search-result") for row in page]
            )
        next_token = (
            pagination.encode_token({"s": page[-1].sort_name, "i": page[-1].id})
            if len(rows) > size
            else ""
        )
        return clients_pb2.SearchClientsResponse(
            clients=[convert.client_message(row) for row in page], next_page_token=next_token
        )

    def _search_filters(
        self, request: clients_pb2.SearchClientsRequest, municipality: str
    ) -> search.SearchFilters:
        collector = new_collector()
        hetu = None
        if request.henkilotunnus.strip():
            message = clients_pb2.Client(henkilotunnus=request.henkilotunnus)
            hetu = collector.check(
                "henkilotunnus",
                lambda: person_values(message, today=self._today(), paths=["henkilotunnus"])[
                    "henkilotunnus"
                ],
            )
        birth = collector.check(
            "date_of_birth",
            lambda: parse_date(
                request.date_of_birth, "date_of_birth", required=False, today=self._today()
            ),
        )
        if len(request.name) > 200:
            collector.violations.append(InvalidArgument.field("name", "is too long").violations[0])
        collector.raise_if_any()
        if not (request.name.strip() or hetu or birth or request.status):
            raise InvalidArgument.field(
                "name", "give at least one of name, henkilotunnus, date_of_birth or status"
            )
        status = STATUS_FROM_PROTO.get(request.status)
        return search.SearchFilters(
            municipality=municipality,
            name=request.name,
            henkilotunnus=hetu,
            date_of_birth=birth,
            status=status,
        )

    # --- family links --------------------------------------------------------------------

    async def AddFamilyLink(
        self, request: clients_pb2.AddFamilyLinkRequest, context: Context
    ) -> clients_pb2.FamilyLink:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        link = request.link
        relation = convert.RELATION_FROM_PROTO.get(link.relation)
        if relation is None:
            raise InvalidArgument.field("link.relation", "is required")
        if link.client_id == link.related_client_id:
            raise InvalidArgument.field("link.related_client_id", "must be another client")
        async with self._db.transaction() as connection:
            first = await self._visible_client(connection, caller, link.client_id, "family.update")
            second = await self._visible_client(
                connection, caller, link.related_client_id, "family.update"
            )
            await repository.add_family_link(
                connection, first.id, second.id, relation, relation.inverse(), self._clock()
            )
            await self._audit.record(
                connection,
                caller,
                [_client_entry(r, "family.update", ("family_links",)) for r in (first, second)],
            )
            rows = await repository.list_family_links(connection, first.id)
            created = next(r for r in rows if r.related_client_id == second.id)
            return convert.family_link_message(created)

    async def RemoveFamilyLink(
        self, request: clients_pb2.RemoveFamilyLinkRequest, context: Context
    ) -> clients_pb2.RemoveFamilyLinkResponse:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        async with self._db.transaction() as connection:
            first = await self._visible_client(
                connection, caller, request.client_id, "family.update"
            )
            second = await self._visible_client(
                connection, caller, request.related_client_id, "family.update"
            )
            if not await repository.remove_family_link(connection, first.id, second.id):
                raise NotFound("The clients are not linked")
            await self._audit.record(
                connection,
                caller,
                [_client_entry(r, "family.update", ("family_links",)) for r in (first, second)],
            )
        return clients_pb2.RemoveFamilyLinkResponse()

    async def ListFamilyLinks(
        self, request: clients_pb2.ListFamilyLinksRequest, context: Context
    ) -> clients_pb2.ListFamilyLinksResponse:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row = await self._visible_client(connection, caller, request.client_id, "family.read")
            links = await repository.list_family_links(connection, row.id)
            await self._audit.record(
                connection, caller, [_client_entry(row, "family.read", ("family_links",))]
            )
        return clients_pb2.ListFamilyLinksResponse(
            links=[convert.family_link_message(link) for link in links]
        )

    # --- consents ------------------------------------------------------------------------

    async def AddConsent(
        self, request: clients_pb2.AddConsentRequest, context: Context
    ) -> clients_pb2.Consent:
        caller = current_caller()
        access.staff_municipality(caller, write=True)
        consent = request.consent
        collector = new_collector()
        purpose = collector.check(
            "consent.purpose",
            lambda: validate_consent_purpose(consent.purpose, field="consent.purpose"),
        )
        scope = collector.check(
            "consent.scope", lambda: free_text(consent.scope, "consent.scope", 1000)
        )
        today = self._today()
        valid_from = collector.check(
            "consent.valid_from",
            lambda: date.fromisoformat(consent.valid_from) if consent.valid_from else today,
        )
        valid_until = collector.check(
            "consent.valid_until",
            lambda: date.fromisoformat(consent.valid_until) if consent.valid_until else None,
        )
        if valid_from is not None:
            collector.check(
                "consent.valid_until",
                lambda: validate_consent_period(
                    valid_from, valid_until, field="consent.valid_until"
                ),
            )
        collector.raise_if_any()
        async with self._db.transaction() as connection:
            row = await self._visible_client(
                connection, caller, consent.client_id, "consent.create"
            )
            created = await repository.insert_consent(
                connection,
                {
                    "client_id": row.id,
                    "purpose": str(purpose),
                    "scope": scope,
                    "valid_from": valid_from,
                    "valid_until": valid_until,
                    "given_at": self._clock(),
                },
            )
            await self._audit.record(
                connection, caller, [_client_entry(row, "consent.create", ("consents",))]
            )
            return convert.consent_message(created, self._clock())

    async def WithdrawConsent(
        self, request: clients_pb2.WithdrawConsentRequest, context: Context
    ) -> clients_pb2.Consent:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row = await self._visible_client(
                connection, caller, request.client_id, "consent.withdraw"
            )
            if not (access.is_own_record(caller, row) or caller.has_any(*access.STAFF_WRITERS)):
                raise PermissionDenied("Only the client or an officer may withdraw a consent")
            consent = await repository.get_consent(connection, request.consent_id)
            if consent is None or consent.client_id != row.id:
                raise NotFound("No such consent")
            await repository.withdraw_consent(connection, consent.id, self._clock())
            await self._audit.record(
                connection, caller, [_client_entry(row, "consent.withdraw", ("consents",))]
            )
            withdrawn = await repository.get_consent(connection, consent.id)
            return convert.consent_message(withdrawn, self._clock())

    async def ListConsents(
        self, request: clients_pb2.ListConsentsRequest, context: Context
    ) -> clients_pb2.ListConsentsResponse:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row = await self._visible_client(connection, caller, request.client_id, "consent.read")
            rows = await repository.list_consents(connection, row.id)
            await self._audit.record(
                connection, caller, [_client_entry(row, "consent.read", ("consents",))]
            )
        now = self._clock()
        return clients_pb2.ListConsentsResponse(
            consents=[convert.consent_message(c, now) for c in rows]
        )

    # --- referrals -----------------------------------------------------------------------

    async def CreateReferral(
        self, request: clients_pb2.CreateReferralRequest, context: Context
    ) -> clients_pb2.Referral:
        caller = current_caller()
        organisation = access.require_referrer(caller)
        referral = request.referral
        collector = new_collector()
        municipality = collector.check(
            "municipality_code", lambda: validate_municipality_code(referral.municipality_code)
        )
        values = person_values(
            referral, today=self._today(), paths=PERSON_FIELDS, collector=collector
        )
        reason = collector.check("reason", lambda: free_text(referral.reason, "reason", 4000))
        collector.raise_if_any()
        key = validate_key(request.idempotency_key) if request.idempotency_key else ""
        fingerprint = request_hash(referral)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreateReferral", fingerprint
                )
                if existing is not None:
                    row = await repository.get_referral(connection, existing)
                    return convert.referral_message(row)
            row = await repository.insert_referral(
                connection,
                {
                    **values,
                    "municipality_code": municipality,
                    "referrer_organisation": organisation,
                    "referrer_subject": caller.subject,
                    "reason": reason,
                    "status": ReferralStatus.RECEIVED,
                    "created_at": self._clock(),
                },
            )
            if key:
                await self._idempotency.remember(
                    connection, caller.subject, key, "CreateReferral", fingerprint, row.id
                )
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="referral.create",
                        resource=f"referrals/{row.id}",
                        municipality=row.municipality_code,
                        fields=(*PERSON_FIELDS, "reason"),
                    )
                ],
            )
            return convert.referral_message(row)

    async def _visible_referral(
        self, connection: AsyncConnection, caller: Caller, referral_id: str, write: bool
    ) -> Any:
        municipality = access.staff_municipality(caller, write=write)
        row = await repository.get_referral(connection, resource_id(referral_id, "referral_id"))
        if row is None or row.municipality_code != municipality:
            raise NotFound("No such referral")
        return row

    def _referral_entry(self, row: Any, action: str) -> AuditEntry:
        return AuditEntry(
            action=action,
            resource=f"referrals/{row.id}",
            subject_client_id=row.client_id or "",
            municipality=row.municipality_code,
            fields=(*PERSON_FIELDS, "reason"),
        )

    async def GetReferral(
        self, request: clients_pb2.GetReferralRequest, context: Context
    ) -> clients_pb2.Referral:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row = await self._visible_referral(connection, caller, request.referral_id, write=False)
            await self._audit.record(
                connection, caller, [self._referral_entry(row, "referral.read")]
            )
            return convert.referral_message(row)

    async def ListReferrals(
        self, request: clients_pb2.ListReferralsRequest, context: Context
    ) -> clients_pb2.ListReferralsResponse:
        caller = current_caller()
        municipality = access.staff_municipality(caller, write=False)
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (datetime.fromisoformat(position["c"]), str(position["i"])) if position else None
        status = convert.REFERRAL_STATUS_FROM_PROTO.get(request.status)
        async with self._db.transaction() as connection:
            rows = await repository.list_referrals(
                connection, municipality, status, after, size + 1
            )
            page = rows[:size]
            await self._audit.record(
                connection, caller, [self._referral_entry(r, "referral.read") for r in page]
            )
        next_token = (
            pagination.encode_token(
                {"c": as_utc(page[-1].created_at).isoformat(), "i": page[-1].id}
            )
            if len(rows) > size
            else ""
        )
        return clients_pb2.ListReferralsResponse(
            referrals=[convert.referral_message(r) for r in page], next_page_token=next_token
        )

    async def AcceptReferral(
        self, request: clients_pb2.AcceptReferralRequest, context: Context
    ) -> clients_pb2.Referral:
        caller = current_caller()
        async with self._db.transaction() as connection:
            referral = await self._visible_referral(
                connection, caller, request.referral_id, write=True
            )
            self._transition(referral, ReferralStatus.ACCEPTED)
            if request.existing_client_id:
                client = await self._visible_client(
                    connection, caller, request.existing_client_id, "referral.accept"
                )
                action = "client.link-referral"
            else:
                matches = (
                    await repository.find_by_henkilotunnus(
                        connection, referral.henkilotunnus, referral.municipality_code
                    )
                    if referral.henkilotunnus
                    else []
                )
                if matches:
                    # Ask once: the person is already a client, so the referral joins that record.
                    client, action = matches[0], "client.link-referral"
                else:
                    client = await repository.insert_client(
                        connection,
                        referral.municipality_code,
                        self._client_from_referral(referral, request.segment),
                        self._clock(),
                    )
                    action = "client.create"
            if not await repository.decide_referral(
                connection,
                referral.id,
                ReferralStatus.RECEIVED,
                {
                    "status": ReferralStatus.ACCEPTED,
                    "client_id": client.id,
                    "decided_at": self._clock(),
                },
            ):
                raise StaleVersion("The referral was decided concurrently")
            decided = await repository.get_referral(connection, referral.id)
            await self._audit.record(
                connection,
                caller,
                [self._referral_entry(decided, "referral.accept"), _client_entry(client, action)],
            )
            return convert.referral_message(decided)

    def _client_from_referral(
        self, referral: Any, segment: clients_pb2.ClientSegment.ValueType
    ) -> dict[str, Any]:
        return {
            "first_names": referral.first_names,
            "last_name": referral.last_name,
            "date_of_birth": referral.date_of_birth,
            "henkilotunnus": referral.henkilotunnus,
            "languages": list(referral.languages or []),
            "contact": dict(referral.contact or {}),
            "segment": SEGMENT_FROM_PROTO.get(segment),
            "residence_permit_type": None,
            "first_permit_date": None,
            "status": ClientStatus.ACTIVE,
        }

    def _transition(self, referral: Any, target: ReferralStatus) -> None:
        try:
            transition_referral(ReferralStatus(referral.status), target)
        except ClientDomainError as error:
            raise InvalidState(error.message) from error

    async def DeclineReferral(
        self, request: clients_pb2.DeclineReferralRequest, context: Context
    ) -> clients_pb2.Referral:
        caller = current_caller()
        try:
            reason = free_text(request.reason, "reason", 4000)
        except ClientDomainError as error:
            raise InvalidArgument.field("reason", error.message) from error
        async with self._db.transaction() as connection:
            referral = await self._visible_referral(
                connection, caller, request.referral_id, write=True
            )
            self._transition(referral, ReferralStatus.DECLINED)
            if not await repository.decide_referral(
                connection,
                referral.id,
                ReferralStatus.RECEIVED,
                {
                    "status": ReferralStatus.DECLINED,
                    "decision_reason": reason,
                    "decided_at": self._clock(),
                },
            ):
                raise StaleVersion("The referral was decided concurrently")
            decided = await repository.get_referral(connection, referral.id)
            await self._audit.record(
                connection, caller, [self._referral_entry(decided, "referral.decline")]
            )
            return convert.referral_message(decided)
