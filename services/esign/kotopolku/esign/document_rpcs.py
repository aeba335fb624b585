"""Documents: the signed document of a request, and verification of any PDF."""

from __future__ import annotations

import asyncio

from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import InvalidArgument
from kotopolku.common.identity import current_caller
from kotopolku.esign import access, convert, repository
from kotopolku.esign.pades import verify_pdf
from kotopolku.esign.rpc_support import Context, entry
from kotopolku.esign.signing_rpcs import SigningRpcs
from kotopolku.esign.v1 import esign_pb2 as pb


class DocumentRpcs(SigningRpcs):
    async def GetDocument(self, request: pb.GetDocumentRequest, context: Context) -> pb.Document:
        caller = current_caller()
        access.require_reader(caller)
        own = await self._own_client_id(caller)
        async with self._db.transaction() as connection:
            record = await self._readable(
                connection, caller, request.signing_request_id, "signed-document.read", own
            )
            row = record.row
            content = await repository.load_document(connection, row.document_sha256)
            await self._audit.record(
                connection, caller, [entry(row, "signed-document.read", ("document",))]
            )
        return pb.Document(
            signing_request_id=row.id,
            content=content,
            sha256=row.document_sha256,
            media_type=repository.PDF,
            filename=f"kotoutumissuunnitelma-{row.plan_id}-{row.document_sha256[:12]}.pdf",
        )

    async def VerifyDocument(
        self, request: pb.VerifyDocumentRequest, context: Context
    ) -> pb.DocumentVerification:
        caller = current_caller()
        access.require_verifier(caller)
        limit = self._deps.options.max_document_bytes
        if not request.content:
            raise InvalidArgument.field("content", "is required (a PDF)")
        if len(request.content) > limit:
            raise InvalidArgument.field("content", f"must be at most {limit} bytes")
        check = await asyncio.to_thread(
            verify_pdf, request.content, self._deps.certificates.trust_roots()
        )
        # The upload is not stored; what is recorded is that this caller had it checked.
        async with self._db.transaction() as connection:
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="signed-document.verify",
                        resource=f"documents/{check.sha256}",
                        municipality=caller.municipality or "",
                    )
                ],
            )
        return convert.verification_message(check)
