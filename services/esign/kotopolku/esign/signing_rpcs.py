"""Signing and declining: a party signs the document as it now is, or refuses.

The signature is made outside any transaction (pyHanko needs tens of milliseconds); the result
is written only if the request is still at the version the signer read, so two parties signing
at once cannot both build on the same document: the second one reads again and signs the new
document.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.identity import Caller, current_caller
from kotopolku.esign import access, notifications, repository
from kotopolku.esign.deliveries import PLAN_APPROVAL
from kotopolku.esign.domain import approval, authentication
from kotopolku.esign.domain import requests as rules
from kotopolku.esign.domain.errors import EsignDomainError
from kotopolku.esign.domain.model import (
    Authentication,
    PlanActivation,
    RequestStatus,
    SignerParty,
    SigningOrder,
)
from kotopolku.esign.pades import sign_pdf
from kotopolku.esign.repository import RequestRecord
from kotopolku.esign.request_rpcs import RequestRpcs
from kotopolku.esign.rpc_support import Context, check_version, invalid, require_version, stale
from kotopolku.esign.v1 import esign_pb2 as pb

_PARTY_NAMES = {
    SignerParty.CLIENT: "Asiakas / Client",
    SignerParty.OFFICER: "Virkailija / Officer",
    SignerParty.WELFARE_AREA: "Hyvinvointialue / Welfare area",
}


class SigningRpcs(RequestRpcs):
    async def _party_request(
        self, connection: AsyncConnection, caller: Caller, request_id: str, action: str
    ) -> tuple[RequestRecord, SignerParty, str | None]:
        own = await self._own_client_id(caller)
        record = await self._readable(connection, caller, request_id, action, own)
        return record, access.signing_party(caller, record, own), own

    async def SignDocument(
        self, request: pb.SignDocumentRequest, context: Context
    ) -> pb.SigningRequest:
        caller = current_caller()
        access.require_reader(caller)
        expected = require_version(request.expected_version)
        now = self._now()
        async with self._db.transaction() as connection:
            record, party, _ = await self._party_request(
                connection, caller, request.signing_request_id, "signing-request.sign"
            )
            row = record.row
            check_version(row, expected)
            try:
                signing = rules.sign(
                    SigningOrder(row.signing_order),
                    RequestStatus(row.status),
                    row.deadline,
                    self._today(),
                    record.domain_signers(),
                    party,
                )
                signed_in = Authentication(
                    caller.acr or "", authentication.authenticated_at(caller.auth_time)
                )
                if party is SignerParty.CLIENT:
                    authentication.check_recent(
                        signed_in.at,
                        now,
                        self._deps.options.client_max_auth_age,
                        required=self._deps.options.client_auth_time_required,
                    )
            except EsignDomainError as error:
                raise invalid(error) from error
            current = await repository.load_document(connection, row.document_sha256)
        reason = approval.to_reason(
            approval.ApprovalRecord(
                party=party,
                subject=caller.subject,
                signed_at=now,
                authentication_context=signed_in.context,
                authenticated_at=signed_in.at,
                signing_request_id=row.id,
            )
        )
        signer = self._deps.certificates.signer(row.municipality_code)
        content = await asyncio.to_thread(
            sign_pdf,
            current,
            signer,
            field_name=f"Signature{signing.signer.position}-{party.value.lower()}",
            reason=reason,
            location=row.municipality_code,
            name=_PARTY_NAMES[party],
        )
        async with self._db.transaction() as connection:
            digest = await repository.store_document(connection, content, now)
            values: dict[str, Any] = {"document_sha256": digest, "status": signing.status}
            if signing.completes:
                values.update(completed_at=now, plan_activation=PlanActivation.QUEUED)
            if not await repository.update_request(connection, row.id, row.version, values, now):
                raise stale()
            await repository.update_signer(
                connection,
                row.id,
                signing.signer.position,
                {
                    "subject": caller.subject,
                    "signed_at": now,
                    "authentication_context": signed_in.context,
                    "authenticated_at": signed_in.at,
                    "document_sha256": digest,
                },
            )
            updated = await repository.load_request(connection, row.id)
            assert updated is not None
            if signing.completes:
                await repository.add_delivery(
                    connection,
                    kind=PLAN_APPROVAL,
                    request_id=row.id,
                    payload=notifications.signed_approval(
                        updated.row, updated.signers
                    ).SerializeToString(),
                    due=now,
                    now=now,
                )
            else:
                await self._queue_client_notifications(
                    connection,
                    updated.row,
                    list(signing.signers),
                    now,
                    pending_before=rules.pending_parties(
                        SigningOrder(row.signing_order), record.domain_signers()
                    ),
                )
            response = await self._respond(
                connection, caller, row.id, "signing-request.sign", ("signers", "document")
            )
        self._deps.on_delivery()
        return response

    async def DeclineSigningRequest(
        self, request: pb.DeclineSigningRequestRequest, context: Context
    ) -> pb.SigningRequest:
        caller = current_caller()
        access.require_reader(caller)
        expected = require_version(request.expected_version)
        now = self._now()
        async with self._db.transaction() as connection:
            record, party, _ = await self._party_request(
                connection, caller, request.signing_request_id, "signing-request.decline"
            )
            row = record.row
            check_version(row, expected)
            try:
                declined = rules.decline(
                    RequestStatus(row.status),
                    row.deadline,
                    self._today(),
                    record.domain_signers(),
                    party,
                    request.reason,
                )
            except EsignDomainError as error:
                raise invalid(error) from error
            if not await repository.update_request(
                connection, row.id, row.version, {"status": RequestStatus.DECLINED}, now
            ):
                raise stale()
            await repository.update_signer(
                connection,
                row.id,
                declined.position,
                {
                    "subject": caller.subject,
                    "declined_at": now,
                    "decline_reason": request.reason.strip(),
                },
            )
            return await self._respond(
                connection, caller, row.id, "signing-request.decline", ("signers", "status")
            )
