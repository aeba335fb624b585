"""RPCs of message threads: staff, the client and stakeholders in one conversation about the
client, with read status per participant."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from kotopolku.common.identity import current_caller
from kotopolku.common.requests import resource_id
from kotopolku.messaging import access, convert, thread_store
from kotopolku.messaging.access import ThreadViewer
from kotopolku.messaging.domain.errors import MessagingDomainError
from kotopolku.messaging.domain.threads import (
    MAX_PARTICIPANTS,
    ParticipantKind,
    validate_body,
    validate_display_name,
    validate_subject,
)
from kotopolku.messaging.rpc_support import (
    ConcurrentChange,
    Context,
    RpcBase,
    fingerprint,
    idempotency_key,
    invalid,
    time_position,
    time_token,
)
from kotopolku.messaging.v1 import messaging_pb2 as pb


def _entry(thread: Any, action: str, fields: tuple[str, ...] = ()) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"threads/{thread.id}",
        subject_client_id=thread.client_id,
        municipality=thread.municipality_code,
        fields=fields,
    )


class ThreadRpcs(RpcBase):
    async def _visible_thread(
        self, connection: AsyncConnection, viewer: ThreadViewer, thread_id: str
    ) -> tuple[Any, list[Any]]:
        thread = await thread_store.get_thread(
            connection, resource_id(thread_id, "thread_id", "thread")
        )
        if thread is None:
            raise NotFound("No such thread")
        members = await thread_store.participants(connection, thread.id)
        if not viewer.sees(thread, {p.subject for p in members}):
            raise NotFound("No such thread")
        return thread, members

    async def _message(
        self, connection: AsyncConnection, thread: Any, viewer: ThreadViewer
    ) -> pb.Thread:
        members = await thread_store.participants(connection, thread.id)
        return convert.thread_message(thread, members, viewer.participant_subject)

    async def CreateThread(self, request: pb.CreateThreadRequest, context: Context) -> pb.Thread:
        caller = current_caller()
        municipality = access.thread_creator(caller)
        client_id = resource_id(request.client_id, "client_id", "client")
        try:
            subject = validate_subject(request.subject)
            body = validate_body(request.body)
            others = self._participants(request.participants)
        except MessagingDomainError as error:
            raise invalid(error) from None
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        viewer = access.thread_viewer(caller)
        async with self._db.transaction() as connection:
            existing = await self._replay(connection, caller.subject, key, "CreateThread", digest)
            if existing is not None:
                thread = await thread_store.get_thread(connection, existing)
                if thread is None:
                    raise NotFound("The thread created with this key is gone")
                return await self._message(connection, thread, viewer)
        await self._client_in(client_id, municipality)
        now = self._now()
        async with self._db.transaction() as connection:
            try:
                thread_id = await thread_store.insert_thread(
                    connection,
                    municipality=municipality,
                    client_id=client_id,
                    subject=subject,
                    created_by=caller.subject,
                    now=now,
                )
                await thread_store.ensure_participant(
                    connection, thread_id, caller.subject, ParticipantKind.STAFF.value
                )
                await thread_store.ensure_participant(
                    connection, thread_id, client_id, ParticipantKind.CLIENT.value
                )
                for participant_subject, kind, name in others:
                    await thread_store.ensure_participant(
                        connection, thread_id, participant_subject, kind.value, name
                    )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateThread", digest, thread_id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The thread was created concurrently") from error
            thread = await thread_store.get_thread(connection, thread_id)
            await thread_store.append_message(
                connection,
                thread,
                author=caller.subject,
                author_kind=ParticipantKind.STAFF.value,
                body=body,
                now=now,
            )
            thread = await thread_store.get_thread(connection, thread_id)
            await self._audit.record(
                connection, caller, [_entry(thread, "thread.create", ("subject", "body"))]
            )
            return await self._message(connection, thread, viewer)

    @staticmethod
    def _participants(
        given: Any,
    ) -> list[tuple[str, ParticipantKind, str]]:
        if len(given) > MAX_PARTICIPANTS:
            raise MessagingDomainError("participants", f"at most {MAX_PARTICIPANTS}")
        found = []
        for index, participant in enumerate(given):
            field = f"participants[{index}]"
            if not participant.subject.strip():
                raise MessagingDomainError(f"{field}.subject", "is required")
            if participant.kind not in (pb.PARTICIPANT_KIND_STAFF, pb.PARTICIPANT_KIND_STAKEHOLDER):
                raise MessagingDomainError(
                    f"{field}.kind", "must be STAFF or STAKEHOLDER (the client takes part anyway)"
                )
            found.append(
                (
                    participant.subject.strip()[:200],
                    convert.KIND_FROM_PROTO[participant.kind],
                    validate_display_name(participant.display_name, field=f"{field}.display_name"),
                )
            )
        return found

    async def GetThread(self, request: pb.GetThreadRequest, context: Context) -> pb.Thread:
        caller = current_caller()
        viewer = access.thread_viewer(caller)
        async with self._db.transaction() as connection:
            thread, members = await self._visible_thread(connection, viewer, request.thread_id)
            await self._audit.record(
                connection, caller, [_entry(thread, "thread.read", ("subject",))]
            )
            return convert.thread_message(thread, members, viewer.participant_subject)

    async def ListThreads(
        self, request: pb.ListThreadsRequest, context: Context
    ) -> pb.ListThreadsResponse:
        caller = current_caller()
        viewer = access.thread_viewer(caller)
        size = pagination.page_size(request.page_size)
        position = time_position(request.page_token)
        municipality: str | None = None
        client_id: str | None = None
        participant_only = False
        if viewer.kind is ParticipantKind.STAFF:
            municipality = viewer.municipality
            if request.client_id:
                client_id = resource_id(request.client_id, "client_id", "client")
            else:
                participant_only = True
        elif viewer.kind is ParticipantKind.CLIENT:
            client_id = viewer.client_id
            if request.client_id and request.client_id != client_id:
                raise NotFound("No such client")
        else:
            participant_only = True
        async with self._db.transaction() as connection:
            rows = await thread_store.list_threads(
                connection,
                reader=viewer.participant_subject,
                municipality=municipality,
                client_id=client_id,
                participant_only=participant_only,
                unread_only=request.unread_only,
                position=position,
                limit=size + 1,
            )
            page = rows[:size]
            messages = []
            for row in page:
                members = await thread_store.participants(connection, row.id)
                messages.append(convert.thread_message(row, members, viewer.participant_subject))
            await self._audit.record(
                connection, caller, [_entry(row, "thread.list", ("subject",)) for row in page]
            )
        return pb.ListThreadsResponse(
            threads=messages, next_page_token=time_token(rows, size, "last_message_at")
        )

    async def PostMessage(
        self, request: pb.PostMessageRequest, context: Context
    ) -> pb.ThreadMessage:
        caller = current_caller()
        viewer = access.thread_viewer(caller)
        if not viewer.may_write:
            raise PermissionDenied("This role may not write in message threads")
        try:
            body = validate_body(request.body)
        except MessagingDomainError as error:
            raise invalid(error) from None
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            thread, _ = await self._visible_thread(connection, viewer, request.thread_id)
            existing = await self._replay(connection, caller.subject, key, "PostMessage", digest)
            if existing is not None:
                found = await thread_store.message_by_id(connection, thread.id, existing)
                if found is None:
                    raise NotFound("The message posted with this key is gone")
                return convert.posted_message(found)
            await thread_store.ensure_participant(
                connection, thread.id, viewer.participant_subject, viewer.kind.value
            )
            posted = await thread_store.append_message(
                connection,
                thread,
                author=viewer.participant_subject,
                author_kind=viewer.kind.value,
                body=body,
                now=self._now(),
            )
            if posted is None:
                raise ConcurrentChange("Another message was posted at the same moment; try again")
            if key:
                await self._idempotency.remember(
                    connection, caller.subject, key, "PostMessage", digest, posted.id
                )
            await self._audit.record(connection, caller, [_entry(thread, "thread.post", ("body",))])
            return convert.posted_message(posted)

    async def ListMessages(
        self, request: pb.ListMessagesRequest, context: Context
    ) -> pb.ListMessagesResponse:
        caller = current_caller()
        viewer = access.thread_viewer(caller)
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        try:
            after = int(position["s"]) if position is not None else 0
        except (KeyError, ValueError, TypeError):
            raise InvalidArgument.field("page_token", "is not a token this API issued") from None
        async with self._db.transaction() as connection:
            thread, _ = await self._visible_thread(connection, viewer, request.thread_id)
            rows = await thread_store.list_messages(connection, thread.id, after, size + 1)
            await self._audit.record(
                connection, caller, [_entry(thread, "thread.read-messages", ("body",))]
            )
        page = rows[:size]
        token = pagination.encode_token({"s": page[-1].sequence}) if len(rows) > size else ""
        return pb.ListMessagesResponse(
            messages=[convert.posted_message(r) for r in page], next_page_token=token
        )

    async def MarkThreadRead(
        self, request: pb.MarkThreadReadRequest, context: Context
    ) -> pb.Thread:
        caller = current_caller()
        viewer = access.thread_viewer(caller)
        async with self._db.transaction() as connection:
            thread, _ = await self._visible_thread(connection, viewer, request.thread_id)
            if request.message_id:
                message = await thread_store.message_by_id(
                    connection, thread.id, resource_id(request.message_id, "message_id", "message")
                )
                if message is None:
                    raise NotFound("No such message in the thread")
            else:
                message = await thread_store.latest_message(connection, thread.id)
            await thread_store.ensure_participant(
                connection, thread.id, viewer.participant_subject, viewer.kind.value
            )
            if message is not None:
                await thread_store.mark_read(
                    connection,
                    thread.id,
                    viewer.participant_subject,
                    message.sequence,
                    message.id,
                    self._now(),
                )
            await self._audit.record(connection, caller, [_entry(thread, "thread.mark-read")])
            return await self._message(connection, thread, viewer)
