"""Message threads: staff, the client and stakeholders; read status per participant."""

from __future__ import annotations

import grpc
from messaging_testkit import (
    MANAGER,
    OFFICER,
    OFFICER_837,
    WELFARE_WORKER,
    Messaging,
    client_user,
    rpc_error,
)

from kotopolku.messaging.v1 import messaging_pb2 as pb


async def _thread(svc: Messaging, client_id: str, **fields: object) -> pb.Thread:
    return await svc.stub.CreateThread(
        pb.CreateThreadRequest(
            client_id=client_id,
            subject="Kotoutumiskoulutuksen aloitus",
            body="Hei! Koulutus alkaa maanantaina.",
            **fields,  # type: ignore[arg-type]
        ),
        metadata=svc.md(OFFICER),
    )


async def test_the_client_reads_and_replies_and_read_status_follows(svc: Messaging) -> None:
    client_id = await svc.new_client()
    me = client_user(client_id)
    thread = await _thread(svc, client_id, idempotency_key="thread-1")
    assert (await _thread(svc, client_id, idempotency_key="thread-1")).id == thread.id
    assert thread.message_count == 1
    assert thread.unread_count == 0  # the writer has read their own message

    own = await svc.stub.ListThreads(pb.ListThreadsRequest(), metadata=svc.md(me))
    assert [t.id for t in own.threads] == [thread.id]
    assert own.threads[0].unread_count == 1
    unread = await svc.stub.ListThreads(
        pb.ListThreadsRequest(unread_only=True), metadata=svc.md(me)
    )
    assert len(unread.threads) == 1

    messages = await svc.stub.ListMessages(
        pb.ListMessagesRequest(thread_id=thread.id), metadata=svc.md(me)
    )
    assert [m.body for m in messages.messages] == ["Hei! Koulutus alkaa maanantaina."]
    read = await svc.stub.MarkThreadRead(
        pb.MarkThreadReadRequest(thread_id=thread.id), metadata=svc.md(me)
    )
    assert read.unread_count == 0
    mine = next(p for p in read.participants if p.kind == pb.PARTICIPANT_KIND_CLIENT)
    assert mine.subject == client_id
    assert mine.last_read_message_id == messages.messages[0].id

    reply = await svc.stub.PostMessage(
        pb.PostMessageRequest(thread_id=thread.id, body="Kiitos, tulen paikalle."),
        metadata=svc.md(me),
    )
    assert reply.author_kind == pb.PARTICIPANT_KIND_CLIENT
    assert reply.sequence == 2
    staff_view = await svc.stub.GetThread(
        pb.GetThreadRequest(thread_id=thread.id), metadata=svc.md(OFFICER)
    )
    assert staff_view.unread_count == 1
    assert (
        await svc.stub.ListThreads(pb.ListThreadsRequest(unread_only=True), metadata=svc.md(me))
    ).threads == []


async def test_threads_stay_within_their_tenant(svc: Messaging) -> None:
    client_id = await svc.new_client()
    other_client = await svc.new_client()
    thread = await _thread(svc, client_id)
    for caller in (OFFICER_837, client_user(other_client), WELFARE_WORKER):
        await rpc_error(
            svc.stub.GetThread(pb.GetThreadRequest(thread_id=thread.id), metadata=svc.md(caller)),
            grpc.StatusCode.NOT_FOUND,
        )
    # A manager reads but does not write.
    await svc.stub.GetThread(pb.GetThreadRequest(thread_id=thread.id), metadata=svc.md(MANAGER))
    await rpc_error(
        svc.stub.PostMessage(
            pb.PostMessageRequest(thread_id=thread.id, body="x"), metadata=svc.md(MANAGER)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(
        svc.stub.CreateThread(
            pb.CreateThreadRequest(client_id=client_id, subject="x", body="y"),
            metadata=svc.md(OFFICER_837),
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_a_stakeholder_added_to_the_thread_takes_part(svc: Messaging) -> None:
    client_id = await svc.new_client()
    thread = await _thread(
        svc,
        client_id,
        participants=[
            pb.Participant(
                subject=WELFARE_WORKER.subject,
                kind=pb.PARTICIPANT_KIND_STAKEHOLDER,
                display_name="Pirkanmaan hyvinvointialue",
            )
        ],
    )
    listed = await svc.stub.ListThreads(pb.ListThreadsRequest(), metadata=svc.md(WELFARE_WORKER))
    assert [t.id for t in listed.threads] == [thread.id]
    posted = await svc.stub.PostMessage(
        pb.PostMessageRequest(thread_id=thread.id, body="Sosiaalityöntekijä ottaa yhteyttä."),
        metadata=svc.md(WELFARE_WORKER),
    )
    assert posted.author_kind == pb.PARTICIPANT_KIND_STAKEHOLDER


async def test_bad_input_names_the_field_and_changes_nothing(svc: Messaging) -> None:
    client_id = await svc.new_client()
    error = await rpc_error(
        svc.stub.CreateThread(
            pb.CreateThreadRequest(client_id=client_id, subject=" ", body="x"),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "subject"
    error = await rpc_error(
        svc.stub.CreateThread(
            pb.CreateThreadRequest(
                client_id=client_id,
                subject="x",
                body="y",
                participants=[pb.Participant(subject="z", kind=pb.PARTICIPANT_KIND_CLIENT)],
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "participants[0].kind"
    listed = await svc.stub.ListThreads(
        pb.ListThreadsRequest(client_id=client_id), metadata=svc.md(OFFICER)
    )
    assert listed.threads == []
