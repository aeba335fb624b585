"""RPCs of the client transfer from a reception centre (§3.4.10).

With the person's written consent, the transfer data become the client record through the
clients service, as the officer: everything the transfer carried is filled in, nothing of it is
asked again. When the person agreed, the welfare area is informed: a notice with the person's
identification and known service needs, disclosed on that consent (and logged when received).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import InvalidArgument, NotFound
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import resource_id
from kotopolku.welfare import access, convert, enums, repository
from kotopolku.welfare.domain import codes, transfer
from kotopolku.welfare.domain.disclosable import DISCLOSABLE, pick
from kotopolku.welfare.domain.feed import EventType, FeedEventDraft
from kotopolku.welfare.rpc_support import (
    Context,
    RpcBase,
    Violations,
    fingerprint,
    idempotency_key,
    new_id,
    parse_date,
)
from kotopolku.welfare.tables import (
    disclosure_bases,
    disclosures,
    placement_proposals,
    reception_transfers,
)
from kotopolku.welfare.v1 import welfare_pb2 as pb
from kotopolku.welfare.validation import (
    contact_details,
    henkilotunnus,
    languages,
    needs,
    text,
)

_SEGMENTS = {
    "placed": clients_pb2.CLIENT_SEGMENT_PLACED,
    "quota-refugee": clients_pb2.CLIENT_SEGMENT_QUOTA_REFUGEE,
}
_PERMITS = {
    "international-protection": clients_pb2.RESIDENCE_PERMIT_TYPE_INTERNATIONAL_PROTECTION,
    "temporary-protection": clients_pb2.RESIDENCE_PERMIT_TYPE_TEMPORARY_PROTECTION,
}


def _entry(row: Any, action: str) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"reception-transfers/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=convert.TRANSFER_FIELDS,
    )


class TransferRpcs(RpcBase):
    def _transfer_values(self, message: pb.ReceptionTransfer) -> dict[str, Any]:
        today = self._today()
        v = Violations()
        p = "transfer.person"
        person = message.person
        values: dict[str, Any] = {
            "reception_centre": v.check(
                lambda: text(
                    message.reception_centre, "transfer.reception_centre", 200, required=True
                )
            ),
            "received_on": v.check(
                lambda: transfer.check_received_on(
                    parse_date(message.received_on, "transfer.received_on"),
                    today,
                    "transfer.received_on",
                )
            ),
            "basis": v.check(
                lambda: enums.from_proto(
                    codes.PlacementBasis, message.basis, "transfer.basis", required=True
                )
            ),
            "service_needs": v.check(
                lambda: needs(message.service_needs, "transfer.service_needs")
            ),
            "first_names": v.check(
                lambda: text(person.first_names, f"{p}.first_names", 200, required=True)
            ),
            "last_name": v.check(
                lambda: text(person.last_name, f"{p}.last_name", 200, required=True)
            ),
            "date_of_birth": v.check(
                lambda: parse_date(person.date_of_birth, f"{p}.date_of_birth", required=True)
            ),
            "henkilotunnus": v.check(
                lambda: henkilotunnus(person.henkilotunnus, f"{p}.henkilotunnus", today)
            ),
            "languages": v.check(lambda: languages(person.languages, f"{p}.languages")),
            "first_permit_date": v.check(
                lambda: parse_date(person.first_permit_date, f"{p}.first_permit_date")
            ),
            "consent_scope": v.check(
                lambda: text(message.consent.scope, "transfer.consent.scope", 1000, required=True)
            ),
        }
        valid_until = v.check(
            lambda: parse_date(message.consent.valid_until, "transfer.consent.valid_until")
        )
        values["consent_given_on"] = v.check(
            lambda: transfer.check_consent(
                parse_date(message.consent.given_on, "transfer.consent.given_on"),
                valid_until,
                today,
                "transfer.consent",
            )
        )
        values["consent_valid_until"] = valid_until
        try:
            values["contact"] = contact_details(person.contact, f"{p}.contact")
        except InvalidArgument as error:
            v.items.extend(error.violations)
        v.raise_if_any()
        return values

    def _client(self, values: dict[str, Any]) -> clients_pb2.Client:
        basis = values["basis"]
        return clients_pb2.Client(
            first_names=values["first_names"],
            last_name=values["last_name"],
            date_of_birth=values["date_of_birth"].isoformat(),
            henkilotunnus=values["henkilotunnus"] or "",
            languages=list(values["languages"]),
            contact=clients_pb2.ContactDetails(**values["contact"]),
            segment=_SEGMENTS[transfer.SEGMENT_BY_BASIS[basis]],
            residence_permit_type=_PERMITS[transfer.PERMIT_BY_BASIS[basis]],
            first_permit_date=(
                values["first_permit_date"].isoformat() if values["first_permit_date"] else ""
            ),
            status=clients_pb2.CLIENT_STATUS_ACTIVE,
        )

    async def _read_transfer(self, caller: Caller, transfer_id: str) -> pb.ReceptionTransfer:
        async with self._db.transaction() as connection:
            row = await repository.get(connection, reception_transfers, transfer_id)
            assert row is not None
            await self._audit.record(connection, caller, [_entry(row, "reception-transfer.read")])
            return convert.transfer_message(row)

    async def RecordReceptionTransfer(
        self, request: pb.RecordReceptionTransferRequest, context: Context
    ) -> pb.ReceptionTransfer:
        caller = current_caller()
        municipality = access.placement_officer(caller, self._allow_list)
        values = self._transfer_values(request.transfer)
        proposal_id = ""
        if request.transfer.proposal_id:
            proposal_id = resource_id(request.transfer.proposal_id, "transfer.proposal_id")
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        earlier = await self._created_before(caller, key, "RecordReceptionTransfer", digest)
        if earlier is not None:
            return await self._read_transfer(caller, earlier)
        area = self._area_of(municipality)
        if proposal_id:
            async with self._db.transaction() as connection:
                proposal = await repository.get(connection, placement_proposals, proposal_id)
                if proposal is None or proposal.municipality_code != municipality:
                    raise NotFound("No such placement proposal")
        # The client record, as the officer; a retried transfer reuses the clients service's
        # idempotency key, so it never makes a second record.
        client = self._client(values)
        created = await self._clients.create(client, f"reception-transfer:{key}" if key else "")
        existing = created is None
        if created is None:
            found = (
                await self._clients.by_henkilotunnus(values["henkilotunnus"])
                if values["henkilotunnus"]
                else None
            )
            if found is None:
                raise NotFound("The municipality's existing client record was not found")
            created = found
        carried = transfer.ask_once(
            {
                "first_names": client.first_names,
                "last_name": client.last_name,
                "date_of_birth": client.date_of_birth,
                "henkilotunnus": client.henkilotunnus,
                "languages": list(client.languages),
                "first_permit_date": client.first_permit_date,
                **{f"contact.{k}": v for k, v in values["contact"].items()},
            }
        )
        now = self._now()
        async with self._db.transaction() as connection:
            row = await repository.insert(
                connection,
                reception_transfers,
                {
                    "id": new_id(),
                    "municipality_code": municipality,
                    "welfare_area": area,
                    "reception_centre": values["reception_centre"],
                    "received_on": values["received_on"],
                    "basis": str(values["basis"]),
                    "consent": {
                        "given_on": values["consent_given_on"].isoformat(),
                        "inform_welfare_area": request.transfer.consent.inform_welfare_area,
                        "scope": values["consent_scope"],
                        "valid_until": values["consent_valid_until"].isoformat()
                        if values["consent_valid_until"]
                        else "",
                    },
                    "person": {
                        "first_names": client.first_names,
                        "last_name": client.last_name,
                        "date_of_birth": client.date_of_birth,
                        "henkilotunnus": client.henkilotunnus,
                        "languages": list(client.languages),
                        "contact": values["contact"],
                        "first_permit_date": client.first_permit_date,
                    },
                    "service_needs": [str(n) for n in values["service_needs"]],
                    "proposal_id": proposal_id or None,
                    "client_id": created.id,
                    "existing_client": existing,
                    "carried_fields": list(carried.carried),
                    "still_to_ask": list(carried.still_to_ask),
                    "created_by": caller.subject,
                    "created_at": now,
                },
            )
            await self._remember(connection, caller, key, "RecordReceptionTransfer", digest, row.id)
            await self._audit.record(connection, caller, [_entry(row, "reception-transfer.record")])
            informed = False
            if request.transfer.consent.inform_welfare_area:
                await self._notice(connection, caller, row, values)
                informed = True
            stored = await repository.get(connection, reception_transfers, row.id)
            assert stored is not None
            message = convert.transfer_message(stored)
        if informed:
            self._published(area)
        return message

    async def _notice(
        self, connection: AsyncConnection, caller: Caller, row: Any, values: dict[str, Any]
    ) -> None:
        """The notice to the welfare area, on the person's consent to inform it."""
        now = self._now()
        basis_id = new_id()
        await repository.insert(
            connection,
            disclosure_bases,
            {
                "id": basis_id,
                "municipality_code": row.municipality_code,
                "welfare_area": row.welfare_area,
                "client_id": row.client_id,
                "transfer_id": row.id,
                "kind": str(codes.BasisKind.CONSENT),
                "categories": [str(codes.DataCategory.RECEPTION_TRANSFER)],
                "legal_reference": "",
                "consent_given_on": values["consent_given_on"],
                "consent_reference": "",
                "valid_from": values["consent_given_on"],
                "valid_until": values["consent_valid_until"],
                "recorded_by": caller.subject,
                "recorded_at": now,
            },
        )
        source = {
            "reception_centre": row.reception_centre,
            "received_on": row.received_on.isoformat(),
            "municipality_code": row.municipality_code,
            "basis": row.basis,
            "person": row.person,
            "service_needs": row.service_needs,
        }
        content, present = pick(source, DISCLOSABLE[codes.DataCategory.RECEPTION_TRANSFER])
        notice = await repository.insert(
            connection,
            disclosures,
            {
                "id": new_id(),
                "municipality_code": row.municipality_code,
                "welfare_area": row.welfare_area,
                "client_id": row.client_id,
                "transfer_id": row.id,
                "category": str(codes.DataCategory.RECEPTION_TRANSFER),
                "resource": f"reception-transfers/{row.id}",
                "fields": list(present),
                "content": content,
                "created_by": caller.subject,
                "created_at": now,
            },
        )
        await repository.set_transfer_notice(connection, row.id, notice.id)
        await self._publish(
            connection,
            row.welfare_area,
            [
                FeedEventDraft(
                    EventType.DISCLOSURE_AVAILABLE,
                    f"disclosures/{notice.id}",
                    {
                        "disclosure_id": notice.id,
                        "transfer_id": row.id,
                        "category": str(codes.DataCategory.RECEPTION_TRANSFER),
                    },
                )
            ],
        )

    async def GetReceptionTransfer(
        self, request: pb.GetReceptionTransferRequest, context: Context
    ) -> pb.ReceptionTransfer:
        caller = current_caller()
        municipality = access.staff_municipality(caller, self._allow_list)
        key = resource_id(request.transfer_id, "transfer_id", "reception transfer")
        async with self._db.transaction() as connection:
            row = await repository.get(connection, reception_transfers, key)
            if row is None or row.municipality_code != municipality:
                raise await self._refuse(
                    caller, "reception-transfer.read", f"reception-transfers/{key}", row
                )
            await self._audit.record(connection, caller, [_entry(row, "reception-transfer.read")])
            return convert.transfer_message(row)
