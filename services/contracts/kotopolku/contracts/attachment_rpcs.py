"""RPCs of attachments: files of contracts and evidence of costs, kept in object storage.

The file is written to the object store before its row is committed; if the transaction then
fails, the object is removed again, so a stored object without a row is at most a leftover of a
crash (harmless: nothing points to it), never a row without its file.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import AlreadyExists, DependencyUnavailable, InvalidArgument, NotFound
from kotopolku.common.identity import current_caller
from kotopolku.common.objectstore import (
    ObjectIntegrityError,
    ObjectNotFound,
    ObjectStoreError,
    get_verified,
    sha256_hex,
)
from kotopolku.common.requests import resource_id
from kotopolku.contracts import access, convert, repository
from kotopolku.contracts.domain.attachment import (
    check_content,
    check_expected_sha256,
    validate_filename,
    validate_media_type,
)
from kotopolku.contracts.enums import AttachmentOwner, from_proto
from kotopolku.contracts.rpc_support import (
    Context,
    RpcBase,
    StoredFileDamaged,
    fingerprint,
    idempotency_key,
)
from kotopolku.contracts.v1 import contracts_pb2 as pb
from kotopolku.contracts.validation import Collector

log = logging.getLogger(__name__)
_RESOURCE = {AttachmentOwner.CONTRACT: "contracts", AttachmentOwner.COST_ENTRY: "cost-entries"}


def _owner(value: int) -> AttachmentOwner:
    owner = from_proto(AttachmentOwner, value)
    if owner is None:
        raise InvalidArgument.field("owner", "is required: CONTRACT or COST_ENTRY")
    return owner


def _entry(owner: AttachmentOwner, owner_row: Any, row: Any, action: str) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"{_RESOURCE[owner]}/{owner_row.id}/attachments/{row.id}",
        subject_client_id=owner_row.client_id,
        municipality=owner_row.municipality_code,
        fields=("filename", "media_type", "content")
        if action.endswith("content")
        else (
            "filename",
            "media_type",
            "size_bytes",
            "sha256",
        ),
    )


class AttachmentRpcs(RpcBase):
    async def _owner_row(
        self, connection: AsyncConnection, municipality: str, owner: AttachmentOwner, raw_id: str
    ) -> Any:
        owner_id = resource_id(raw_id, "owner_id", owner.value.lower())
        if owner is AttachmentOwner.CONTRACT:
            row = await repository.get_contract(connection, municipality, owner_id)
        else:
            row = await repository.get_cost_entry(connection, municipality, owner_id)
        if row is None:
            raise NotFound(f"No such {owner.value.lower().replace('_', ' ')}")
        return row

    async def AddAttachment(
        self, request: pb.AddAttachmentRequest, context: Context
    ) -> pb.Attachment:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        owner = _owner(request.owner)
        collector = Collector()
        filename = collector.check("filename", lambda: validate_filename(request.filename))
        media_type = collector.check("media_type", lambda: validate_media_type(request.media_type))
        if media_type is not None:
            collector.check(
                "content",
                lambda: check_content(media_type, request.content, self._deps.max_attachment_bytes),
            )
        digest = sha256_hex(request.content)
        collector.check(
            "expected_sha256", lambda: check_expected_sha256(request.expected_sha256, digest)
        )
        collector.raise_if_any()
        key = idempotency_key(request.idempotency_key)
        request_digest = fingerprint(request)
        async with self._db.transaction() as connection:
            owner_row = await self._owner_row(connection, municipality, owner, request.owner_id)
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "AddAttachment", request_digest
                )
                if existing is not None:
                    found = await repository.get_attachment(
                        connection, municipality, owner.value, owner_row.id, existing
                    )
                    if found is None:
                        raise NotFound("The attachment created with this key is gone")
                    return convert.attachment_message(found)
        attachment_id = repository.new_id()
        object_key = f"{municipality}/{_RESOURCE[owner]}/{owner_row.id}/{attachment_id}"
        try:
            stored = await self._store.put(
                object_key, request.content, content_type=media_type or ""
            )
        except ObjectStoreError as error:
            log.warning("object store write failed", extra={"error": type(error).__name__})
            raise DependencyUnavailable("The file store did not answer; try again") from None
        try:
            async with self._db.transaction() as connection:
                row = await repository.insert_attachment(
                    connection,
                    {
                        "id": attachment_id,
                        "municipality_code": municipality,
                        "owner_kind": owner.value,
                        "owner_id": owner_row.id,
                        "filename": filename,
                        "media_type": media_type,
                        "size_bytes": stored.size,
                        "sha256": stored.sha256,
                        "object_key": object_key,
                        "uploaded_by": caller.subject,
                        "uploaded_at": self._now(),
                    },
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "AddAttachment", request_digest, row.id
                    )
                await self._audit.record(
                    connection, caller, [_entry(owner, owner_row, row, "attachment.create")]
                )
                return convert.attachment_message(row)
        except IntegrityError as error:
            await self._forget(object_key)
            raise AlreadyExists(
                "A request with the same Idempotency-Key was being processed; retry it"
            ) from error
        except BaseException:
            await self._forget(object_key)
            raise

    async def _forget(self, object_key: str) -> None:
        try:
            await self._store.delete(object_key)
        except ObjectStoreError:
            log.warning("an orphaned attachment object was left behind")

    async def ListAttachments(
        self, request: pb.ListAttachmentsRequest, context: Context
    ) -> pb.ListAttachmentsResponse:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        owner = _owner(request.owner)
        async with self._db.transaction() as connection:
            owner_row = await self._owner_row(connection, municipality, owner, request.owner_id)
            rows = await repository.list_attachments(
                connection, municipality, owner.value, owner_row.id
            )
            await self._audit.record(
                connection, caller, [_entry(owner, owner_row, r, "attachment.read") for r in rows]
            )
        return pb.ListAttachmentsResponse(attachments=[convert.attachment_message(r) for r in rows])

    async def GetAttachmentContent(
        self, request: pb.GetAttachmentContentRequest, context: Context
    ) -> pb.AttachmentContent:
        caller = current_caller()
        municipality = access.municipality_staff(caller)
        owner = _owner(request.owner)
        attachment_id = resource_id(request.attachment_id, "attachment_id", "attachment")
        async with self._db.transaction() as connection:
            owner_row = await self._owner_row(connection, municipality, owner, request.owner_id)
            row = await repository.get_attachment(
                connection, municipality, owner.value, owner_row.id, attachment_id
            )
            if row is None:
                raise NotFound("No such attachment")
            try:
                content = await get_verified(self._store, row.object_key, row.sha256)
            except (ObjectIntegrityError, ObjectNotFound):
                log.error("a stored attachment is damaged or missing")
                raise StoredFileDamaged(
                    "The stored file does not match its checksum; restore it from backup"
                ) from None
            except ObjectStoreError:
                raise DependencyUnavailable("The file store did not answer; try again") from None
            await self._audit.record(
                connection, caller, [_entry(owner, owner_row, row, "attachment.read-content")]
            )
        return pb.AttachmentContent(attachment=convert.attachment_message(row), content=content)
