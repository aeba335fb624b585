"""RPCs of the data transfer with the welfare area (tiedonsiirto, IS service 18) and the
disclosure log.

A disclosure happens when the welfare area *receives* data: when it reads a transfer the
municipality made available, or when the assessment or plans service shows it multi-sector data
after asking here. Each is allowed only on an accepted cooperation and a basis that holds at that
moment, and each is logged with exactly the fields, the recipient, the basis and the purpose. The
client sees the log in self-service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from google.protobuf.json_format import MessageToDict
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import InvalidArgument, InvalidState
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import resource_id
from kotopolku.welfare import access, convert, enums, repository
from kotopolku.welfare.domain import codes, cooperation
from kotopolku.welfare.domain.basis import Basis, holding_basis
from kotopolku.welfare.domain.disclosable import chosen_fields, pick
from kotopolku.welfare.domain.errors import WelfareDomainError
from kotopolku.welfare.domain.feed import EventType, FeedEventDraft
from kotopolku.welfare.rpc_support import (
    CHANNEL_TRANSFER,
    Context,
    RpcBase,
    channel_of,
    fingerprint,
    idempotency_key,
    invalid,
    new_id,
    next_token,
    position,
)
from kotopolku.welfare.tables import cooperations, disclosures
from kotopolku.welfare.v1 import welfare_pb2 as pb

_MULTI_SECTOR_KIND: Final = {
    codes.DataCategory.MULTI_SECTOR_ASSESSMENT: "ASSESSMENT_KIND_MULTI_SECTOR",
    codes.DataCategory.MULTI_SECTOR_PLAN: "PLAN_KIND_MULTI_SECTOR",
}
MAX_AUTHORISE: Final = 200


class DisclosureRpcs(RpcBase):
    async def _cooperation_basis(
        self, connection: AsyncConnection, row: Any, category: codes.DataCategory
    ) -> Basis | None:
        bases = [
            convert.basis_of(b)
            for b in await repository.bases_of(connection, cooperation_ids=[row.id])
        ]
        return cooperation.disclosure_basis(
            codes.CooperationState(row.state),
            [codes.DataCategory(c) for c in row.scope],
            category,
            bases,
            self._today(),
        )

    async def _disclosure_basis(self, connection: AsyncConnection, row: Any) -> Basis | None:
        """The basis a stored disclosure may be delivered on now, or None."""
        category = codes.DataCategory(row.category)
        if row.transfer_id:
            bases = [
                convert.basis_of(b)
                for b in await repository.bases_of(connection, transfer_id=row.transfer_id)
            ]
            return holding_basis(bases, category, self._today())
        found = await repository.get(connection, cooperations, row.cooperation_id)
        if found is None:
            return None
        return await self._cooperation_basis(connection, found, category)

    # --- the municipality makes data available ---------------------------------------------------

    async def _record_content(
        self, category: codes.DataCategory, record_id: str, cooperation_row: Any
    ) -> dict[str, Any]:
        """The multi-sector record as JSON, read as the officer, after checking it is the
        cooperation's client's multi-sector record (and a plan of this welfare area)."""
        if category is codes.DataCategory.MULTI_SECTOR_ASSESSMENT:
            message: Any = await self._records.assessment(record_id)
        else:
            message = await self._records.plan(record_id)
        content = MessageToDict(message, preserving_proto_field_name=True)
        if content.get("kind") != _MULTI_SECTOR_KIND[category]:
            raise InvalidArgument.field("resource_id", "is not a multi-sector record")
        if content.get("client_id") != cooperation_row.client_id:
            raise InvalidArgument.field("resource_id", "is another client's record")
        if (
            category is codes.DataCategory.MULTI_SECTOR_PLAN
            and content.get("welfare_area") != cooperation_row.welfare_area
        ):
            raise InvalidArgument.field("resource_id", "the plan is made with another welfare area")
        return content

    async def CreateDisclosure(
        self, request: pb.CreateDisclosureRequest, context: Context
    ) -> pb.Disclosure:
        caller = current_caller()
        municipality = access.staff_municipality(caller, self._allow_list, write=True)
        viewer = access.Viewer(municipality=municipality)
        try:
            category = enums.from_proto(
                codes.DataCategory, request.category, "category", required=True
            )
            assert category is not None
            if category not in cooperation.MULTI_SECTOR:
                raise WelfareDomainError("category", "only multi-sector assessment or plan data")
            fields = chosen_fields(category, list(request.fields))
        except WelfareDomainError as error:
            raise invalid(error) from None
        record_id = resource_id(request.resource_id, "resource_id", "record")
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        earlier = await self._created_before(caller, key, "CreateDisclosure", digest)
        if earlier is not None:
            async with self._db.transaction() as connection:
                found = await repository.get(connection, disclosures, earlier)
                return convert.disclosure_message(found, content=True)
        coop_key = resource_id(request.cooperation_id, "cooperation_id", "cooperation")
        async with self._db.transaction() as connection:
            row = await repository.get(connection, cooperations, coop_key)
            if row is None or not viewer.sees(row):
                raise await self._refuse(
                    caller, "disclosure.create", f"cooperations/{coop_key}", row
                )
            if await self._cooperation_basis(connection, row, category) is None:
                raise InvalidState(
                    "No accepted cooperation on a valid basis covers this data for the welfare area"
                )
        source = await self._record_content(category, record_id, row)
        content, present = pick(source, fields)
        resource = (
            "assessments/" if category is codes.DataCategory.MULTI_SECTOR_ASSESSMENT else "plans/"
        ) + record_id
        now = self._now()
        async with self._db.transaction() as connection:
            # Checked again: the basis may have been withdrawn while the record was read.
            if await self._cooperation_basis(connection, row, category) is None:
                raise InvalidState("The basis of the disclosure no longer holds")
            created = await repository.insert(
                connection,
                disclosures,
                {
                    "id": new_id(),
                    "municipality_code": row.municipality_code,
                    "welfare_area": row.welfare_area,
                    "client_id": row.client_id,
                    "cooperation_id": row.id,
                    "category": str(category),
                    "resource": resource,
                    "fields": list(present),
                    "content": content,
                    "created_by": caller.subject,
                    "created_at": now,
                },
            )
            await self._remember(connection, caller, key, "CreateDisclosure", digest, created.id)
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="disclosure.create",
                        resource=f"disclosures/{created.id}",
                        subject_client_id=row.client_id,
                        municipality=row.municipality_code,
                        fields=present,
                        context=(("recipient", row.welfare_area), ("source", resource)),
                    )
                ],
            )
            await self._publish(
                connection,
                row.welfare_area,
                [
                    FeedEventDraft(
                        EventType.DISCLOSURE_AVAILABLE,
                        f"disclosures/{created.id}",
                        {
                            "disclosure_id": created.id,
                            "cooperation_id": row.id,
                            "category": str(category),
                        },
                    )
                ],
            )
            message = convert.disclosure_message(created, content=True)
        self._published(row.welfare_area)
        return message

    # --- the welfare area receives ---------------------------------------------------------------

    async def GetDisclosure(
        self, request: pb.GetDisclosureRequest, context: Context
    ) -> pb.Disclosure:
        caller = current_caller()
        viewer = access.viewer(caller, self._allow_list)
        key = resource_id(request.disclosure_id, "disclosure_id", "disclosure")
        async with self._db.transaction() as connection:
            row = await repository.get(connection, disclosures, key)
            basis = None
            if row is not None and viewer.sees(row) and viewer.is_welfare_area:
                basis = await self._disclosure_basis(connection, row)
            if row is None or not viewer.sees(row) or (viewer.is_welfare_area and basis is None):
                # Withdrawn or expired: no further disclosure, as if it never existed.
                raise await self._refuse(caller, "disclosure.read", f"disclosures/{key}", row)
            if basis is not None:
                await self._log_disclosure(
                    connection,
                    caller,
                    client_id=row.client_id,
                    municipality=row.municipality_code,
                    welfare_area=row.welfare_area,
                    category=codes.DataCategory(row.category),
                    resource=row.resource,
                    fields=row.fields,
                    basis=basis,
                    channel=CHANNEL_TRANSFER,
                )
                await repository.mark_delivered(connection, row.id, self._now())
                row = await repository.get(connection, disclosures, row.id)
            else:
                await self._audit.record(
                    connection,
                    caller,
                    [
                        AuditEntry(
                            action="disclosure.read",
                            resource=f"disclosures/{row.id}",
                            subject_client_id=row.client_id,
                            municipality=row.municipality_code,
                            fields=tuple(row.fields),
                        )
                    ],
                )
            return convert.disclosure_message(row, content=True)

    async def ListDisclosures(
        self, request: pb.ListDisclosuresRequest, context: Context
    ) -> pb.ListDisclosuresResponse:
        """What was made available in a cooperation: ids, categories and fields, no values."""
        caller = current_caller()
        viewer = access.viewer(caller, self._allow_list)
        coop_key = resource_id(request.cooperation_id, "cooperation_id", "cooperation")
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            row = await repository.get(connection, cooperations, coop_key)
            if row is None or not viewer.sees(row):
                raise await self._refuse(caller, "disclosure.list", f"cooperations/{coop_key}", row)
            rows = await repository.list_disclosures(
                connection, row.id, position(request.page_token), size + 1
            )
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="disclosure.list",
                        resource=f"cooperations/{row.id}",
                        subject_client_id=row.client_id,
                        municipality=row.municipality_code,
                        fields=("category", "resource", "fields"),
                    )
                ],
            )
        return pb.ListDisclosuresResponse(
            disclosures=[convert.disclosure_message(r, content=False) for r in rows[:size]],
            next_page_token=next_token(rows, size),
        )

    # --- asked by the assessment and plans services ----------------------------------------------

    async def _holding_by_client(
        self, connection: AsyncConnection, area: str, client_ids: Sequence[str] | None
    ) -> dict[tuple[str, str, codes.DataCategory], Basis]:
        """(client, municipality, category) → the basis disclosure rests on now, for every
        accepted cooperation of the area."""
        rows = await repository.accepted_cooperations(connection, area, client_ids)
        bases = await repository.bases_of(connection, cooperation_ids=[r.id for r in rows])
        by_cooperation: dict[str, list[Basis]] = {}
        for basis in bases:
            by_cooperation.setdefault(basis.cooperation_id, []).append(convert.basis_of(basis))
        today = self._today()
        holding: dict[tuple[str, str, codes.DataCategory], Basis] = {}
        for row in rows:
            scope = [codes.DataCategory(c) for c in row.scope]
            for category in scope:
                found = cooperation.disclosure_basis(
                    codes.CooperationState(row.state),
                    scope,
                    category,
                    by_cooperation.get(row.id, []),
                    today,
                )
                if found is not None:
                    holding.setdefault((row.client_id, row.municipality_code, category), found)
        return holding

    async def AuthoriseDisclosures(
        self, request: pb.AuthoriseDisclosuresRequest, context: Context
    ) -> pb.AuthoriseDisclosuresResponse:
        caller = current_caller()
        area = access.welfare_area_of(caller, self._allow_list)
        if len(request.items) > MAX_AUTHORISE:
            raise InvalidArgument.field("items", f"at most {MAX_AUTHORISE} items")
        items = []
        for index, item in enumerate(request.items):
            try:
                category = enums.from_proto(
                    codes.DataCategory, item.category, f"items[{index}].category", required=True
                )
            except WelfareDomainError as error:
                raise invalid(error) from None
            items.append((item, category))
        async with self._db.transaction() as connection:
            holding = await self._holding_by_client(
                connection, area, [item.client_id for item, _ in items]
            )
            allowed = []
            for item, category in items:
                assert category is not None
                basis = holding.get((item.client_id, item.municipality_code, category))
                if basis is not None and category in cooperation.MULTI_SECTOR:
                    await self._log_disclosure(
                        connection,
                        caller,
                        client_id=item.client_id,
                        municipality=item.municipality_code,
                        welfare_area=area,
                        category=category,
                        resource=item.resource,
                        fields=list(item.fields),
                        basis=basis,
                        channel=channel_of(item.resource),
                    )
                allowed.append(basis is not None and category in cooperation.MULTI_SECTOR)
        return pb.AuthoriseDisclosuresResponse(allowed=allowed)

    async def ListDisclosableClients(
        self, request: pb.ListDisclosableClientsRequest, context: Context
    ) -> pb.ListDisclosableClientsResponse:
        caller = current_caller()
        area = access.welfare_area_of(caller, self._allow_list)
        try:
            category = enums.from_proto(
                codes.DataCategory, request.category, "category", required=True
            )
        except WelfareDomainError as error:
            raise invalid(error) from None
        async with self._db.transaction() as connection:
            holding = await self._holding_by_client(connection, area, None)
        clients = sorted({client for client, _, found in holding if found is category})
        return pb.ListDisclosableClientsResponse(client_ids=clients)

    # --- the disclosure log ----------------------------------------------------------------------

    async def _log_page(
        self,
        caller: Caller,
        client_id: str,
        municipality: str | None,
        page_size: int,
        page_token: str,
        action: str,
    ) -> pb.ListDisclosureLogResponse:
        size = pagination.page_size(page_size)
        before = position(page_token)
        async with self._db.transaction() as connection:
            rows = await repository.list_log(connection, client_id, municipality, before, size + 1)
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action=action,
                        resource=f"clients/{client_id}/disclosures",
                        subject_client_id=client_id,
                        municipality=municipality or (rows[0].municipality_code if rows else ""),
                        fields=("welfare_area", "category", "fields", "basis", "disclosed_at"),
                    )
                ],
            )
        return pb.ListDisclosureLogResponse(
            entries=[convert.log_message(r) for r in rows[:size]],
            next_page_token=next_token(rows, size, "disclosed_at"),
        )

    async def ListOwnDisclosures(
        self, request: pb.ListOwnDisclosuresRequest, context: Context
    ) -> pb.ListDisclosureLogResponse:
        caller = current_caller()
        client_id = access.client_user(caller)
        return await self._log_page(
            caller,
            client_id,
            None,
            request.page_size,
            request.page_token,
            "disclosure-log.read-own",
        )

    async def ListClientDisclosures(
        self, request: pb.ListClientDisclosuresRequest, context: Context
    ) -> pb.ListDisclosureLogResponse:
        caller = current_caller()
        municipality = access.staff_municipality(caller, self._allow_list)
        client_id = resource_id(request.client_id, "client_id", "client")
        return await self._log_page(
            caller,
            client_id,
            municipality,
            request.page_size,
            request.page_token,
            "disclosure-log.read",
        )
